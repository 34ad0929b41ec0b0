"""Partner libraries: the signed one-card protocol and the clients that speak it."""
