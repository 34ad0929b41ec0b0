"""Simulated partners (ntpc, klcpl, taipei-card) for the local stack and the tests."""
