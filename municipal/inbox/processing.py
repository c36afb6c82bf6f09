"""From pending domain events to inbox items, a round at a time (ADR 0006, ADR 0013, ADR 0023).

A round claims a batch of pending events (`claim_round`: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`,
so N processes each take other events and nobody waits or fails; on SQLite the single writer), shares the
batch fairly over the sources that have pending events (one provider's bulk upload never holds up another
provider's report), loads the people, their totals, the gemeente's thresholds and routing once for the
whole batch, judges every event with the pure rules (`evaluate`, the one place that says which rule an
event goes to), and writes the new items with their history set-based. The events are marked processed in
the same transaction: a crash rolls back both, and the events are simply taken again.

A round that fails (a bad event) is redone one event at a time, so one bad event only holds up itself; it
keeps its error in `last_error` and is retried until `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Sum

from municipal.inbox import rules
from municipal.inbox.rules import Signal, Status
from municipal.tables import Absence, InboxEntry, InboxItem, InboxSettings, RoutingRule, Team, TeamMember
from shared import clock
from shared.db import engine, insert_many, is_postgres, write_tx
from shared.events import (
    EventKind,
    HoursPayload,
    IntakeNoShows,
    MilestonePayload,
    Payload,
    decode,
)
from shared.hours import followed_hours
from shared.security import CurrentUser
from shared.settings import TIMEZONE
from shared.tables import DomainEvent, HourRecord, Inburgeraar
from shared.vocab import Doelgroep, Leerroute

log = logging.getLogger(__name__)
CORRECTIONS = {EventKind.HOURS_CORRECTED, EventKind.MILESTONE_CORRECTED}
ROUND_SIZE = 2000  # events per round (one transaction)
MAX_SOURCES = 200  # sources shared in one round; more wait for the next round, oldest first
MAX_ATTEMPTS = 10  # an event that failed this often is left alone (its last_error says why)
CHUNK = 500  # ids per IN (…) list


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- Facts the rules need, for many at once ------------------------------------------------------------


def _thresholds(row: dict[str, Any] | None) -> rules.Thresholds:
    if row is None:
        return rules.Thresholds()
    return rules.Thresholds(
        row["afschalen_vooraf_uren"],
        row["verzuim_drempel_uren"],
        row["verzuim_herhaald_perioden"],
        row["achterstand_procent"],
        row["behandeltermijn_werkdagen"],
    )


async def thresholds_for(gemeente_id: int) -> rules.Thresholds:
    return (await thresholds_for_many([gemeente_id]))[gemeente_id]


async def thresholds_for_many(gemeente_ids) -> dict[int, rules.Thresholds]:
    """Each gemeente's inbox thresholds (the defaults where it set none), in one query."""
    ids = sorted(set(gemeente_ids))
    rows = await InboxSettings.select().where(InboxSettings.gemeente.is_in(ids or [0]))
    found = {r["gemeente"]: r for r in rows}
    return {g: _thresholds(found.get(g)) for g in ids}


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
    return (await totals_for_many([inburgeraar_id]))[inburgeraar_id]


async def totals_for_many(inburgeraar_ids) -> dict[int, rules.Totals]:
    """Per person: followed minutes over every provider's current records (shared.hours says what counts),
    and the unexcused minutes per period (newest first) for repeated verzuim. Two grouped queries per
    `CHUNK` people."""
    ids = sorted(set(inburgeraar_ids))
    out: dict[int, rules.Totals] = {}
    for part in _chunks(ids):
        followed = await followed_hours(part)
        periods = (
            await HourRecord.select(
                HourRecord.inburgeraar, HourRecord.period_start, Sum(HourRecord.ongeoorloofd_minutes, alias="o")
            )
            .where(HourRecord.inburgeraar.is_in(part) & HourRecord.superseded_by.is_null())
            .group_by(HourRecord.inburgeraar, HourRecord.period_start)
            .order_by(HourRecord.period_start, ascending=False)
        )
        per_person: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for p in periods:
            per_person[p["inburgeraar"]].append((p["period_start"], int(p["o"] or 0)))
        for i in part:
            out[i] = rules.Totals(followed[i].language, followed[i].participation, tuple(per_person[i]))
    return out


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


# --- Which rule an event goes to (pure) -----------------------------------------------------------------


