"""Inbox use cases: turn pending domain events into items (idempotently), route them, and the
triage workflow. Each write runs in one transaction with its history entry and audit line."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.query.functions.aggregate import Count

from municipal.errors import TransitionError
from municipal.inbox import processing, rules
from municipal.inbox.rules import ItemKind, Outcome, Status
from municipal.tables import Absence, InboxEntry, InboxItem, Team, TeamMember
from shared import audit, clock
from shared.calendar import local_day, subtract_working_days
from shared.db import lock_for_update, write_tx
from shared.events import EventKind
from shared.security import CurrentUser
from shared.settings import settings
from shared.tables import Enrollment, HourRecord, Inburgeraar, Milestone
from shared.vocab import Component, MilestoneKind

log = logging.getLogger(__name__)
CORRECTIONS = {EventKind.HOURS_CORRECTED, EventKind.MILESTONE_CORRECTED}

# The event → item path lives in processing.py; these names stay here for the pages and the jobs list.
process_pending = processing.process_pending
scan_delayed_starts = processing.scan_delayed_starts
thresholds_for = processing.thresholds_for
totals_for = processing.totals_for
person_facts = processing.person_facts
upsert_item = processing.upsert_item
_refs = processing.refs_of


async def _entry(item_id: int, user: CurrentUser | None, entry_type: str, **kw) -> None:
    await processing.add_entries([processing.entry_row(item_id, user, entry_type, **kw)])


# --- Triage ------------------------------------------------------------------------------------------------


async def item_for(user: CurrentUser, item_id: int) -> dict[str, Any]:
    """The item if it is this user's gemeente's, else 404 (as for any foreign id). Raises NotFoundException
    (404) for a user outside a gemeente, or an item of another gemeente or none."""
    if not user.is_gemeente:
        raise NotFoundException()
    row = await InboxItem.select().where((InboxItem.id == item_id) & (InboxItem.gemeente == user.gemeente_id)).first()
    if row is None:
        raise NotFoundException()
    return row


async def locked_item(user: CurrentUser, item_id: int) -> dict[str, Any]:
    """`item_for`, with the row locked until the transaction ends (call inside write_tx): a status change
    decides on what is there now, not on what the page showed. Raises NotFoundException (404) as `item_for`."""
    if user.is_gemeente:
        await lock_for_update(InboxItem, item_id)
    return await item_for(user, item_id)


TAKEN = {
    Status.IN_BEHANDELING: "opgepakt",
    Status.AFGEHANDELD: "afgehandeld",
    Status.NIEUW: "teruggezet in de wachtrij",
}


async def _raise_taken(user: CurrentUser, item: dict[str, Any], current: Status, new: Status) -> None:
    """The change cannot be made from the item's status now: say who was first, when someone else was."""
    from shared.tables import AppUser

    last = (
        await InboxEntry.select(InboxEntry.by)
        .where((InboxEntry.item == item["id"]) & (InboxEntry.to_status == current.value))
        .order_by(InboxEntry.id, ascending=False)
        .first()
    )
    by = last["by"] if last else None
    if by is not None and by != user.id:
        name = (await AppUser.select(AppUser.name).where(AppUser.id == by).first())["name"]
        raise TransitionError(
            f"Dit item is net door {name} {TAKEN[current]}. Vernieuw de pagina om te zien wat er is gedaan."
        )
    if by == user.id and new is current:
        raise TransitionError(f"U heeft dit item al {TAKEN[current]}.")
    rules.check_transition(current, new)


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
    """Claim, release, close (with an outcome) or reopen; returns a warning when a DUO registration was late.

    The item is read under a row lock (PostgreSQL `SELECT … FOR UPDATE`; SQLite's single writer), so of two
    regisseurs who claim or close the same item at once exactly one succeeds; the other gets a
    TransitionError saying who was first ("Dit item is net door … opgepakt").

    Raises NotFoundException (404) as `item_for`; TransitionError for a change the current status does not allow
    (rules.ALLOWED_STATUS_CHANGES; "U heeft dit item al …" for a repeat), a close without an outcome (field
    `outcome`), or an outcome `rules.check_outcome` refuses (DUO date missing or in the future, empty reason or
    recipient)."""
    async with write_tx():
        item = await locked_item(user, item_id)
        current = Status(item["status"])
        if new not in rules.ALLOWED_STATUS_CHANGES[current] or (
            new is current is Status.IN_BEHANDELING and item["assignee"] != user.id
        ):
            await _raise_taken(user, item, current, new)
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
                # An open item carries no outcome; the history keeps what the closing said.
                values.update(
                    {
                        InboxItem.outcome: None,
                        InboxItem.closed_at: None,
                        InboxItem.registered_on: None,
                        InboxItem.outcome_text: "",
                    }
                )
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
    """Add a remark to the item's history. Raises TransitionError (field `text`) for an empty text;
    NotFoundException (404) as `item_for`."""
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
    """Reassign one item or many; a person who is away is refused, not silently accepted. Returns how many items
    (each counted once).
    Raises TransitionError on `assignee` for no active user of the gemeente or one absent today, on `team` for
    a team of another gemeente; NotFoundException (404) for any foreign item (then none is changed)."""
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
        for item_id in sorted(set(item_ids)):  # one order: two bulk changes never wait in a circle
            item = await locked_item(user, item_id)
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
    return len(set(item_ids))


