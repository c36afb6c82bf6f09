"""Users managed by their own side: a gemeente's functioneel beheer manages its regisseurs and
teamleiders, a provider's beheerder its staff. New users come in through a one-time link that expires
(no mailed passwords): only the SHA-256 of the link's token is stored, and the person sets a password
(argon2id, shared/security.py) on the page the link opens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar.exceptions import NotFoundException

from shared import audit, clock, mail
from shared.db import IntegrityErrors, write_tx
from shared.errors import RuleError
from shared.jobs import claimed
from shared.mail import MailKind
from shared.rules import normalise_email
from shared.security import CurrentUser, forget_login_failures, hash_password
from shared.settings import TIMEZONE, settings
from shared.tables import AppUser, Gemeente, HttpSession, Invitation, Organisation, PasswordReset
from shared.vocab import Role

INVITATION_DAYS = 7
MIN_PASSWORD_LENGTH = 12


# --- Rules --------------------------------------------------------------------------------------------


def manageable_roles(role: Role, gemeente_id: int | None, organisation_id: int | None) -> tuple[Role, ...]:
    """A gemeente's functioneel beheer manages its regisseurs and teamleiders; a provider's beheerder its staff."""
    if role is Role.BEHEERDER and gemeente_id is not None:
        return (Role.REGISSEUR, Role.TEAMLEIDER)
    if role is Role.BEHEERDER and organisation_id is not None:
        return (Role.PROVIDER,)
    return ()


def roles_for(user: CurrentUser) -> tuple[Role, ...]:
    """The roles this user may invite and manage (`manageable_roles`); () for anyone else. Raises nothing."""
    return manageable_roles(user.role, user.gemeente_id, user.organisation_id)


def check_new_password(password: str, repeat: str) -> None:
    """Raises RuleError on `password` when it is shorter than MIN_PASSWORD_LENGTH (12) characters, on
    `password_repeat` when the two differ."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleError(f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens.", "password")
    if password != repeat:
        raise RuleError("De twee wachtwoorden zijn niet gelijk.", "password_repeat")


