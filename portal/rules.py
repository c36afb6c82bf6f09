"""Pure decisions of the provider side, shared by every way a report arrives (form, weekly grid, upload,
API): is it new, a correction or nothing new; what does its record and its domain event hold.

No I/O: the services load the current records and pass them in, so one report typed in and a
hundred thousand uploaded are judged by the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from portal.errors import NothingChanged, RuleError
from shared.calendar import Period
from shared.events import EventKind, HoursPayload, MilestonePayload
from shared.hours import HourReport, format_hours
from shared.vocab import HourKind, MilestoneKind, VerzuimReden

# --- Hours ------------------------------------------------------------------------------------------


def hour_values(report: HourReport, toelichting: str) -> dict[str, Any]:
    """The fields of a report that a correction can change."""
    return dict(
        attended_minutes=report.attended,
        geoorloofd_minutes=report.geoorloofd,
        ongeoorloofd_minutes=report.ongeoorloofd,
        verzuim_reden=report.verzuim_reden.value if report.verzuim_reden else None,
        toelichting=toelichting,
    )


def overlap_message(start: date, end: date) -> str:
    return (
        f"Deze periode overlapt met een eerdere melding ({start:%d-%m-%Y} t/m {end:%d-%m-%Y}). Uren zouden "
        "dan dubbel tellen. Corrigeer die periode of kies een periode die er niet mee overlapt."
    )


def previous_report(current: Iterable[dict[str, Any]], period: Period, values: dict[str, Any]) -> dict[str, Any] | None:
    """Among the current records of one enrollment and kind: the one this report corrects (same period),
    or None when it is new. A period that overlaps another without being the same is refused (the hours
    would count twice); the same values again raise NothingChanged."""
    previous = None
    for row in current:
        if row["period_start"] > period.end or row["period_end"] < period.start:
            continue
        if (row["period_start"], row["period_end"]) == (period.start, period.end):
            previous = row
        else:
            raise RuleError(overlap_message(row["period_start"], row["period_end"]), "period_start")
    if previous is not None and all(previous[k] == v for k, v in values.items()):
        raise NothingChanged()
    return previous


def hours_event(
    new_id: int,
    enrollment: dict[str, Any],
    organisation_id: int,
    report: HourReport,
    previous_id: int | None,
    source: str,
    **extra: Any,
) -> tuple[EventKind, HoursPayload]:
    """The domain event for a stored report: its kind and payload (the municipal inbox reads these)."""
    return hours_event_of(
        new_id,
        enrollment,
        organisation_id,
        report.kind,
        report.period.start,
        report.period.end,
        report.attended,
        report.geoorloofd,
        report.ongeoorloofd,
        previous_id,
        source,
        **extra,
    )


def hours_event_of(
    new_id: int,
    enrollment: dict[str, Any],
    organisation_id: int,
    kind: HourKind,
    start: date,
    end: date,
    attended: int,
    geoorloofd: int,
    ongeoorloofd: int,
    previous_id: int | None,
    source: str,
    **extra: Any,
) -> tuple[EventKind, HoursPayload]:
    """`hours_event` from the report's fields (an upload writes many without building a report each)."""
    payload = HoursPayload(
        record_id=new_id,
        enrollment_id=enrollment["id"],
        organisation_id=organisation_id,
        component=enrollment["component"].value,
        kind=kind,
        period_start=start,
        period_end=end,
        attended_minutes=attended,
        geoorloofd_minutes=geoorloofd,
        ongeoorloofd_minutes=ongeoorloofd,
        supersedes=previous_id,
        source=source,
        **extra,
    )
    return (EventKind.HOURS_CORRECTED if previous_id else EventKind.HOURS_REPORTED), payload


# --- Milestones -------------------------------------------------------------------------------------

# A completion has one current value per enrollment: entering it again corrects it. Notes accumulate.
SINGLE_MILESTONES = {
    MilestoneKind.MAP_EINDGESPREK,
    MilestoneKind.PVT_ONDERTEKENING,
    MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND,
    MilestoneKind.NIET_VOLTOOID,
}


