"""The provider side's domain errors, in one place. Services name in their docstrings which they raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import NothingChanged, RuleError

__all__ = ["Changed", "NeedsConfirmation", "NothingChanged", "Replacement", "RuleError", "UploadRefused", "WeekErrors"]


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


@dataclass(frozen=True)
class Replacement:
    """A report that would replace one already stored: which record, and each changed field old → new
    (field name → (old, new), in the record's own units: minutes, codes, text)."""

    person_id: int
    record_id: int
    period_start: Any
    period_end: Any
    kind: str
    changes: dict[str, tuple[Any, Any]]


class NeedsConfirmation(Exception):
    """A save would replace reports already stored and the user has not confirmed those replacements yet:
    nothing was stored. The page shows old → new and asks; a post confirming these record ids replaces them."""

    def __init__(self, replacements: list[Replacement]):
        super().__init__("vervangen moet worden bevestigd")
        self.replacements = replacements
