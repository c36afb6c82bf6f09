"""DUO → gemeente: DUO's `POST /notificaties` (Notificatie.openapi.yml), received, stored once, then handled.

Receiving (`receive`), in this order, nothing stored unless all pass:
1. the reverse proxy vouches for the client certificate: `X-Proxy-Token` is the secret shared with the proxy
   (settings.duo_proxy_token, DUO_PROXY_TOKEN), `X-Client-Cert-Verified: SUCCESS` and `X-Client-Cert-OIN`
   (the OIN from the PKIoverheid certificate's subject serialNumber), else 401;
2. the message fits DUO's contract (headers bron, doel, berichtId; body registratieDatumTijd,
   gebeurtenisId, bsn or vNummer), else 400 with what is wrong;
3. the certificate's OIN and `bron` are DUO's configured OIN (settings.duo_oin) and `doel` is the OIN of a
   gemeente in this installation, else 403;
4. stored once per berichtId: the same message again answers 201 and stores nothing new.
The proxy must overwrite both headers on every request (see README, "Koppeling met DUO"); the app is not
reachable around it in production.

Handling (`handle_pending`, a background job, ADR 0013): each stored notification is claimed by one
process, looked up by BSN in the gemeente(n) with that OIN, and decided by the table in
municipal/duo/events.py: the dossier effect, an inbox item with its deadline, the lookups at DUO. A BSN
without a dossier leaves the notification "onbekende_persoon" ("registreer deze persoon", on the DUO page).
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from municipal.dossier import rules as dossier_rules
from municipal.dossier.enrollments import write_enrollment
from municipal.duo import confirm, outbox
from municipal.duo.contract import ContractError, validate_notification
from municipal.duo.events import Decision, Effect, decide
from municipal.duo.tables import DuoNotification
from municipal.errors import NothingChanged, RuleError
from municipal.inbox import services as inbox
from municipal.inbox.rules import ItemKind, Outcome, Signal, Status
from municipal.tables import InboxEntry, InboxItem
from municipal.versions import SECTIONS
from shared import audit, clock, events
from shared.calendar import local_day
from shared.db import IntegrityErrors, lock_for_update, write_tx
from shared.events import EventKind
from shared.history import record_version, snapshot
from shared.jobs import claimed
from shared.settings import settings
from shared.tables import Enrollment, Gemeente, Inburgeraar
from shared.vocab import Doelgroep, DoelgroepKeuze, aantal

log = logging.getLogger(__name__)

API_VERSION = "1.8.0"  # Notificatie.openapi.yml info.version: sent back in the API-Version header
PROXY_VERIFIED_HEADER = "X-Client-Cert-Verified"  # "SUCCESS" when the proxy checked the chain (nginx)
PROXY_OIN_HEADER = "X-Client-Cert-OIN"  # the OIN from the certificate's subject serialNumber
PROXY_TOKEN_HEADER = "X-Proxy-Token"  # the secret shared with the proxy (settings.duo_proxy_token)
DUO_ACTOR = "DUO (notificatie)"
MAX_ATTEMPTS = 5


class NotificationStatus(StrEnum):
    ONTVANGEN = "ontvangen"  # stored, not yet handled
    VERWERKT = "verwerkt"
    ONBEKENDE_PERSOON = "onbekende_persoon"  # no dossier with this BSN: register the person
    ONBEKENDE_CODE = "onbekende_code"  # a gebeurtenisId DUO does not list: an item shows it
    FOUT = "fout"  # handling failed MAX_ATTEMPTS times; the error is kept

    @property
    def label(self) -> str:
        return {
            "ontvangen": "Ontvangen, nog niet verwerkt",
            "verwerkt": "Verwerkt",
            "onbekende_persoon": "Registreer deze persoon",
            "onbekende_code": "Onbekende code",
            "fout": "Niet verwerkt (fout)",
        }[self.value]


@dataclass(frozen=True)
class Answer:
    """The HTTP answer: 201 (stored, or stored before), 400, 401 or 403 with DUO's Foutmelding text."""

    status: int
    fouttekst: str = ""
    stored: bool = False


