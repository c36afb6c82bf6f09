"""Provider organisations and contracts."""
