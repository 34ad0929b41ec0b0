"""Shared code of the Taipei Public Library one-card service (deployed as a Lambda layer)."""