def _refuse(status: int, text: str) -> Answer:
    return Answer(status, text[:200])  # Foutmelding.fouttekst: at most 200 characters


async def receive(headers: Mapping[str, str], raw_body: bytes) -> Answer:
    """Check and store one notification. headers: the request's headers (any case); raw_body: its bytes.
    Returns the Answer; raises nothing for bad input."""
    lower = {k.lower(): v for k, v in headers.items()}
    client_oin = lower.get(PROXY_OIN_HEADER.lower(), "").strip()
    token = settings.duo_proxy_token
    from_proxy = bool(token) and hmac.compare_digest(lower.get(PROXY_TOKEN_HEADER.lower(), ""), token)
    if not from_proxy or lower.get(PROXY_VERIFIED_HEADER.lower(), "") != "SUCCESS" or len(client_oin) != 20:
        return _refuse(401, "Geen geldig clientcertificaat: de aanroep moet via de beveiligde koppeling (PKIoverheid).")
    try:
        body = json.loads(raw_body or b"null")
    except ValueError:
        return _refuse(400, "De inhoud is geen geldige JSON.")
    try:
        validate_notification(headers, body)
    except ContractError as exc:
        return _refuse(400, " ".join(exc.problems))
    if not isinstance(body, dict) or ("bsn" not in body and "vNummer" not in body):
        return _refuse(400, "Het bericht noemt geen persoon: bsn of vNummer ontbreekt.")
    duo = settings.duo_oin
    if not duo or client_oin != duo or lower["bron"] != duo:
        return _refuse(403, "Deze afzender mag geen notificaties sturen: alleen DUO (OIN van certificaat en bron).")
    doel = lower["doel"]
    if not await Gemeente.exists().where(Gemeente.oin == doel):
        return _refuse(403, f"Doel {doel} is geen gemeente in deze installatie.")
    bericht_id = str(uuid.UUID(lower["berichtid"]))
    try:
        async with write_tx():
            await DuoNotification.insert(
                DuoNotification(
                    bericht_id=bericht_id,
                    bron=lower["bron"],
                    doel=doel,
                    client_oin=client_oin,
                    gebeurtenis_id=body["gebeurtenisId"],
                    bsn=body.get("bsn"),
                    v_nummer=body.get("vNummer"),
                    registratie_datum_tijd=datetime.fromisoformat(body["registratieDatumTijd"].replace("Z", "+00:00")),
                    body=json.dumps(body),
                )
            )
    except IntegrityErrors:
        return Answer(201, stored=False)  # the same berichtId again: stored once, answered the same
    return Answer(201, stored=True)


# --- Handling -----------------------------------------------------------------------------------------------


async def handle_pending(limit: int = 50) -> int:
    """The background job: handle stored notifications, oldest first, one per transaction (a failing one is
    retried up to MAX_ATTEMPTS times and then left as "fout" with its error, shown on the DUO page).
    Returns how many were handled. First, notifications left "onbekende_persoon" whose person now has a
    dossier (registered, imported or transferred since) are taken up again (`requeue_registered`)."""
    await requeue_registered()
    done = 0
    for _ in range(limit):
        row = None
        try:
            async with claimed(
                DuoNotification,
                DuoNotification.status == NotificationStatus.ONTVANGEN,
                order_by=DuoNotification.id,
                limit=1,
            ) as rows:
                if not rows:
                    return done
                row = rows[0]
                await _handle(row)
            done += 1
        except Exception as exc:
            if row is None:
                raise
            log.exception("DUO-notificatie %s niet verwerkt", row["id"])
            attempts = row["attempts"] + 1
            async with write_tx():
                await DuoNotification.update(
                    {
                        DuoNotification.attempts: attempts,
                        DuoNotification.last_error: repr(exc)[:2000],
                        DuoNotification.status: NotificationStatus.FOUT
                        if attempts >= MAX_ATTEMPTS
                        else NotificationStatus.ONTVANGEN,
                    }
                ).where(DuoNotification.id == row["id"])
            if attempts < MAX_ATTEMPTS:
                return done  # try again next round, not in a tight loop
    return done