def token_hash(token: str) -> str:
    """The token is 256 random bits: a plain SHA-256 is enough (no password to guess)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_state(row: dict[str, Any], now) -> str:
    """The state of an Invitation row at `now` (aware datetime): "gebruikt", "ingetrokken", "verlopen" or "open"."""
    if row["used_at"] is not None:
        return "gebruikt"
    if row["revoked_at"] is not None:
        return "ingetrokken"
    if row["expires_at"] <= now:
        return "verlopen"
    return "open"


# --- Reading ----------------------------------------------------------------------------------------------


def _require(user: CurrentUser) -> tuple[Role, ...]:
    roles = roles_for(user)
    if not roles:
        raise NotFoundException()
    return roles


def _scope(user: CurrentUser, table):
    return (
        (table.gemeente == user.gemeente_id)
        if user.gemeente_id is not None
        else (table.organisation == user.organisation_id)
    )


async def overview(user: CurrentUser, origin: str = "") -> tuple[list[dict], list[dict]]:
    """The users this beheerder manages, and the invitations that are still open. Raises NotFoundException (404)
    for a user who manages no one."""
    roles = _require(user)
    users = (
        await AppUser.select(
            AppUser.id, AppUser.email, AppUser.name, AppUser.role, AppUser.active, AppUser.last_login_at
        )
        .where(_scope(user, AppUser) & AppUser.role.is_in([r.value for r in roles]))
        .order_by(AppUser.name)
    )
    now = clock.now()
    invitations = [
        dict(i, state=invitation_state(i, now))
        for i in await Invitation.select(
            Invitation.id,
            Invitation.email,
            Invitation.name,
            Invitation.role,
            Invitation.expires_at,
            Invitation.used_at,
            Invitation.revoked_at,
            Invitation.created_at,
        )
        .where(_scope(user, Invitation))
        .order_by(Invitation.id, ascending=False)
        .limit(50)
    ]
    await audit.record(user, "user.list", "user", "", origin=origin, detail=f"{len(users)} gebruikers")
    return users, [i for i in invitations if i["state"] == "open"]


# --- Invitations --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InviteInput:
    email: str
    name: str
    role: Role


def parse_invite_form(form, allowed: tuple[Role, ...]) -> tuple[InviteInput | None, dict[str, str]]:
    """The invitation form read: (InviteInput, {}) or (None, {field: Dutch message}). Collects the complaints
    instead of raising: the page shows each beside its field."""
    errors: dict[str, str] = {}
    email = name = role = None
    try:
        email = normalise_email(form.get("email"), required=True)
    except RuleError as e:
        errors["email"] = e.message
    name = (form.get("name") or "").strip()[:200]
    if not name:
        errors["name"] = "Vul de naam in."
    raw_role = (form.get("role") or "").strip()
    if raw_role in Role._value2member_map_ and Role(raw_role) in allowed:
        role = Role(raw_role)
    else:
        errors["role"] = "Kies een rol uit de lijst."
    if errors:
        return None, errors
    return InviteInput(email, name, role), errors


async def _side_name(gemeente_id: int | None, organisation_id: int | None) -> str:
    if gemeente_id is not None:
        row = await Gemeente.select(Gemeente.name).where(Gemeente.id == gemeente_id).first()
        return f"Gemeente {row['name']}" if row else ""
    row = await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first()
    return row["name"] if row else ""


def invitation_mail(name: str, inviter: str, role: Role, side: str, link: str, expires_at) -> tuple[str, str]:
    """Subject and body of the invitation mail (plain Dutch; the link is the only secret in it)."""
    until = expires_at.astimezone(TIMEZONE)
    body = (
        f"Beste {name},\n\n"
        f"{inviter} nodigt u uit voor Regie, als {role.label.lower()}{f' bij {side}' if side else ''}.\n\n"
        "Kies uw wachtwoord via deze link. De link werkt één keer, tot "
        f"{until:%d-%m-%Y} om {until:%H:%M} uur:\n{link}\n\n"
        "Verwachtte u deze uitnodiging niet? Dan hoeft u niets te doen.\n\n"
        "Met vriendelijke groet,\nRegie\n"
    )
    return "Uitnodiging voor Regie", body


async def invite(user: CurrentUser, data: InviteInput, origin: str = "", link_base: str = "") -> tuple[str, int]:
    """A new invitation; returns the token (shown once, never stored) and the invitation's id. The link is
    also queued as a mail to the invitee (sent by the mail job, never from this request).
    An earlier open invitation for the same address is withdrawn: only the newest link works.
    Raises NotFoundException (404) for a user who manages no one; RuleError on `role` for a role outside
    `roles_for(user)`, on `email` when an account with the address exists already."""
    roles = _require(user)
    if data.role not in roles:
        raise RuleError("Kies een rol uit de lijst.", "role")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    async with write_tx():
        if await AppUser.exists().where(AppUser.email == data.email):
            raise RuleError("Er is al een account met dit e-mailadres.", "email")
        await Invitation.update({Invitation.revoked_at: now}).where(
            (Invitation.email == data.email) & Invitation.used_at.is_null() & Invitation.revoked_at.is_null()
        )
        rows = await Invitation.insert(
            Invitation(
                token_hash=token_hash(token),
                email=data.email,
                name=data.name,
                role=data.role.value,
                gemeente=user.gemeente_id,
                organisation=user.organisation_id,
                invited_by=user.id,
                expires_at=now + timedelta(days=INVITATION_DAYS),
            )
        ).returning(Invitation.id)
        invitation_id = rows[0]["id"]
        expires_at = now + timedelta(days=INVITATION_DAYS)
        subject, body = invitation_mail(
            data.name,
            user.name,
            data.role,
            await _side_name(user.gemeente_id, user.organisation_id),
            f"{(link_base or settings.public_url).rstrip('/')}/uitnodiging/{token}",
            expires_at,
        )
        await mail.queue(
            data.email,
            subject,
            body,
            kind=MailKind.INVITATION,
            gemeente_id=user.gemeente_id,
            organisation_id=user.organisation_id,
        )
        await audit.record(
            user,
            "invitation.create",
            "invitation",
            invitation_id,
            origin=origin,
            detail=f"{data.email} als {data.role.value}",
        )
    return token, invitation_id


async def revoke(user: CurrentUser, invitation_id: int, origin: str = "") -> None:
    """Withdraw an open invitation of the user's own side: its link stops working. Raises NotFoundException (404)
    for a user who manages no one, or an invitation that is foreign, unknown, used or withdrawn already."""
    _require(user)
    async with write_tx():
        rows = (
            await Invitation.update({Invitation.revoked_at: clock.now()})
            .where(
                (Invitation.id == invitation_id)
                & _scope(user, Invitation)
                & Invitation.used_at.is_null()
                & Invitation.revoked_at.is_null()
            )
            .returning(Invitation.id)
        )
        if not rows:
            raise NotFoundException()
        await audit.record(user, "invitation.revoke", "invitation", invitation_id, origin=origin)


async def invitation_for(token: str) -> tuple[dict[str, Any] | None, str]:
    """The invitation behind a link and its state ("open", "verlopen", "gebruikt", "ingetrokken"); None if unknown."""
    if not token or len(token) > 100:
        return None, ""
    row = await Invitation.select().where(Invitation.token_hash == token_hash(token)).first()
    if row is None:
        return None, ""
    return row, invitation_state(row, clock.now())


async def accept(token: str, password: str, repeat: str, origin: str = "") -> CurrentUser:
    """Use the link once: the account is created with the chosen password, the invitation is spent; returns
    the new user. Raises RuleError for a weak or unequal password (`check_new_password`), and RuleError without
    a field for a link that is unknown, expired, used or withdrawn, or an address that got an account meanwhile."""
    check_new_password(password, repeat)
    password_hash = await hash_password(password)  # ~100 ms in a thread, outside the write lock
    now = clock.now()
    async with write_tx():
        spent = (
            await Invitation.update({Invitation.used_at: now})
            .where(
                (Invitation.token_hash == token_hash(token))
                & Invitation.used_at.is_null()
                & Invitation.revoked_at.is_null()
                & (Invitation.expires_at > now)
            )
            .returning(Invitation.id)
        )
        if not spent:
            raise RuleError("Deze uitnodiging is verlopen of al gebruikt. Vraag de beheerder om een nieuwe.")
        row = await Invitation.select().where(Invitation.id == spent[0]["id"]).first()
        try:
            created = await AppUser.insert(
                AppUser(
                    email=row["email"],
                    name=row["name"],
                    password_hash=password_hash,
                    role=row["role"],
                    gemeente=row["gemeente"],
                    organisation=row["organisation"],
                )
            ).returning(AppUser.id)
        except IntegrityErrors:
            raise RuleError("Er is al een account met dit e-mailadres. Log daarmee in.") from None
        await Invitation.update({Invitation.account: created[0]["id"]}).where(Invitation.id == row["id"])
        user = CurrentUser(
            id=created[0]["id"],
            email=row["email"],
            name=row["name"],
            role=Role(row["role"]),
            gemeente_id=row["gemeente"],
            organisation_id=row["organisation"],
        )
        await audit.record(user, "invitation.accept", "invitation", row["id"], origin=origin)
    return user


# --- Managing users ----------------------------------------------------------------------------------------


async def _managed_user(user: CurrentUser, target_id: int) -> dict[str, Any]:
    roles = _require(user)
    row = (
        await AppUser.select()
        .where((AppUser.id == target_id) & _scope(user, AppUser) & AppUser.role.is_in([r.value for r in roles]))
        .first()
    )
    if row is None:
        raise NotFoundException()
    return row


async def set_active(user: CurrentUser, target_id: int, active: bool, origin: str = "") -> None:
    """Switch an account off (it is logged out at its next request) or on again. Accounts are never deleted:
    the audit log refers to them. Raises NotFoundException (404) for a user who manages no one, or a target
    outside the user's side or the roles it manages."""
    async with write_tx():
        row = await _managed_user(user, target_id)
        if row["active"] == active:
            return
        await AppUser.update({AppUser.active: active}).where(AppUser.id == target_id)
        await audit.record(
            user,
            "user.activate" if active else "user.deactivate",
            "user",
            target_id,
            origin=origin,
            detail=row["email"],
        )


