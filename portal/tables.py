"""Piccolo tables owned by the provider side (uploads, column mappings, API tokens)."""