async def bulk_close(user: CurrentUser, item_ids: list[int], reason: str, origin: str = "") -> int:
    """Close many as "geen actie nodig" with one reason: all or none. Items closed already are skipped; returns
    how many this call closed (an id given twice counts once). Raises TransitionError (field `reason`) for an
    empty reason; NotFoundException (404) for any foreign item (then none is closed)."""
    if not reason.strip():
        raise TransitionError("Geef een reden waarom geen actie nodig is.", "reason")
    closed = 0
    async with write_tx():
        for item_id in sorted(set(item_ids)):
            item = await locked_item(user, item_id)
            if item["status"] == Status.AFGEHANDELD:
                continue
            await change_status(
                user, item_id, Status.AFGEHANDELD, outcome=Outcome.GEEN_ACTIE, reason=reason, origin=origin
            )
            closed += 1
    return closed


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
        """The filters as a URL query string (Dutch names), `override` applied, empty values left out."""
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
    (from which the total follows) and one page of rows; the audit line is written alongside.
    Raises NotFoundException (404) for a user outside a gemeente."""
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


async def item_page(user: CurrentUser, item_id: int, origin: str = "") -> dict[str, Any]:
    """What the item's page shows (item, person, linked hours and milestones, history, colleagues, teams,
    provider name), with an audit line. Raises NotFoundException (404) as `item_for`."""
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
    MAP/PVT after DUO's term end (issue 11). Raises NotFoundException (404) as `item_for`."""
    from municipal.duo import outbox

    data = await item_page(user, item_id, origin)
    data["registration"] = await registration_of(data["item"], data["person"], verwijtbaar)
    # Issue 11: what was sent to DUO for this item, and whether this installation sends at all.
    data["duo_messages"] = await outbox.messages_for_item(item_id)
    data["duo_sends"] = outbox.configured() is not None
    data["duo_test_environment"] = settings.duo_test_environment
    return data


async def registration_of(item: dict[str, Any], person: dict[str, Any], verwijtbaar: str | None = None):
    """The request for DUO for this item (a DuoRegistration, DUO's rules and contract checked; problems on it),
    or None when nothing of it goes to DUO. item, person: InboxItem and Inburgeraar rows (access checked by
    the caller). Raises nothing on purpose: a ContractError becomes the registration's `contract_problem`."""
    from municipal.duo import outbox
    from municipal.inbox.duo import DuoFacts, registration_for

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
        datum_aanbod=person.get("datum_inburgeringsaanbod"),
        alfabetisering=person.get("indicator_alfabetisering"),
        **await _language_provider(person["id"]),
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
    return registration


async def _language_provider(inburgeraar_id: int) -> dict[str, Any]:
    """The DUO instellingsnummer and start of the person's first language enrollment (the inburgeringsaanbod)."""
    row = (
        await Enrollment.select(Enrollment.start, Enrollment.organisation.duo_instellingsnummer.as_alias("nummer"))
        .where((Enrollment.inburgeraar == inburgeraar_id) & (Enrollment.component == Component.TAAL.value))
        .order_by(Enrollment.start)
        .first()
    )
    return {"instellingsnummer": row["nummer"], "aanbod_start": row["start"]} if row else {}


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
    """For the teamleider: open, overdue and handled per week, per regisseur. Raises NotFoundException (404)
    for a user outside a gemeente."""
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
    """The statuses an item may go to from `status` (rules.ALLOWED_STATUS_CHANGES), in Status order."""
    return [s for s in Status if s in rules.ALLOWED_STATUS_CHANGES[status]]


@dataclass
class Choices:
    """What the inbox page offers to choose from, each [{"id", "name"}] by name (`saved` also has "query")."""

    colleagues: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    providers: list[dict[str, Any]]
    saved: list[dict[str, Any]]


_CHOICES_SQL = """
SELECT 'collega' AS list, id, name, '' AS query FROM app_user WHERE gemeente = {} AND active
UNION ALL SELECT 'team', id, name, '' FROM team WHERE gemeente = {}
UNION ALL SELECT DISTINCT 'aanbieder', o.id, o.name, '' FROM contract c JOIN organisation o ON o.id = c.organisation
    WHERE c.gemeente = {}
UNION ALL SELECT 'filter', id, name, query FROM saved_filter WHERE "user" = {}
"""


async def choices(user: CurrentUser) -> Choices:
    """The gemeente's active users and teams (for assigning), the providers it has (or had) a contract with
    (the filter's choices) and the user's saved filters: one query, as the inbox page asks it at every visit.
    Raises nothing: access is the caller's."""
    rows = await InboxItem.raw(_CHOICES_SQL, user.gemeente_id, user.gemeente_id, user.gemeente_id, user.id)
    lists: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["name"].lower(), r["id"])):
        lists[r["list"]].append({"id": r["id"], "name": r["name"], "query": r["query"]})
    return Choices(lists["collega"], lists["team"], lists["aanbieder"], lists["filter"])


async def open_item_lines(inburgeraar_id: int) -> list[str]:
    """For the warm-transfer summary: one Dutch line per open inbox item of the person (by deadline). Raises
    nothing: access is the caller's."""
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
