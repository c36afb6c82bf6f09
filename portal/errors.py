"""The provider side's domain errors, in one place. Services name in their docstrings which they raise."""

from __future__ import annotations

from shared.errors import NothingChanged, RuleError

__all__ = ["Changed", "NothingChanged", "RuleError", "UploadRefused", "WeekErrors"]


class WeekErrors(Exception):
    """The weekly grid had complaints: person id → the RuleError for that person's row. Nothing was stored
    (the grid is saved all or nothing)."""

    def __init__(self, errors: dict[int, RuleError]):
        super().__init__("fouten in het weekoverzicht")
        self.errors = errors


class UploadRefused(Exception):
    """A Dutch message about the whole upload (already committed, wrong state, file gone)."""

    def __init__(self, message: str, batch_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.batch_id = batch_id


class Changed(Exception):
    """The database changed between an upload's preview and its commit: nothing stored, the preview is
    refreshed."""
