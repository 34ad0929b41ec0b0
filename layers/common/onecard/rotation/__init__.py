"""Key rotation: run by operators' command (scripts/rotate_key.py), never on a request path."""
