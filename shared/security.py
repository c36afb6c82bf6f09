"""Accounts and sessions: argon2id passwords, server-side sessions in the database, login with lockout.

Sessions follow stack-notes §2: Litestar's stock backend writes a row for every anonymous request and
rewrites it on every authenticated one; ours writes only when the session changed.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty

from shared import audit, clock
from shared.db import write_tx
from shared.settings import settings
from shared.tables import AppUser, HttpSession, LoginThrottle
from shared.vocab import Role

# --- Passwords ---------------------------------------------------------------------------------

# Tests set ARGON2_PROFILE=cheapest: a real hash, without 100 ms per user.
_PROFILE = (
    argon2.profiles.CHEAPEST if os.environ.get("ARGON2_PROFILE") == "cheapest" else argon2.profiles.RFC_9106_LOW_MEMORY
)
hasher = argon2.PasswordHasher.from_parameters(_PROFILE)
# Verifying against this when the account does not exist makes both answers take as long.
_DUMMY_HASH = hasher.hash("regie-dummy-password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    """argon2 runs in a thread: it takes ~100 ms and releases the GIL, the event loop keeps serving."""
    try:
        return await asyncio.to_thread(hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- Who is logged in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GemeenteFooter:
    """What a gemeente put in the footer of its users' pages (empty strings where it set nothing)."""

    name: str
    privacy_url: str = ""
    toegankelijkheid_url: str = ""
    help_url: str = ""
    contact: str = ""


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str
    role: Role
    gemeente_id: int | None
    organisation_id: int | None
    # For whom the user works, as every page's header says it ("Gemeente Utrecht", "Taalschool Het Woord"),
    # and the footers of the gemeenten involved: the user's own, or each gemeente a provider works for.
    org_name: str = ""
    footers: tuple[GemeenteFooter, ...] = ()

    @property
    def is_provider(self) -> bool:
        return self.role is Role.PROVIDER

    @property
    def is_gemeente(self) -> bool:
        """Regisseur, teamleider or a gemeente's functioneel beheerder: sees its own gemeente's people."""
        return self.gemeente_id is not None and self.role in {Role.REGISSEUR, Role.TEAMLEIDER, Role.BEHEERDER}

    @property
    def is_beheerder(self) -> bool:
        return self.role in {Role.BEHEERDER, Role.ADMIN}

    @classmethod
    def from_row(cls, row: dict[str, Any], footers: tuple[GemeenteFooter, ...] = ()) -> CurrentUser:
        if row.get("g_name"):
            org_name = f"Gemeente {row['g_name']}"
        else:
            org_name = row.get("o_name") or ("Beheer Regie" if row["role"] == Role.ADMIN.value else "")
        return cls(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            role=Role(row["role"]),
            gemeente_id=row["gemeente"],
            organisation_id=row["organisation"],
            org_name=org_name,
            footers=footers,
        )


_FOOTER_COLUMNS = ("name", "privacy_url", "toegankelijkheid_url", "help_url", "contact")


async def load_user(user_id: int) -> CurrentUser | None:
    """The active user with the names and footers every page shows: one query, two for a provider (the
    gemeenten it has a contract with)."""

    row = (
        await AppUser.select(
            AppUser.all_columns(),
            *(getattr(AppUser.gemeente, c).as_alias(f"g_{c}") for c in _FOOTER_COLUMNS),
            AppUser.organisation.name.as_alias("o_name"),
        )
        .where((AppUser.id == user_id) & (AppUser.active.eq(True)))
        .first()
    )
    if row is None:
        return None
    return await _user_of(row)


