"""Single form fields the municipal forms share (the dossier's and the providers'): free text, an optional
whole number, ja/nee, an end date. Each raises a RuleError with the Dutch message beside its field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from shared.errors import RuleError
from shared.forms import FormErrors, collect, parse_date

Form = Mapping[str, str]


def text(form: Form, name: str, max_length: int = 200) -> str:
    return (form.get(name) or "").strip()[:max_length]


def parse_optional_int(raw: str | None, field: str, message: str, minimum: int = 0, maximum: int = 9999) -> int | None:
    value = (raw or "").strip().replace(".", "")
    if not value:
        return None
    if not value.isdigit() or not minimum <= int(value) <= maximum:
        raise RuleError(message, field)
    return int(value)


def parse_yes_no(raw: str | None, field: str, required: bool = False) -> bool | None:
    value = (raw or "").strip().lower()
    if value in {"ja", "1", "true", "on"}:
        return True
    if value in {"nee", "0", "false"}:
        return False
    if required:
        raise RuleError("Kies ja of nee.", field)
    return None


def parse_end_form(form: Form, field: str = "end") -> tuple[date | None, FormErrors]:
    errors = FormErrors()
    day = collect(errors, field, parse_date, form.get(field), field)
    return (None if errors else day), errors
