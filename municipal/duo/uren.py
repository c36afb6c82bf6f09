"""GevolgdeUren (GevolgdeUren.openapi.yml): DUO keeps **totals**, not increments. A PUT replaces DUO's count
with the total followed so far, in whole hours (never claiming a part not followed).

Once a counter has been registered with DUO for a person (from the inbox item's "Verstuur naar DUO"), the job
`refresh_totals` keeps it current: when the total in whole hours differs from what was last sent (or is
waiting to be sent), the new total is queued. What was last sent per person and counter is the newest
message of kind "uren:<counter>" (the queue keeps every request as sent)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from municipal.duo.contract import validate_request
from municipal.duo.tables import DuoMessage
from shared import clock
from shared.db import write_tx
from shared.hours import followed_hours
from shared.tables import Inburgeraar

# DUO's counters (the last part of the path) and which followed minutes they count (shared.hours.Followed).
COUNTERS = {"participatietaalles": "language", "participatieactiviteiten": "participation"}
KIND_PREFIX = "uren:"


def counter_of(path: str) -> str | None:
    """ "participatietaalles" for "/personen/123/uren/participatietaalles"; None for another path."""
    if "/uren/" not in path:
        return None
    return path.rsplit("/uren/", 1)[1]


def whole_hours(minutes: int) -> int:
    """DUO takes whole hours: 612 h 30 min is 612."""
    return max(minutes, 0) // 60


def new_total(last_sent: int | None, minutes: int) -> int | None:
    """The total to send now, or None when DUO already has it (or nothing was ever registered: the first
    registration is the regisseur's, from the item)."""
    if last_sent is None:
        return None
    total = whole_hours(minutes)
    return total if total != last_sent else None


async def refresh_totals(limit: int = 200) -> int:
    """The background job: queue a new total for every person and counter whose total changed since the last
    message. Returns how many were queued."""
    messages = (
        await DuoMessage.select(
            DuoMessage.id,
            DuoMessage.inburgeraar,
            DuoMessage.gemeente,
            DuoMessage.kind,
            DuoMessage.body,
            DuoMessage.path,
            DuoMessage.bron,
            DuoMessage.doel,
            DuoMessage.status,
        )
        .where(DuoMessage.kind.like(KIND_PREFIX + "%") & DuoMessage.status.is_in(["wachtrij", "ontvangen"]))
        .order_by(DuoMessage.id, ascending=False)
    )
    latest: dict[tuple[int, str], dict[str, Any]] = {}
    for m in messages:
        latest.setdefault((m["inburgeraar"], m["kind"]), m)
    if not latest:
        return 0
    followed = await followed_hours({person for person, _ in latest})
    moved = {
        p["id"]
        for p in await Inburgeraar.select(Inburgeraar.id).where(
            Inburgeraar.id.is_in(list({person for person, _ in latest})) & Inburgeraar.verhuisd_op.is_not_null()
        )
    }
    queued = 0
    for (person, kind), last in list(latest.items())[:limit]:
        counter = kind[len(KIND_PREFIX) :]
        if person in moved or counter not in COUNTERS or last["status"] == "wachtrij":
            continue
        body = json.loads(last["body"]) if isinstance(last["body"], str) else last["body"]
        total = new_total(int(body["uren"]), getattr(followed[person], COUNTERS[counter]))
        if total is None:
            continue
        headers = {"bron": last["bron"], "doel": last["doel"], "berichtId": str(uuid.uuid4())}
        validate_request("PUT", last["path"], {"uren": total}, headers)
        async with write_tx():
            await DuoMessage.insert(
                DuoMessage(
                    gemeente=last["gemeente"],
                    inburgeraar=person,
                    kind=kind,
                    method="PUT",
                    path=last["path"],
                    body=json.dumps({"uren": total}),
                    bron=headers["bron"],
                    doel=headers["doel"],
                    bericht_id=headers["berichtId"],
                    send_after=clock.now(),
                )
            )
        queued += 1
    return queued