async def requeue_registered(limit: int = 500) -> int:
    """Issue 11: a notification for a BSN without a dossier waits as "onbekende_persoon". Once a dossier with
    that BSN exists in a gemeente with the notification's `doel` OIN, it is put back to "ontvangen", so the
    job handles it as if it had just arrived (its item's deadline still counts from DUO's registration day).
    Returns how many were put back."""
    waiting = (
        await DuoNotification.select(DuoNotification.id, DuoNotification.bsn, DuoNotification.doel)
        .where((DuoNotification.status == NotificationStatus.ONBEKENDE_PERSOON) & DuoNotification.bsn.is_not_null())
        .order_by(DuoNotification.id)
        .limit(limit)
    )
    if not waiting:
        return 0
    known = {
        (r["bsn"], r["oin"])
        for r in await Inburgeraar.select(Inburgeraar.bsn, Inburgeraar.gemeente.oin.as_alias("oin")).where(
            Inburgeraar.bsn.is_in(list({w["bsn"] for w in waiting}))
        )
    }
    again = [w["id"] for w in waiting if (w["bsn"], w["doel"]) in known]
    if again:
        async with write_tx():
            await DuoNotification.update(
                {
                    DuoNotification.status: NotificationStatus.ONTVANGEN,
                    DuoNotification.result: "De persoon is geregistreerd; de melding wordt opnieuw verwerkt.",
                }
            ).where(DuoNotification.id.is_in(again) & (DuoNotification.status == NotificationStatus.ONBEKENDE_PERSOON))
    return len(again)


async def _person_for(row: dict[str, Any]) -> tuple[list[int], dict[str, Any] | None]:
    gemeenten = [g["id"] for g in await Gemeente.select(Gemeente.id).where(Gemeente.oin == row["doel"])]
    if not row["bsn"] or not gemeenten:
        return gemeenten, None
    person = (
        await Inburgeraar.select()
        .where((Inburgeraar.bsn == row["bsn"]) & Inburgeraar.gemeente.is_in(gemeenten))
        .order_by(Inburgeraar.id, ascending=False)
        .first()
    )
    return gemeenten, person


async def _handle(row: dict[str, Any]) -> None:
    gemeenten, person = await _person_for(row)
    code = row["gebeurtenis_id"]
    registered = local_day(row["registratie_datum_tijd"])
    values: dict[Any, Any] = {DuoNotification.handled_at: clock.now()}
    if person is None:
        who = f"BSN {row['bsn']}" if row["bsn"] else f"V-nummer {row['v_nummer']}"
        values.update(
            {
                DuoNotification.status: NotificationStatus.ONBEKENDE_PERSOON,
                DuoNotification.gemeente: gemeenten[0] if gemeenten else None,
                DuoNotification.result: f"Geen dossier met {who}. Registreer deze persoon.",
            }
        )
        await DuoNotification.update(values).where(DuoNotification.id == row["id"])
        return
    await lock_for_update(Inburgeraar, person["id"])
    decision = decide(code, registered)
    done = await _apply(decision, code, registered, person)
    item_id = None
    if decision.kind is not None:
        thresholds = await inbox.thresholds_for(person["gemeente"])
        signal = Signal(
            decision.kind,
            f"duo:{code}:{person['id']}:{registered.isoformat()}",
            registered,
            {"duo_notification": [row["id"]]},
            decision.text,
        )
        item_id = await inbox.upsert_item(signal, person, thresholds, event_id=None)
        if item_id is not None and decision.deadline is not None:
            await InboxItem.update({InboxItem.deadline: decision.deadline}).where(InboxItem.id == item_id)
    differs = await confirm.on_notification(person["id"], code, row["id"], registered)
    if differs is not None:
        done.append("Dit wijkt af van wat de gemeente aan DUO verstuurde: zie het item “Gegevens bij DUO wijken af”.")
    if decision.fetch:
        for fetch in decision.fetch:
            await outbox.queue_fetch(person, fetch, row["doel"])
        done.append("Wordt opgehaald bij DUO: " + ", ".join(f.value for f in decision.fetch) + ".")
    values.update(
        {
            DuoNotification.status: NotificationStatus.VERWERKT
            if decision.known_code
            else NotificationStatus.ONBEKENDE_CODE,
            DuoNotification.gemeente: person["gemeente"],
            DuoNotification.inburgeraar: person["id"],
            DuoNotification.item: item_id,
            DuoNotification.result: " ".join([decision.text, *done]),
        }
    )
    await DuoNotification.update(values).where(DuoNotification.id == row["id"])
    await audit.record(
        None,
        "duo.notificatie",
        "duo_notification",
        row["id"],
        origin="duo",
        inburgeraar_id=person["id"],
        subject_gemeente_id=person["gemeente"],
        detail=f"{code} ({row['bericht_id']})",
        actor_email=DUO_ACTOR,
    )


