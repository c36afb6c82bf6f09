"""Inbox use cases: turn pending domain events into items (idempotently), route them, and the
triage workflow. Each write runs in one transaction with its history entry and audit line."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.query.functions.aggregate import Count, Sum

from municipal.errors import TransitionError
from municipal.inbox import rules
from municipal.inbox.rules import ItemKind, Outcome, Signal, Status
from municipal.tables import Absence, InboxEntry, InboxItem, InboxSettings, RoutingRule, Team, TeamMember
from shared import audit, clock
from shared.calendar import local_day
from shared.db import IntegrityErrors, write_tx
from shared.events import EventKind, HoursPayload, IntakeNoShows, MilestonePayload, decode
from shared.hours import followed_hours
from shared.security import CurrentUser
from shared.settings import TIMEZONE, settings
from shared.tables import DomainEvent, HourRecord, Inburgeraar, Milestone
from shared.vocab import Doelgroep, Leerroute, MilestoneKind

log = logging.getLogger(__name__)
CORRECTIONS = {EventKind.HOURS_CORRECTED, EventKind.MILESTONE_CORRECTED}

# --- Facts the rules need ---------------------------------------------------------------------------


async def thresholds_for(gemeente_id: int) -> rules.Thresholds:
    row = await InboxSettings.select().where(InboxSettings.gemeente == gemeente_id).first()
    if row is None:
        return rules.Thresholds()
    return rules.Thresholds(
        row["afschalen_vooraf_uren"],
        row["verzuim_drempel_uren"],
        row["verzuim_herhaald_perioden"],
        row["achterstand_procent"],
        row["behandeltermijn_werkdagen"],
    )


def person_facts(row: dict[str, Any]) -> rules.Person:
    return rules.Person(
        row["id"],
        Doelgroep(row["doelgroep"]),
        Leerroute(row["leerroute"]) if row["leerroute"] else None,
        row["intensiteit_uren"],
        row["pip_dagtekening"],
        row["datum_inburgeringsaanbod"],
    )


async def totals_for(inburgeraar_id: int) -> rules.Totals:
    """Followed minutes over every provider's current records (shared.hours says what counts), and the
    unexcused minutes per period for repeated verzuim."""
    current = (HourRecord.inburgeraar == inburgeraar_id) & HourRecord.superseded_by.is_null()
    followed = (await followed_hours([inburgeraar_id]))[inburgeraar_id]
    periods = (
        await HourRecord.select(HourRecord.period_start, Sum(HourRecord.ongeoorloofd_minutes, alias="o"))
        .where(current)
        .group_by(HourRecord.period_start)
        .order_by(HourRecord.period_start, ascending=False)
    )
    return rules.Totals(
        followed.language, followed.participation, tuple((p["period_start"], p["o"] or 0) for p in periods)
    )


@dataclass
class RoutingContext:
    rules: list[rules.Rule]
    absences: list[rules.AbsenceFacts]
    user_team: dict[int, int]
    default_team_id: int | None


async def routing_context(gemeente_id: int, today: date) -> RoutingContext:
    rule_rows = (
        await RoutingRule.select()
        .where((RoutingRule.gemeente == gemeente_id) & (RoutingRule.active.eq(True)))
        .order_by(RoutingRule.position)
        .order_by(RoutingRule.id)
    )
    teams = await Team.select(Team.id).where(Team.gemeente == gemeente_id).order_by(Team.id)
    team_ids = [t["id"] for t in teams]
    members = await TeamMember.select(TeamMember.user, TeamMember.team).where(TeamMember.team.is_in(team_ids or [0]))
    absences = await Absence.select().where((Absence.start <= today) & (Absence.end >= today))
    settings = (
        await InboxSettings.select(InboxSettings.default_team).where(InboxSettings.gemeente == gemeente_id).first()
    )
    default = (settings or {}).get("default_team") or (team_ids[0] if team_ids else None)
    return RoutingContext(
        rules=[
            rules.Rule(
                r["id"],
                r["name"],
                r["team"],
                r["assignee"],
                r["kind"],
                r["leerroute"],
                r["doelgroep"],
                r["organisation"],
            )
            for r in rule_rows
        ],
        absences=[rules.AbsenceFacts(a["user"], a["start"], a["end"], a["substitute"]) for a in absences],
        user_team={m["user"]: m["team"] for m in members},
        default_team_id=default,
    )


# --- From events to items ----------------------------------------------------------------------------


async def process_pending(limit: int = 1000) -> int:
    """Turn pending events into items, oldest first. Safe to run twice: each event is handled once,
    and an item key exists once per gemeente."""
    done = 0
    events = await DomainEvent.select().where(DomainEvent.processed_at.is_null()).order_by(DomainEvent.id).limit(limit)
    for event in events:
        try:
            async with write_tx():
                fresh = await DomainEvent.select(DomainEvent.processed_at).where(DomainEvent.id == event["id"]).first()
                if fresh["processed_at"] is not None:
                    continue  # another worker was first
                await _handle(event)
                await DomainEvent.update({DomainEvent.processed_at: clock.now()}).where(DomainEvent.id == event["id"])
            done += 1
        except Exception as exc:  # keep the event pending, note why, go on with the next
            log.exception("event %s niet verwerkt", event["id"])
            await DomainEvent.update(
                {DomainEvent.attempts: DomainEvent.attempts + 1, DomainEvent.last_error: repr(exc)[:2000]}
            ).where(DomainEvent.id == event["id"])
    return done


async def _handle(event: dict[str, Any]) -> None:
    if event["inburgeraar"] is None:
        return
    person_row = await Inburgeraar.select().where(Inburgeraar.id == event["inburgeraar"]).first()
    if person_row is None:
        return
    person = person_facts(person_row)
    kind = EventKind(event["kind"])
    payload = decode(kind, event["payload"])
    today = clock.today()
    thresholds = await thresholds_for(person_row["gemeente"])
    corrected_ref = None
    if isinstance(payload, HoursPayload):
        evaluation = rules.hour_signals(payload, person, await totals_for(person.id), thresholds, today)
        corrected_ref = payload.supersedes
    elif isinstance(payload, MilestonePayload):
        evaluation = rules.milestone_signals(payload, person)
        corrected_ref = payload.supersedes
    elif isinstance(payload, IntakeNoShows):
        evaluation = rules.intake_signals(payload.no_shows, person, event["occurred_at"].astimezone(TIMEZONE).date())
    else:  # a dossier change (PIP, aanbod): what depends on the person alone
        evaluation = rules.delayed_start_signal(person, today)
    for signal in evaluation.signals:
        await upsert_item(
            signal,
            person_row,
            thresholds,
            event_id=event["id"],
            corrects=corrected_ref,
            is_correction=kind in CORRECTIONS,
        )
    if corrected_ref:
        for key in evaluation.withdrawn:
            await _note_withdrawn(person_row["gemeente"], key, corrected_ref)


def _refs(item: dict[str, Any]) -> dict[str, list[int]]:
    return json.loads(item["refs"]) if isinstance(item["refs"], str) else (item["refs"] or {})


def _came_from(item: dict[str, Any], record_id: int | None) -> bool:
    return record_id is not None and any(record_id in ids for ids in _refs(item).values() if isinstance(ids, list))


async def upsert_item(
    signal: Signal,
    person: dict[str, Any],
    thresholds: rules.Thresholds,
    *,
    event_id: int | None,
    corrects: int | None = None,
    is_correction: bool = False,
) -> int | None:
    """Create the item for this signal, or — when its source was corrected — update and reopen it."""
    gemeente = person["gemeente"]
    existing = await InboxItem.select().where((InboxItem.gemeente == gemeente) & (InboxItem.key == signal.key)).first()
    today = clock.today()
    if existing is None:
        deadline = rules.deadline_for(signal.kind, signal.event_date, today, thresholds)
        try:
            item_id = (
                await InboxItem.insert(
                    InboxItem(
                        gemeente=gemeente,
                        inburgeraar=person["id"],
                        kind=signal.kind.value,
                        key=signal.key,
                        status=Status.NIEUW.value,
                        event_date=signal.event_date,
                        deadline=deadline,
                        organisation=signal.organisation_id,
                        leerroute=person["leerroute"],
                        source_event=event_id,
                        refs=json.dumps(signal.refs),
                        detail=signal.detail,
                    )
                ).returning(InboxItem.id)
            )[0]["id"]
        except IntegrityErrors:
            return None  # made a moment ago by another worker: one event, one item
        await _entry(item_id, None, "status", to_status=Status.NIEUW, text=f"Aangemaakt: {signal.detail}")
        await _route(item_id, signal, person, today)
        return item_id
    if not (is_correction and _came_from(existing, corrects)):
        return existing["id"]  # the same fact again: nothing new to do
    refs = _refs(existing)
    for name, ids in signal.refs.items():
        refs[name] = sorted(set(refs.get(name, [])) | set(ids))
    changes = []
    if signal.event_date != existing["event_date"]:
        changes.append(f"datum {existing['event_date']:%d-%m-%Y} → {signal.event_date:%d-%m-%Y}")
    if signal.detail != existing["detail"]:
        changes.append(f"{existing['detail']} → {signal.detail}")
    values = {
        InboxItem.refs: json.dumps(refs),
        InboxItem.detail: signal.detail,
        InboxItem.event_date: signal.event_date,
        InboxItem.updated_at: clock.now(),
    }
    if signal.kind.for_duo and signal.event_date != existing["event_date"]:
        values[InboxItem.deadline] = rules.deadline_for(signal.kind, signal.event_date, today, thresholds)
    reopen = existing["status"] == Status.AFGEHANDELD
    if reopen:
        values.update({InboxItem.status: Status.NIEUW.value, InboxItem.outcome: None, InboxItem.closed_at: None})
    await InboxItem.update(values).where(InboxItem.id == existing["id"])
    await _entry(
        existing["id"],
        None,
        "correctie",
        text="De aanbieder heeft de bron gecorrigeerd: " + ("; ".join(changes) or "zelfde gegevens"),
    )
    if reopen:
        await _entry(
            existing["id"],
            None,
            "status",
            from_status=Status.AFGEHANDELD,
            to_status=Status.NIEUW,
            text="Heropend omdat de bron is gecorrigeerd.",
        )
    return existing["id"]


async def _note_withdrawn(gemeente: int, key: str, corrected_ref: int) -> None:
    item = await InboxItem.select().where((InboxItem.gemeente == gemeente) & (InboxItem.key == key)).first()
    if item is not None and _came_from(item, corrected_ref):
        await _entry(
            item["id"],
            None,
            "correctie",
            text="De aanbieder heeft de bron gecorrigeerd; het signaal geldt daarna niet meer. "
            "Beoordeel of het item kan worden afgesloten.",
        )


async def _route(item_id: int, signal: Signal, person: dict[str, Any], today: date) -> None:
    ctx = await routing_context(person["gemeente"], today)
    decision = rules.route(
        rules.RoutingFacts(
            signal.kind, person["leerroute"], person["doelgroep"], signal.organisation_id, person["regisseur"]
        ),
        ctx.rules,
        default_team_id=ctx.default_team_id,
        absences=ctx.absences,
        user_team=ctx.user_team,
        today=today,
    )
    await InboxItem.update({InboxItem.assignee: decision.assignee_id, InboxItem.team: decision.team_id}).where(
        InboxItem.id == item_id
    )
    await InboxEntry.insert(
        InboxEntry(
            item=item_id,
            entry_type="routering",
            assignee=decision.assignee_id,
            team=decision.team_id,
            rule=decision.rule_id,
            text=decision.reason,
        )
    )


async def _entry(
    item_id: int,
    user: CurrentUser | None,
    entry_type: str,
    *,
    from_status: Status | None = None,
    to_status: Status | None = None,
    text: str = "",
    assignee: int | None = None,
    team: int | None = None,
) -> None:
    await InboxEntry.insert(
        InboxEntry(
            item=item_id,
            by=user.id if user else None,
            entry_type=entry_type,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value if to_status else None,
            text=text,
            assignee=assignee,
            team=team,
        )
    )


async def scan_delayed_starts(today: date | None = None) -> int:
    """Time passing is not an event: daily, find asylum status holders whose offer is late."""
    today = today or clock.today()
    limit = today - timedelta(days=92)
    rows = await Inburgeraar.select().where(
        (Inburgeraar.doelgroep == Doelgroep.ASIEL.value)
        & Inburgeraar.pip_dagtekening.is_not_null()
        & (Inburgeraar.pip_dagtekening <= limit)
        & Inburgeraar.verhuisd_op.is_null()
    )
    # Which of them already have an item, and each gemeente's thresholds: read once, not per person.
    known = {
        (i["gemeente"], i["key"])
        for i in await InboxItem.select(InboxItem.gemeente, InboxItem.key).where(InboxItem.key.like("vertraagd:%"))
    }
    thresholds: dict[int, rules.Thresholds] = {}
    made = 0
    for row in rows:
        for signal in rules.delayed_start_signal(person_facts(row), today).signals:
            if (row["gemeente"], signal.key) in known:
                continue
            if row["gemeente"] not in thresholds:
                thresholds[row["gemeente"]] = await thresholds_for(row["gemeente"])
            async with write_tx():
                if await upsert_item(signal, row, thresholds[row["gemeente"]], event_id=None) is not None:
                    made += 1
    return made


# --- Triage ------------------------------------------------------------------------------------------------


async def item_for(user: CurrentUser, item_id: int) -> dict[str, Any]:
    """The item if it is this user's gemeente's, else 404 (as for any foreign id)."""
    if not user.is_gemeente:
        raise NotFoundException()
    row = await InboxItem.select().where((InboxItem.id == item_id) & (InboxItem.gemeente == user.gemeente_id)).first()
    if row is None:
        raise NotFoundException()
    return row


async def change_status(
    user: CurrentUser,
    item_id: int,
    new: Status,
    *,
    outcome: Outcome | None = None,
    registered_on: date | None = None,
    reason: str = "",
    forwarded_to: str = "",
    origin: str = "",
) -> str:
    """Claim, release, close (with an outcome) or reopen; returns a warning when a DUO registration was late."""
    async with write_tx():
        item = await item_for(user, item_id)
        current = Status(item["status"])
        rules.check_transition(current, new)
        values: dict[Any, Any] = {InboxItem.status: new.value, InboxItem.updated_at: clock.now()}
        text, warning = "", ""
        if new is Status.IN_BEHANDELING:
            values[InboxItem.assignee] = user.id
            text = "Geclaimd"
        elif new is Status.AFGEHANDELD:
            if outcome is None:
                raise TransitionError("Kies hoe het is afgehandeld.", "outcome")
            rules.check_outcome(
                outcome, registered_on=registered_on, reason=reason, forwarded_to=forwarded_to, today=clock.today()
            )
            values.update(
                {
                    InboxItem.outcome: outcome.value,
                    InboxItem.closed_at: clock.now(),
                    InboxItem.registered_on: registered_on if outcome is Outcome.GEREGISTREERD else None,
                    InboxItem.outcome_text: reason or forwarded_to,
                }
            )
            text = {
                Outcome.GEREGISTREERD: f"Geregistreerd bij DUO op {registered_on:%d-%m-%Y}" if registered_on else "",
                Outcome.GEEN_ACTIE: f"Geen actie nodig: {reason}",
                Outcome.DOORGEZET: f"Doorgezet naar {forwarded_to}",
            }[outcome]
            if outcome is Outcome.GEREGISTREERD and registered_on and registered_on > item["deadline"]:
                warning = (
                    f"Let op: geregistreerd na de termijn ({item['deadline']:%d-%m-%Y}). "
                    "DUO verwacht registratie binnen 10 werkdagen na de gebeurtenis."
                )
                text += " (na de termijn)"
        elif new is Status.NIEUW:
            if current is Status.IN_BEHANDELING:
                values[InboxItem.assignee] = None
                text = "Teruggezet in de wachtrij"
            else:
                values.update({InboxItem.outcome: None, InboxItem.closed_at: None, InboxItem.registered_on: None})
                text = "Heropend" + (f": {reason}" if reason else "")
        await InboxItem.update(values).where(InboxItem.id == item_id)
        await _entry(item_id, user, "status", from_status=current, to_status=new, text=text)
        await audit.record(
            user,
            f"inbox.{new.value}",
            "inbox_item",
            item_id,
            origin=origin,
            inburgeraar_id=item["inburgeraar"],
            subject_gemeente_id=item["gemeente"],
            detail=text,
        )
    return warning


async def comment(user: CurrentUser, item_id: int, text: str, origin: str = "") -> None:
    if not text.strip():
        raise TransitionError("Schrijf een opmerking.", "text")
    async with write_tx():
        item = await item_for(user, item_id)
        await _entry(item_id, user, "opmerking", text=text.strip())
        await audit.record(
            user,
            "inbox.comment",
            "inbox_item",
            item_id,
            origin=origin,
            inburgeraar_id=item["inburgeraar"],
            subject_gemeente_id=item["gemeente"],
        )


async def assign(
    user: CurrentUser, item_ids: list[int], *, assignee_id: int | None, team_id: int | None, origin: str = ""
) -> int:
    """Reassign one item or many; a person who is away is refused, not silently accepted."""
    from shared.tables import AppUser

    if assignee_id is not None:
        target = (
            await AppUser.select(AppUser.id)
            .where((AppUser.id == assignee_id) & (AppUser.gemeente == user.gemeente_id) & (AppUser.active.eq(True)))
            .first()
        )
        if target is None:
            raise TransitionError("Kies een medewerker van uw gemeente.", "assignee")
        today = clock.today()
        if await Absence.exists().where(
            (Absence.user == assignee_id) & (Absence.start <= today) & (Absence.end >= today)
        ):
            raise TransitionError("Deze medewerker is afwezig; kies een ander of de teamwachtrij.", "assignee")
    if team_id is not None and not await Team.exists().where(
        (Team.id == team_id) & (Team.gemeente == user.gemeente_id)
    ):
        raise TransitionError("Kies een team van uw gemeente.", "team")
    async with write_tx():
        for item_id in item_ids:
            item = await item_for(user, item_id)
            await InboxItem.update(
                {
                    InboxItem.assignee: assignee_id,
                    InboxItem.team: team_id or item["team"],
                    InboxItem.updated_at: clock.now(),
                }
            ).where(InboxItem.id == item_id)
            await _entry(
                item_id,
                user,
                "toewijzing",
                assignee=assignee_id,
                team=team_id or item["team"],
                text="Toegewezen" if assignee_id else "Naar de teamwachtrij",
            )
            await audit.record(
                user,
                "inbox.assign",
                "inbox_item",
                item_id,
                origin=origin,
                inburgeraar_id=item["inburgeraar"],
                subject_gemeente_id=item["gemeente"],
            )
    return len(item_ids)


async def bulk_close(user: CurrentUser, item_ids: list[int], reason: str, origin: str = "") -> int:
    """Close many as "geen actie nodig" with one reason: all or none."""
    if not reason.strip():
        raise TransitionError("Geef een reden waarom geen actie nodig is.", "reason")
    async with write_tx():
        for item_id in item_ids:
            item = await item_for(user, item_id)
            if item["status"] == Status.AFGEHANDELD:
                continue
            await change_status(
                user, item_id, Status.AFGEHANDELD, outcome=Outcome.GEEN_ACTIE, reason=reason, origin=origin
            )
    return len(item_ids)


# --- Reading the inbox ---------------------------------------------------------------------------------

PAGE_SIZE = 50
LATE_FACTOR = 3  # "more than 3× late": overdue by more than three DUO terms (30 working days)


@dataclass
class Filters:
    scope: str = "mijn"  # mijn | team | alle
    status: str = "open"  # open | nieuw | in_behandeling | afgehandeld | alle
    kind: str = ""
    termijn: str = ""  # "" | op_tijd | te_laat | ver_te_laat
    aanbieder: int = 0
    leerroute: str = ""
    page: int = 1

    def query(self, **override) -> str:
        from urllib.parse import urlencode

        values = {
            "bereik": self.scope,
            "status": self.status,
            "soort": self.kind,
            "termijn": self.termijn,
            "aanbieder": self.aanbieder or "",
            "leerroute": self.leerroute,
        }
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


async def _my_teams(user: CurrentUser) -> list[int]:
    return [m["team"] for m in await TeamMember.select(TeamMember.team).where(TeamMember.user == user.id)]


async def _where(user: CurrentUser, f: Filters, *, skip: set[str] = frozenset()):
    today = clock.today()
    where = InboxItem.gemeente == user.gemeente_id
    if f.scope == "mijn":
        where &= InboxItem.assignee == user.id
    elif f.scope == "team":
        teams = await _my_teams(user)
        where &= InboxItem.team.is_in(teams or [0])
    if "status" not in skip:
        if f.status == "open":
            where &= InboxItem.status != Status.AFGEHANDELD.value
        elif f.status in {s.value for s in Status}:
            where &= InboxItem.status == f.status
    if f.kind and "kind" not in skip:
        where &= InboxItem.kind == f.kind
    if f.termijn:
        if f.termijn == "op_tijd":
            where &= InboxItem.deadline >= today
        elif f.termijn == "te_laat":
            where &= InboxItem.deadline < today
        elif f.termijn == "ver_te_laat":
            where &= InboxItem.deadline < subtract_working_days(today, LATE_FACTOR * rules.DUO_TERM_WORKING_DAYS)
    if f.aanbieder:
        where &= InboxItem.organisation == f.aanbieder
    if f.leerroute:
        where &= InboxItem.leerroute == f.leerroute
    return where


def subtract_working_days(day: date, n: int) -> date:
    from shared.calendar import is_working_day

    while n > 0:
        day -= timedelta(days=1)
        n -= is_working_day(day)
    return day


@dataclass
class InboxPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    counts: dict[str, dict[str, int]]


def _rows(where, page: int):
    return (
        InboxItem.select(
            InboxItem.id,
            InboxItem.kind,
            InboxItem.status,
            InboxItem.deadline,
            InboxItem.event_date,
            InboxItem.detail,
            InboxItem.leerroute,
            InboxItem.inburgeraar,
            InboxItem.inburgeraar.voornamen.as_alias("voornamen"),
            InboxItem.inburgeraar.achternaam.as_alias("achternaam"),
            InboxItem.inburgeraar.bsn.as_alias("bsn"),
            InboxItem.organisation.name.as_alias("aanbieder"),
            InboxItem.assignee.name.as_alias("assignee_name"),
            InboxItem.team.name.as_alias("team_name"),
        )
        .where(where)
        .order_by(InboxItem.deadline)
        .order_by(InboxItem.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )


def _status_matches(status: str, wanted: str) -> bool:
    return wanted == "alle" or (wanted == "open" and status != Status.AFGEHANDELD) or status == wanted


async def inbox_page(user: CurrentUser, f: Filters, origin: str = "") -> InboxPage:
    """Two queries whatever the filters, run together: the counts per status and kind in one grouped query
    (from which the total follows) and one page of rows; the audit line is written alongside."""
    if not user.is_gemeente:
        raise NotFoundException()
    page = max(1, f.page)
    grouped, rows, _ = await asyncio.gather(
        InboxItem.select(InboxItem.status, InboxItem.kind, Count(alias="n"))
        .where(await _where(user, f, skip={"status", "kind"}))
        .group_by(InboxItem.status, InboxItem.kind),
        _rows(await _where(user, f), page),
        audit.record(user, "inbox.list", "inbox_item", "", origin=origin, detail=f"{f.query()} pagina {page}"),
    )
    counts: dict[str, dict[str, int]] = {"status": {}, "kind": {}}
    total = 0
    for g in grouped:
        status_ok, kind_ok = _status_matches(g["status"], f.status), not f.kind or g["kind"] == f.kind
        if kind_ok:
            counts["status"][g["status"]] = counts["status"].get(g["status"], 0) + g["n"]
        if status_ok:
            counts["kind"][g["kind"]] = counts["kind"].get(g["kind"], 0) + g["n"]
        total += g["n"] if status_ok and kind_ok else 0
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:  # asked past the end: show the last page
        page = pages
        rows = await _rows(await _where(user, f), page)
    return InboxPage(rows, total, page, pages, counts)


async def contracted_providers(user: CurrentUser) -> list[dict[str, Any]]:
    """The organisations the user's gemeente has (or had) a contract with, by name: the inbox filter's
    choices ([{"id", "name"}])."""
    from shared.tables import Contract

    rows = (
        await Contract.select(Contract.organisation.as_alias("id"), Contract.organisation.name.as_alias("name"))
        .where(Contract.gemeente == user.gemeente_id)
        .distinct()
    )
    return sorted(rows, key=lambda r: r["name"].lower())


async def item_page(user: CurrentUser, item_id: int, origin: str = "") -> dict[str, Any]:
    item = await item_for(user, item_id)
    person = await Inburgeraar.select().where(Inburgeraar.id == item["inburgeraar"]).first()
    from shared.tables import AppUser, Milestone, Organisation
    from shared.tables import HourRecord as H

    refs = _refs(item)
    hours = (
        await H.select(H.all_columns(), H.organisation.name.as_alias("aanbieder"))
        .where(H.id.is_in(refs.get("hour_record") or [0]))
        .order_by(H.id)
    )
    milestones = (
        await Milestone.select(Milestone.all_columns(), Milestone.organisation.name.as_alias("aanbieder"))
        .where(Milestone.id.is_in(refs.get("milestone") or [0]))
        .order_by(Milestone.id)
    )
    entries = (
        await InboxEntry.select(
            InboxEntry.all_columns(),
            InboxEntry.by.name.as_alias("by_name"),
            InboxEntry.assignee.name.as_alias("assignee_name"),
            InboxEntry.team.name.as_alias("team_name"),
        )
        .where(InboxEntry.item == item_id)
        .order_by(InboxEntry.id)
    )
    colleagues = (
        await AppUser.select(AppUser.id, AppUser.name)
        .where((AppUser.gemeente == user.gemeente_id) & (AppUser.active.eq(True)))
        .order_by(AppUser.name)
    )
    teams = await Team.select(Team.id, Team.name).where(Team.gemeente == user.gemeente_id).order_by(Team.name)
    org = (
        await Organisation.select(Organisation.name).where(Organisation.id == item["organisation"]).first()
        if item["organisation"]
        else None
    )
    await audit.record(
        user,
        "inbox.view",
        "inbox_item",
        item_id,
        origin=origin,
        inburgeraar_id=item["inburgeraar"],
        subject_gemeente_id=item["gemeente"],
    )
    return {
        "item": item,
        "person": person,
        "hours": hours,
        "milestones": milestones,
        "entries": entries,
        "colleagues": colleagues,
        "teams": teams,
        "aanbieder": org["name"] if org else "",
    }


async def duo_view(user: CurrentUser, item_id: int, origin: str = "", verwijtbaar: str | None = None):
    """The item with the request for DUO (`registration`). verwijtbaar: the regisseur's "Ja"/"Nee" for a
    MAP/PVT after DUO's term end (issue 11)."""
    from municipal.duo import outbox
    from municipal.inbox.duo import DuoFacts, registration_for

    data = await item_page(user, item_id, origin)
    item, person = data["item"], data["person"]
    totals = await totals_for(person["id"])
    known = (
        await HourRecord.select(HourRecord.period_end)
        .where((HourRecord.inburgeraar == person["id"]) & HourRecord.superseded_by.is_null())
        .order_by(HourRecord.period_end, ascending=False)
        .first()
    )
    facts = DuoFacts(
        bsn=person["bsn"],
        event_date=item["event_date"],
        term_start=person.get("termijn_start") or person["pip_dagtekening"],
        leerroute=person["leerroute"],
        doelgroep=person["doelgroep"],
        intensiteit_uren=person["intensiteit_uren"],
        language_minutes=totals.language,
        participation_minutes=totals.participation,
        hours_known_until=known["period_end"] if known else None,
        component=_refs(item).get("component"),
        # Issue 11: DUO's own term end (as last fetched), the Z-route completion, the regisseur's answer.
        duo_term_end=await outbox.duo_term_end(person["id"]),
        zroute_completed=await _zroute_completed(person["id"]),
        verwijtbaar=verwijtbaar,
        pip_dagtekening=person["pip_dagtekening"],
        niveau=person.get("niveau"),
    )
    registration = registration_for(ItemKind(item["kind"]), facts, clock.today())
    if registration is not None:
        # What DUO's published contract would refuse is shown as a problem, never offered to send.
        from municipal.duo.contract import ContractError, validate_request

        try:
            validate_request(registration.method, registration.path, registration.body)
        except ContractError as e:
            registration.contract_problem = (
                "Dit bericht past niet bij het koppelvlak van DUO en wordt daarom niet "
                f"aangeboden. {e} Controleer de gegevens in het dossier."
            )
    data["registration"] = registration
    # Issue 11: what was sent to DUO for this item, and whether this installation sends at all.
    data["duo_messages"] = await outbox.messages_for_item(item_id)
    data["duo_sends"] = outbox.configured() is not None
    data["duo_test_environment"] = settings.duo_test_environment
    return data


