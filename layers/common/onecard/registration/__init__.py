"""Applying for a library card (網路辦證)."""