async def _apply(decision: Decision, code: str, day: date, person: dict[str, Any]) -> list[str]:
    """The dossier effect; returns what was done, in Dutch."""
    if decision.effect is Effect.END_OBLIGATION:
        ended = await _end_enrollments(person, day, f"Beëindigd: DUO meldt {code}")
        closed = await _close_open_items(person, f"Afgesloten: DUO meldt {code} (inburgeringsplicht beëindigd).")
        ended_text = aantal(ended, "inschrijving", "inschrijvingen")
        return [f"{ended_text} beëindigd, {aantal(closed, 'open item', 'open items')} afgesloten."]
    if decision.effect in {Effect.DOELGROEP_ASIEL, Effect.DOELGROEP_GEZIN}:
        status = Doelgroep.ASIEL if decision.effect is Effect.DOELGROEP_ASIEL else Doelgroep.GEZIN_OVERIG
        return [await _change_doelgroep(person, status, day, code)]
    if decision.effect is Effect.MOVED_AWAY:
        naar = "buitenland (volgens DUO)" if code == "SS123" else "andere gemeente (volgens DUO)"
        if person["verhuisd_op"] is None:
            await _write_section(person, "verhuizing", {"verhuisd_op": day, "verhuisd_naar": naar}, code)
            ended = await _end_enrollments(person, day, f"Beëindigd door verhuizing ({naar})")
            await events.emit(
                EventKind.PERSON_MOVED,
                events.PersonMoved(verhuisd_op=day, verhuisd_naar=naar, ended_enrollments=[]),
                inburgeraar_id=person["id"],
                gemeente_id=person["gemeente"],
            )
            ended_text = aantal(ended, "inschrijving", "inschrijvingen")
            return [f"Verhuizing vastgelegd per {day:%d-%m-%Y}; {ended_text} beëindigd."]
        return ["De verhuizing stond al in het dossier."]
    return []


async def from_duo_data(inburgeraar_id: int, soort: str, data: Any, previous: Any, fetched_at: datetime) -> list[str]:
    """Issue 11: DUO's lookup answer into the dossier where the dossier has the field (reconcile.into_dossier):
    an empty field (or one DUO filled before) gets a new version with DUO as origin; a value a person set is
    kept, and an item "Gegevens bij DUO wijken af" says what DUO holds. Call inside the transaction that
    stores DUO's data. Returns the Dutch labels of the fields written."""
    from municipal.duo import reconcile

    person = await Inburgeraar.select().where(Inburgeraar.id == inburgeraar_id).first()
    changes = reconcile.into_dossier(soort, data, person, previous)
    written = []
    note = f"Gegevens van DUO ({soort}, opgehaald op {local_day(fetched_at):%d-%m-%Y})"
    for change in changes:
        if change.write:
            await _write_section(person, change.section, {change.field: change.value}, note=note)
            person[change.field] = change.value
            written.append(change.label)
        elif change.differs:
            from municipal.inbox import services as inbox_services

            signal = Signal(
                ItemKind.DUO_AFWIJKING,
                f"duo_afwijking:{inburgeraar_id}:{change.field}:{change.value.isoformat()}",
                local_day(fetched_at),
                {},
                f"Gegevens bij DUO wijken af van het dossier. {change.label}: in het dossier "
                f"{change.current:%d-%m-%Y}, bij DUO {change.value:%d-%m-%Y} ({note}). Het dossier is niet "
                "aangepast: zoek uit welke juist is en verbeter het dossier of vraag DUO om een correctie.",
            )
            thresholds = await inbox_services.thresholds_for(person["gemeente"])
            await inbox_services.upsert_item(signal, person, thresholds, event_id=None)
    return written


