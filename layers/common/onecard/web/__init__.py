"""HTTP conventions shared by every resolver: problem responses, security headers, request ids."""
