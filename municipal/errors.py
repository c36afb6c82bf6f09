"""The municipal side's domain errors, in one place. Services name in their docstrings which they raise."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.errors import NothingChanged, RuleError

__all__ = [
    "AlreadyRegistered",
    "DuplicateDossier",
    "NothingChanged",
    "RuleError",
    "RuleErrors",
    "TransitionError",
    "raise_all",
]


class RuleErrors(RuleError):
    """Several complaints about one form; the first is the message, all are in `errors`, each beside its
    field, so the regisseur fixes them in one go."""

    def __init__(self, errors: Sequence[RuleError]):
        super().__init__(errors[0].message, errors[0].field)
        self.errors = list(errors)


def raise_all(errors: list[RuleError]) -> None:
    """Raise RuleErrors when the list holds any complaint."""
    if errors:
        raise RuleErrors(errors)


class DuplicateDossier(RuleError):
    """A running dossier with this BSN exists already in the gemeente; `existing_id` is that person."""

    def __init__(self, existing: dict[str, Any]):
        super().__init__(
            f"Er is al een lopend dossier met dit BSN: {existing['voornamen']} {existing['achternaam']}.", "bsn"
        )
        self.existing_id = existing["id"]


class AlreadyRegistered(RuleError):
    """An organisation with this KvK number is in Regie already; `existing_id` is that organisation."""

    def __init__(self, existing: dict[str, Any]):
        super().__init__(
            f"Deze organisatie staat al in Regie: {existing['name']} (KvK {existing['kvk']}). "
            "Sluit een contract met die organisatie; een tweede record is niet nodig.",
            "kvk",
        )
        self.existing_id = existing["id"]


class TransitionError(RuleError):
    """A triage step on an inbox item that is not allowed, with the Dutch reason (and the field it concerns)."""
