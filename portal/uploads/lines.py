"""One row of the file becomes one `Line`, without I/O: typed values, and every problem noted with its column.

`parse_row` reads a row with the file's `Layout`: the BSN, dates, hours in quarters, yes/no, and the
school's own words for our codes. It never raises: a problem becomes an error on the line, so the
preview can list them all; a formula is refused by name, never evaluated. `Outcome` is what the plan
(rules.py) later decides for each line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from portal.uploads.columns import HOUR_KEYS, Layout
from shared.calendar import Period
from shared.errors import RuleError
from shared.forms import check_year
from shared.forms import parse_date as _parse_date_text
from shared.hours import HourReport, parse_hours
from shared.rules import normalise_bsn
from shared.tabular import Row, formula_problem, normalise_header
from shared.tabular.cells import FORMULA_START
from shared.vocab import HourKind, MilestoneKind, VerzuimReden

YES_NO = {
    "ja": True,
    "j": True,
    "yes": True,
    "true": True,
    "waar": True,
    "1": True,
    "nee": False,
    "n": False,
    "no": False,
    "false": False,
    "onwaar": False,
    "0": False,
}


class Outcome(StrEnum):
    NEW = "new"
    CORRECTION = "correction"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    ERROR = "error"


# --- One row → one line ---------------------------------------------------------------------------


@dataclass(slots=True)
class Line:
    number: int
    bsn: str | None = None
    is_milestone: bool = False
    kind: HourKind | None = None
    start: date | None = None
    end: date | None = None
    attended: int = 0
    geoorloofd: int = 0
    ongeoorloofd: int = 0
    reden: VerzuimReden | None = None
    milestone: MilestoneKind | None = None
    event_date: date | None = None
    verwijtbaar: bool | None = None
    uitslag: str = ""
    toelichting: str = ""
    # filled in by the plan
    outcome: Outcome = Outcome.NEW
    errors: list[tuple[str, str]] | None = None  # (column key, message)
    warnings: list[tuple[str, str]] | None = None
    person: dict[str, Any] | None = None
    enrollment: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None

    def error(self, key: str | None, message: str) -> None:
        if self.errors is None:
            self.errors = []
        self.errors.append((key or "", message))
        self.outcome = Outcome.ERROR

    def warn(self, key: str | None, message: str) -> None:
        if self.warnings is None:
            self.warnings = []
        self.warnings.append((key or "", message))

    @property
    def followed(self) -> int:
        return self.attended + self.geoorloofd + self.ongeoorloofd

    def report(self) -> HourReport:
        return HourReport(
            self.kind, Period(self.start, self.end), self.attended, self.geoorloofd, self.ongeoorloofd, self.reden
        )


@lru_cache(maxsize=8192, typed=True)  # typed: True and 1 are equal as keys, but not the same hours
def _hours(raw: Any, key: str) -> int:
    return parse_hours(raw, key)


# A date as an Excel serial number (days since 1899-12-30): what a date cell becomes when its format is
# lost (a BI export, a cell formatted as a number). Only serials of plausible years are taken as dates.
_SERIAL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = range(36526, 73051)  # 2000-01-01 up to 2100-01-01
_MIDNIGHT = re.compile(r"(\S+?)(?:[ T]00:00(?::00(?:\.0+)?)?)?")  # "2026-10-01 00:00:00" from a BI tool


@lru_cache(maxsize=4096)
def _date_text(raw: str, key: str) -> date:
    text = raw.strip()
    if text.isdigit() and int(text) in _SERIAL_RANGE:
        return _serial(int(text), key)
    if m := _MIDNIGHT.fullmatch(text):
        text = m[1]
    return _parse_date_text(text, key)


def _serial(value: int, key: str) -> date:
    return check_year(_SERIAL_EPOCH + timedelta(days=value), key)


def _date(raw: Any, key: str) -> date | None:
    """A date cell whatever its type: a date or datetime cell, an Excel serial (46296 or 46296.0), or text
    dd-mm-jjjj, d-m-jjjj, jjjj-mm-dd (with a time of 00:00 after it). Raises RuleError(key)."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return check_year(raw.date(), key)
    if isinstance(raw, date):
        return check_year(raw, key)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer() and int(raw) in _SERIAL_RANGE:
            return _serial(int(raw), key)
        raise RuleError(f"'{raw}' is geen datum. Schrijf bijvoorbeeld 31-10-2026 (of maak van de cel een datum).", key)
    if isinstance(raw, (time, timedelta)):
        raise RuleError(f"'{raw}' is een tijd, geen datum. Schrijf bijvoorbeeld 31-10-2026.", key)
    return _date_text(str(raw), key)


