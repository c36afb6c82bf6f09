"""Provider side: pages and services for reporting hours and completions."""
