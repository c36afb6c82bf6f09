"""The audit log: every read and change of a person's data, and every login, with who, what, which
object, result, origin and when (BIO 8.15.01). Written inside the caller's transaction when there is one,
so a change and its log entry land together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.tables import AuditEvent

if TYPE_CHECKING:
    from shared.security import CurrentUser


async def record(
    actor: CurrentUser | None,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    *,
    result: str = "ok",
    origin: str = "",
    inburgeraar_id: int | None = None,
    subject_gemeente_id: int | None = None,
    detail: str = "",
    actor_email: str = "",
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            actor=actor.id if actor else None,
            actor_email=actor.email if actor else actor_email[:254],
            actor_gemeente=actor.gemeente_id if actor else None,
            actor_organisation=actor.organisation_id if actor else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            inburgeraar=inburgeraar_id,
            subject_gemeente=subject_gemeente_id,
            result=result,
            origin=origin[:64],
            detail=detail,
        )
    )


AUDIT_COLUMNS = [
    "at",
    "actor",
    "actor_email",
    "actor_gemeente",
    "actor_organisation",
    "action",
    "object_type",
    "object_id",
    "inburgeraar",
    "subject_gemeente",
    "result",
    "origin",
    "detail",
]


async def record_many(
    actor: CurrentUser | None,
    items: list[tuple[str, str, Any, int | None, int | None, str]],
    *,
    origin: str = "",
    actor_email: str = "",
) -> None:
    """Many entries by one actor, as (action, object_type, object_id, inburgeraar_id, subject_gemeente_id,
    detail): the same rows `record` writes. Call inside write_tx (uploads)."""
    from shared.clock import now
    from shared.db import insert_many

    at = now()
    email = actor.email if actor else actor_email[:254]
    who = (
        actor.id if actor else None,
        email,
        actor.gemeente_id if actor else None,
        actor.organisation_id if actor else None,
    )
    await insert_many(
        AuditEvent,
        AUDIT_COLUMNS,
        [
            (at, *who, action, object_type, str(object_id)[:64], person, gemeente, "ok", origin[:64], detail)
            for action, object_type, object_id, person, gemeente, detail in items
        ],
    )
