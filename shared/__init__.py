"""The dossier every side reads: settings, tables, pure rules, security and web helpers."""
