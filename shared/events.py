"""The outbox: a domain event is written in the same transaction as the record it describes, so the
municipal side can never miss one (it stays pending until processed)."""
from __future__ import annotations

import json
from typing import Any

import msgspec

from shared.tables import DomainEvent


async def emit(kind: str, *, inburgeraar_id: int | None, gemeente_id: int | None, payload: dict[str, Any]) -> None:
    await DomainEvent.insert(DomainEvent(kind=kind, inburgeraar=inburgeraar_id, gemeente=gemeente_id,
                                         payload=json.dumps(payload, default=str)))


EVENT_COLUMNS = ["kind", "occurred_at", "inburgeraar", "gemeente", "payload"]


async def emit_many(items: list[tuple[str, int | None, int | None, dict[str, Any]]]) -> None:
    """Many events at once, as (kind, inburgeraar_id, gemeente_id, payload): the same rows `emit` writes.
    Call inside write_tx (uploads)."""
    from shared.clock import now
    from shared.db import insert_many

    at = now()
    encode = msgspec.json.Encoder(enc_hook=str).encode   # the same JSON as json.dumps(default=str), faster
    await insert_many(DomainEvent, EVENT_COLUMNS,
                      [(kind, at, person, gemeente, encode(payload).decode()) for kind, person, gemeente, payload in items])
