"""The municipal inbox: every event the gemeente must act on becomes an item, routed, with a deadline."""