def evaluate(
    kind: EventKind,
    payload: Payload,
    occurred_at,
    person: rules.Person,
    totals: rules.Totals,
    thresholds: rules.Thresholds,
    today: date,
) -> tuple[rules.Evaluation, int | None]:
    """What one event asks for, and the record it corrects (or None)."""
    if isinstance(payload, HoursPayload):
        return rules.hour_signals(payload, person, totals, thresholds, today), payload.supersedes
    if isinstance(payload, MilestonePayload):
        return rules.milestone_signals(payload, person), payload.supersedes
    if isinstance(payload, IntakeNoShows):
        return rules.intake_signals(payload.no_shows, person, occurred_at.astimezone(TIMEZONE).date()), None
    # a dossier change (PIP, aanbod): what depends on the person alone
    return rules.delayed_start_signal(person, today), None


# --- Claiming a fair round ----------------------------------------------------------------------------------


_PENDING_SQL = f"processed_at IS NULL AND attempts < {MAX_ATTEMPTS}"
# The distinct sources with pending work, one index probe each (a "loose index scan" over the partial index
# domain_event_pending_source), however many events are pending.
_SOURCES_SQL = f"""
WITH RECURSIVE s(source) AS (
    SELECT MIN(source) FROM domain_event WHERE {_PENDING_SQL}
    UNION ALL
    SELECT (SELECT MIN(d.source) FROM domain_event d WHERE d.{_PENDING_SQL.replace(" AND ", " AND d.")}
            AND d.source > s.source)
    FROM s WHERE s.source IS NOT NULL
)
SELECT source FROM s WHERE source IS NOT NULL LIMIT {MAX_SOURCES}
"""


def _pending(skip: frozenset[int] | set[int] = frozenset()):
    where = DomainEvent.processed_at.is_null() & (DomainEvent.attempts < MAX_ATTEMPTS)
    return where & DomainEvent.id.not_in(sorted(skip)) if skip else where


