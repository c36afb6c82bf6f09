"""Parsing form values by hand into typed values plus a dict of Dutch errors per field.

Explicit parsing, because Litestar's coercion rejects a single checkbox or one-item multi-select
(litestar issues 2043/2028), and because Dutch users write dates and numbers their own way.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import TypeVar

from shared.calendar import EARLIEST_YEAR, LATEST_YEAR, plausible_year
from shared.errors import RuleError
from shared.hours import parse_hours
from shared.tabular.cells import formula_problem

E = TypeVar("E", bound=Enum)


class FormErrors(dict):
    """field name → Dutch message."""

    def add(self, error: RuleError, default_field: str = "__all__") -> None:
        self.setdefault(error.field or default_field, error.message)


YEAR_MESSAGE = (
    "Het jaar {year} klopt niet. Vul een jaar tussen {lo} en {hi} in, met vier cijfers (bijvoorbeeld 31-10-2026)."
)


def check_year(day: date, field: str) -> date:
    """The one year check for every date from a person or a file (forms, uploads, the API, imports):
    raises RuleError(field) when the year lies outside shared.calendar's plausible range."""
    if not plausible_year(day):
        raise RuleError(YEAR_MESSAGE.format(year=f"{day.year:04d}", lo=EARLIEST_YEAR, hi=LATEST_YEAR), field)
    return day


def parse_date(raw: str | None, field: str, required: bool = True) -> date | None:
    """dd-mm-jjjj, d-m-jjjj and ISO (what a date input sends); the year must be plausible (check_year).
    Raises RuleError(field) with a Dutch message."""
    text = (raw or "").strip()
    if not text:
        if required:
            raise RuleError("Vul een datum in.", field)
        return None
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or None
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    elif re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{1,3}", text):
        raise RuleError(
            f"Schrijf het jaar met vier cijfers: '{text}' is geen volledige datum (bijvoorbeeld 31-10-2026).", field
        )
    else:
        raise RuleError(f"'{text}' is geen datum. Schrijf bijvoorbeeld 31-10-2026.", field)
    if not EARLIEST_YEAR <= y <= LATEST_YEAR:
        raise RuleError(YEAR_MESSAGE.format(year=f"{y:04d}", lo=EARLIEST_YEAR, hi=LATEST_YEAR), field)
    try:
        return date(y, mo, d)
    except ValueError:
        raise RuleError(f"{text} bestaat niet als datum.", field) from None


def parse_text(raw: str | None, field: str) -> str:
    """Free text from a form (a toelichting, an uitslag), stripped; text that starts as a spreadsheet formula
    (= + - @, OWASP's CSV-injection set, shared.tabular.formula_problem) is refused as it is in a file.
    Raises RuleError(field)."""
    text = (raw or "").strip()
    if problem := formula_problem(text):
        raise RuleError(problem.replace("In deze cel staat", "Hier staat").replace(" in de cel", ""), field)
    return text


def parse_choice(raw: str | None, enum: type[E], field: str, message: str, required: bool = True) -> E | None:
    text = (raw or "").strip()
    if not text and not required:
        return None
    try:
        return enum(text)
    except ValueError:
        raise RuleError(message, field) from None


def parse_int(raw: str | None, field: str, message: str) -> int:
    try:
        return int((raw or "").strip())
    except ValueError:
        raise RuleError(message, field) from None


def collect(errors: FormErrors, field: str, fn, *args, **kwargs):
    """Run one parser; on a RuleError note it under its field and return None, so all fields get checked."""
    try:
        return fn(*args, **kwargs)
    except RuleError as e:
        errors.add(e, field)
        return None


__all__ = [
    "FormErrors",
    "check_year",
    "collect",
    "parse_choice",
    "parse_date",
    "parse_hours",
    "parse_int",
    "parse_text",
]
