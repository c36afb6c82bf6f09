"""Domain events and the outbox: one kind list, one typed payload per kind.

A side writes an event in the same transaction as the record it describes (`emit`), so the municipal
side can never miss one: it stays pending until processed (ADR 0006). The payloads are msgspec structs:
what the portal writes is what the inbox reads, field by field, checked when written and when read.
Dates travel as ISO strings; enums as their values.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

import msgspec

from shared.clock import now
from shared.db import insert_many
from shared.tables import DomainEvent
from shared.vocab import HourKind, MilestoneKind


class EventKind(StrEnum):
    HOURS_REPORTED = "hours.reported"
    HOURS_CORRECTED = "hours.corrected"
    MILESTONE_REPORTED = "milestone.reported"
    MILESTONE_CORRECTED = "milestone.corrected"
    PERSON_REGISTERED = "person.registered"
    REGISSEUR_CHANGED = "regisseur.changed"
    INTAKE_NO_SHOWS = "intake.no_shows"
    PIP_SET = "pip.set"
    PIP_CHANGED = "pip.changed"
    AANBOD_SET = "aanbod.set"
    DOELGROEP_CHANGED = "doelgroep.changed"
    PERSON_MOVED = "person.moved"
    ENROLLMENT_STARTED = "enrollment.started"
    ENROLLMENT_CHANGED = "enrollment.changed"
    ENROLLMENT_ENDED = "enrollment.ended"
    CONTRACT_STARTED = "contract.started"
    CONTRACT_ENDED = "contract.ended"


class Payload(msgspec.Struct, kw_only=True, frozen=True):
    """Base of every event payload."""


class HoursPayload(Payload):
    """A provider's report of hours for one enrollment, kind and period (minutes)."""

    record_id: int
    enrollment_id: int
    organisation_id: int
    component: str
    kind: HourKind
    period_start: date
    period_end: date
    attended_minutes: int
    geoorloofd_minutes: int
    ongeoorloofd_minutes: int
    supersedes: int | None = None  # the record this one corrects
    source: str = "form"
    upload_batch: int | None = None


class MilestonePayload(Payload):
    """A provider's completion or note (MAP eindgesprek, PVT signed, not completed, ...)."""

    milestone_id: int
    enrollment_id: int
    organisation_id: int
    component: str
    kind: MilestoneKind
    event_date: date
    verwijtbaar: bool | None = None
    supersedes: int | None = None
    source: str = "form"
    upload_batch: int | None = None


class PersonRegistered(Payload):
    doelgroep: str
    regisseur_id: int | None = None
    source: str = "register"


class RegisseurChanged(Payload):
    previous: int | None = msgspec.field(name="from", default=None)
    new: int | None = msgspec.field(name="to", default=None)


class IntakeNoShows(Payload):
    no_shows: int


class PipPayload(Payload):
    pip_nummer: int
    dagtekening: date | None
    leerroute: str | None
    niveau: str | None = None
    intensiteit_uren: int | None = None
    indicator_alfabetisering: str | None = None
    doelgroep: str | None = None
    correctie: bool = False
    source: str = "form"
    previous: dict[str, Any] | None = None


class AanbodSet(Payload):
    datum_inburgeringsaanbod: date
    pip_dagtekening: date | None = None
    vertraagd: bool = False
    reden_vertraagde_start: str = ""
    correctie: bool = False


class DoelgroepChanged(Payload):
    previous: str = msgspec.field(name="from")
    new: str = msgspec.field(name="to")
    status: str
    keuze: str | None = None
    datum: date | None = None
    correctie: bool = False


class PersonMoved(Payload):
    verhuisd_op: date
    verhuisd_naar: str
    ended_enrollments: list[int] = []


class EnrollmentPayload(Payload):
    enrollment_id: int
    organisation_id: int
    component: str
    start: date
    end: date | None = None
    planned_hours: int | None = None
    previous: dict[str, Any] | None = None
    note: str = ""


class ContractStarted(Payload):
    contract_id: int
    organisation: int
    component: str
    start: date
    end: date | None = None


class ContractEnded(Payload):
    contract_id: int
    end: date


PAYLOAD_TYPES: dict[EventKind, type[Payload]] = {
    EventKind.HOURS_REPORTED: HoursPayload,
    EventKind.HOURS_CORRECTED: HoursPayload,
    EventKind.MILESTONE_REPORTED: MilestonePayload,
    EventKind.MILESTONE_CORRECTED: MilestonePayload,
    EventKind.PERSON_REGISTERED: PersonRegistered,
    EventKind.REGISSEUR_CHANGED: RegisseurChanged,
    EventKind.INTAKE_NO_SHOWS: IntakeNoShows,
    EventKind.PIP_SET: PipPayload,
    EventKind.PIP_CHANGED: PipPayload,
    EventKind.AANBOD_SET: AanbodSet,
    EventKind.DOELGROEP_CHANGED: DoelgroepChanged,
    EventKind.PERSON_MOVED: PersonMoved,
    EventKind.ENROLLMENT_STARTED: EnrollmentPayload,
    EventKind.ENROLLMENT_CHANGED: EnrollmentPayload,
    EventKind.ENROLLMENT_ENDED: EnrollmentPayload,
    EventKind.CONTRACT_STARTED: ContractStarted,
    EventKind.CONTRACT_ENDED: ContractEnded,
}

_encode = msgspec.json.Encoder().encode


def encode(kind: EventKind, payload: Payload) -> str:
    """The stored JSON of a payload. Raises TypeError when the payload is not the kind's type."""
    if not isinstance(payload, PAYLOAD_TYPES[kind]):
        raise TypeError(f"{kind.value} needs a {PAYLOAD_TYPES[kind].__name__}, got {type(payload).__name__}")
    return _encode(payload).decode()


def decode(kind: EventKind | str, raw: str | bytes | dict[str, Any]) -> Payload:
    """A stored payload back as its typed struct. Raises msgspec.ValidationError when it does not fit."""
    kind = EventKind(kind)
    if isinstance(raw, dict):
        return msgspec.convert(raw, PAYLOAD_TYPES[kind], strict=False)
    return msgspec.json.decode(raw, type=PAYLOAD_TYPES[kind])


async def emit(kind: EventKind, payload: Payload, *, inburgeraar_id: int | None, gemeente_id: int | None) -> None:
    """Write one event; call inside the transaction that writes what it describes."""
    await DomainEvent.insert(
        DomainEvent(
            kind=kind.value,
            inburgeraar=inburgeraar_id,
            gemeente=gemeente_id,
            payload=encode(kind, payload),
            source=source_of(payload, gemeente_id),
        )
    )


def source_of(payload: Payload, gemeente_id: int | None) -> str:
    """Whose work an event is, so processing can share its rounds fairly: the provider that reported it
    ("aanbieder:<id>"), else the gemeente ("gemeente:<id>")."""
    org = getattr(payload, "organisation_id", None)
    if org is not None:
        return f"aanbieder:{org}"
    return f"gemeente:{gemeente_id}" if gemeente_id is not None else ""


EVENT_COLUMNS = ["kind", "occurred_at", "inburgeraar", "gemeente", "payload", "source"]


async def emit_many(items: list[tuple[EventKind, int | None, int | None, Payload]]) -> None:
    """Many events at once, as (kind, inburgeraar_id, gemeente_id, payload): the same rows `emit` writes.
    Call inside write_tx (uploads)."""
    at = now()
    await insert_many(
        DomainEvent,
        EVENT_COLUMNS,
        [
            (kind.value, at, person, gemeente, encode(kind, payload), source_of(payload, gemeente))
            for kind, person, gemeente, payload in items
        ],
    )
