"""The outbox: a domain event is written in the same transaction as the record it describes, so the
municipal side can never miss one (it stays pending until processed)."""
from __future__ import annotations

import json
from typing import Any

from shared.tables import DomainEvent


async def emit(kind: str, *, inburgeraar_id: int | None, gemeente_id: int | None, payload: dict[str, Any]) -> None:
    await DomainEvent.insert(DomainEvent(kind=kind, inburgeraar=inburgeraar_id, gemeente=gemeente_id,
                                         payload=json.dumps(payload, default=str)))
