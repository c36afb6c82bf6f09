"""Piccolo tables owned by the municipal side (inbox items, routing, triage)."""
