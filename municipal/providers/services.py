"""Functioneel beheer of a gemeente: provider organisations and contracts.

Providers work for many gemeenten, so one organisation record serves all of them: a gemeente first
searches (by name or KvK number) and registers a provider only when it is not there yet; the KvK
number is unique (a partial unique index). Contracts belong to one gemeente. Organisation and contract
changes are versioned like dossier data (shared/history.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.columns.combination import WhereRaw

from municipal.errors import AlreadyRegistered, NothingChanged
from municipal.providers import rules
from municipal.providers.forms import ContractInput, OrganisationInput
from municipal.providers.rules import ContractPeriod
from municipal.versions import SECTIONS
from shared import audit, events
from shared.db import IntegrityErrors, write_tx
from shared.errors import RuleError
from shared.history import record_version, snapshot, versions_of, with_changes
from shared.security import CurrentUser
from shared.tables import Contract, Enrollment, Organisation
from shared.vocab import Component, Role, aantal


def is_gemeente_beheer(user: CurrentUser) -> bool:
    return user.role is Role.BEHEERDER and user.gemeente_id is not None


def _require(user: CurrentUser) -> None:
    if not is_gemeente_beheer(user):
        raise NotFoundException()


async def search(user: CurrentUser, q: str, origin: str = "") -> list[dict[str, Any]]:
    """Every organisation in Regie matching the name or KvK number, marked when this gemeente contracts it."""
    _require(user)
    where = Organisation.id > 0
    if q.strip():
        term = q.strip().lower()
        digits = "".join(c for c in term if c.isdigit())
        # Raw LOWER(...) LIKE: "|" on Piccolo's Lower(...).like() would mean COALESCE, not OR.
        match = WhereRaw('LOWER("organisation"."name") LIKE {}', f"%{term}%")
        if len(digits) >= 4:
            match |= Organisation.kvk.like(f"%{digits}%")
        where &= match
    rows = await Organisation.select().where(where).order_by(Organisation.name).limit(200)
    contracted = {
        r["organisation"]
        for r in await Contract.select(Contract.organisation).where(Contract.gemeente == user.gemeente_id)
    }
    for r in rows:
        r["contracted"] = r["id"] in contracted
    if q.strip():
        # Only searches are logged; organisation data is no personal data.
        await audit.record(user, "organisation.search", "organisation", "", origin=origin, detail=q.strip()[:100])
    return rows


async def contracts_of(gemeente_id: int, organisation_id: int | None = None) -> list[dict[str, Any]]:
    where = Contract.gemeente == gemeente_id
    if organisation_id is not None:
        where &= Contract.organisation == organisation_id
    return (
        await Contract.select(Contract.all_columns(), Contract.organisation.name.as_alias("organisation_name"))
        .where(where)
        .order_by(Contract.organisation.name)
        .order_by(Contract.component)
        .order_by(Contract.start)
    )


async def organisation(user: CurrentUser, organisation_id: int) -> tuple[dict, list[dict], list[dict]]:
    """The organisation, this gemeente's contracts with it, and the versions of both (newest first).

    Raises NotFoundException (404) when there is no such organisation."""
    _require(user)
    org = await Organisation.select().where(Organisation.id == organisation_id).first()
    if org is None:
        raise NotFoundException()
    contracts = await contracts_of(user.gemeente_id, organisation_id)
    versions = await versions_of(object_type="organisation", object_id=organisation_id)
    for c in contracts:
        versions += await versions_of(object_type="contract", object_id=c["id"])
    versions.sort(key=lambda v: v["id"])
    return org, contracts, list(reversed(with_changes(versions)))


def _org_values(data: OrganisationInput) -> dict[str, Any]:
    return {
        "name": data.name,
        "kvk": data.kvk,
        "kinds": [k.value for k in data.kinds],
        "bow_keurmerk": data.bow_keurmerk,
        "duo_instellingsnummer": data.duo_instellingsnummer,
    }


async def _existing_kvk(kvk: str, except_id: int | None = None) -> dict[str, Any] | None:
    where = Organisation.kvk == kvk
    if except_id is not None:
        where &= Organisation.id != except_id
    return await Organisation.select(Organisation.id, Organisation.name, Organisation.kvk).where(where).first()


async def register(user: CurrentUser, data: OrganisationInput, origin: str = "") -> int:
    """Raises AlreadyRegistered when the KvK number is known, RuleError when it was registered at the same moment."""
    _require(user)
    async with write_tx():
        if existing := await _existing_kvk(data.kvk):
            raise AlreadyRegistered(existing)
        values = _org_values(data)
        try:
            rows = await Organisation.insert(Organisation(**values)).returning(Organisation.id)
        except IntegrityErrors:
            raise RuleError("Deze organisatie is zojuist al geregistreerd. Zoek haar op.", "kvk") from None
        new_id = rows[0]["id"]
        await record_version(
            "organisatie",
            "organisation",
            new_id,
            snapshot(values, SECTIONS["organisatie"]),
            actor=user,
            inburgeraar_id=None,
            gemeente_id=user.gemeente_id,
            kind="register",
        )
        await audit.record(
            user, "organisation.register", "organisation", new_id, origin=origin, detail=f"{data.name} (KvK {data.kvk})"
        )
        return new_id


async def update(user: CurrentUser, organisation_id: int, data: OrganisationInput, origin: str = "") -> None:
    """Raises NotFoundException (404) for no such organisation, AlreadyRegistered when another one has the KvK
    number, NothingChanged when nothing changes."""
    _require(user)
    async with write_tx():
        org = await Organisation.select().where(Organisation.id == organisation_id).first()
        if org is None:
            raise NotFoundException()
        if existing := await _existing_kvk(data.kvk, except_id=organisation_id):
            raise AlreadyRegistered(existing)
        fields = SECTIONS["organisatie"]
        before, values = snapshot(org, fields), _org_values(data)
        after = {**before, **snapshot(values, fields)}
        if after == before:
            raise NothingChanged()
        await Organisation.update({getattr(Organisation, k): v for k, v in values.items()}).where(
            Organisation.id == organisation_id
        )
        await record_version(
            "organisatie",
            "organisation",
            organisation_id,
            after,
            actor=user,
            inburgeraar_id=None,
            gemeente_id=user.gemeente_id,
            before=before,
        )
        await audit.record(
            user,
            "organisation.change",
            "organisation",
            organisation_id,
            origin=origin,
            detail=", ".join(f for f in fields if before[f] != after[f]),
        )


def _periods(rows: list[dict[str, Any]], except_id: int | None = None) -> list[ContractPeriod]:
    return [ContractPeriod(Component(r["component"]), r["start"], r["end"]) for r in rows if r["id"] != except_id]


async def add_contract(user: CurrentUser, organisation_id: int, data: ContractInput, origin: str = "") -> int:
    """Raises NotFoundException (404) when there is no such organisation; RuleError from check_contract."""
    _require(user)
    async with write_tx():
        if not await Organisation.exists().where(Organisation.id == organisation_id):
            raise NotFoundException()
        existing = await contracts_of(user.gemeente_id, organisation_id)
        rules.check_contract(data.component, data.start, data.end, _periods(existing))
        rows = await Contract.insert(
            Contract(
                gemeente=user.gemeente_id,
                organisation=organisation_id,
                component=data.component.value,
                start=data.start,
                end=data.end,
            )
        ).returning(Contract.id)
        new_id = rows[0]["id"]
        values = {
            "organisation": organisation_id,
            "component": data.component.value,
            "start": data.start,
            "end": data.end,
        }
        await record_version(
            "contract",
            "contract",
            new_id,
            snapshot(values, SECTIONS["contract"]),
            actor=user,
            inburgeraar_id=None,
            gemeente_id=user.gemeente_id,
            kind="register",
        )
        await events.emit(
            events.EventKind.CONTRACT_STARTED,
            events.ContractStarted(contract_id=new_id, **values),
            inburgeraar_id=None,
            gemeente_id=user.gemeente_id,
        )
        await audit.record(
            user,
            "contract.add",
            "contract",
            new_id,
            origin=origin,
            detail=f"{data.component.value} bij organisatie {organisation_id}",
        )
        return new_id


async def contract_of(user: CurrentUser, contract_id: int) -> dict[str, Any]:
    """Raises NotFoundException (404) for a contract of another gemeente or none."""
    _require(user)
    row = await Contract.select().where((Contract.id == contract_id) & (Contract.gemeente == user.gemeente_id)).first()
    if row is None:
        raise NotFoundException()
    return row


async def end_contract(user: CurrentUser, contract_id: int, end: date, origin: str = "") -> int:
    """End a contract. Refused while this gemeente's enrollments under it run past that date: end or move
    those first, so every enrollment stays inside a contract.

    Raises RuleError (field `end`) when the end lies before the start or enrollments run past it, NothingChanged
    when the end is unchanged."""
    _require(user)
    async with write_tx():
        row = await contract_of(user, contract_id)
        if end < row["start"]:
            raise RuleError("De einddatum ligt vóór de begindatum van het contract.", "end")
        others = await contracts_of(user.gemeente_id, row["organisation"])
        rules.check_contract(Component(row["component"]), row["start"], end, _periods(others, except_id=contract_id))
        running = await Enrollment.count().where(
            (Enrollment.organisation == row["organisation"])
            & (Enrollment.component == row["component"])
            & (Enrollment.inburgeraar.gemeente == user.gemeente_id)
            & (Enrollment.end.is_null() | (Enrollment.end > end))
            & (Enrollment.start >= row["start"])
        )
        if running:
            raise RuleError(
                f"{aantal(running, 'inschrijving', 'inschrijvingen')} onder dit contract "
                f"{'loopt' if running == 1 else 'lopen'} na deze datum door. Beëindig of wijzig die eerst.",
                "end",
            )
        before = snapshot(row, SECTIONS["contract"])
        after = {**before, "end": end.isoformat()}
        if after == before:
            raise NothingChanged()
        await Contract.update({Contract.end: end}).where(Contract.id == contract_id)
        await record_version(
            "contract",
            "contract",
            contract_id,
            after,
            actor=user,
            inburgeraar_id=None,
            gemeente_id=user.gemeente_id,
            before=before,
        )
        await events.emit(
            events.EventKind.CONTRACT_ENDED,
            events.ContractEnded(contract_id=contract_id, end=end),
            inburgeraar_id=None,
            gemeente_id=user.gemeente_id,
        )
        await audit.record(user, "contract.end", "contract", contract_id, origin=origin, detail=f"einde {end}")
        return row["organisation"]
