"""A reader's own data: corrections, the complete copy, password change and erasure (PDPA Art. 3)."""
