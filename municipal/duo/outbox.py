"""Gemeente → DUO: "Verstuur naar DUO" queues a request (`queue`); the sender job delivers it (`send_pending`).

- Queued only when it fits DUO's contract (municipal/duo/contract.py, headers included: `bron` the
  gemeente's OIN, `doel` DUO's OIN, a fresh `berichtId`) and DUO's own rules (municipal/inbox/duo.py).
- The sender claims due messages (`shared.jobs.claimed`: `FOR UPDATE SKIP LOCKED` on PostgreSQL, ADR 0013)
  and takes a lease on them in that transaction, then sends outside it, then records the answer. Another
  process skips a leased message, so one message has one sender at a time. A process that dies after the
  claim leaves the lease to run out (LEASE); the message is then sent again **with the same berichtId** and
  body: DUO's PUTs replace the whole resource, and the berichtId lets DUO recognise a repeat.
- 5xx, a time-out or no connection: tried again after 1, 2, 4 … minutes (at most 6 hours), MAX_ATTEMPTS in
  all. 4xx: stopped; the item says in plain Dutch what DUO answered and what to fix. 2xx: a receipt ("aangeboden
  aan DUO, ontvangst bevestigd"), kept with the date and DUO's answer; the item is closed as registered.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from municipal.duo.contract import ContractError, validate_request, validate_response
from municipal.duo.events import Fetch
from municipal.duo.tables import DuoData, DuoMessage
from municipal.duo.uren import counter_of
from municipal.errors import RuleError
from municipal.inbox.rules import Outcome, Status
from municipal.tables import InboxEntry, InboxItem
from shared import audit, clock
from shared.calendar import local_time
from shared.db import write_tx
from shared.jobs import claimed
from shared.mail import retry_wait
from shared.security import CurrentUser
from shared.settings import settings
from shared.tables import Gemeente

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # longer than a request may take (timeout), so a live sender keeps its message
MAX_ATTEMPTS = 10
BATCH = 10


class MessageStatus:
    WACHTRIJ = "wachtrij"
    ONTVANGEN = "ontvangen"
    GEWEIGERD = "geweigerd"
    OPGEGEVEN = "opgegeven"


LABELS = {
    MessageStatus.WACHTRIJ: "In de wachtrij voor DUO",
    MessageStatus.ONTVANGEN: "Aangeboden aan DUO, ontvangst bevestigd",
    MessageStatus.GEWEIGERD: "Geweigerd door DUO",
    MessageStatus.OPGEGEVEN: "Niet afgeleverd bij DUO",
}


@dataclass(frozen=True)
class DuoConfig:
    """Where and how to reach DUO: base_url with /v1 (e.g. https://m2m.duo.nl/v1 or the stand-in's url);
    cert/key: PEM files of the PKIoverheid client certificate; ca_bundle: PEM file DUO's server chain must
    fit (empty: the system's); timeout in seconds per request."""

    base_url: str
    cert: str = ""
    key: str = ""
    ca_bundle: str = ""
    timeout: float = 10.0


def configured() -> DuoConfig | None:
    if not settings.duo_m2m_url:
        return None
    return DuoConfig(settings.duo_m2m_url, settings.duo_client_cert, settings.duo_client_key, settings.duo_ca_bundle)


# --- Queue ----------------------------------------------------------------------------------------------


async def queue(user: CurrentUser, item_id: int, origin: str = "", verwijtbaar: str | None = None) -> int:
    """Queue the item's registration for DUO; returns the message id. Raises RuleError (Dutch, for the page)
    when there is nothing to send, DUO's rules or contract refuse it, the OINs are not set, or the same item
    already waits in the queue. NotFound for an item of another gemeente."""
    from municipal.inbox import services as inbox

    data = await inbox.duo_view(user, item_id, origin, verwijtbaar)  # access (404), the request, DUO's rules
    registration, item, person = data["registration"], data["item"], data["person"]
    if registration is None:
        raise RuleError("Voor dit item hoeft niets naar DUO.")
    if registration.asks_verwijtbaar and not registration.problems:
        raise RuleError("Kies Ja of Nee: is het verwijtbaar dat het niet op tijd is afgerond?", "verwijtbaar")
    if not registration.can_send:
        raise RuleError(" ".join([*registration.problems, registration.contract_problem]).strip())
    gemeente = await Gemeente.select(Gemeente.oin).where(Gemeente.id == item["gemeente"]).first()
    headers = {"bron": gemeente["oin"], "doel": settings.duo_oin, "berichtId": str(uuid.uuid4())}
    if not settings.duo_oin:
        raise RuleError("Het OIN van DUO is niet ingesteld (DUO_OIN). Vraag de beheerder dit in te stellen.")
    try:
        validate_request(registration.method, registration.path, registration.body, headers)
    except ContractError as exc:
        raise RuleError(f"Dit bericht past niet bij het koppelvlak van DUO: {exc}") from None
    async with write_tx():
        waiting = await DuoMessage.exists().where(
            (DuoMessage.item == item_id) & (DuoMessage.status == MessageStatus.WACHTRIJ)
        )
        if waiting:
            raise RuleError("Dit bericht staat al in de wachtrij voor DUO.")
        message_id = (
            await DuoMessage.insert(
                DuoMessage(
                    gemeente=item["gemeente"],
                    inburgeraar=person["id"],
                    item=item_id,
                    # GevolgdeUren: per counter, so that the job keeps DUO's total current (municipal/duo/uren.py)
                    kind=f"uren:{counter}" if (counter := counter_of(registration.path)) else item["kind"],
                    method=registration.method,
                    path=registration.path,
                    body=json.dumps(registration.body),
                    bron=headers["bron"],
                    doel=headers["doel"],
                    bericht_id=headers["berichtId"],
                    created_by=user.id,
                    send_after=clock.now(),
                )
            ).returning(DuoMessage.id)
        )[0]["id"]
        await InboxEntry.insert(
            InboxEntry(item=item_id, by=user.id, entry_type="duo", text="In de wachtrij voor DUO gezet.")
        )
        await audit.record(
            user,
            "duo.versturen",
            "duo_message",
            message_id,
            origin=origin,
            inburgeraar_id=person["id"],
            subject_gemeente_id=item["gemeente"],
            detail=f"{registration.method} {registration.path}",
        )
    return message_id


async def messages_for_item(item_id: int) -> list[dict[str, Any]]:
    """The item's messages to DUO, newest first, with a Dutch label (the caller checked access)."""
    rows = await DuoMessage.select().where(DuoMessage.item == item_id).order_by(DuoMessage.id, ascending=False)
    for r in rows:
        r["label"] = LABELS.get(r["status"], r["status"])
    return rows


# --- Lookups: after DUO's notifications, what DUO knows is fetched and kept as DUO's data ------------------

FETCH_PATHS = {
    Fetch.PLICHT: "/personen/{bsn}/inburgeringsplicht",
    Fetch.TERMIJN: "/personen/{bsn}/inburgeringstermijn",
    Fetch.EXAMEN: "/personen/{bsn}/examens/resultaten",
    Fetch.LEERBAARHEIDSTOETS: "/personen/{bsn}/lbt/resultaten",
}
FETCH_PREFIX = "ophalen:"


async def queue_fetch(person: dict[str, Any], fetch: Fetch, gemeente_oin: str) -> int:
    """Queue a lookup at DUO (a GET through the same queue, with retry); its answer becomes a DuoData row.
    Call inside the transaction that handles the notification. Returns the message id."""
    path = FETCH_PATHS[fetch].format(bsn=person["bsn"])
    headers = {"bron": gemeente_oin, "doel": settings.duo_oin, "berichtId": str(uuid.uuid4())}
    validate_request("GET", path, None, headers)
    return (
        await DuoMessage.insert(
            DuoMessage(
                gemeente=person["gemeente"],
                inburgeraar=person["id"],
                kind=FETCH_PREFIX + fetch.value,
                method="GET",
                path=path,
                body="null",
                bron=gemeente_oin,
                doel=settings.duo_oin,
                bericht_id=headers["berichtId"],
                send_after=clock.now(),
            )
        ).returning(DuoMessage.id)
    )[0]["id"]


async def latest_data(inburgeraar_id: int, fetch: Fetch) -> dict[str, Any] | None:
    """The newest DUO data of this kind for the person (a DuoData row, `data` parsed), or None."""
    row = (
        await DuoData.select()
        .where((DuoData.inburgeraar == inburgeraar_id) & (DuoData.soort == fetch.value))
        .order_by(DuoData.id, ascending=False)
        .first()
    )
    if row is not None and isinstance(row["data"], str):
        row["data"] = json.loads(row["data"])
    return row


async def duo_term_end(inburgeraar_id: int) -> date | None:
    """DUO's `einddatum` of the inburgeringstermijn (exclusive, extensions included), as last fetched."""
    row = await latest_data(inburgeraar_id, Fetch.TERMIJN)
    value = (row or {}).get("data") or {}
    try:
        return date.fromisoformat(value["einddatum"]) if isinstance(value, dict) and value.get("einddatum") else None
    except ValueError:
        return None


# --- Send -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (time-out, no connection)
    body: str = ""
    error: str = ""


def _due(now):
    return (
        (DuoMessage.status == MessageStatus.WACHTRIJ)
        & (DuoMessage.send_after <= now)
        & (DuoMessage.lease_until.is_null() | (DuoMessage.lease_until < now))
    )


async def claim(limit: int = BATCH) -> list[dict[str, Any]]:
    """Due messages, leased to this process until now + LEASE (one transaction, rows locked while leasing)."""
    now = clock.now()
    async with claimed(DuoMessage, _due(now), order_by=DuoMessage.send_after, limit=limit) as rows:
        if rows:
            await DuoMessage.update({DuoMessage.lease_until: now + LEASE}).where(
                DuoMessage.id.is_in([r["id"] for r in rows])
            )
    return rows


async def send_pending(config: DuoConfig | None = None, limit: int = BATCH) -> int:
    """The background job: send what is due; returns how many DUO confirmed. Without DUO_M2M_URL (and no
    config given) nothing happens and the messages wait."""
    config = config or configured()
    if config is None:
        return 0
    rows = await claim(limit)
    if not rows:
        return 0
    confirmed = 0
    cert = (config.cert, config.key) if config.cert else None
    verify: Any = config.ca_bundle or True
    async with httpx.AsyncClient(timeout=config.timeout, cert=cert, verify=verify) as http:
        for row in rows:
            answer = await deliver(http, config, row)
            confirmed += await record(row, answer)
    return confirmed


async def deliver(http: httpx.AsyncClient, config: DuoConfig, row: dict[str, Any]) -> Answer:
    body = json.loads(row["body"]) if isinstance(row["body"], str) else row["body"]
    headers = {"bron": row["bron"], "doel": row["doel"], "berichtId": row["bericht_id"]}
    try:
        response = await http.request(
            row["method"], config.base_url.rstrip("/") + row["path"], json=body, headers=headers
        )
    except httpx.TimeoutException:
        return Answer(None, error=f"DUO antwoordde niet binnen {config.timeout:g} seconden.")
    except httpx.TransportError as exc:
        return Answer(None, error=f"Geen verbinding met DUO ({type(exc).__name__}).")
    return Answer(response.status_code, response.text[:4000])


def explain(status: int, body: str) -> str:
    """DUO's refusal in plain Dutch, with what to do. body: DUO's answer (a Foutmelding, a list of them, or
    empty)."""
    texts: list[str] = []
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    for part in parsed if isinstance(parsed, list) else [parsed]:
        if isinstance(part, dict) and part.get("fouttekst"):
            texts.append(str(part["fouttekst"]))
    what = {
        400: "DUO vindt het bericht niet juist en heeft het niet verwerkt.",
        401: "DUO herkent de afzender niet. Vraag de beheerder het certificaat en het OIN van de gemeente na te "
        "kijken.",
        403: "DUO staat dit niet toe voor deze persoon of deze gemeente.",
        404: "DUO kent deze persoon of dit gegeven niet. Controleer het BSN in het dossier.",
    }.get(status, f"DUO weigert het bericht (antwoord {status}).")
    said = f" DUO zegt: “{' '.join(texts)}”" if texts else ""
    return f"{what}{said} Pas zo nodig de gegevens aan en verstuur opnieuw."


async def record(row: dict[str, Any], answer: Answer) -> int:
    """Write DUO's answer to the message and the item; returns 1 when DUO confirmed receipt."""
    now = clock.now()
    attempts = row["attempts"] + 1
    values: dict[Any, Any] = {DuoMessage.attempts: attempts, DuoMessage.lease_until: None}
    entry = ""
    confirmed = 0
    if answer.status is not None:
        values.update(
            {DuoMessage.answer_status: answer.status, DuoMessage.answer_body: answer.body, DuoMessage.answered_at: now}
        )
        try:
            parsed = json.loads(answer.body) if answer.body else None
            validate_response(row["method"], row["path"], answer.status, parsed)
        except (ValueError, ContractError) as exc:
            log.warning("DUO-antwoord op bericht %s past niet bij het koppelvlak: %s", row["id"], exc)
    if answer.status is not None and 200 <= answer.status < 300:
        values[DuoMessage.status] = MessageStatus.ONTVANGEN
        entry = (
            f"Aangeboden aan DUO, ontvangst bevestigd op {local_time(now):%d-%m-%Y %H:%M} (antwoord {answer.status})."
        )
        confirmed = 1
    elif answer.status is not None and 400 <= answer.status < 500:
        values[DuoMessage.status] = MessageStatus.GEWEIGERD
        entry = explain(answer.status, answer.body)
    elif attempts >= MAX_ATTEMPTS:
        values.update({DuoMessage.status: MessageStatus.OPGEGEVEN, DuoMessage.last_error: answer.error})
        entry = (
            f"Niet afgeleverd bij DUO na {attempts} pogingen ({answer.error or f'antwoord {answer.status}'}). "
            "Probeer het later opnieuw of registreer het in het portaal van DUO."
        )
    else:
        values.update(
            {
                DuoMessage.send_after: now + retry_wait(attempts),
                DuoMessage.last_error: answer.error or f"DUO antwoordde {answer.status}",
            }
        )
    async with write_tx():
        await DuoMessage.update(values).where(DuoMessage.id == row["id"])
        if confirmed and row["method"] == "GET" and row["kind"].startswith(FETCH_PREFIX):
            await DuoData.insert(
                DuoData(
                    inburgeraar=row["inburgeraar"],
                    gemeente=row["gemeente"],
                    soort=row["kind"][len(FETCH_PREFIX) :],
                    data=answer.body or "null",
                    fetched_at=now,
                    message=row["id"],
                )
            )
        if entry and row["item"]:
            await _note_on_item(row["item"], entry, closed=confirmed == 1)
    return confirmed


async def _note_on_item(item_id: int, text: str, *, closed: bool) -> None:
    item = await InboxItem.select(InboxItem.status).where(InboxItem.id == item_id).first()
    now = clock.now()
    if closed and item and item["status"] != Status.AFGEHANDELD.value:
        await InboxItem.update(
            {
                InboxItem.status: Status.AFGEHANDELD.value,
                InboxItem.outcome: Outcome.GEREGISTREERD.value,
                InboxItem.outcome_text: text,
                InboxItem.registered_on: clock.today(),
                InboxItem.closed_at: now,
                InboxItem.updated_at: now,
            }
        ).where(InboxItem.id == item_id)
        await InboxEntry.insert(
            InboxEntry(
                item=item_id, entry_type="status", from_status=item["status"], to_status="afgehandeld", text=text
            )
        )
        return
    await InboxItem.update({InboxItem.updated_at: now}).where(InboxItem.id == item_id)
    await InboxEntry.insert(InboxEntry(item=item_id, entry_type="duo", text=text))