async def set_role(user: CurrentUser, target_id: int, role: Role, origin: str = "") -> None:
    """Give a managed account another role (nothing happens when it has it already). Raises NotFoundException
    (404) as `set_active` does; RuleError on `role` for a role the user may not hand out."""
    async with write_tx():
        row = await _managed_user(user, target_id)
        if role not in roles_for(user):
            raise RuleError("Kies een rol uit de lijst.", "role")
        if row["role"] == role.value:
            return
        await AppUser.update({AppUser.role: role.value}).where(AppUser.id == target_id)
        await audit.record(
            user, "user.role", "user", target_id, origin=origin, detail=f"{row['email']}: {row['role']} → {role.value}"
        )


# --- Forgotten password ---------------------------------------------------------------------------------------

RESETS_PER_HOUR = 3  # mails per account per hour: a stranger cannot flood someone's mailbox
RESET_SENT_ANSWER = (
    "Als er een account is met dit e-mailadres, ontvangt u binnen enkele minuten een e-mail met een link om een "
    "nieuw wachtwoord te kiezen. Kijk ook in uw map met ongewenste mail."
)


async def request_password_reset(raw_email: str | None, origin: str = "") -> None:
    """Note a request for a forgotten-password link. The same work whatever the address: one row and one audit
    line; whether an account exists is looked up later by `prepare_password_resets`, so neither the answer nor
    its timing tells. Raises RuleError only for an empty or malformed address."""
    email = normalise_email(raw_email, required=True)
    async with write_tx():
        await PasswordReset.insert(PasswordReset(email=email, origin=origin[:64]))
        await audit.record(None, "password.reset_request", "user", email, origin=origin, actor_email=email, result="ok")


