"""The provider portal's forms: raw form values → typed inputs for the services, plus errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from portal.services import HourInput, MilestoneInput
from shared.calendar import Period, week_of
from shared.forms import FormErrors, collect, parse_choice, parse_date, parse_hours, parse_int, parse_text
from shared.hours import HourReport
from shared.vocab import HourKind, MilestoneKind, VerzuimReden
from shared.web import query_id

Form = Mapping[str, str]


def confirmed_ids(form) -> frozenset[int]:
    """The stored reports the user agreed to replace: the `bevestigd` value of the "Ja, vervang" button, record
    ids separated by commas (junk ignored)."""
    values = form.getall("bevestigd", []) if hasattr(form, "getall") else [form.get("bevestigd", "")]
    return frozenset(i for v in values for i in (query_id(part) for part in str(v).split(",")) if i)


def parse_hours_form(form: Form, confirmed: frozenset[int] = frozenset()) -> tuple[HourInput | None, FormErrors]:
    errors = FormErrors()
    enrollment = collect(
        errors, "enrollment", parse_int, form.get("enrollment"), "enrollment", "Kies een inschrijving."
    )
    kind = collect(errors, "kind", parse_choice, form.get("kind"), HourKind, "kind", "Kies een soort uren.")
    start = collect(errors, "period_start", parse_date, form.get("period_start"), "period_start")
    end = collect(errors, "period_end", parse_date, form.get("period_end"), "period_end")
    attended = collect(errors, "attended", parse_hours, form.get("attended"), "attended")
    geoorloofd = collect(errors, "geoorloofd", parse_hours, form.get("geoorloofd"), "geoorloofd")
    ongeoorloofd = collect(errors, "ongeoorloofd", parse_hours, form.get("ongeoorloofd"), "ongeoorloofd")
    reden = collect(
        errors,
        "verzuim_reden",
        parse_choice,
        form.get("verzuim_reden"),
        VerzuimReden,
        "verzuim_reden",
        "Kies een reden uit de lijst.",
        required=False,
    )
    toelichting = collect(errors, "toelichting", parse_text, form.get("toelichting"), "toelichting")
    if errors:
        return None, errors
    report = HourReport(kind, Period(start, end), attended, geoorloofd, ongeoorloofd, reden)
    return HourInput(enrollment, report, toelichting, confirmed), errors


def parse_milestone_form(form: Form) -> tuple[MilestoneInput | None, FormErrors]:
    errors = FormErrors()
    enrollment = collect(
        errors, "enrollment", parse_int, form.get("enrollment"), "enrollment", "Kies een inschrijving."
    )
    kind = collect(errors, "kind", parse_choice, form.get("kind"), MilestoneKind, "kind", "Kies wat u meldt.")
    day = collect(errors, "event_date", parse_date, form.get("event_date"), "event_date")
    verwijtbaar = {"ja": True, "nee": False}.get((form.get("verwijtbaar") or "").strip().lower())
    uitslag = collect(errors, "uitslag", parse_text, form.get("uitslag"), "uitslag")
    toelichting = collect(errors, "toelichting", parse_text, form.get("toelichting"), "toelichting")
    if errors:
        return None, errors
    return MilestoneInput(enrollment, kind, day, verwijtbaar, uitslag, toelichting), errors


@dataclass
class WeekForm:
    period: Period
    kind: HourKind
    entries: dict[int, tuple[int, int, int, VerzuimReden | None]]


def parse_week_form(form: Form, person_ids: list[int]) -> tuple[WeekForm | None, FormErrors]:
    """Fields per person: p<ID>_attended, p<ID>_geoorloofd, p<ID>_ongeoorloofd, p<ID>_reden. Empty rows are skipped."""
    errors = FormErrors()
    kind = collect(errors, "kind", parse_choice, form.get("kind"), HourKind, "kind", "Kies een soort uren.")
    monday = collect(errors, "week", parse_date, form.get("week"), "week")
    entries = {}
    for pid in person_ids:
        prefix = f"p{pid}_"
        raw = [form.get(prefix + f, "") for f in ("attended", "geoorloofd", "ongeoorloofd")]
        if not any((r or "").strip() for r in raw):
            continue
        values = [
            collect(errors, prefix + f, parse_hours, r, prefix + f)
            for f, r in zip(("attended", "geoorloofd", "ongeoorloofd"), raw, strict=True)
        ]
        reden = collect(
            errors,
            prefix + "reden",
            parse_choice,
            form.get(prefix + "reden"),
            VerzuimReden,
            prefix + "reden",
            "Kies een reden uit de lijst.",
            required=False,
        )
        if None not in values:
            entries[pid] = (*values, reden)
    if errors:
        return None, errors
    return WeekForm(week_of(monday), kind, entries), errors
