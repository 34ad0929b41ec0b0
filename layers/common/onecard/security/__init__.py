"""Cryptography of personal data: password hashes, blind indexes, envelope encryption."""
