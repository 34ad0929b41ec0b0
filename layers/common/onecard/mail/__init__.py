"""E-mail the service sends: the messages, and the ways they leave (Amazon SES, or the local stack's sink)."""
