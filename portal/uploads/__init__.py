"""Monthly report uploads: a provider's file (or API call) received, checked, previewed and committed."""
