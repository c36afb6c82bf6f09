"""Two-factor login with TOTP (RFC 6238; BIO 5.17, issue 10): a six-digit code from an authenticator app after
the password, for every gemeente account and every beheerder, and for a provider's staff when their
organisation switches it on. Ten one-time recovery codes, stored as argon2id hashes like passwords.

Codes are checked on the app's clock (shared.clock): the current 30-second step and one on either side (a phone
clock a little off), never a step that was already used (RFC 6238 §5.2: no replay).
"""

from __future__ import annotations

import secrets
from typing import Any

import pyotp
import segno

from shared import audit, clock
from shared.db import write_tx
from shared.security import CurrentUser, hash_password, verify_password
from shared.tables import AppUser, Organisation, RecoveryCode
from shared.vocab import Role

ISSUER = "Regie"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper


def new_secret() -> str:
    """160 random bits, base32 (what authenticator apps take)."""
    return pyotp.random_base32(32)


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The six digits for `step` (30-second steps since 1970)."""
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str, last_step: int) -> int | None:
    """The step of the current ±1 whose code is `code` (spaces ignored) and that is later than `last_step`, or
    None. Compared in constant time."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6 and secret):
        return None
    now = current_step()
    for step in (now - 1, now, now + 1):
        if step > last_step and secrets.compare_digest(code_at(secret, step), code):
            return step
    return None


def qr_svg_data_uri(secret: str, email: str) -> str:
    """The otpauth:// link for the app as a QR code: an SVG `data:` URI for an <img> (the page's CSP allows data:
    images and nothing inline)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=4, dark="#000", light="#fff")


def spaced(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


async def required_for(row: dict[str, Any]) -> bool:
    """Gemeente staff, beheerders and admins always; a provider's staff when their organisation says so."""
    if row["role"] != Role.PROVIDER.value:
        return True
    org = await Organisation.select(Organisation.mfa_required).where(Organisation.id == row["organisation"]).first()
    return bool(org and org["mfa_required"])


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _normal(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


async def enrol(user: CurrentUser, secret: str, code: str, origin: str) -> list[str] | None:
    """Switch TOTP on with `secret` once `code` shows the app has it; returns the new recovery codes (shown once,
    stored hashed), or None when the code does not match. Earlier recovery codes stop working."""
    step = matching_step(secret, code, 0)
    if step is None:
        return None
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    hashes = [await hash_password(_normal(c)) for c in codes]
    async with write_tx():
        await AppUser.update(
            {AppUser.totp_secret: secret, AppUser.totp_since: clock.now(), AppUser.totp_last_step: step}
        ).where(AppUser.id == user.id)
        await RecoveryCode.delete().where(RecoveryCode.user == user.id)
        await RecoveryCode.insert(*(RecoveryCode(user=user.id, code_hash=h) for h in hashes))
        await audit.record(user, "mfa.enrolled", "user", user.id, result="ok", origin=origin)
    return codes


async def disable(user: CurrentUser, origin: str) -> None:
    """Switch TOTP off (the caller re-authenticated first): secret and recovery codes are removed."""
    async with write_tx():
        await AppUser.update({AppUser.totp_secret: "", AppUser.totp_since: None, AppUser.totp_last_step: 0}).where(
            AppUser.id == user.id
        )
        await RecoveryCode.delete().where(RecoveryCode.user == user.id)
        await audit.record(user, "mfa.removed", "user", user.id, result="ok", origin=origin)


async def check_second_factor(user_id: int, code: str) -> str | None:
    """'totp' or 'herstelcode' when `code` is the user's current TOTP code (not used before) or one of their
    unused recovery codes (then used up); None otherwise."""
    row = await AppUser.select(AppUser.totp_secret, AppUser.totp_last_step).where(AppUser.id == user_id).first()
    if row is None or not row["totp_secret"]:
        return None
    step = matching_step(row["totp_secret"], code, row["totp_last_step"])
    if step is not None:
        async with write_tx():
            # Only a later step moves the mark: two requests with one code cannot both pass.
            done = (
                await AppUser.update({AppUser.totp_last_step: step})
                .where((AppUser.id == user_id) & (AppUser.totp_last_step < step))
                .returning(AppUser.id)
            )
        return "totp" if done else None
    normal = _normal(code)
    if len(normal) != 12:
        return None
    for rc in await RecoveryCode.select().where((RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null()):
        if await verify_password(rc["code_hash"], normal):
            async with write_tx():
                used = (
                    await RecoveryCode.update({RecoveryCode.used_at: clock.now()})
                    .where((RecoveryCode.id == rc["id"]) & RecoveryCode.used_at.is_null())
                    .returning(RecoveryCode.id)
                )
            return "herstelcode" if used else None
    return None


async def recovery_codes_left(user_id: int) -> int:
    return await RecoveryCode.count().where((RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null())
