"""Pure domain rules: no AWS, no I/O."""
