"""DUO's machine-to-machine interface for municipalities: its published contract (openapi/) and the
checks against it (contract.py)."""
