"""Provider use cases: what a provider sees of its people, and reporting hours and completions.

Each write runs in one transaction with its audit entry and its domain event (the outbox), so a
report, its log line and the municipality's signal land together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from piccolo.query.functions.aggregate import Count, Sum

from portal import rules
from portal.errors import NeedsConfirmation, NothingChanged, Replacement, WeekErrors
from portal.rules import (
    SINGLE_MILESTONES,
    hour_values,
    hours_event,
    milestone_event,
    milestone_values,
    previous_milestone,
    previous_report,
)
from shared import access, audit, clock, events
from shared.calendar import Period, month_of, previous_month
from shared.db import IntegrityErrors, append_version, lock_for_update, write_tx
from shared.errors import RuleError
from shared.hours import (
    LANGUAGE_LESSON_KINDS,
    Z_ROUTE_PARTICIPATION_MINUTES,
    HourReport,
    check_hour_amounts,
    check_may_report_hours,
    followed,
    followed_hours,
    language_mark_minutes,
    progress_percent,
    visible_hour_kinds,
)
from shared.rules import check_event_date, check_may_report_milestone, check_period
from shared.security import CurrentUser
from shared.tables import Enrollment, HourRecord, Milestone, Organisation
from shared.vocab import (
    COMPLETING_MILESTONES,
    Component,
    Doelgroep,
    HourKind,
    Leerroute,
    MilestoneKind,
    Source,
    VerzuimReden,
)

PAGE_SIZE = 50


# --- Reading ------------------------------------------------------------------------------------


@dataclass
class PersonSummary:
    person: dict[str, Any]
    components: list[Component]
    this_month: int = 0
    last_month: int = 0
    language_followed: int = 0
    participation_followed: int = 0
    open_completions: list[Component] = field(default_factory=list)

    @property
    def leerroute(self) -> Leerroute | None:
        return Leerroute(self.person["leerroute"]) if self.person["leerroute"] else None

    @property
    def language_target(self) -> int | None:
        return language_mark_minutes(self.leerroute)

    @property
    def language_percent(self) -> int | None:
        return progress_percent(self.language_followed, self.language_target)

    @property
    def participation_percent(self) -> int | None:
        shows = HourKind.PARTICIPATIE_ACTIVITEITEN in visible_hour_kinds(set(self.components))
        return (
            progress_percent(self.participation_followed, Z_ROUTE_PARTICIPATION_MINUTES)
            if shows and self.leerroute is Leerroute.Z
            else None
        )

    @property
    def shows_language(self) -> bool:
        return bool(visible_hour_kinds(set(self.components)) & LANGUAGE_LESSON_KINDS)


@dataclass
class Overview:
    people: list[PersonSummary]
    total: int
    page: int
    pages: int
    q: str


def _followed(row: dict[str, Any]) -> int:
    return followed(row["attended"], row["geoorloofd"], row["ongeoorloofd"])


def _matches(person: dict[str, Any], q: str) -> bool:
    q = q.strip().lower()
    return not q or q in f"{person['voornamen']} {person['achternaam']}".lower() or q in person["bsn"]


async def overview(user: CurrentUser, q: str = "", page: int = 1, origin: str = "") -> Overview:
    enrollments = await access.provider_enrollments(user)
    by_person: dict[int, PersonSummary] = {}
    for row in enrollments:
        person = access.person_of(row)
        if not _matches(person, q):
            continue
        summary = by_person.setdefault(person["id"], PersonSummary(person=person, components=[]))
        if row["component"] not in summary.components:
            summary.components.append(row["component"])
        if row["component"] in COMPLETING_MILESTONES:
            summary.open_completions.append(row["component"])
    total = len(by_person)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    people = list(by_person.values())[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    await _add_hours(user, people)
    await _drop_completed(user, people)
    for p in people:  # data minimisation: only what this provider's enrollments need (shared.access)
        p.person = access.shown_person(p.person, p.components)
    await audit.record(
        user,
        "inburgeraar.list",
        "inburgeraar",
        "",
        origin=origin,
        detail=f"overzicht: {len(people)} van {total} personen, pagina {page}",
    )
    return Overview(people=people, total=total, page=page, pages=pages, q=q)


async def _add_hours(user: CurrentUser, people: list[PersonSummary]) -> None:
    if not people:
        return
    ids = [p.person["id"] for p in people]
    summaries = {p.person["id"]: p for p in people}
    kinds = sorted(visible_hour_kinds({c for p in people for c in p.components}))
    # What counts toward the marks, over this organisation's own reports (shared.hours decides).
    for person_id, counted in (await followed_hours(ids, organisation_id=user.organisation_id, kinds=kinds)).items():
        summaries[person_id].language_followed = counted.language
        summaries[person_id].participation_followed = counted.participation
    base = (
        (HourRecord.organisation == user.organisation_id)
        & HourRecord.superseded_by.is_null()
        & HourRecord.inburgeraar.is_in(ids)
        & HourRecord.kind.is_in(kinds or ["-"])
    )
    sums = (
        Sum(HourRecord.attended_minutes, alias="attended"),
        Sum(HourRecord.geoorloofd_minutes, alias="geoorloofd"),
        Sum(HourRecord.ongeoorloofd_minutes, alias="ongeoorloofd"),
    )
    today = clock.today()
    this_month, last_month = month_of(today), previous_month(today)
    for row in (
        await HourRecord.select(HourRecord.inburgeraar, HourRecord.period_start, *sums)
        .where(base & (HourRecord.period_start >= last_month.start))
        .group_by(HourRecord.inburgeraar, HourRecord.period_start)
    ):
        summary = summaries[row["inburgeraar"]]
        if row["period_start"] >= this_month.start:
            summary.this_month += _followed(row)
        else:
            summary.last_month += _followed(row)


async def _drop_completed(user: CurrentUser, people: list[PersonSummary]) -> None:
    """An open completion is a MAP or PVT enrollment without a current closing milestone."""
    waiting = [p.person["id"] for p in people if p.open_completions]
    if not waiting:
        return
    closing = sorted({k.value for kinds in COMPLETING_MILESTONES.values() for k in kinds})
    done = await Milestone.select(Milestone.inburgeraar, Milestone.enrollment.component.as_alias("component")).where(
        (Milestone.organisation == user.organisation_id)
        & Milestone.superseded_by.is_null()
        & Milestone.inburgeraar.is_in(waiting)
        & Milestone.kind.is_in(closing)
    )
    finished = {(row["inburgeraar"], row["component"]) for row in done}
    for p in people:
        p.open_completions = [c for c in p.open_completions if (p.person["id"], c.value) not in finished]


@dataclass
class PersonPage:
    person: dict[str, Any]
    enrollments: list[dict[str, Any]]
    hours: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    summary: PersonSummary


async def person_page(user: CurrentUser, inburgeraar_id: int, origin: str = "") -> PersonPage:
    person, enrollments = await access.provider_person(user, inburgeraar_id)
    kinds = sorted(visible_hour_kinds({e["component"] for e in enrollments}))
    hours = (
        await HourRecord.select()
        .where(
            (HourRecord.inburgeraar == inburgeraar_id)
            & (HourRecord.organisation == user.organisation_id)
            & HourRecord.superseded_by.is_null()
            & HourRecord.kind.is_in(kinds or ["-"])
        )
        .order_by(HourRecord.period_start, ascending=False)
        .order_by(HourRecord.kind)
    )
    milestones = (
        await Milestone.select()
        .where(
            (Milestone.inburgeraar == inburgeraar_id)
            & (Milestone.organisation == user.organisation_id)
            & Milestone.superseded_by.is_null()
        )
        .order_by(Milestone.event_date, ascending=False)
    )
    summary = PersonSummary(
        person=person,
        components=[e["component"] for e in enrollments],
        open_completions=[e["component"] for e in enrollments if e["component"] in COMPLETING_MILESTONES],
    )
    await _add_hours(user, [summary])
    await _drop_completed(user, [summary])
    summary.person = shown = access.shown_person(person, summary.components)
    await audit.record(
        user,
        "inburgeraar.view",
        "inburgeraar",
        inburgeraar_id,
        origin=origin,
        inburgeraar_id=inburgeraar_id,
        subject_gemeente_id=person["gemeente"],
    )
    return PersonPage(person=shown, enrollments=enrollments, hours=hours, milestones=milestones, summary=summary)


async def person_history(user: CurrentUser, inburgeraar_id: int, origin: str = "") -> tuple[dict, list, list]:
    """Everything this organisation ever submitted for the person, superseded records included."""
    person, enrollments = await access.provider_person(user, inburgeraar_id)
    gemeente_id = person["gemeente"]
    person = access.shown_person(person, [e["component"] for e in enrollments])
    kinds = sorted(visible_hour_kinds({e["component"] for e in enrollments}))
    hours = (
        await HourRecord.select(HourRecord.all_columns(), HourRecord.entered_by.name.as_alias("entered_by_name"))
        .where(
            (HourRecord.inburgeraar == inburgeraar_id)
            & (HourRecord.organisation == user.organisation_id)
            & HourRecord.kind.is_in(kinds or ["-"])
        )
        .order_by(HourRecord.period_start, ascending=False)
        .order_by(HourRecord.id, ascending=False)
    )
    milestones = (
        await Milestone.select(Milestone.all_columns(), Milestone.entered_by.name.as_alias("entered_by_name"))
        .where((Milestone.inburgeraar == inburgeraar_id) & (Milestone.organisation == user.organisation_id))
        .order_by(Milestone.id, ascending=False)
    )
    await audit.record(
        user,
        "inburgeraar.history",
        "inburgeraar",
        inburgeraar_id,
        origin=origin,
        inburgeraar_id=inburgeraar_id,
        subject_gemeente_id=gemeente_id,
    )
    return person, hours, milestones


async def submissions(user: CurrentUser, page: int = 1, origin: str = "") -> tuple[list[dict], int, int]:
    """What the organisation submitted, newest first, corrections marked; for people it can still see."""
    visible = {e["p_id"] for e in await access.provider_enrollments(user)}
    where = (HourRecord.organisation == user.organisation_id) & HourRecord.inburgeraar.is_in(list(visible) or [0])
    total = (await HourRecord.select(Count(alias="n")).where(where).first())["n"]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    person = HourRecord.inburgeraar
    rows = (
        await HourRecord.select(
            HourRecord.all_columns(),
            person.voornamen.as_alias("voornamen"),
            person.achternaam.as_alias("achternaam"),
            HourRecord.entered_by.name.as_alias("entered_by_name"),
        )
        .where(where)
        .order_by(HourRecord.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    await audit.record(
        user,
        "submission.list",
        "hour_record",
        "",
        origin=origin,
        detail=f"inzendingen pagina {page}, {len(rows)} regels",
    )
    return rows, page, pages


# --- Writing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourInput:
    enrollment_id: int
    report: HourReport
    toelichting: str = ""
    # Ids of stored reports the user saw (old → new) and agreed to replace. A report that would replace any
    # other stored report raises NeedsConfirmation instead of overwriting silently.
    confirmed: frozenset[int] = frozenset()


def _pick_enrollment(enrollments: list[dict[str, Any]], enrollment_id: int) -> dict[str, Any]:
    for e in enrollments:
        if e["id"] == enrollment_id:
            return e
    raise RuleError("Kies een inschrijving bij uw organisatie.", "enrollment")


async def report_hours(
    user: CurrentUser, inburgeraar_id: int, entry: HourInput, *, source: Source = Source.FORM, origin: str = ""
) -> dict[str, Any]:
    """Store one report of hours; the same period again is a correction that supersedes the earlier one, once
    the user confirmed replacing that record (`entry.confirmed`). Raises RuleError (field), NothingChanged,
    NeedsConfirmation (nothing stored)."""
    person, enrollments = await access.provider_person(user, inburgeraar_id)
    async with write_tx():
        return await _store_hours(user, person, enrollments, entry, source, origin)


async def _store_hours(
    user: CurrentUser,
    person: dict[str, Any],
    enrollments: list[dict[str, Any]],
    entry: HourInput,
    source: Source,
    origin: str,
) -> dict[str, Any]:
    enrollment = _pick_enrollment(enrollments, entry.enrollment_id)
    report = entry.report
    check_may_report_hours(enrollment["component"], report.kind, Doelgroep(person["doelgroep"]))
    check_period(report.period, clock.today(), enrollment["start"], enrollment["end"])
    check_hour_amounts(report)
    # Two reports for one enrollment at once must not both pass the overlap check.
    await lock_for_update(Enrollment, enrollment["id"])
    current = await HourRecord.select().where(
        (HourRecord.enrollment == enrollment["id"])
        & (HourRecord.kind == report.kind)
        & HourRecord.superseded_by.is_null()
        & (HourRecord.period_start <= report.period.end)
        & (HourRecord.period_end >= report.period.start)
    )
    values = hour_values(report, entry.toelichting)
    previous = previous_report(current, report.period, values)
    previous_id = previous["id"] if previous else None
    if previous is not None and previous_id not in entry.confirmed:
        changes = {k: (previous[k], v) for k, v in values.items() if previous[k] != v}
        raise NeedsConfirmation(
            [Replacement(person["id"], previous_id, report.period.start, report.period.end, report.kind.value, changes)]
        )
    row = HourRecord(
        enrollment=enrollment["id"],
        inburgeraar=person["id"],
        organisation=user.organisation_id,
        kind=report.kind.value,
        period_start=report.period.start,
        period_end=report.period.end,
        formal=await _is_formal(user),
        source=source.value,
        entered_by=user.id,
        supersedes=previous_id,
        **values,
    )
    try:
        new_id = await append_version(HourRecord, row, previous_id)
    except IntegrityErrors:
        raise RuleError(
            "Voor deze periode is zojuist al een melding opgeslagen. Herlaad de pagina.", "period_start"
        ) from None
    action, payload = hours_event(new_id, enrollment, user.organisation_id, report, previous_id, source.value)
    await events.emit(action, payload, inburgeraar_id=person["id"], gemeente_id=person["gemeente"])
    await audit.record(
        user,
        action,
        "hour_record",
        new_id,
        origin=origin,
        inburgeraar_id=person["id"],
        subject_gemeente_id=person["gemeente"],
        detail=f"{report.kind.value} {report.period.start}..{report.period.end}",
    )
    return {"id": new_id, "corrected": previous is not None}


async def _is_formal(user: CurrentUser) -> bool:
    """Hours from a BoW-certified organisation are formal; a volunteer organisation's are not."""
    org = await Organisation.select(Organisation.bow_keurmerk).where(Organisation.id == user.organisation_id).first()
    return bool(org and org["bow_keurmerk"])