def reset_mail(name: str, link: str, expires_at) -> tuple[str, str]:
    """Subject and body of the forgotten-password mail (plain Dutch; the link is the only secret in it)."""
    until = expires_at.astimezone(TIMEZONE)
    body = (
        f"Beste {name},\n\n"
        "Iemand heeft gevraagd om een nieuw wachtwoord voor uw account in Regie. Was u dat? Kies dan een nieuw "
        f"wachtwoord via deze link. De link werkt één keer, tot {until:%H:%M} uur op {until:%d-%m-%Y}:\n"
        f"{link}\n\n"
        "Daarna logt u in zoals altijd, ook met de extra stap als u die gebruikt.\n\n"
        "Vroeg u dit niet? Dan hoeft u niets te doen: uw wachtwoord blijft hetzelfde.\n\n"
        "Met vriendelijke groet,\nRegie\n"
    )
    return "Nieuw wachtwoord kiezen voor Regie", body


async def prepare_password_resets(limit: int = 50) -> int:
    """Background job: for each new request, find the active account; make a one-time token (only its SHA-256
    is stored) valid for PASSWORD_RESET_MINUTES and queue the mail. Returns how many mails were queued.
    Raises nothing on purpose: an unknown or inactive address becomes "no_account", too many "throttled"."""
    made = 0
    async with claimed(PasswordReset, PasswordReset.status == "requested", limit=limit) as rows:
        now = clock.now()
        for row in rows:
            user = (
                await AppUser.select(AppUser.id, AppUser.name, AppUser.gemeente, AppUser.organisation)
                .where((AppUser.email == row["email"]) & AppUser.active.eq(True))
                .first()
            )
            if user is None:
                await PasswordReset.update({PasswordReset.status: "no_account"}).where(PasswordReset.id == row["id"])
                continue
            recent = await PasswordReset.count().where(
                (PasswordReset.user == user["id"])
                & PasswordReset.status.is_in(["sent", "used"])
                & (PasswordReset.requested_at > now - timedelta(hours=1))
            )
            if recent >= RESETS_PER_HOUR:
                await PasswordReset.update({PasswordReset.status: "throttled", PasswordReset.user: user["id"]}).where(
                    PasswordReset.id == row["id"]
                )
                continue
            token = secrets.token_urlsafe(32)
            expires_at = now + timedelta(minutes=settings.password_reset_minutes)
            await PasswordReset.update(
                {
                    PasswordReset.status: "sent",
                    PasswordReset.user: user["id"],
                    PasswordReset.token_hash: token_hash(token),
                    PasswordReset.expires_at: expires_at,
                }
            ).where(PasswordReset.id == row["id"])
            subject, body = reset_mail(user["name"], mail.link(f"/wachtwoord-herstellen/{token}"), expires_at)
            await mail.queue(
                row["email"],
                subject,
                body,
                kind=MailKind.PASSWORD_RESET,
                gemeente_id=user["gemeente"],
                organisation_id=user["organisation"],
            )
            made += 1
    return made


