"""E-mail that reaches people: a queue in the database, sent by a background worker (ADR 0018, mail from a queue).

A request never talks to a mail server. It calls `queue(...)` inside its own transaction, so the mail is
stored together with what it announces (an invitation, an ended enrollment) or not at all. The background
job `send_pending` (listed in regie/background.py) claims a few pending mails (`shared.jobs.claimed`: row
locks with SKIP LOCKED on PostgreSQL, the single writer on SQLite), gives them a short lease, and sends them
outside that transaction so no lock is held during the network call. A mail server that says "try later"
(4xx) or cannot be reached gets the mail again after a growing wait (1, 2, 4 … minutes, at most 6 hours);
one that refuses it for good (5xx) or `MAIL_MAX_ATTEMPTS` failures end it as failed. Once sent or failed,
the body is emptied: a link in it is not kept longer than needed.

The mail server comes from `SMTP_URL` (settings): `smtp://host:port` (plain, e.g. a local mail catcher),
`smtp+starttls://user:password@host:587` or `smtps://user:password@host:465`. Without one, mails wait in the
queue. Mails carry no personal data of inburgeraars: counts, dates, an organisation's name and a link.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from shared import clock
from shared.db import write_tx
from shared.jobs import claimed
from shared.settings import settings
from shared.tables import OutgoingMail

log = logging.getLogger(__name__)

BATCH = 10  # mails per round: a batch's lease must outlast its sends
LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 15
MAX_WAIT = timedelta(hours=6)


class MailKind:
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    DIGEST = "digest"
    ENROLLMENT_ENDED = "enrollment_ended"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str = "none"  # none | starttls | ssl
    username: str = ""
    password: str = ""
    timeout: float = TIMEOUT_SECONDS


def parse_smtp_url(url: str) -> SmtpConfig | None:
    """`smtp://`, `smtp+starttls://` or `smtps://` [user:password@] host [:port]; None for an empty value.
    Raises ValueError for another scheme or a URL without a host."""
    if not url:
        return None
    parts = urlsplit(url)
    security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "ssl"}.get(parts.scheme)
    if security is None or not parts.hostname:
        raise ValueError(f"SMTP_URL {url!r}: use smtp://, smtp+starttls:// or smtps:// with a host")
    default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def configured() -> SmtpConfig | None:
    return parse_smtp_url(settings.smtp_url)


def link(path: str) -> str:
    """An absolute link for a mail: PUBLIC_URL + path."""
    return settings.public_url.rstrip("/") + path


async def queue(
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    dedupe_key: str | None = None,
    gemeente_id: int | None = None,
    organisation_id: int | None = None,
) -> int | None:
    """Put one mail in the queue; call inside the transaction that writes what it announces. Returns its id,
    or None when a mail with the same `dedupe_key` was queued before (nothing new is stored)."""
    row = OutgoingMail(
        kind=kind,
        to_address=to.strip(),
        subject=subject[:300],
        body=body,
        dedupe_key=dedupe_key,
        gemeente=gemeente_id,
        organisation=organisation_id,
    )
    query = OutgoingMail.insert(row)
    if dedupe_key is not None:
        query = query.on_conflict(target=OutgoingMail.dedupe_key, action="DO NOTHING")
    rows = await query.returning(OutgoingMail.id)
    return rows[0]["id"] if rows else None


def retry_wait(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 1, 2, 4, … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_WAIT)


def _pending(now):
    return (
        OutgoingMail.sent_at.is_null()
        & OutgoingMail.failed_at.is_null()
        & (OutgoingMail.send_after <= now)
        & (OutgoingMail.lease_until.is_null() | (OutgoingMail.lease_until < now))
    )


def _message(row: dict, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row["to_address"]
    msg["Subject"] = row["subject"]
    msg["Date"] = format_datetime(clock.now())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "regie.invalid"
    msg["Message-ID"] = make_msgid(idstring=f"regie-{row['id']}", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row["body"])
    return msg


@dataclass
class Outcome:
    sent: bool
    permanent: bool = False
    error: str = ""


def _send_batch(config: SmtpConfig, rows: list[dict], sender: str) -> dict[int, Outcome]:
    """Send over one connection (blocking: runs in a thread). A failure to connect fails the whole batch."""
    outcomes: dict[int, Outcome] = {}
    try:
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            if config.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            for row in rows:
                try:
                    smtp.send_message(_message(row, sender))
                    outcomes[row["id"]] = Outcome(True)
                except smtplib.SMTPRecipientsRefused as e:
                    code, text = next(iter(e.recipients.values()))
                    outcomes[row["id"]] = Outcome(False, code >= 500, f"{code} {_text(text)}")
                except smtplib.SMTPResponseException as e:
                    outcomes[row["id"]] = Outcome(False, e.smtp_code >= 500, f"{e.smtp_code} {_text(e.smtp_error)}")
    except (OSError, smtplib.SMTPException) as e:
        for row in rows:
            outcomes.setdefault(row["id"], Outcome(False, False, f"{type(e).__name__}: {e}"[:500]))
    return outcomes


def _text(raw) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


async def send_pending(config: SmtpConfig | None = None, limit: int = BATCH) -> int:
    """The background job: send what is due; returns how many were sent. Without a mail server configured
    (and none given) nothing happens and the mails wait."""
    config = config or configured()
    if config is None:
        return 0
    now = clock.now()
    async with claimed(OutgoingMail, _pending(now), order_by=OutgoingMail.send_after, limit=limit) as rows:
        if rows:
            await OutgoingMail.update({OutgoingMail.lease_until: now + LEASE}).where(
                OutgoingMail.id.is_in([r["id"] for r in rows])
            )
    if not rows:
        return 0
    outcomes = await asyncio.to_thread(_send_batch, config, rows, settings.mail_from)
    sent = 0
    async with write_tx():
        done = clock.now()
        for row in rows:
            outcome = outcomes[row["id"]]
            attempts = row["attempts"] + 1
            if outcome.sent:
                sent += 1
                values = {OutgoingMail.sent_at: done, OutgoingMail.body: "", OutgoingMail.last_error: ""}
            elif outcome.permanent or attempts >= settings.mail_max_attempts:
                log.warning("mail %s opgegeven na %s pogingen: %s", row["id"], attempts, outcome.error)
                values = {OutgoingMail.failed_at: done, OutgoingMail.body: "", OutgoingMail.last_error: outcome.error}
            else:
                values = {
                    OutgoingMail.send_after: done + retry_wait(attempts),
                    OutgoingMail.last_error: outcome.error,
                }
            values.update({OutgoingMail.attempts: attempts, OutgoingMail.lease_until: None})
            await OutgoingMail.update(values).where(OutgoingMail.id == row["id"])
    return sent