async def _user_of(row: dict[str, Any]) -> CurrentUser:
    """A user row with its g_* (the gemeente's footer columns) and o_name: the CurrentUser every page uses."""
    from shared.tables import Contract

    if row["gemeente"] is not None:
        footers = (GemeenteFooter(*(row[f"g_{c}"] or "" for c in _FOOTER_COLUMNS)),)
    elif row["organisation"] is not None:
        g = Contract.gemeente
        rows = (
            await Contract.select(*(getattr(g, c).as_alias(c) for c in _FOOTER_COLUMNS))
            .where(Contract.organisation == row["organisation"])
            .distinct()
            .order_by(g.name)
        )
        footers = tuple(GemeenteFooter(*(r[c] or "" for c in _FOOTER_COLUMNS)) for r in rows)
    else:
        footers = ()
    return CurrentUser.from_row(row, footers)


SESSION_REFRESH = timedelta(seconds=60)


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    """The session's user, if the session is inside its idle timeout and its maximum lifetime."""
    try:
        uid, login_at, seen = (
            session["uid"],
            datetime.fromisoformat(session["login_at"]),
            datetime.fromisoformat(session["seen"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    now = clock.now()
    if now - login_at > timedelta(hours=settings.session_max_hours) or now - seen > timedelta(
        minutes=settings.session_idle_minutes
    ):
        connection.scope["regie_session_expired"] = True
        return None
    loaded = connection.scope.get("regie_session_user")  # read with the session, in the same query
    user = loaded if loaded is not None and loaded.id == uid else await load_user(uid)
    if user is None:
        return None
    if now - seen > SESSION_REFRESH:
        # A changed session is written back with a new expiry: the idle timeout slides, at most once a minute.
        session["seen"] = now.isoformat()
    return user


PENDING_MINUTES = 5  # between the password and the second factor


def start_pending(connection: ASGIConnection, user: CurrentUser, state: dict[str, Any]) -> None:
    """Password right, second factor still to come (accounts/mfa.py): a new session id that holds who is halfway,
    since when and `state` (where to go next, a secret being set up), but no logged-in user."""
    connection.scope["regie_new_session_id"] = secrets.token_hex(32)
    connection.set_session({"pending": {"uid": user.id, "email": user.email, "at": clock.now().isoformat(), **state}})


def pending_login(connection: ASGIConnection) -> dict[str, Any] | None:
    """The halfway login of this session, if it is not older than PENDING_MINUTES."""
    session = connection.scope.get("session")
    pending = session.get("pending") if isinstance(session, dict) else None
    try:
        at = datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None
    return pending if clock.now() - at <= timedelta(minutes=PENDING_MINUTES) else None


def start_session(connection: ASGIConnection, user: CurrentUser) -> None:
    """Log in: always under a new session id, so an id known before login is worthless after it."""
    now = clock.now().isoformat()
    connection.scope["regie_new_session_id"] = secrets.token_hex(32)
    connection.set_session({"uid": user.id, "login_at": now, "seen": now})


# --- Session storage -------------------------------------------------------------------------------


class DatabaseSessionStore(Store):
    """Litestar's Store interface on the http_session table."""

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        if isinstance(value, str):
            value = value.encode()
        if isinstance(expires_in, int):
            expires_in = timedelta(seconds=expires_in)
        expires_at = clock.now() + expires_in if expires_in else None
        try:  # whose session it is, beside the data, so a request reads both in one query (load_session)
            uid = json.loads(value).get("uid")
        except (ValueError, AttributeError):
            uid = None
        await HttpSession.insert(HttpSession(key=key, data=value, expires_at=expires_at, uid=uid)).on_conflict(
            target=HttpSession.key,
            action="DO UPDATE",
            values=[HttpSession.data, HttpSession.expires_at, HttpSession.uid],
        )

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = await HttpSession.select(HttpSession.data, HttpSession.expires_at).where(HttpSession.key == key).first()
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= clock.now():
            await self.delete(key)
            return None
        return bytes(row["data"])

    async def delete(self, key: str) -> None:
        await HttpSession.delete().where(HttpSession.key == key)

    async def delete_all(self) -> None:
        await HttpSession.delete(force=True)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await HttpSession.select(HttpSession.expires_at).where(HttpSession.key == key).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - clock.now()).total_seconds())

    async def delete_expired(self) -> int:
        rows = await HttpSession.delete().where(HttpSession.expires_at <= clock.now()).returning(HttpSession.id)
        return len(rows)


_SESSION_AND_USER = (
    "SELECT s.data AS s_data, s.expires_at AS s_expires_at, u.*, "
    + ", ".join(f"g.{c} AS g_{c}" for c in _FOOTER_COLUMNS)
    + ", o.name AS o_name FROM http_session s "
    "LEFT JOIN app_user u ON u.id = s.uid AND u.active "
    "LEFT JOIN gemeente g ON g.id = u.gemeente LEFT JOIN organisation o ON o.id = u.organisation "
    "WHERE s.key = {}"
)


async def load_session(key: str) -> tuple[bytes, CurrentUser | None] | None:
    """A session's stored data and its (active) user, in one query (a provider's footers take a second).
    None when there is no such session or it has expired (then it is deleted)."""
    rows = await HttpSession.raw(_SESSION_AND_USER, key)
    if not rows:
        return None
    row = rows[0]
    expires_at = row["s_expires_at"]
    if isinstance(expires_at, str):  # SQLite gives the raw text of a joined column
        expires_at = datetime.fromisoformat(expires_at)
    if expires_at is not None and expires_at <= clock.now():
        await HttpSession.delete().where(HttpSession.key == key)
        return None
    return bytes(row["s_data"]), (await _user_of(row) if row["id"] is not None else None)


class LazySessionBackend(ServerSideSessionBackend):
    """Writes a session only when there is one and it changed; a fresh id at login. Reads the session and
    its user in one query (`load_session`); `retrieve_user` takes the user from there."""

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data: dict[str, Any] = {}
        session_id = connection.cookies.get(self.config.key)
        if session_id:
            found = await load_session(session_id)
            if found is not None:
                data = self.deserialize_data(found[0])
                connection.scope["regie_session_user"] = found[1]
        connection.scope["regie_session_snapshot"] = dict(data)
        return data

    def get_session_id(self, connection: ASGIConnection) -> str:
        return connection.scope.get("regie_new_session_id") or super().get_session_id(connection)

    async def store_in_message(self, scope_session, message, connection: ASGIConnection) -> None:
        old_id = connection.cookies.get(self.config.key)
        new_id = connection.scope.get("regie_new_session_id")
        if new_id and old_id:
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        if not old_id and (scope_session is Empty or not scope_session):
            return  # anonymous: no row, no cookie
        if (
            old_id
            and not new_id
            and scope_session is not Empty
            and scope_session == connection.scope.get("regie_session_snapshot")
        ):
            return  # unchanged: nothing to write
        await super().store_in_message(scope_session, message, connection)


@dataclass
class LazySessionConfig(ServerSideSessionConfig):
    _backend_class = LazySessionBackend


# --- Login, with throttling that locks no one out ---------------------------------------------------

LOGIN_FAILED_MESSAGE = (
    "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord. "
    "Na een paar mislukte pogingen moet u steeds langer wachten voordat u het opnieuw kunt proberen."
)

# Failed logins slow down the source that fails, never the account as such (issue 10: ten wrong passwords used
# to lock the owner out for 15 minutes, so anyone who knew an address could keep its owner out for good).
# Delays double per failure past a free number, up to settings.lockout_minutes; counts fade after a day.
FREE_PER_PAIR = 3  # one address from one source: typing mistakes cost nothing
FREE_PER_SOURCE = 20  # one source, any addresses: password spraying
# One address, all sources together (LOCKOUT_ATTEMPTS): a spread-out attack slows every source that failed on it.
FREE_PER_ACCOUNT = settings.lockout_attempts
FORGET_AFTER = timedelta(days=1)
KNOWN_FOR = timedelta(days=30)  # a pair the owner logged in from is not slowed by its source's count


class LoginThrottled(Exception):
    """This source must wait `seconds` before it may try this address again (the same for known and unknown
    addresses, so it reveals nothing)."""

    def __init__(self, seconds: int, *, code_step: bool = False):
        self.seconds = seconds
        if seconds < 120:
            wait = f"{seconds} seconde{'' if seconds == 1 else 'n'}"
        else:
            wait = f"{-(-seconds // 60)} minuten"
        if code_step:  # the second step: a new password would not help
            self.message = (
                f"Er is te vaak een verkeerde code of een verkeerd wachtwoord ingevuld vanaf uw verbinding. Wacht "
                f"{wait} en vul dan de code in die de app op dat moment laat zien."
            )
        else:
            self.message = (
                f"Er is te vaak een verkeerd wachtwoord ingevuld vanaf uw verbinding. Wacht {wait} en probeer het "
                "dan opnieuw. Wachtwoord vergeten? Vraag dan een nieuw wachtwoord aan."
            )
        super().__init__(self.message)


def growing_delay(failures: int, free: int, cap: timedelta) -> timedelta:
    """How long to wait after `failures` failures: nothing for the first `free`, then 1 s, 2 s, 4 s, …
    (doubling per failure), at most `cap`."""
    if failures <= free:
        return timedelta(0)
    return min(cap, timedelta(seconds=2 ** min(failures - free - 1, 30)))


def _throttle_keys(email: str, origin: str) -> dict[str, str]:
    return {"bron": f"bron:{origin}", "account": f"account:{email}", "paar": f"paar:{email}|{origin}"[:400]}


async def login_wait(email: str, origin: str) -> timedelta:
    """How long `origin` must still wait before it may try `email` (timedelta(0): now). A source that never
    failed on this address is not slowed by the address's count, so the owner gets in from their own
    connection while an attacker elsewhere is kept waiting. A pair (address, source) the owner logged in from
    in the last KNOWN_FOR is not slowed by the source's count either: a town hall behind one address keeps
    working while someone there mistypes, or sprays passwords at accounts that never logged in from there."""
    keys = _throttle_keys(email, origin)
    now = clock.now()
    rows = {r["key"]: r for r in await LoginThrottle.select().where(LoginThrottle.key.is_in(list(keys.values())))}
    counts = {
        k: (r["failures"], r["last_failure_at"]) for k, r in rows.items() if now - r["last_failure_at"] < FORGET_AFTER
    }
    pair = rows.get(keys["paar"])
    known = pair is not None and pair["known_at"] is not None and now - pair["known_at"] < KNOWN_FOR
    cap = timedelta(minutes=settings.lockout_minutes)
    until = [now]
    if keys["bron"] in counts and not known:
        n, at = counts[keys["bron"]]
        until.append(at + growing_delay(n, FREE_PER_SOURCE, cap))
    if keys["paar"] in counts and counts[keys["paar"]][0] > 0:
        n, at = counts[keys["paar"]]
        account = counts.get(keys["account"], (0, at))[0]
        until.append(at + max(growing_delay(n, FREE_PER_PAIR, cap), growing_delay(account, FREE_PER_ACCOUNT, cap)))
    return max(until) - now


async def count_login_failure(email: str, origin: str) -> None:
    """One more failure for the source, the address and the pair (atomic increments; a stale count restarts)."""
    now = clock.now()
    async with write_tx():
        for key in _throttle_keys(email, origin).values():
            await LoginThrottle.insert(LoginThrottle(key=key, failures=0, last_failure_at=now)).on_conflict(
                target=LoginThrottle.key, action="DO NOTHING"
            )
            await LoginThrottle.update({LoginThrottle.failures: 0}).where(
                (LoginThrottle.key == key) & (LoginThrottle.last_failure_at < now - FORGET_AFTER)
            )
            await LoginThrottle.update(
                {LoginThrottle.failures: LoginThrottle.failures + 1, LoginThrottle.last_failure_at: now}
            ).where(LoginThrottle.key == key)


async def authenticate(email: str, password: str, origin: str) -> CurrentUser | None:
    """The user for these credentials, or None; the caller never learns why, so neither does an attacker.

    Raises LoginThrottled when this source must wait first. Known and unknown addresses take the same path:
    one argon2 verification (against a dummy hash of the same parameters when there is no active account),
    the same throttle writes and one audit row."""
    email = email.strip().lower()
    wait = await login_wait(email, origin)
    if wait > timedelta(0):
        await audit.record(
            None, "login.throttled", "user", email, result="denied", origin=origin, actor_email=email,
            detail=f"wacht nog {wait.total_seconds():.0f} s",
        )  # fmt: skip
        raise LoginThrottled(max(1, int(-(-wait.total_seconds() // 1))))
    row = await AppUser.select().where(AppUser.email == email).first()
    known = row is not None and row["active"]
    ok = await verify_password(row["password_hash"] if known else _DUMMY_HASH, password) and known
    if not ok:
        await count_login_failure(email, origin)
        user = CurrentUser.from_row(row) if known else None
        await audit.record(
            user, "login.failed", "user", user.id if user else email, result="denied", origin=origin,
            actor_email=email, detail="wachtwoord onjuist" if user else "onbekend of inactief account",
        )  # fmt: skip
        return None
    user = CurrentUser.from_row(row)
    values: dict[Any, Any] = {AppUser.last_login_at: clock.now()}
    if hasher.check_needs_rehash(row["password_hash"]):
        values[AppUser.password_hash] = await hash_password(password)
    async with write_tx():
        await AppUser.update(values).where(AppUser.id == user.id)
        await audit.record(user, "login.ok", "user", user.id, result="ok", origin=origin)
    return user


async def forget_login_failures(email: str, origin: str, *, known: bool = True) -> None:
    """The owner proved it is theirs (a login, or a new password by the mailed link): the address's count and
    that of the pair (address, `origin`) start again. With `known` (the whole login is done, second factor
    included, or the mailed link was used) the pair is also known for KNOWN_FOR (`login_wait`). Other sources
    keep their counts: an attacker stays slowed."""
    keys = _throttle_keys(email.strip().lower(), origin)
    now = clock.now()
    await LoginThrottle.delete().where(LoginThrottle.key == keys["account"])
    if not known:
        await LoginThrottle.update({LoginThrottle.failures: 0}).where(LoginThrottle.key == keys["paar"])
        return
    await LoginThrottle.insert(
        LoginThrottle(key=keys["paar"], failures=0, last_failure_at=now, known_at=now)
    ).on_conflict(target=LoginThrottle.key, action="DO UPDATE", values=[LoginThrottle.failures, LoginThrottle.known_at])


async def create_user(
    email: str,
    name: str,
    password: str,
    role: Role,
    *,
    gemeente_id: int | None = None,
    organisation_id: int | None = None,
) -> int:
    if role in {Role.REGISSEUR, Role.TEAMLEIDER} and gemeente_id is None:
        raise ValueError("Een regisseur of teamleider hoort bij een gemeente.")
    if role is Role.PROVIDER and organisation_id is None:
        raise ValueError("Een medewerker van een aanbieder hoort bij een organisatie.")
    if role is Role.BEHEERDER and (gemeente_id is None) == (organisation_id is None):
        raise ValueError("Een functioneel beheerder hoort bij één gemeente óf één organisatie.")
    rows = await AppUser.insert(
        AppUser(
            email=email.strip().lower(),
            name=name,
            password_hash=await hash_password(password),
            role=role.value,
            gemeente=gemeente_id,
            organisation=organisation_id,
        )
    ).returning(AppUser.id)
    return rows[0]["id"]