def reset_state(row: dict[str, Any], now) -> str:
    """The state of a PasswordReset row at `now` (aware datetime): "gebruikt", "verlopen" or "open"; a request
    that was never mailed (no account, throttled) counts as "verlopen"."""
    if row["used_at"] is not None or row["status"] == "used":
        return "gebruikt"
    if row["status"] != "sent" or row["expires_at"] is None or row["expires_at"] <= now:
        return "verlopen"
    return "open"


async def reset_for(token: str) -> tuple[dict[str, Any] | None, str]:
    """The reset request behind a link and its state ("open", "verlopen", "gebruikt"); None if unknown."""
    if not token or len(token) > 100:
        return None, ""
    row = await PasswordReset.select().where(PasswordReset.token_hash == token_hash(token)).first()
    if row is None:
        return None, ""
    return row, reset_state(row, clock.now())


async def reset_password(token: str, password: str, repeat: str, origin: str = "") -> None:
    """Use the link once: the account gets the new password, its failed logins (those from this connection
    included) are forgotten, every session of the account ends and every other open link of the account stops
    working. The person then logs in
    as usual, second factor included: no session is started here. Raises RuleError for a weak or unequal
    password, or a link that is unknown, spent or expired, or whose account was switched off."""
    check_new_password(password, repeat)
    password_hash = await hash_password(password)
    now = clock.now()
    async with write_tx():
        spent = (
            await PasswordReset.update({PasswordReset.used_at: now, PasswordReset.status: "used"})
            .where(
                (PasswordReset.token_hash == token_hash(token))
                & (PasswordReset.status == "sent")
                & PasswordReset.used_at.is_null()
                & (PasswordReset.expires_at > now)
            )
            .returning(PasswordReset.user)
        )
        if not spent:
            raise RuleError("Deze link is verlopen of al gebruikt. Vraag een nieuwe link aan.")
        user_id = spent[0]["user"]
        row = await AppUser.select().where((AppUser.id == user_id) & AppUser.active.eq(True)).first()
        if row is None:
            raise RuleError("Deze link is verlopen of al gebruikt. Vraag een nieuwe link aan.")
        await AppUser.update({AppUser.password_hash: password_hash}).where(AppUser.id == user_id)
        # Whoever was logged in with the old password is out (a reset often follows a leaked password).
        await HttpSession.delete().where(HttpSession.uid == user_id)
        await forget_login_failures(row["email"], origin)
        await PasswordReset.update({PasswordReset.status: "expired"}).where(
            (PasswordReset.user == user_id) & (PasswordReset.status == "sent") & PasswordReset.used_at.is_null()
        )
        await audit.record(CurrentUser.from_row(row), "password.reset", "user", user_id, origin=origin)