@lru_cache(maxsize=65536)
def _bsn(raw: str) -> str:
    return normalise_bsn(raw)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, datetime):
        return f"{raw:%d-%m-%Y}"
    return str(raw).strip()


def _choice(raw: Any, key: str, layout: Layout) -> str | None:
    text = _text(raw)
    if not text:
        return None
    known = layout.values[key]
    code = known.get(text)
    if code is None:
        code = known.get(normalise_header(text))
        if code is not None:
            known[text] = code  # the same word as written: found without normalising next time
    if code is None:
        seen = layout.unknown.setdefault(key, [])
        if text not in seen and len(seen) < 50:
            seen.append(text)
        what = {"verzuim_reden": "Deze reden", "kind": "Deze soort uren", "milestone": "Deze afronding"}[key]
        raise RuleError(
            f"{what} ('{text}') staat niet in de lijst. Gebruik een woord uit de lijst op het blad "
            "Uitleg, of koppel uw eigen woord één keer aan onze lijst (Kolommen en waarden koppelen).",
            key,
        )
    return code


def parse_row(row: Row, layout: Layout) -> Line:
    """One row of the file as typed values; every problem is noted with its column, nothing is raised."""
    line = Line(row.number)
    if row.error:
        line.error("", row.error)
        return line
    values = row.values
    cells = {key: values[i] for key, i in layout.positions.items()}
    for key, value in cells.items():
        if type(value) is str and value[0] in FORMULA_START and (problem := formula_problem(value)):
            line.error(key, problem)
            cells[key] = None
    get = cells.get

    raw = get("bsn")
    if raw is None:
        if line.errors is None:
            line.error("bsn", "Vul het BSN in.")
    else:
        try:
            line.bsn = _bsn(str(raw))
        except RuleError as e:
            line.error("bsn", e.message)
    milestone = _take(line, get("milestone"), "milestone", _choice, layout)
    line.toelichting = _text(get("toelichting"))
    if milestone:
        line.is_milestone = True
        line.milestone = MilestoneKind(milestone)
        if any(get(k) not in (None, 0) for k in HOUR_KEYS):
            line.error("milestone", "Een regel is óf uren óf een afronding. Zet de afronding op een eigen regel.")
        line.event_date = _take(line, get("event_date"), "event_date", _date)
        if line.event_date is None and get("event_date") is None:
            line.error("event_date", "Vul de datum van de afronding in.")
        verwijtbaar = _text(get("verwijtbaar")).lower()
        if verwijtbaar:
            if verwijtbaar not in YES_NO:
                line.error("verwijtbaar", f"Vul bij Verwijtbaar ja of nee in (niet '{verwijtbaar}').")
            else:
                line.verwijtbaar = YES_NO[verwijtbaar]
        line.uitslag = _text(get("uitslag"))
        return line
    kind = _take(line, get("kind"), "kind", _choice, layout)
    line.kind = HourKind(kind) if kind else None
    start, end = get("period_start"), get("period_end")
    line.start = _take(line, start, "period_start", _date)
    line.end = _take(line, end, "period_end", _date)
    if (start is None or end is None) and not line.errors:
        line.error("period_start" if start is None else "period_end", "Vul de periode in: de eerste en de laatste dag.")
    for key in HOUR_KEYS:
        raw = get(key)
        if raw is not None:
            try:
                setattr(line, key, _hours(raw, key))
            except RuleError as e:
                line.error(e.field or key, e.message)
    reden = _take(line, get("verzuim_reden"), "verzuim_reden", _choice, layout)
    line.reden = VerzuimReden(reden) if reden else None
    return line


def _take(line: Line, raw: Any, key: str, fn, *args):
    """fn(raw, key, ...) or None; a RuleError is noted on the line under its field."""
    if raw is None:
        return None
    try:
        return fn(raw, key, *args)
    except RuleError as e:
        line.error(e.field or key, e.message)
        return None