@dataclass(frozen=True)
class MilestoneInput:
    enrollment_id: int
    kind: MilestoneKind
    event_date: date
    verwijtbaar: bool | None = None
    uitslag: str = ""
    toelichting: str = ""


def check_milestone_fields(entry: MilestoneInput) -> None:
    rules.check_milestone_fields(entry.kind, entry.verwijtbaar, entry.uitslag, entry.toelichting)


async def report_milestone(
    user: CurrentUser, inburgeraar_id: int, entry: MilestoneInput, *, source: Source = Source.FORM, origin: str = ""
) -> dict[str, Any]:
    person, enrollments = await access.provider_person(user, inburgeraar_id)
    enrollment = _pick_enrollment(enrollments, entry.enrollment_id)
    check_may_report_milestone(
        enrollment["component"], entry.kind, Leerroute(person["leerroute"]) if person["leerroute"] else None
    )
    check_event_date(entry.event_date, clock.today(), enrollment["start"])
    check_milestone_fields(entry)
    async with write_tx():
        await lock_for_update(Enrollment, enrollment["id"])
        current = None
        if entry.kind in SINGLE_MILESTONES:
            current = (
                await Milestone.select()
                .where(
                    (Milestone.enrollment == enrollment["id"])
                    & (Milestone.kind == entry.kind)
                    & Milestone.superseded_by.is_null()
                )
                .first()
            )
        values = milestone_values(entry.event_date, entry.verwijtbaar, entry.uitslag, entry.toelichting)
        previous = previous_milestone(entry.kind, current, values)
        previous_id = previous["id"] if previous else None
        row = Milestone(
            enrollment=enrollment["id"],
            inburgeraar=person["id"],
            organisation=user.organisation_id,
            kind=entry.kind.value,
            source=source.value,
            entered_by=user.id,
            **values,
        )
        new_id = await append_version(Milestone, row, previous_id)
        action, payload = milestone_event(
            new_id, enrollment, user.organisation_id, entry.kind, values, previous_id, source.value
        )
        await events.emit(action, payload, inburgeraar_id=person["id"], gemeente_id=person["gemeente"])
        await audit.record(
            user,
            action,
            "milestone",
            new_id,
            origin=origin,
            inburgeraar_id=person["id"],
            subject_gemeente_id=person["gemeente"],
            detail=entry.kind.value,
        )
    return {"id": new_id, "corrected": previous is not None}


