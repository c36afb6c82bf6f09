"""The provider API's tokens (api.py): created and revoked by an organisation's beheerder (the page is in
routes.py), shown once, stored as a SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from litestar.exceptions import NotFoundException

from shared import audit, clock
from shared.db import write_tx
from shared.errors import RuleError
from shared.security import CurrentUser
from shared.tables import ApiToken
from shared.vocab import Role

PREFIX = "rgi_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_org_beheerder(user: CurrentUser | None) -> bool:
    return user is not None and user.role is Role.BEHEERDER and user.organisation_id is not None


async def tokens(user: CurrentUser) -> list[dict[str, Any]]:
    return (
        await ApiToken.select(
            ApiToken.all_columns(exclude=[ApiToken.token_hash]),
            ApiToken.created_by.name.as_alias("created_by_name"),
        )
        .where(ApiToken.organisation == user.organisation_id)
        .order_by(ApiToken.id, ascending=False)
    )


async def create(user: CurrentUser, name: str, origin: str = "") -> str:
    """A new token for the user's organisation; the plain token is returned once and never stored."""
    name = name.strip()
    if not name:
        raise RuleError("Geef de sleutel een naam, bijvoorbeeld de naam van het systeem dat hem gebruikt.", "name")
    if len(name) > 100:
        raise RuleError("Gebruik hoogstens 100 tekens voor de naam.", "name")
    token = PREFIX + secrets.token_urlsafe(32)
    async with write_tx():
        token_id = (
            await ApiToken.insert(
                ApiToken(
                    organisation=user.organisation_id,
                    name=name,
                    token_hash=_hash(token),
                    prefix=token[:10],
                    created_by=user.id,
                )
            ).returning(ApiToken.id)
        )[0]["id"]
        await audit.record(user, "api_token.created", "api_token", token_id, origin=origin, detail=name)
    return token


async def revoke(user: CurrentUser, token_id: int, origin: str = "") -> None:
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.revoked_at)
        .where((ApiToken.id == token_id) & (ApiToken.organisation == user.organisation_id))
        .first()
    )
    if row is None:
        raise NotFoundException()
    if row["revoked_at"] is not None:
        return
    async with write_tx():
        await ApiToken.update({ApiToken.revoked_at: clock.now(), ApiToken.revoked_by: user.id}).where(
            ApiToken.id == token_id
        )
        await audit.record(user, "api_token.revoked", "api_token", token_id, origin=origin)


async def authenticate(authorization: str) -> dict[str, Any] | None:
    """The live token for an `Authorization: Bearer …` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(PREFIX):
        return None
    row = (
        await ApiToken.select(
            ApiToken.id, ApiToken.organisation, ApiToken.name, ApiToken.revoked_at, ApiToken.last_used_at
        )
        .where(ApiToken.token_hash == _hash(token.strip()))
        .first()
    )
    if row is None or row["revoked_at"] is not None:
        return None
    now = clock.now()
    if row["last_used_at"] is None or (now - row["last_used_at"]).total_seconds() > 60:
        async with write_tx():
            await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return row
