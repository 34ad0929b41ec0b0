"""Consent documents (個資同意書) and the receipts of readers' decisions."""
