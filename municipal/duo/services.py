"""What the gemeente sees of its DUO link: the notifications DUO sent it, newest first."""

from __future__ import annotations

from typing import Any

from municipal.duo.events import MEANINGS
from municipal.duo.inbound import NotificationStatus
from municipal.duo.tables import DuoNotification
from shared import audit
from shared.security import CurrentUser

# The statuses that ask something of a person at the gemeente come first.
_ATTENTION = {NotificationStatus.ONBEKENDE_PERSOON, NotificationStatus.ONBEKENDE_CODE, NotificationStatus.FOUT}


async def notifications(user: CurrentUser, origin: str = "", limit: int = 200) -> list[dict[str, Any]]:
    """The gemeente's DUO notifications (newest first, those needing attention on top), each with its
    status label, DUO's meaning of the code and the person's name when known. Audited (BSNs are shown)."""
    rows = (
        await DuoNotification.select(
            *DuoNotification.all_columns(exclude=[DuoNotification.body]),
            DuoNotification.inburgeraar.voornamen.as_alias("voornamen"),
            DuoNotification.inburgeraar.achternaam.as_alias("achternaam"),
        )
        .where(DuoNotification.gemeente == user.gemeente_id)
        .order_by(DuoNotification.id, ascending=False)
        .limit(limit)
    )
    for r in rows:
        status = NotificationStatus(r["status"])
        r["status_label"] = status.label
        r["attention"] = status in _ATTENTION
        r["meaning"] = MEANINGS.get(r["gebeurtenis_id"], "Onbekende code")
    rows.sort(key=lambda r: not r["attention"])
    await audit.record(user, "duo.notificaties.bekeken", "duo_notification", "", origin=origin, detail=f"{len(rows)}")
    return rows
