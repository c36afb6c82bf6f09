"""The dossier the gemeente keeps per inburgeraar."""
