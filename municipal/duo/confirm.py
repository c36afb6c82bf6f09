"""Reconciliation (issue 11, ADR 0024): DUO's 2xx is only a receipt; what DUO reports later decides.

- After DUO received a registration it lets us read back (MAP, PVT), a lookup of the same data is queued
  for CHECK_AFTER later (`queue_check`).
- When DUO's data arrives (`on_data`), it is compared (municipal/duo/reconcile.py) with the newest received
  message for the same data: the same → the message is "door DUO verwerkt" (`confirmed_at`, a line on its
  item); different → an item "Gegevens bij DUO wijken af" with ours and DUO's value.
- A notification that says DUO lacks what we registered (SS126 after a PIP, SS127 after an aanbod) makes the
  same item (`on_notification`).
Call these inside the caller's write transaction.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from municipal.duo import reconcile
from municipal.duo.events import Fetch
from municipal.duo.tables import DuoMessage
from municipal.inbox.rules import ItemKind, Signal
from municipal.tables import InboxEntry
from shared import clock
from shared.calendar import local_day
from shared.tables import Inburgeraar

# DUO processes what it received later; reading back at once could show the old value. One day is a guess
# DUO does not publish; a difference found later still makes an item, so nothing hangs on the exact value.
CHECK_AFTER = timedelta(days=1)
FETCH_PREFIX = "ophalen:"


def _body(row: dict[str, Any]) -> Any:
    return json.loads(row["body"]) if isinstance(row["body"], str) else row["body"]


async def queue_check(message: dict[str, Any]) -> int | None:
    """After DUO's receipt for `message` (a DuoMessage row): queue a lookup of the same data, due after
    CHECK_AFTER. Returns the lookup's id, or None when DUO offers no lookup for it."""
    spec = reconcile.read_back_of(message["path"]) if message["method"] == "PUT" else None
    if spec is None:
        return None
    return (
        await DuoMessage.insert(
            DuoMessage(
                gemeente=message["gemeente"],
                inburgeraar=message["inburgeraar"],
                kind=FETCH_PREFIX + Fetch(spec[0]).value,
                method="GET",
                path=message["path"],
                body="null",
                bron=message["bron"],
                doel=message["doel"],
                bericht_id=str(uuid.uuid4()),
                send_after=clock.now() + CHECK_AFTER,
            )
        ).returning(DuoMessage.id)
    )[0]["id"]


async def _sent(inburgeraar_id: int, path_matches) -> dict[str, Any] | None:
    rows = (
        await DuoMessage.select()
        .where(
            (DuoMessage.inburgeraar == inburgeraar_id)
            & (DuoMessage.method != "GET")
            & (DuoMessage.status == "ontvangen")
        )
        .order_by(DuoMessage.id, ascending=False)
    )
    return next((r for r in rows if path_matches(r["path"])), None)


async def _raise_item(message: dict[str, Any], differences: list[reconcile.Difference], day, ref: str) -> int | None:
    from municipal.inbox import services as inbox

    person = await Inburgeraar.select().where(Inburgeraar.id == message["inburgeraar"]).first()
    thresholds = await inbox.thresholds_for(person["gemeente"])
    signal = Signal(
        ItemKind.DUO_AFWIJKING,
        f"duo_afwijking:{message['id']}:{ref}",
        day,
        {"duo_message": [message["id"]]},
        reconcile.describe(differences),
    )
    return await inbox.upsert_item(signal, person, thresholds, event_id=None)


async def on_data(inburgeraar_id: int, soort: str, data: Any, data_id: int, fetched_at: datetime) -> str:
    """DUO's lookup answer (`soort`, parsed `data`) arrived: compare it with what we registered. Returns what
    happened: "bevestigd", "afwijking" or "" (nothing to compare)."""
    message = await _sent(inburgeraar_id, lambda path: (reconcile.read_back_of(path) or ("",))[0] == soort)
    if message is None or message["answered_at"] is None or message["answered_at"] > fetched_at:
        return ""
    differences = reconcile.compare(message["path"], _body(message), soort, data)
    if differences is None:
        return ""
    if differences:
        await _raise_item(message, differences, local_day(fetched_at), f"data{data_id}")
        return "afwijking"
    if message["confirmed_at"] is None:
        await DuoMessage.update({DuoMessage.confirmed_at: fetched_at}).where(DuoMessage.id == message["id"])
        if message["item"]:
            await InboxEntry.insert(
                InboxEntry(
                    item=message["item"],
                    entry_type="duo",
                    text=f"Door DUO verwerkt: DUO gaf op {local_day(fetched_at):%d-%m-%Y} dezelfde gegevens terug.",
                )
            )
    return "bevestigd"


async def on_notification(inburgeraar_id: int, code: str, notification_id: int, registered) -> int | None:
    """DUO's notification `code` for the person: when it says DUO lacks what we registered, an item shows
    ours vs DUO's. Returns the item's id, or None."""
    if code not in reconcile.CONTRADICTED_BY:
        return None
    message = await _sent(inburgeraar_id, lambda path: reconcile.contradiction(code, path, None) is not None)
    if message is None:
        return None
    differences = reconcile.contradiction(code, message["path"], _body(message))
    if not differences:
        return None
    return await _raise_item(message, differences, registered, f"notificatie{notification_id}")
