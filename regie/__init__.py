"""The composition root: the only package that assembles both sides (portal and municipal) on the shared base."""
