"""Municipal side: the gemeente\x27s view of its inburgeraars (inbox and dossier follow)."""