async def claim_round(size: int = ROUND_SIZE, skip: set[int] = frozenset()) -> list[dict[str, Any]]:
    """Up to `size` pending events, locked for the caller's transaction (call inside write_tx): an equal
    share for every source with pending events, oldest first within a source, then whatever room is left
    oldest first. Events another process holds are skipped, not waited for; so are the ids in `skip`
    (failed a moment ago)."""
    sources = [r["source"] for r in await DomainEvent.raw(_SOURCES_SQL)]
    if not sources:
        return []
    share = max(1, size // len(sources))
    events: list[dict[str, Any]] = []
    more = False  # some source may have more than its share
    for source in sources:
        got = await _take(share, skip, source=source)
        events += got
        more |= len(got) == share
        if len(events) >= size:
            break
    room = size - len(events)
    if room > 0 and more:  # fill up, oldest first
        events += await _take(room, skip | {e["id"] for e in events})
    return sorted(events, key=lambda e: e["id"])


# PostgreSQL, in two steps. First the next pending ids, read from a partial index of pending events alone
# (an index-only scan, however many events were processed before them); then those ids are claimed and
# marked in one statement (the classic queue): locked and marked processed by this transaction, skipped by
# others, unmarked by a rollback. Claiming straight from the table let the planner walk the primary key
# past every event processed before, so each round of a big upload took longer than the one before.
_PG_NEXT = """
SELECT id FROM domain_event WHERE processed_at IS NULL AND id > $1 {source} ORDER BY id LIMIT $2
"""
_PG_CLAIM = f"""
UPDATE domain_event SET processed_at = $1 WHERE id IN (
    SELECT id FROM domain_event
    WHERE id = ANY($2::int[]) AND {_PENDING_SQL} AND NOT (id = ANY($3::int[]))
    ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED
) RETURNING *
"""


async def _take(limit: int, skip: set[int], *, source: str | None = None) -> list[dict[str, Any]]:
    """Up to `limit` pending events (of `source`, when given), oldest first, not in `skip`; on PostgreSQL
    already marked processed by this transaction."""
    if not is_postgres():
        where = _pending(skip) if source is None else _pending(skip) & (DomainEvent.source == source)
        return await DomainEvent.select().where(where).order_by(DomainEvent.id).limit(limit)
    conn = engine().current_transaction.get().connection
    next_sql = _PG_NEXT.replace("{source}", "AND source = $3" if source is not None else "")
    taken: list[dict[str, Any]] = []
    after = 0
    while len(taken) < limit:
        # Twice what is still wanted: other processes may hold some of them (those are skipped, not waited for).
        want = 2 * (limit - len(taken))
        ids = await conn.fetch(next_sql, after, want, *([source] if source is not None else []))
        if not ids:
            break
        ids = [r["id"] for r in ids]
        rows = await conn.fetch(_PG_CLAIM, clock.now(), ids, sorted(skip), limit - len(taken))
        taken += [dict(r) for r in rows]
        if len(ids) < want:
            break
        after = ids[-1]
    return taken


async def process_pending(limit: int = 20 * ROUND_SIZE, *, round_size: int = ROUND_SIZE) -> int:
    """Turn pending events into items, round after round, until none are pending (or `limit` are done).
    Returns how many events were handled. Safe in N processes at once: each event is handled once, and an
    item key exists once per gemeente."""
    done = 0
    failed: set[int] = set()  # retried in a later call, not in every round of this one
    while done < limit:
        handled = await process_round(min(round_size, limit - done), failed=failed)
        if handled == 0:
            break
        done += handled
    return done


async def process_round(size: int = ROUND_SIZE, *, failed: set[int] | None = None) -> int:
    """One round: claim, judge, write, mark processed, in one transaction. Returns how many events were
    handled, counting those that failed (their ids are added to `failed`, and skipped by the next round)."""
    failed = set() if failed is None else failed
    claimed_ids: list[int] = []
    try:
        async with write_tx():
            events = await claim_round(size, skip=failed)
            claimed_ids = [e["id"] for e in events]
            if not events:
                return 0
            await handle_events(events)
        return len(events)
    except Exception:
        if not claimed_ids:
            raise
        log.warning("ronde van %s gebeurtenissen mislukt; nu een voor een", len(claimed_ids))
    done = await _one_by_one(claimed_ids, failed)
    return done + len(set(claimed_ids) & failed)


async def _take_one(event_id: int) -> list[dict[str, Any]]:
    if is_postgres():
        conn = engine().current_transaction.get().connection
        sql = (
            f"UPDATE domain_event SET processed_at = $1 WHERE id = (SELECT id FROM domain_event WHERE id = $2 "
            f"AND {_PENDING_SQL} FOR UPDATE SKIP LOCKED) RETURNING *"
        )
        return [dict(r) for r in await conn.fetch(sql, clock.now(), event_id)]
    return await DomainEvent.select().where(_pending() & (DomainEvent.id == event_id))


async def _one_by_one(ids: list[int], failed: set[int]) -> int:
    done = 0
    for event_id in ids:
        try:
            async with write_tx():
                rows = await _take_one(event_id)
                if not rows:
                    continue  # another process handled it meanwhile: the normal case, nothing to say
                await handle_events(rows)
            done += 1
        except Exception as exc:  # keep the event pending, note why, go on with the next
            log.exception("gebeurtenis %s niet verwerkt", event_id)
            failed.add(event_id)
            async with write_tx():
                await DomainEvent.update(
                    {DomainEvent.attempts: DomainEvent.attempts + 1, DomainEvent.last_error: repr(exc)[:2000]}
                ).where(DomainEvent.id == event_id)
    return done


# --- Judging a batch --------------------------------------------------------------------------------------


@dataclass
class Wanted:
    """A signal for one person, from one event (or from the daily scan: no event)."""

    signal: Signal
    person: dict[str, Any]
    event_id: int | None = None
    corrects: int | None = None
    is_correction: bool = False


async def handle_events(events: list[dict[str, Any]]) -> None:
    """Judge `events` (rows of domain_event, claimed by the caller with `claim_round`) and write what they
    ask for; the events are marked processed (PostgreSQL: already by the claim). Inside the caller's
    write_tx."""
    today = clock.today()
    about = [e for e in events if e["inburgeraar"] is not None]
    people: dict[int, dict[str, Any]] = {}
    for part in _chunks(sorted({e["inburgeraar"] for e in about})):
        people.update({r["id"]: r for r in await Inburgeraar.select().where(Inburgeraar.id.is_in(part))})
    decoded = [(e, EventKind(e["kind"]), decode(e["kind"], e["payload"])) for e in about if e["inburgeraar"] in people]
    totals = await totals_for_many(e["inburgeraar"] for e, _, p in decoded if isinstance(p, HoursPayload))
    thresholds = await thresholds_for_many(p["gemeente"] for p in people.values())
    wanted: list[Wanted] = []
    withdrawn: list[tuple[int, str, int]] = []
    facts = {i: person_facts(p) for i, p in people.items()}
    for event, kind, payload in decoded:
        person = people[event["inburgeraar"]]
        evaluation, corrected_ref = evaluate(
            kind,
            payload,
            event["occurred_at"],
            facts[person["id"]],
            totals.get(person["id"], rules.Totals()),
            thresholds[person["gemeente"]],
            today,
        )
        wanted += [Wanted(s, person, event["id"], corrected_ref, kind in CORRECTIONS) for s in evaluation.signals]
        if corrected_ref:
            withdrawn += [(person["gemeente"], key, corrected_ref) for key in evaluation.withdrawn]
    await write_signals(wanted, thresholds, today, withdrawn=withdrawn)
    if not is_postgres():  # PostgreSQL marked them as it claimed them (_take)
        await _mark_processed([e["id"] for e in events])


async def _mark_processed(ids: list[int]) -> None:
    for part in _chunks(ids):
        await DomainEvent.update({DomainEvent.processed_at: clock.now()}).where(DomainEvent.id.is_in(part))


# --- Writing items and their history, set-based ------------------------------------------------------------


def refs_of(item: dict[str, Any]) -> dict[str, list[int]]:
    return json.loads(item["refs"]) if isinstance(item["refs"], str) else (item["refs"] or {})


def came_from(item: dict[str, Any], record_id: int | None) -> bool:
    return record_id is not None and any(record_id in ids for ids in refs_of(item).values() if isinstance(ids, list))


async def _existing(keys: set[tuple[int, str]]) -> dict[tuple[int, str], dict[str, Any]]:
    by_gemeente: dict[int, list[str]] = defaultdict(list)
    for gemeente, key in keys:
        by_gemeente[gemeente].append(key)
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for gemeente, names in by_gemeente.items():
        for part in _chunks(sorted(names)):
            rows = await InboxItem.select().where((InboxItem.gemeente == gemeente) & InboxItem.key.is_in(part))
            found.update({(r["gemeente"], r["key"]): r for r in rows})
    return found


ENTRY_COLUMNS = ["item", "at", "by", "entry_type", "from_status", "to_status", "assignee", "team", "rule", "text"]


def entry_row(
    item_id: int,
    user: CurrentUser | None,
    entry_type: str,
    *,
    from_status: Status | None = None,
    to_status: Status | None = None,
    text: str = "",
    assignee: int | None = None,
    team: int | None = None,
    rule: int | None = None,
) -> tuple:
    """One line of an item's history, not yet written (a row in ENTRY_COLUMNS order)."""
    return (
        item_id,
        clock.now(),
        user.id if user else None,
        entry_type,
        from_status.value if from_status else None,
        to_status.value if to_status else None,
        assignee,
        team,
        rule,
        text,
    )


async def add_entries(entries: list[tuple]) -> None:
    """Write history lines made by `entry_row`, in order, with one statement (inside write_tx)."""
    await insert_many(InboxEntry, ENTRY_COLUMNS, entries)


ITEM_COLUMNS = [
    "gemeente",
    "inburgeraar",
    "kind",
    "key",
    "status",
    "event_date",
    "deadline",
    "organisation",
    "leerroute",
    "source_event",
    "refs",
    "detail",
    "assignee",
    "team",
    "created_at",
    "updated_at",
    "outcome_text",
]
_PG_ITEM_TYPES = [
    "int",
    "int",
    "text",
    "text",
    "text",
    "date",
    "date",
    "int",
    "text",
    "int",
    "json",
    "text",
    "int",
    "int",
    "timestamptz",
    "timestamptz",
    "text",
]
_COLS = ", ".join(f'"{c}"' for c in ITEM_COLUMNS)
_CONFLICT = 'ON CONFLICT ("gemeente", "key") DO NOTHING RETURNING id, gemeente, key'
_PG_INSERT_ITEMS = (
    f'INSERT INTO "inbox_item" ({_COLS}) SELECT * FROM unnest('
    + ", ".join(f"${i + 1}::{t}[]" for i, t in enumerate(_PG_ITEM_TYPES))
    + f") {_CONFLICT}"
)
_SQLITE_INSERT_ITEM = f'INSERT INTO "inbox_item" ({_COLS}) VALUES ({", ".join("?" * len(ITEM_COLUMNS))}) {_CONFLICT}'


async def _insert_items(rows: list[tuple]) -> list[dict[str, Any]]:
    """Insert item rows (ITEM_COLUMNS order) in one statement; a (gemeente, key) that exists is skipped.
    Returns the new rows' id, gemeente and key."""
    conn = engine().current_transaction.get().connection
    if is_postgres():
        return [dict(r) for r in await conn.fetch(_PG_INSERT_ITEMS, *[list(c) for c in zip(*rows, strict=True)])]
    out = []
    for row in rows:  # SQLite: in-process, and this transaction is the only writer
        async with conn.execute(_SQLITE_INSERT_ITEM, row) as cursor:
            out += [dict(r) for r in await cursor.fetchall()]
    return out


async def write_signals(
    wanted: list[Wanted],
    thresholds: dict[int, rules.Thresholds],
    today: date,
    *,
    withdrawn: list[tuple[int, str, int]] = (),
) -> int:
    """Create the items `wanted` asks for (routed, with their history), update and reopen those whose source
    was corrected, and note where a correction withdrew the reason of an item. Returns the number of items
    made. Inside the caller's write_tx; a key another process made meanwhile is left to that process."""
    keys = {(w.person["gemeente"], w.signal.key) for w in wanted} | {(g, k) for g, k, _ in withdrawn}
    existing = await _existing(keys)
    new: dict[tuple[int, str], Wanted] = {}
    corrections: list[Wanted] = []
    for w in wanted:
        at = (w.person["gemeente"], w.signal.key)
        if at in existing or at in new:
            if w.is_correction:
                corrections.append(w)
            continue  # the same fact again: nothing new to do
        new[at] = w
    made = await _insert_new(sorted(new.items()), thresholds, today)
    entries: list[InboxEntry] = []
    for w in corrections:
        entries += await _correct(w, thresholds[w.person["gemeente"]], today)
    if withdrawn:
        current = await _existing({(g, k) for g, k, _ in withdrawn})
        for gemeente, key, ref in withdrawn:
            item = current.get((gemeente, key))
            if item is not None and came_from(item, ref):
                entries.append(
                    entry_row(
                        item["id"],
                        None,
                        "correctie",
                        text="De aanbieder heeft de bron gecorrigeerd; het signaal geldt daarna niet meer. "
                        "Beoordeel of het item kan worden afgesloten.",
                    )
                )
    await add_entries(entries)
    return made


async def _insert_new(new: list[tuple[tuple[int, str], Wanted]], thresholds, today: date) -> int:
    """New items in (gemeente, key) order (two processes never wait on each other in a circle), each routed
    as it is made; the conflicts (made by another process a moment ago) are skipped."""
    contexts: dict[int, RoutingContext] = {}
    made = 0
    for part in _chunks(new, 1000):
        rows, routing = [], {}
        for (gemeente, key), w in part:
            if gemeente not in contexts:
                contexts[gemeente] = await routing_context(gemeente, today)
            ctx, s, person = contexts[gemeente], w.signal, w.person
            decision = rules.route(
                rules.RoutingFacts(
                    s.kind, person["leerroute"], person["doelgroep"], s.organisation_id, person["regisseur"]
                ),
                ctx.rules,
                default_team_id=ctx.default_team_id,
                absences=ctx.absences,
                user_team=ctx.user_team,
                today=today,
            )
            routing[(gemeente, key)] = (w, decision)
            now = clock.now()
            rows.append(
                (
                    gemeente,
                    person["id"],
                    s.kind.value,
                    key,
                    Status.NIEUW.value,
                    s.event_date,
                    rules.deadline_for(s.kind, s.event_date, today, thresholds[gemeente]),
                    s.organisation_id,
                    person["leerroute"],
                    w.event_id,
                    json.dumps(s.refs),
                    s.detail,
                    decision.assignee_id,
                    decision.team_id,
                    now,
                    now,
                    "",
                )
            )
        inserted = await _insert_items(rows)
        entries = []
        for r in sorted(inserted, key=lambda r: r["id"]):
            w, decision = routing[(r["gemeente"], r["key"])]
            entries.append(
                entry_row(r["id"], None, "status", to_status=Status.NIEUW, text=f"Aangemaakt: {w.signal.detail}")
            )
            entries.append(
                entry_row(
                    r["id"],
                    None,
                    "routering",
                    assignee=decision.assignee_id,
                    team=decision.team_id,
                    rule=decision.rule_id,
                    text=decision.reason,
                )
            )
        await add_entries(entries)
        made += len(inserted)
        # Issue 11: registrations the gemeente lets Regie send without a click (its setting on "Koppeling met
        # DUO") are queued as the item is made, after the same checks as "Verstuur naar DUO".
        auto = [r for r in inserted if routing[(r["gemeente"], r["key"])][0].signal.kind in rules.AUTO_DUO_KINDS]
        if auto:
            from municipal.duo import outbox

            chosen = {
                row["gemeente"]: rules.auto_duo_kinds(row["duo_automatisch"])
                for row in await InboxSettings.select(InboxSettings.gemeente, InboxSettings.duo_automatisch).where(
                    InboxSettings.gemeente.is_in(sorted({r["gemeente"] for r in auto}))
                )
            }
            for r in sorted(auto, key=lambda r: r["id"]):
                if routing[(r["gemeente"], r["key"])][0].signal.kind in chosen.get(r["gemeente"], set()):
                    await outbox.queue_automatically(r["id"])
    return made


async def upsert_item(
    signal: Signal, person: dict[str, Any], thresholds: rules.Thresholds, *, event_id: int | None
) -> int | None:
    """One signal for one person outside an event round (DUO's notifications, reconciliation): the item is
    made (routed, with its history) unless it exists. Returns the item's id (new or existing), or None when
    another process is making it at this moment. Inside the caller's write_tx."""
    await write_signals([Wanted(signal, person, event_id)], {person["gemeente"]: thresholds}, clock.today())
    row = (
        await InboxItem.select(InboxItem.id)
        .where((InboxItem.gemeente == person["gemeente"]) & (InboxItem.key == signal.key))
        .first()
    )
    return row["id"] if row else None


async def _correct(w: Wanted, thresholds: rules.Thresholds, today: date) -> list[InboxEntry]:
    """The provider corrected the record an item came from: update the item, and reopen it when closed."""
    s = w.signal
    existing = (
        await InboxItem.select().where((InboxItem.gemeente == w.person["gemeente"]) & (InboxItem.key == s.key)).first()
    )
    if existing is None or not came_from(existing, w.corrects):
        return []
    refs = refs_of(existing)
    for name, ids in s.refs.items():
        refs[name] = sorted(set(refs.get(name, [])) | set(ids))
    changes = []
    if s.event_date != existing["event_date"]:
        changes.append(f"datum {existing['event_date']:%d-%m-%Y} → {s.event_date:%d-%m-%Y}")
    if s.detail != existing["detail"]:
        changes.append(f"{existing['detail']} → {s.detail}")
    values = {
        InboxItem.refs: json.dumps(refs),
        InboxItem.detail: s.detail,
        InboxItem.event_date: s.event_date,
        InboxItem.updated_at: clock.now(),
    }
    if s.kind.for_duo and s.event_date != existing["event_date"]:
        values[InboxItem.deadline] = rules.deadline_for(s.kind, s.event_date, today, thresholds)
    reopen = existing["status"] == Status.AFGEHANDELD
    if reopen:
        values.update(
            {
                InboxItem.status: Status.NIEUW.value,
                InboxItem.outcome: None,
                InboxItem.closed_at: None,
                InboxItem.outcome_text: "",
            }
        )
    await InboxItem.update(values).where(InboxItem.id == existing["id"])
    entries = [
        entry_row(
            existing["id"],
            None,
            "correctie",
            text="De aanbieder heeft de bron gecorrigeerd: " + ("; ".join(changes) or "zelfde gegevens"),
        )
    ]
    if reopen:
        entries.append(
            entry_row(
                existing["id"],
                None,
                "status",
                from_status=Status.AFGEHANDELD,
                to_status=Status.NIEUW,
                text="Heropend omdat de bron is gecorrigeerd.",
            )
        )
    return entries


# --- Time passing is not an event ---------------------------------------------------------------------------


async def scan_delayed_starts(today: date | None = None) -> int:
    """Daily: asylum status holders whose inburgeringsaanbod is late (§3.4.4) get their item, written
    set-based like a round of events."""
    today = today or clock.today()
    limit = today - timedelta(days=92)
    rows = await Inburgeraar.select().where(
        (Inburgeraar.doelgroep == Doelgroep.ASIEL.value)
        & Inburgeraar.pip_dagtekening.is_not_null()
        & (Inburgeraar.pip_dagtekening <= limit)
        & Inburgeraar.verhuisd_op.is_null()
    )
    wanted = [Wanted(s, row) for row in rows for s in rules.delayed_start_signal(person_facts(row), today).signals]
    if not wanted:
        return 0
    async with write_tx():
        thresholds = await thresholds_for_many(w.person["gemeente"] for w in wanted)
        return await write_signals(wanted, thresholds, today)