# --- The weekly grid for volunteer organisations ----------------------------------------------------


@dataclass
class GridRow:
    person: dict[str, Any]
    enrollment: dict[str, Any]


async def grid_rows(user: CurrentUser, kind: HourKind) -> list[GridRow]:
    """One row per person with an open enrollment here that can carry this kind of hours."""
    rows: dict[int, GridRow] = {}
    for e in await access.provider_enrollments(user):
        person = access.person_of(e)
        if person["id"] in rows:
            continue
        try:
            check_may_report_hours(e["component"], kind, Doelgroep(person["doelgroep"]))
        except RuleError:
            continue
        rows[person["id"]] = GridRow(person=person, enrollment=e)
    return list(rows.values())


def grid_kinds(enrollments: list[dict[str, Any]]) -> list[HourKind]:
    return sorted(visible_hour_kinds({e["component"] for e in enrollments}), key=list(HourKind).index)


async def report_week(
    user: CurrentUser,
    period: Period,
    kind: HourKind,
    entries: dict[int, tuple[int, int, int, VerzuimReden | None]],
    origin: str = "",
    confirmed: frozenset[int] = frozenset(),
) -> int:
    """Store a week for many people at once: every row or none. Returns how many reports were stored (new or
    replacing); raises WeekErrors (per person id) or NeedsConfirmation (every replacement not yet confirmed,
    by record id in `confirmed`); then nothing is stored."""
    rows = {r.person["id"]: r for r in await grid_rows(user, kind)}
    errors: dict[int, RuleError] = {}
    replacements: list[Replacement] = []
    stored = 0
    async with write_tx():
        for person_id, (attended, geoorloofd, ongeoorloofd, reden) in entries.items():
            if person_id not in rows:
                errors[person_id] = RuleError("Deze persoon staat niet (meer) bij uw organisatie ingeschreven.")
                continue
            row = rows[person_id]
            report = HourReport(kind, period, attended, geoorloofd, ongeoorloofd, reden)
            entry = HourInput(row.enrollment["id"], report, confirmed=confirmed)
            try:
                await _store_hours(user, row.person, [row.enrollment], entry, Source.FORM, origin)
                stored += 1
            except NothingChanged:
                continue
            except NeedsConfirmation as e:
                replacements.extend(e.replacements)
            except RuleError as e:
                errors[person_id] = e
        if errors:
            raise WeekErrors(errors)
        if replacements:
            raise NeedsConfirmation(replacements)
    return stored
