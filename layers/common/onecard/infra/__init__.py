"""Access to AWS services: clients, secrets, repositories."""