def check_milestone_fields(kind: MilestoneKind, verwijtbaar: bool | None, uitslag: str, toelichting: str) -> None:
    if kind is MilestoneKind.NIET_VOLTOOID:
        if verwijtbaar is None:
            raise RuleError("Geef aan of het niet voltooien verwijtbaar is.", "verwijtbaar")
        if not toelichting.strip():
            raise RuleError("Geef de reden waarom het onderdeel niet is voltooid.", "toelichting")
    if kind is MilestoneKind.TUSSENTIJDSE_TOETS and not uitslag.strip():
        raise RuleError("Vul de uitslag van de toets in.", "uitslag")
    if kind in {MilestoneKind.VOORTGANG, MilestoneKind.BELEMMERING} and not toelichting.strip():
        raise RuleError("Schrijf kort wat de gemeente moet weten.", "toelichting")


def milestone_values(event_date: date, verwijtbaar: bool | None, uitslag: str, toelichting: str) -> dict[str, Any]:
    return dict(
        event_date=event_date, verwijtbaar=verwijtbaar, uitslag=uitslag.strip(), toelichting=toelichting.strip()
    )


def previous_milestone(
    kind: MilestoneKind, current: dict[str, Any] | None, values: dict[str, Any]
) -> dict[str, Any] | None:
    """The milestone this one corrects (completions have one current value), or None; NothingChanged
    when it repeats the current one."""
    if kind not in SINGLE_MILESTONES or current is None:
        return None
    if all(current[k] == v for k, v in values.items()):
        raise NothingChanged()
    return current


def milestone_event(
    new_id: int,
    enrollment: dict[str, Any],
    organisation_id: int,
    kind: MilestoneKind,
    values: dict[str, Any],
    previous_id: int | None,
    source: str,
    **extra: Any,
) -> tuple[EventKind, MilestonePayload]:
    payload = MilestonePayload(
        milestone_id=new_id,
        enrollment_id=enrollment["id"],
        organisation_id=organisation_id,
        component=enrollment["component"].value,
        kind=kind,
        event_date=values["event_date"],
        verwijtbaar=values["verwijtbaar"],
        supersedes=previous_id,
        source=source,
        **extra,
    )
    return (EventKind.MILESTONE_CORRECTED if previous_id else EventKind.MILESTONE_REPORTED), payload


# --- Asking before a report replaces another -------------------------------------------------------------

REPLACE_FIELD_LABELS = {
    "attended_minutes": "Aanwezig",
    "geoorloofd_minutes": "Geoorloofd verzuim",
    "ongeoorloofd_minutes": "Ongeoorloofd verzuim",
    "verzuim_reden": "Reden van verzuim",
    "toelichting": "Toelichting",
}


def _shown(field: str, value: Any) -> str:
    if field.endswith("_minutes"):
        return f"{format_hours(value or 0)} uur"
    if field == "verzuim_reden":
        return VerzuimReden(value).label if value else "geen"
    return value or "–"


def describe_replacements(replacements, names: dict[int, str]) -> list[dict[str, Any]]:
    """What the confirmation shows per replaced report: whose, which period and kind, and old → new per
    changed field, in Dutch ("62,5 uur" → "6 uur")."""
    return [
        {
            "record_id": r.record_id,
            "who": names.get(r.person_id, ""),
            "period": f"{r.period_start:%d-%m-%Y} t/m {r.period_end:%d-%m-%Y}",
            "kind": HourKind(r.kind).label,
            "changes": [
                (REPLACE_FIELD_LABELS.get(f, f), _shown(f, old), _shown(f, new)) for f, (old, new) in r.changes.items()
            ],
        }
        for r in replacements
    ]


def first_unreported_month(reported: Iterable[tuple[date, date]], enrollment_start: date, today: date) -> Period:
    """The period the hours form offers first: the month after the last one reported (or last month when
    nothing was reported yet, or the enrollment's first month when it started later); once every month up to
    last month is reported, this month. So the form never starts on a month already reported (saving it
    would replace that report)."""
    from shared.calendar import month_of, previous_month

    ends = [e for _, e in reported]
    month = month_of(max(ends) + timedelta(days=1)) if ends else previous_month(today)
    if month.start < enrollment_start:
        month = month_of(enrollment_start)
    if month.start > previous_month(today).start:
        month = month_of(today)
    return Period(max(month.start, enrollment_start), month.end)
