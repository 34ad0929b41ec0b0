"""The local stack: template.yaml run on this machine with embedded AWS emulation (moto), no cloud and no Docker."""