async def _zroute_completed(inburgeraar_id: int) -> date | None:
    """The provider's current "Z-route afgerond" date, if any (DUO takes no MAP/PVT date after it)."""
    row = (
        await Milestone.select(Milestone.event_date)
        .where(
            (Milestone.inburgeraar == inburgeraar_id)
            & (Milestone.kind == MilestoneKind.ZROUTE_AFGEROND.value)
            & Milestone.superseded_by.is_null()
        )
        .order_by(Milestone.event_date)
        .first()
    )
    return row["event_date"] if row else None


async def dashboard(user: CurrentUser, weeks: int = 6) -> dict[str, Any]:
    """For the teamleider: open, overdue and handled per week, per regisseur."""
    if not user.is_gemeente:
        raise NotFoundException()
    from shared.tables import AppUser

    today = clock.today()
    mine = InboxItem.gemeente == user.gemeente_id
    open_rows = (
        await InboxItem.select(InboxItem.assignee, InboxItem.assignee.name.as_alias("name"), Count(alias="n"))
        .where(mine & (InboxItem.status != "afgehandeld"))
        .group_by(InboxItem.assignee, InboxItem.assignee.name)
    )
    late_rows = (
        await InboxItem.select(InboxItem.assignee, Count(alias="n"))
        .where(mine & (InboxItem.status != "afgehandeld") & (InboxItem.deadline < today))
        .group_by(InboxItem.assignee)
    )
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    closed = await InboxEntry.select(InboxEntry.by, InboxEntry.at).where(
        (InboxEntry.item.gemeente == user.gemeente_id)
        & (InboxEntry.to_status == "afgehandeld")
        & (InboxEntry.at >= clock.now() - timedelta(days=7 * weeks + 7))
    )
    week_starts = [start + timedelta(days=7 * i) for i in range(weeks)]
    handled: dict[Any, list[int]] = {}
    for row in closed:
        day = local_day(row["at"])  # the Dutch day: 00:30 on a Monday is that Monday's week
        if day < start:
            continue
        handled.setdefault(row["by"], [0] * weeks)[(day - start).days // 7] += 1
    late = {r["assignee"]: r["n"] for r in late_rows}
    names = {
        u["id"]: u["name"]
        for u in await AppUser.select(AppUser.id, AppUser.name).where(AppUser.gemeente == user.gemeente_id)
    }
    people = sorted({r["assignee"] for r in open_rows} | set(handled), key=lambda u: (u is None, names.get(u, "")))
    open_n = {r["assignee"]: r["n"] for r in open_rows}
    return {
        "weeks": week_starts,
        "rows": [
            {
                "name": names.get(u, "Teamwachtrij") if u else "Teamwachtrij (niemand)",
                "open": open_n.get(u, 0),
                "late": late.get(u, 0),
                "handled": handled.get(u, [0] * weeks),
            }
            for u in people
        ],
        "total_open": sum(open_n.values()),
        "total_late": sum(late.values()),
    }


def allowed_next(status: Status) -> list[Status]:
    return [s for s in Status if s in rules.ALLOWED_STATUS_CHANGES[status]]


async def colleagues_and_teams(user: CurrentUser) -> tuple[list[dict], list[dict]]:
    from shared.tables import AppUser

    return await asyncio.gather(
        AppUser.select(AppUser.id, AppUser.name)
        .where((AppUser.gemeente == user.gemeente_id) & (AppUser.active.eq(True)))
        .order_by(AppUser.name),
        Team.select(Team.id, Team.name).where(Team.gemeente == user.gemeente_id).order_by(Team.name),
    )


async def open_item_lines(inburgeraar_id: int) -> list[str]:
    """For the warm-transfer summary: one Dutch line per open inbox item of the person."""
    rows = (
        await InboxItem.select(InboxItem.kind, InboxItem.status, InboxItem.deadline, InboxItem.detail)
        .where((InboxItem.inburgeraar == inburgeraar_id) & (InboxItem.status != Status.AFGEHANDELD.value))
        .order_by(InboxItem.deadline)
    )
    return [
        f"{ItemKind(r['kind']).label} (termijn {r['deadline']:%d-%m-%Y}, {Status(r['status']).label.lower()}): "
        f"{r['detail']}"
        for r in rows
    ]
