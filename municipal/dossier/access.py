"""Who keeps a dossier, and the person as a gemeente user may see them: what every dossier use case starts with.

Regisseurs and teamleiders keep dossiers (`CASEWORK_ROLES`); the gemeente's functioneel beheer reads them.
A person of another gemeente, or one this user may not see, answers 404 (ADR 0005).
"""

from __future__ import annotations

import json
from typing import Any

from litestar.exceptions import NotFoundException

from shared import access
from shared.db import lock_for_update
from shared.security import CurrentUser
from shared.tables import Inburgeraar
from shared.vocab import Role

CASEWORK_ROLES = {Role.REGISSEUR, Role.TEAMLEIDER}


def can_edit(user: CurrentUser) -> bool:
    """Regisseurs and teamleiders keep dossiers; functioneel beheer reads them."""
    return user.is_gemeente and user.role in CASEWORK_ROLES


def require_edit(user: CurrentUser) -> None:
    """Raises NotFoundException (404) when the user may not change dossiers."""
    if not can_edit(user):
        raise NotFoundException()


def loaded(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("voortgangsgesprekken"), str):
        row["voortgangsgesprekken"] = json.loads(row["voortgangsgesprekken"] or "[]")
    return row


async def person_of(user: CurrentUser, inburgeraar_id: int) -> dict[str, Any]:
    """The person, if this gemeente user may see them (else 404), with JSON loaded."""
    return loaded(await access.gemeente_person(user, inburgeraar_id))


async def person_for_update(user: CurrentUser, inburgeraar_id: int) -> dict[str, Any]:
    """Inside a write transaction: the person, locked against a concurrent change (PostgreSQL)."""
    await lock_for_update(Inburgeraar, inburgeraar_id)
    return await person_of(user, inburgeraar_id)
