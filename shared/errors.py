"""The domain errors every side shares. Each side keeps its own further errors in its `errors.py`
(portal/errors.py, municipal/errors.py); a public service function names in its docstring what it raises."""

from __future__ import annotations


class RuleError(ValueError):
    """A rule said no: a Dutch message for the user, optionally tied to the form field that caused it.
    Shown next to that field (or above the form when `field` is None); nothing was stored."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NothingChanged(Exception):
    """What was sent equals what is stored: nothing written, and the user is told so."""
