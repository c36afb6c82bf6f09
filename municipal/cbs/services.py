"""The quarterly delivery to CBS (Statistiek Wet Inburgering): make it (a frozen snapshot and its file), make it
again while it is a concept, release it (teamleiders only), download it (a released file byte for byte), and the
next deadline for the dashboard.

Deadline: at the latest 4 weeks after the quarter ends (CBS, "Wet Inburgering" page for decentral governments).
A quarter can be delivered once it has ended. Regisseurs and teamleiders make a concept; only a teamleider
releases it, after which it never changes: what is corrected later goes into the next quarter's delivery.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar.exceptions import NotFoundException

from municipal.cbs import snapshot, swi
from municipal.dossier.access import can_edit
from municipal.errors import RuleError
from municipal.tables import CbsDelivery
from shared import audit, clock
from shared.calendar import Period, deadline_text, previous_quarter, quarter, quarter_of, working_days_between
from shared.db import lock_for_update, write_tx
from shared.security import CurrentUser
from shared.tables import Gemeente
from shared.vocab import Role

DELIVERY_WEEKS = 4


class Status:
    CONCEPT = "concept"
    VRIJGEGEVEN = "vrijgegeven"
    VERVANGEN = "vervangen"


def deadline(year: int, number: int) -> date:
    """The last day to deliver quarter `number` of `year`: 4 weeks after its last day."""
    return quarter(year, number).end + timedelta(weeks=DELIVERY_WEEKS)


def label(year: int, number: int) -> str:
    return f"Q{number} {year}"


def last_ended_quarter(today: date) -> tuple[int, int]:
    return previous_quarter(*quarter_of(today))


def may_release(user: CurrentUser) -> bool:
    return user.is_gemeente and user.role is Role.TEAMLEIDER


def _require_gemeente(user: CurrentUser) -> None:
    if not user.is_gemeente:
        raise NotFoundException()


def _loaded(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("records", "problems", "counts"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


async def released_of(gemeente_id: int, before: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    """The gemeente's released deliveries, oldest first (optionally only those for quarters before `before`)."""
    rows = [
        _loaded(r)
        for r in await CbsDelivery.select()
        .where((CbsDelivery.gemeente == gemeente_id) & (CbsDelivery.status == Status.VRIJGEGEVEN))
        .order_by(CbsDelivery.jaar)
        .order_by(CbsDelivery.kwartaal)
    ]
    return [r for r in rows if before is None or (r["jaar"], r["kwartaal"]) < before]


async def make(user: CurrentUser, year: int, number: int, origin: str = "") -> int:
    """Freeze the quarter's data into a new concept delivery (an earlier concept of the same quarter is replaced).
    Raises RuleError when the quarter has not ended or was released already; 404 for whoever may not."""
    _require_gemeente(user)
    if not can_edit(user):
        raise NotFoundException()
    period = quarter(year, number)
    today = clock.today()
    if period.end >= today:
        raise RuleError(
            f"{label(year, number)} is nog niet voorbij. "
            f"U kunt het leveren vanaf {period.end + timedelta(days=1):%d-%m-%Y}."
        )
    gemeente = await Gemeente.select().where(Gemeente.id == user.gemeente_id).first()
    async with write_tx():
        await lock_for_update(Gemeente, user.gemeente_id)  # one delivery being made per gemeente at a time
        same = await CbsDelivery.select(CbsDelivery.id, CbsDelivery.status).where(
            (CbsDelivery.gemeente == user.gemeente_id) & (CbsDelivery.jaar == year) & (CbsDelivery.kwartaal == number)
        )
        if any(r["status"] == Status.VRIJGEGEVEN for r in same):
            raise RuleError(
                f"{label(year, number)} is al vrijgegeven. "
                "Correcties gaan mee in de levering van het volgende kwartaal."
            )
        snap = await snapshot.take(user.gemeente_id, period, await released_of(user.gemeente_id, (year, number)))
        header = {
            "gemeentecode": gemeente["cbs_code"],
            "oin": gemeente["oin"],
            "naam": gemeente["name"],
            "jaar": year,
            "kwartaal": number,
            "aanmaakdatum": today.isoformat(),
        }
        xml = swi.write(header, snap.records)
        errors = swi.validate(xml)
        for old in same:
            await CbsDelivery.update({CbsDelivery.status: Status.VERVANGEN}).where(CbsDelivery.id == old["id"])
        rows = await CbsDelivery.insert(
            CbsDelivery(
                gemeente=user.gemeente_id,
                jaar=year,
                kwartaal=number,
                status=Status.CONCEPT,
                made_by=user.id,
                records=json.dumps(snap.records),
                problems=json.dumps([p.to_json() for p in snap.problems]),
                counts=json.dumps(snap.counts()),
                xml=xml,
                sha256=hashlib.sha256(xml).hexdigest(),
                schema_name=swi.SCHEMA_NAME,
                schema_errors="\n".join(errors),
            )
        ).returning(CbsDelivery.id)
        delivery_id = rows[0]["id"]
        await audit.record(
            user,
            "cbs.make",
            "cbs_delivery",
            delivery_id,
            origin=origin,
            subject_gemeente_id=user.gemeente_id,
            detail=f"{label(year, number)}: {len(snap.records)} records, {len(snap.problems)} punten",
        )
    return delivery_id