async def _write_section(
    person: dict[str, Any], section: str, values: dict[str, Any], code: str = "", *, note: str = ""
) -> None:
    """The dossier's way of changing a section (a version and an audit line), with DUO as the actor."""
    note = note or f"DUO meldt {code}"
    fields = SECTIONS[section]
    before = snapshot(person, fields)
    after = {**before, **snapshot(values, values.keys())}
    await Inburgeraar.update({getattr(Inburgeraar, k): v for k, v in values.items()}).where(
        Inburgeraar.id == person["id"]
    )
    await record_version(
        section,
        "inburgeraar",
        person["id"],
        after,
        actor=None,
        inburgeraar_id=person["id"],
        gemeente_id=person["gemeente"],
        note=note,
        before=before,
    )
    await audit.record(
        None,
        f"dossier.{section}",
        "inburgeraar",
        person["id"],
        origin="duo",
        inburgeraar_id=person["id"],
        subject_gemeente_id=person["gemeente"],
        detail=note,
        actor_email=DUO_ACTOR,
    )


async def _change_doelgroep(person: dict[str, Any], status: Doelgroep, day: date, code: str) -> str:
    current = dossier_rules.DoelgroepState(
        doelgroep=Doelgroep(person["doelgroep"]),
        status=Doelgroep(person["doelgroep_status"] or person["doelgroep"]),
        keuze=DoelgroepKeuze(person["doelgroep_keuze"]) if person["doelgroep_keuze"] else None,
        keuze_op=person["doelgroep_keuze_op"],
    )
    try:
        new = dossier_rules.change_doelgroep(current, status, None, day)
    except RuleError:
        return "De status stond al zo in het dossier."
    await _write_section(
        person,
        "doelgroep",
        {
            "doelgroep": new.doelgroep.value,
            "doelgroep_status": new.status.value,
            "doelgroep_keuze": new.keuze.value if new.keuze else None,
            "doelgroep_keuze_op": new.keuze_op,
        },
        code,
    )
    return f"Status in het dossier: {new.status.label}; rechten als {new.doelgroep.label}."


async def _end_enrollments(person: dict[str, Any], day: date, note: str) -> int:
    ended = 0
    for e in await Enrollment.select().where(
        (Enrollment.inburgeraar == person["id"]) & (Enrollment.end.is_null() | (Enrollment.end > day))
    ):
        try:
            await write_enrollment(
                None,
                person,
                e,
                {"end": max(day, e["start"])},
                origin="duo",
                event=EventKind.ENROLLMENT_ENDED,
                note=note,
            )
            ended += 1
        except NothingChanged:
            pass
    return ended


async def _close_open_items(person: dict[str, Any], reason: str) -> int:
    items = await InboxItem.select(InboxItem.id, InboxItem.status).where(
        (InboxItem.inburgeraar == person["id"]) & (InboxItem.status != Status.AFGEHANDELD.value)
    )
    now = clock.now()
    for item in items:
        await InboxItem.update(
            {
                InboxItem.status: Status.AFGEHANDELD.value,
                InboxItem.outcome: Outcome.GEEN_ACTIE.value,
                InboxItem.outcome_text: reason,
                InboxItem.closed_at: now,
                InboxItem.updated_at: now,
            }
        ).where(InboxItem.id == item["id"])
        await InboxEntry.insert(
            InboxEntry(
                item=item["id"],
                entry_type="status",
                from_status=item["status"],
                to_status=Status.AFGEHANDELD.value,
                text=reason,
            )
        )
    return len(items)
