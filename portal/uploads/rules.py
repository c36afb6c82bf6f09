"""The plan for a whole monthly report file, without I/O: every line judged new, correction, unchanged,
skipped or error; the totals and findings the preview shows; the states of a batch.

The rules are those of a report typed in (shared/rules.py, portal/rules.py); what is particular to a
file is here: the enrollment a line belongs to, duplicates and overlaps inside the file, and rows with
nothing to report. The services load what the plan needs in a few queries (`Context`), so a file of
100,000 rows costs the same number of queries as one of ten.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from portal.errors import NothingChanged
from portal.rules import (
    SINGLE_MILESTONES,
    check_milestone_fields,
    hour_values,
    milestone_values,
    previous_milestone,
    previous_report,
)
from portal.uploads.columns import Layout
from portal.uploads.lines import Line, Outcome
from shared.errors import RuleError
from shared.hours import HOUR_KINDS_BY_COMPONENT, check_hour_amounts, check_may_report_hours, format_hours
from shared.rules import MILESTONES_BY_COMPONENT, check_event_date, check_may_report_milestone, check_period
from shared.vocab import Doelgroep, Leerroute, VerzuimReden

# --- Batch states ---------------------------------------------------------------------------------


class BatchStatus(StrEnum):
    CHECKING = "checking"
    NEEDS_MAPPING = "needs_mapping"
    REFUSED = "refused"
    CHECKED = "checked"
    COMMITTING = "committing"
    COMMITTED = "committed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    BatchStatus.CHECKING: "Wordt gecontroleerd",
    BatchStatus.NEEDS_MAPPING: "Kolommen koppelen",
    BatchStatus.REFUSED: "Niet gelezen",
    BatchStatus.CHECKED: "Gecontroleerd, nog niet opgeslagen",
    BatchStatus.COMMITTING: "Wordt opgeslagen",
    BatchStatus.COMMITTED: "Opgeslagen",
    BatchStatus.CANCELLED: "Niet opgeslagen (afgebroken)",
}
BUSY = {BatchStatus.CHECKING, BatchStatus.COMMITTING}


# --- The plan for a whole file --------------------------------------------------------------------


@dataclass
class Context:
    """What the plan needs from the database, loaded once per file."""

    today: date
    people: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]  # bsn → person, open enrollments here
    hours: dict[tuple[int, str], list[dict[str, Any]]]  # (enrollment, kind) → current records
    milestones: dict[tuple[int, str], dict[str, Any]]  # (enrollment, kind) → current completion


NOT_HERE = (
    "Dit BSN hoort niet bij iemand die nu bij uw organisatie is ingeschreven. Controleer het BSN; "
    "staat het goed, vraag dan de gemeente om de inschrijving."
)
SKIPPED_ZERO = "Geen uren en geen verzuim: er is niets te melden. Deze regel slaan we over."


def _pick_hours_enrollment(line: Line, enrollments: list[dict[str, Any]]) -> dict[str, Any] | None:
    if line.kind is None:
        components = {e["component"] for e in enrollments if HOUR_KINDS_BY_COMPONENT[e["component"]]}
        if len(components) == 1:
            line.kind = HOUR_KINDS_BY_COMPONENT[components.pop()][0]
        elif not components:
            line.error(
                "kind",
                "Voor deze persoon kunt u geen uren melden: de inschrijving bij uw organisatie is "
                f"voor {enrollments[0]['component'].label}.",
            )
            return None
        else:
            line.error(
                "kind",
                "Deze persoon heeft bij u meer dan één inschrijving waarop uren passen. Vul de kolom 'Soort uren' in.",
            )
            return None
    candidates = [e for e in enrollments if line.kind in HOUR_KINDS_BY_COMPONENT[e["component"]]] or enrollments[:1]
    for e in candidates:
        if e["start"] <= line.start and (e["end"] is None or line.end <= e["end"]):
            return e
    return candidates[0]


def _pick_milestone_enrollment(line: Line, enrollments: list[dict[str, Any]]) -> dict[str, Any]:
    candidates = [e for e in enrollments if line.milestone in MILESTONES_BY_COMPONENT[e["component"]]]
    return (candidates or enrollments)[0]


def _plan_hours(
    line: Line,
    person: dict[str, Any],
    enrollments: list[dict[str, Any]],
    ctx: Context,
    in_file: dict[tuple[int, str], list[Line]],
) -> None:
    if line.followed == 0:
        line.outcome = Outcome.SKIPPED
        line.warn("attended", SKIPPED_ZERO)
        return
    enrollment = _pick_hours_enrollment(line, enrollments)
    if enrollment is None:
        return
    line.enrollment = enrollment
    report = line.report()
    try:
        check_may_report_hours(
            enrollment["component"],
            line.kind,
            Doelgroep(person["doelgroep"]),
            period=report.period,
            pip_dagtekening=person["pip_dagtekening"],
        )
        check_period(report.period, ctx.today, enrollment["start"], enrollment["end"])
        check_hour_amounts(report)
    except RuleError as e:
        line.error(e.field, e.message)
        return
    if line.reden is VerzuimReden.ZONDER_BERICHT and line.geoorloofd and not line.ongeoorloofd:
        line.warn(
            "verzuim_reden",
            "'Zonder bericht afwezig' is ongeoorloofd verzuim, maar deze regel heeft alleen "
            "geoorloofd verzuim. Klopt dat? Zo niet: zet de uren bij ongeoorloofd verzuim.",
        )
    elif line.reden is not None and not (line.geoorloofd or line.ongeoorloofd):
        line.warn("verzuim_reden", "Er staat een reden van verzuim, maar geen verzuim. De reden wordt wel bewaard.")
    key = (enrollment["id"], line.kind.value)
    for other in in_file.get(key, ()):
        if other.start <= line.end and line.start <= other.end:
            same = (other.start, other.end) == (line.start, line.end)
            message = (
                "Dubbel: regel {n} meldt voor deze persoon dezelfde soort uren over dezelfde periode. "
                "Laat één regel over."
                if same
                else "Deze periode overlapt met regel {n} in dit bestand. Uren zouden dan dubbel tellen."
            )
            line.error("period_start", message.format(n=other.number))
            other.error("period_start", message.format(n=line.number))
            return
    in_file.setdefault(key, []).append(line)
    values = hour_values(report, line.toelichting)
    try:
        line.previous = previous_report(ctx.hours.get(key, ()), report.period, values)
    except NothingChanged:
        line.outcome = Outcome.UNCHANGED
        return
    except RuleError as e:
        line.error(e.field, e.message)
        return
    line.outcome = Outcome.CORRECTION if line.previous else Outcome.NEW


def _plan_milestone(
    line: Line,
    person: dict[str, Any],
    enrollments: list[dict[str, Any]],
    ctx: Context,
    in_file: dict[tuple[int, str], list[Line]],
) -> None:
    enrollment = _pick_milestone_enrollment(line, enrollments)
    line.enrollment = enrollment
    try:
        check_may_report_milestone(
            enrollment["component"], line.milestone, Leerroute(person["leerroute"]) if person["leerroute"] else None
        )
        check_event_date(line.event_date, ctx.today, enrollment["start"])
        check_milestone_fields(line.milestone, line.verwijtbaar, line.uitslag, line.toelichting)
    except RuleError as e:
        line.error(e.field, e.message)
        return
    key = (enrollment["id"], line.milestone.value)
    values = milestone_values(line.event_date, line.verwijtbaar, line.uitslag, line.toelichting)
    try:
        line.previous = previous_milestone(line.milestone, ctx.milestones.get(key), values)
    except NothingChanged:
        line.outcome = Outcome.UNCHANGED
        return
    if line.milestone in SINGLE_MILESTONES:
        for other in in_file.get(key, ()):
            message = "Dubbel: regel {n} meldt voor deze persoon dezelfde afronding. Laat één regel over."
            line.error("milestone", message.format(n=other.number))
            other.error("milestone", message.format(n=line.number))
            return
        in_file.setdefault(key, []).append(line)
    line.outcome = Outcome.CORRECTION if line.previous else Outcome.NEW


def plan(lines: Iterable[Line], ctx: Context) -> list[Line]:
    """Judge every line against the database (`ctx`) and the rest of the file; returns the lines."""
    hours_seen: dict[tuple[int, str], list[Line]] = {}
    milestones_seen: dict[tuple[int, str], list[Line]] = {}
    out = []
    for line in lines:
        out.append(line)
        found = ctx.people.get(line.bsn)
        if found is None:
            if line.bsn is not None:  # a row with other errors still hears that its person is unknown
                line.error("bsn", NOT_HERE)
            continue
        if line.outcome is Outcome.ERROR:
            line.person = found[0]
            continue
        person, enrollments = found
        line.person = person
        if line.is_milestone:
            _plan_milestone(line, person, enrollments, ctx, milestones_seen)
        else:
            _plan_hours(line, person, enrollments, ctx, hours_seen)
    return out


def date_range(lines: Iterable[Line]) -> tuple[date, date] | None:
    starts = [line.start for line in lines if line.start and line.end]
    if not starts:
        return None
    return min(starts), max(line.end for line in lines if line.start and line.end)


# --- What the preview shows -----------------------------------------------------------------------


def describe_change(line: Line) -> str:
    """Old → new, in words: 'Aanwezig 36,75 → 40 uur; reden Ziek → Werk'."""
    old = line.previous or {}
    if line.is_milestone:
        parts = []
        if old.get("event_date") != line.event_date:
            parts.append(f"datum {old.get('event_date'):%d-%m-%Y} → {line.event_date:%d-%m-%Y}")
        if old.get("verwijtbaar") != line.verwijtbaar:
            parts.append(f"verwijtbaar {_yes(old.get('verwijtbaar'))} → {_yes(line.verwijtbaar)}")
        if (old.get("toelichting") or "") != line.toelichting.strip():
            parts.append("toelichting gewijzigd")
        if (old.get("uitslag") or "") != line.uitslag.strip():
            parts.append(f"uitslag {old.get('uitslag') or '-'} → {line.uitslag or '-'}")
        return f"{line.milestone.label}: " + ("; ".join(parts) or "gewijzigd")
    parts = []
    for label, key, new in (
        ("aanwezig", "attended_minutes", line.attended),
        ("geoorloofd verzuim", "geoorloofd_minutes", line.geoorloofd),
        ("ongeoorloofd verzuim", "ongeoorloofd_minutes", line.ongeoorloofd),
    ):
        if old.get(key) != new:
            parts.append(f"{label} {format_hours(old.get(key))} → {format_hours(new)} uur")
    new_reden = line.reden.value if line.reden else None
    if old.get("verzuim_reden") != new_reden:
        old_label = VerzuimReden(old["verzuim_reden"]).label if old.get("verzuim_reden") else "geen"
        parts.append(f"reden {old_label} → {line.reden.label if line.reden else 'geen'}")
    if (old.get("toelichting") or "") != line.toelichting:
        parts.append("toelichting gewijzigd")
    return f"{line.kind.label} {line.start:%d-%m-%Y} t/m {line.end:%d-%m-%Y}: " + "; ".join(parts)


def _yes(value: bool | None) -> str:
    return {True: "ja", False: "nee"}.get(value, "-")


@dataclass
class Totals:
    rows: int = 0
    new: int = 0
    corrected: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    persons: int = 0
    minutes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def to_store(self) -> int:
        return self.new + self.corrected

    def fingerprint(self) -> list[int]:
        return [self.rows, self.new, self.corrected, self.unchanged, self.skipped, self.errors]


def totals(lines: list[Line]) -> Totals:
    t = Totals(rows=len(lines))
    persons = set()
    by_kind: dict[str, int] = defaultdict(int)
    for line in lines:
        outcome = line.outcome
        if outcome is Outcome.ERROR:
            t.errors += 1
            continue
        if outcome is Outcome.SKIPPED:
            t.skipped += 1
            continue
        if outcome is Outcome.NEW:
            t.new += 1
        elif outcome is Outcome.CORRECTION:
            t.corrected += 1
        else:
            t.unchanged += 1
        persons.add(line.person["id"])
        if not line.is_milestone:
            t.minutes += line.followed
            by_kind[line.kind.value] += line.followed
    t.persons = len(persons)
    t.by_kind = dict(by_kind)
    return t


def issues(lines: list[Line], layout: Layout) -> Iterator[tuple[int, str, str, str, int | None]]:
    """(row, kind, column header, message, person id) for the preview and the error file."""
    for line in lines:
        person_id = line.person["id"] if line.person else None
        if line.errors:
            for key, message in line.errors:
                yield line.number, "error", layout.column(key), message, person_id
        if line.warnings:
            kind = "skipped" if line.outcome is Outcome.SKIPPED else "warning"
            for key, message in line.warnings:
                yield line.number, kind, layout.column(key), message, person_id
        if line.outcome is Outcome.CORRECTION:
            yield line.number, "correction", "", describe_change(line), person_id