async def delivery_of(user: CurrentUser, delivery_id: int) -> dict[str, Any]:
    """Raises NotFoundException (404) for a delivery of another gemeente or none."""
    _require_gemeente(user)
    row = (
        await CbsDelivery.select(
            CbsDelivery.all_columns(),
            CbsDelivery.made_by.name.as_alias("made_by_name"),
            CbsDelivery.released_by.name.as_alias("released_by_name"),
        )
        .where((CbsDelivery.id == delivery_id) & (CbsDelivery.gemeente == user.gemeente_id))
        .first()
    )
    if row is None:
        raise NotFoundException()
    return _loaded(row)


async def view(user: CurrentUser, delivery_id: int, origin: str = "") -> dict[str, Any]:
    row = await delivery_of(user, delivery_id)
    await audit.record(
        user, "cbs.view", "cbs_delivery", delivery_id, origin=origin, subject_gemeente_id=user.gemeente_id
    )
    return row


async def release(user: CurrentUser, delivery_id: int, origin: str = "") -> None:
    """A teamleider releases a concept: from then on it is final. Raises RuleError for a concept that was replaced
    or released already, or whose file does not fit the schema; 404 for anyone but a teamleider."""
    if not may_release(user):
        raise NotFoundException()
    async with write_tx():
        await lock_for_update(CbsDelivery, delivery_id)
        row = await delivery_of(user, delivery_id)
        if row["status"] != Status.CONCEPT:
            raise RuleError("Alleen het laatste concept kan worden vrijgegeven.")
        if row["schema_errors"]:
            raise RuleError("Het bestand past niet bij het schema. Maak de levering opnieuw na het herstel.")
        await CbsDelivery.update(
            {
                CbsDelivery.status: Status.VRIJGEGEVEN,
                CbsDelivery.released_by: user.id,
                CbsDelivery.released_at: clock.now(),
            }
        ).where(CbsDelivery.id == delivery_id)
        await audit.record(
            user,
            "cbs.release",
            "cbs_delivery",
            delivery_id,
            origin=origin,
            subject_gemeente_id=user.gemeente_id,
            detail=f"{label(row['jaar'], row['kwartaal'])}, sha256 {row['sha256']}",
        )


async def download(user: CurrentUser, delivery_id: int, origin: str = "") -> tuple[bytes, str]:
    """The stored file, exactly as made, and its file name."""
    row = await delivery_of(user, delivery_id)
    await audit.record(
        user,
        "cbs.download",
        "cbs_delivery",
        delivery_id,
        origin=origin,
        subject_gemeente_id=user.gemeente_id,
        detail=row["sha256"],
    )
    gemeente = await Gemeente.select(Gemeente.cbs_code).where(Gemeente.id == user.gemeente_id).first()
    suffix = "" if row["status"] == Status.VRIJGEGEVEN else f"-{row['status']}-{row['id']}"
    return bytes(row["xml"]), f"swi-{gemeente['cbs_code']}-{row['jaar']}-Q{row['kwartaal']}{suffix}.xml"


@dataclass
class Quarter:
    year: int
    number: int
    deadline: date
    released: dict[str, Any] | None
    concept: dict[str, Any] | None

    @property
    def label(self) -> str:
        return label(self.year, self.number)


async def overview(user: CurrentUser, origin: str = "", quarters: int = 4) -> list[Quarter]:
    """The last ended quarters, newest first, each with its released delivery and its latest concept."""
    _require_gemeente(user)
    rows = await CbsDelivery.select(
        CbsDelivery.id,
        CbsDelivery.jaar,
        CbsDelivery.kwartaal,
        CbsDelivery.status,
        CbsDelivery.made_at,
        CbsDelivery.released_at,
        CbsDelivery.counts,
    ).where(CbsDelivery.gemeente == user.gemeente_id)
    out = []
    year, number = last_ended_quarter(clock.today())
    for _ in range(quarters):
        mine = [_loaded(r) for r in rows if (r["jaar"], r["kwartaal"]) == (year, number)]
        released = next((r for r in mine if r["status"] == Status.VRIJGEGEVEN), None)
        concepts = sorted((r for r in mine if r["status"] == Status.CONCEPT), key=lambda r: r["id"])
        out.append(Quarter(year, number, deadline(year, number), released, concepts[-1] if concepts else None))
        year, number = previous_quarter(year, number)
    await audit.record(user, "cbs.list", "cbs_delivery", "", origin=origin, subject_gemeente_id=user.gemeente_id)
    return out


@dataclass
class NextDeadline:
    label: str
    deadline: date
    working_days: int  # negative when late
    text: str  # "nog 7 werkdagen" / "3 werkdagen te laat"
    state: str  # "nog niet gemaakt" | "concept" | "vrijgegeven"


async def next_deadline(gemeente_id: int, today: date | None = None) -> NextDeadline:
    """The delivery to work on: the last ended quarter while it is not released (also when late), else the
    quarter running now."""
    today = today or clock.today()
    year, number = last_ended_quarter(today)
    rows = await CbsDelivery.select(CbsDelivery.status).where(
        (CbsDelivery.gemeente == gemeente_id) & (CbsDelivery.jaar == year) & (CbsDelivery.kwartaal == number)
    )
    statuses = {r["status"] for r in rows}
    if Status.VRIJGEGEVEN in statuses:
        year, number = quarter_of(today)
        statuses = set()
    day = deadline(year, number)
    state = "concept" if Status.CONCEPT in statuses else "nog niet gemaakt"
    return NextDeadline(label(year, number), day, working_days_between(today, day), deadline_text(day, today), state)


def period_of(row: dict[str, Any]) -> Period:
    return quarter(row["jaar"], row["kwartaal"])
