"""Municipal dossier use cases: register and find people, keep each section of their dossier as
versions, enrol them with contracted providers, move them out.

Every write runs in one transaction: the current values on the row, a version in `dossier_change`
(shared/history.py), a domain event for the inbox (the outbox) and an audit entry land together or not
at all. The rules live in municipal/rules.py; this module loads, applies them and writes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.query.functions.aggregate import Max, Min, Sum
from piccolo.columns.combination import WhereRaw

from municipal.dossier import rules
from municipal.errors import DuplicateDossier, NothingChanged, RuleError, RuleErrors
from municipal.dossier.rules import DoelgroepState, Pip, PipContext
from municipal.providers import rules as provider_rules
from municipal.providers.rules import ContractPeriod, Placement
from municipal.versions import SECTIONS
from shared import access, audit, clock, events
from shared.db import IntegrityErrors, lock_for_update, write_tx
from shared.history import record_version, snapshot, versions_of, with_changes
from shared.events import EventKind
from shared.hours import followed_hours
from shared.security import CurrentUser
from shared.tables import AppUser, Contract, Enrollment, Gemeente, HourRecord, Inburgeraar, Milestone, Organisation
from shared.vocab import (
    Alfabetisering,
    Component,
    Doelgroep,
    DoelgroepKeuze,
    HourKind,
    Leerbaarheidstoets,
    Leerroute,
    Niveau,
    Role,
)

PAGE_SIZE = 50
CASEWORK_ROLES = {Role.REGISSEUR, Role.TEAMLEIDER}


def can_edit(user: CurrentUser) -> bool:
    """Regisseurs and teamleiders keep dossiers; functioneel beheer reads them."""
    return user.is_gemeente and user.role in CASEWORK_ROLES


def _require_edit(user: CurrentUser) -> None:
    if not can_edit(user):
        raise NotFoundException()


def _loaded(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("voortgangsgesprekken"), str):
        row["voortgangsgesprekken"] = json.loads(row["voortgangsgesprekken"] or "[]")
    return row


async def person_of(user: CurrentUser, inburgeraar_id: int) -> dict[str, Any]:
    """The person, if this gemeente user may see them (else 404), with JSON loaded."""
    return _loaded(await access.gemeente_person(user, inburgeraar_id))


def is_moved(person: dict[str, Any], today: date | None = None) -> bool:
    return person["verhuisd_op"] is not None and person["verhuisd_op"] <= (today or clock.today())


# --- Finding people ---------------------------------------------------------------------------------

@dataclass
class PeopleFilter:
    q: str = ""
    regisseur: str = ""      # "" everyone, "mij", "geen", or a user id
    status: str = "actief"   # actief, verhuisd, alle
    page: int = 1


async def gemeente_staff(gemeente_id: int, roles=CASEWORK_ROLES, active_only: bool = True) -> list[dict[str, Any]]:
    where = (AppUser.gemeente == gemeente_id) & AppUser.role.is_in([r.value for r in roles])
    if active_only:
        where &= AppUser.active == True  # noqa: E712
    return await AppUser.select(AppUser.id, AppUser.name, AppUser.role, AppUser.active).where(where).order_by(
        AppUser.name)


async def list_people(user: CurrentUser, f: PeopleFilter, origin: str = "") -> tuple[list[dict], bool]:
    today = clock.today()
    where = Inburgeraar.gemeente == user.gemeente_id
    if f.status == "actief":
        where &= Inburgeraar.verhuisd_op.is_null() | (Inburgeraar.verhuisd_op > today)
    elif f.status == "verhuisd":
        where &= Inburgeraar.verhuisd_op <= today
    if f.regisseur == "mij":
        where &= Inburgeraar.regisseur == user.id
    elif f.regisseur == "geen":
        where &= Inburgeraar.regisseur.is_null()
    elif f.regisseur.isdigit():
        where &= Inburgeraar.regisseur == int(f.regisseur)
    if f.q.strip():
        term = f"%{f.q.strip().lower()}%"
        digits = "".join(c for c in f.q if c.isdigit())
        # LOWER(...) LIKE as raw SQL: Piccolo's Lower(...).like() is a QueryString, and "|" on two of
        # those means COALESCE, not OR. Matches "Amina Haddad" and "Haddad, Amina" as well.
        match = WhereRaw('(LOWER("inburgeraar"."voornamen" || \' \' || "inburgeraar"."achternaam") LIKE {} '
                         'OR LOWER("inburgeraar"."achternaam" || \', \' || "inburgeraar"."voornamen") LIKE {})',
                         term, term)
        regisseurs = [s["id"] for s in await gemeente_staff(user.gemeente_id, active_only=False)
                      if f.q.strip().lower() in s["name"].lower()]
        if regisseurs:
            match |= Inburgeraar.regisseur.is_in(regisseurs)
        if len(digits) >= 3:
            match |= Inburgeraar.bsn.like(f"%{digits}%")
        where &= match
    page_no = max(1, f.page)
    rows = await Inburgeraar.select(
        Inburgeraar.id, Inburgeraar.bsn, Inburgeraar.voornamen, Inburgeraar.achternaam, Inburgeraar.doelgroep,
        Inburgeraar.leerroute, Inburgeraar.pip_dagtekening, Inburgeraar.datum_inburgeringsaanbod,
        Inburgeraar.verhuisd_op, Inburgeraar.regisseur.name.as_alias("regisseur_name"),
    ).where(where).order_by(Inburgeraar.achternaam).order_by(Inburgeraar.voornamen).order_by(
        Inburgeraar.id).limit(PAGE_SIZE + 1).offset((page_no - 1) * PAGE_SIZE)
    for r in rows:
        r["aanbod_te_laat"] = r["doelgroep"] == Doelgroep.ASIEL and rules.aanbod_is_late(
            r["pip_dagtekening"], r["datum_inburgeringsaanbod"], today)
    await audit.record(user, "inburgeraar.list", "inburgeraar", "", origin=origin,
                       detail=f"gemeentelijst pagina {page_no}, {min(len(rows), PAGE_SIZE)} personen"
                              + (", zoekterm en filters" if f.q or f.regisseur or f.status != "actief" else ""))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def caseload(user: CurrentUser, origin: str = "") -> list[dict[str, Any]]:
    """Per regisseur (and 'no regisseur'): active people, people without a PIP, offers that are late."""
    today = clock.today()
    staff = await gemeente_staff(user.gemeente_id, active_only=False)
    rows = await Inburgeraar.select(
        Inburgeraar.regisseur, Inburgeraar.doelgroep, Inburgeraar.pip_dagtekening,
        Inburgeraar.datum_inburgeringsaanbod,
    ).where((Inburgeraar.gemeente == user.gemeente_id)
            & (Inburgeraar.verhuisd_op.is_null() | (Inburgeraar.verhuisd_op > today)))
    by_id: dict[int | None, dict[str, Any]] = {
        s["id"]: {"id": s["id"], "name": s["name"], "role": s["role"], "active": s["active"], "people": 0,
                  "zonder_pip": 0, "aanbod_te_laat": 0} for s in staff}
    by_id[None] = {"id": None, "name": "Zonder regisseur (team)", "role": "", "active": True, "people": 0,
                   "zonder_pip": 0, "aanbod_te_laat": 0}
    for r in rows:
        line = by_id.get(r["regisseur"]) or by_id[None]
        line["people"] += 1
        line["zonder_pip"] += r["pip_dagtekening"] is None
        line["aanbod_te_laat"] += r["doelgroep"] == Doelgroep.ASIEL and rules.aanbod_is_late(
            r["pip_dagtekening"], r["datum_inburgeringsaanbod"], today)
    await audit.record(user, "caseload.view", "inburgeraar", "", origin=origin, detail=f"{len(rows)} personen")
    return [line for line in by_id.values() if line["people"] or line["active"]]


# --- Reading one dossier ------------------------------------------------------------------------------

async def hours_to_date(inburgeraar_id: int) -> list[dict[str, Any]]:
    """Current hours per kind, over every provider: attended, geoorloofd, ongeoorloofd and followed (a
    breakdown to show; what counts toward a mark is shared.hours.followed_hours)."""
    rows = await HourRecord.select(
        HourRecord.kind, Sum(HourRecord.attended_minutes, alias="attended"),
        Sum(HourRecord.geoorloofd_minutes, alias="geoorloofd"),
        Sum(HourRecord.ongeoorloofd_minutes, alias="ongeoorloofd"),
    ).where((HourRecord.inburgeraar == inburgeraar_id) & HourRecord.superseded_by.is_null()).group_by(
        HourRecord.kind)
    order = [k.value for k in HourKind]
    out = []
    for r in sorted(rows, key=lambda r: order.index(r["kind"]) if r["kind"] in order else 99):
        attended, geo, ongeo = (int(r[k] or 0) for k in ("attended", "geoorloofd", "ongeoorloofd"))
        out.append({"kind": r["kind"], "attended": attended, "geoorloofd": geo, "ongeoorloofd": ongeo,
                    "followed": attended + geo + ongeo})
    return out


async def milestones_of(inburgeraar_id: int) -> list[dict[str, Any]]:
    return await Milestone.select(
        Milestone.all_columns(), Milestone.organisation.name.as_alias("organisation_name"),
        Milestone.enrollment.component.as_alias("component"),
    ).where((Milestone.inburgeraar == inburgeraar_id) & Milestone.superseded_by.is_null()).order_by(
        Milestone.event_date)


async def enrollments_of(inburgeraar_id: int) -> list[dict[str, Any]]:
    today = clock.today()
    rows = await Enrollment.select(
        Enrollment.all_columns(), Enrollment.organisation.name.as_alias("organisation_name"),
    ).where(Enrollment.inburgeraar == inburgeraar_id).order_by(Enrollment.start).order_by(Enrollment.id)
    for r in rows:
        r["open"] = r["end"] is None or r["end"] >= today
    return rows


async def contracted_organisations(gemeente_id: int) -> list[dict[str, Any]]:
    """Organisations with a contract that has not ended, with the components they are contracted for."""
    today = clock.today()
    rows = await Contract.select(
        Contract.organisation, Contract.component, Contract.organisation.name.as_alias("name"),
        Contract.organisation.bow_keurmerk.as_alias("bow_keurmerk"),
    ).where((Contract.gemeente == gemeente_id) & (Contract.end.is_null() | (Contract.end >= today)))
    orgs: dict[int, dict[str, Any]] = {}
    for r in rows:
        org = orgs.setdefault(r["organisation"], {"id": r["organisation"], "name": r["name"],
                                                  "bow_keurmerk": r["bow_keurmerk"], "components": []})
        if r["component"] not in org["components"]:
            org["components"].append(r["component"])
    for org in orgs.values():
        org["components"].sort(key=[c.value for c in Component].index)
    return sorted(orgs.values(), key=lambda o: o["name"].lower())


@dataclass
class Dossier:
    person: dict[str, Any]
    regisseur_name: str
    enrollments: list[dict[str, Any]]
    hours: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    organisations: list[dict[str, Any]]
    staff: list[dict[str, Any]]
    gemeenten: list[dict[str, Any]]
    aanbod_deadline: date | None
    aanbod_te_laat: bool
    moved: bool


async def dossier(user: CurrentUser, inburgeraar_id: int, origin: str = "") -> Dossier:
    person = await person_of(user, inburgeraar_id)
    staff = await gemeente_staff(user.gemeente_id)
    regisseur = await AppUser.select(AppUser.name).where(AppUser.id == person["regisseur"]).first() \
        if person["regisseur"] else None
    today = clock.today()
    result = Dossier(
        person=person, regisseur_name=regisseur["name"] if regisseur else "",
        enrollments=await enrollments_of(inburgeraar_id), hours=await hours_to_date(inburgeraar_id),
        milestones=await milestones_of(inburgeraar_id),
        organisations=await contracted_organisations(user.gemeente_id), staff=staff,
        gemeenten=await Gemeente.select(Gemeente.id, Gemeente.name).where(
            Gemeente.id != user.gemeente_id).order_by(Gemeente.name),
        aanbod_deadline=rules.aanbod_deadline(person["pip_dagtekening"]) if person["pip_dagtekening"] else None,
        aanbod_te_laat=person["doelgroep"] == Doelgroep.ASIEL and rules.aanbod_is_late(
            person["pip_dagtekening"], person["datum_inburgeringsaanbod"], today),
        moved=is_moved(person, today),
    )
    await audit.record(user, "inburgeraar.view", "inburgeraar", inburgeraar_id, origin=origin,
                       inburgeraar_id=inburgeraar_id, subject_gemeente_id=person["gemeente"])
    return result


async def history(user: CurrentUser, inburgeraar_id: int, origin: str = "") -> tuple[dict, list[dict]]:
    """Every version of every section of the dossier and of its enrollments, newest first."""
    person = await person_of(user, inburgeraar_id)
    versions = with_changes(await versions_of(inburgeraar_id=inburgeraar_id))
    await audit.record(user, "inburgeraar.history", "inburgeraar", inburgeraar_id, origin=origin,
                       inburgeraar_id=inburgeraar_id, subject_gemeente_id=person["gemeente"],
                       detail=f"{len(versions)} versies")
    return person, list(reversed(versions))


# --- Writing sections ---------------------------------------------------------------------------------

async def _person_for_update(user: CurrentUser, inburgeraar_id: int) -> dict[str, Any]:
    """Inside a write transaction: the person, locked against a concurrent change (PostgreSQL)."""
    await lock_for_update(Inburgeraar, inburgeraar_id)
    return await person_of(user, inburgeraar_id)


async def _write_section(user: CurrentUser, person: dict[str, Any], section: str, values: dict[str, Any], *,
                         origin: str, kind: str = "change", note: str = "", detail: str = "") -> dict[str, Any]:
    """Store the section's new values on the person and append the version; NothingChanged if equal."""
    fields = SECTIONS[section]
    before = snapshot(person, fields)
    after = {**before, **snapshot(values, values.keys())}
    if after == before:
        raise NothingChanged()
    column_values = {getattr(Inburgeraar, k): (json.dumps(v) if k == "voortgangsgesprekken" else v)
                     for k, v in values.items()}
    try:
        await Inburgeraar.update(column_values).where(Inburgeraar.id == person["id"])
    except IntegrityErrors:
        raise RuleError("Er is al een lopend dossier met dit BSN in uw gemeente.", "bsn")
    await record_version(section, "inburgeraar", person["id"], after, actor=user, inburgeraar_id=person["id"],
                         gemeente_id=person["gemeente"], kind=kind, note=note, before=before)
    changed = [f for f in fields if before.get(f) != after.get(f)]
    await audit.record(user, f"dossier.{section}", "inburgeraar", person["id"], origin=origin,
                       inburgeraar_id=person["id"], subject_gemeente_id=person["gemeente"],
                       detail=detail or ("gewijzigd: " + ", ".join(changed)))
    return after


async def _check_regisseur(gemeente_id: int, regisseur_id: int | None) -> None:
    if regisseur_id is None:
        return
    ok = await AppUser.exists().where(
        (AppUser.id == regisseur_id) & (AppUser.gemeente == gemeente_id) & (AppUser.active == True)  # noqa: E712
        & AppUser.role.is_in([r.value for r in CASEWORK_ROLES]))
    if not ok:
        raise RuleError("Kies een regisseur uit de lijst.", "regisseur")


async def _active_dossier_with_bsn(gemeente_id: int, bsn: str, except_id: int | None = None) -> dict | None:
    # Running: not moved, or moving later (the index guards only the first; a planned move still counts).
    where = ((Inburgeraar.gemeente == gemeente_id) & (Inburgeraar.bsn == bsn)
             & (Inburgeraar.verhuisd_op.is_null() | (Inburgeraar.verhuisd_op > clock.today())))
    if except_id is not None:
        where &= Inburgeraar.id != except_id
    return await Inburgeraar.select(Inburgeraar.id, Inburgeraar.voornamen, Inburgeraar.achternaam).where(
        where).first()


@dataclass(frozen=True)
class PersonInput:
    bsn: str
    voornamen: str
    achternaam: str
    geboortedatum: date
    email: str = ""
    telefoon: str = ""
    adres: str = ""
    regisseur: int | None = None
    plicht_start: date | None = None


@dataclass(frozen=True)
class RegisterInput:
    person: PersonInput
    doelgroep: Doelgroep


async def _new_person(user: CurrentUser, data: RegisterInput, *, kind: str, origin: str, note: str = "",
                      extra: dict[str, Any] | None = None) -> int:
    """Insert one person with a first version of each filled-in section. Call inside write_tx."""
    p = data.person
    rules.check_person(p.geboortedatum, p.plicht_start, clock.today())
    await _check_regisseur(user.gemeente_id, p.regisseur)
    existing = await _active_dossier_with_bsn(user.gemeente_id, p.bsn)
    if existing:
        raise DuplicateDossier(existing)
    values = {**p.__dict__, "doelgroep": data.doelgroep.value, "doelgroep_status": data.doelgroep.value,
              "gemeente": user.gemeente_id, **(extra or {})}
    try:
        rows = await Inburgeraar.insert(Inburgeraar(**values)).returning(Inburgeraar.id)
    except IntegrityErrors:
        raise RuleError("Er is zojuist al een dossier met dit BSN aangemaakt. Zoek de persoon op.", "bsn")
    new_id = rows[0]["id"]
    row = _loaded(await Inburgeraar.select().where(Inburgeraar.id == new_id).first())
    for section in ("persoon", "doelgroep", "brede_intake", "pip", "aanbod"):
        data_ = snapshot(row, SECTIONS[section])
        if section in ("persoon", "doelgroep") or any(v not in (None, "", 0, False, []) for v in data_.values()):
            await record_version(section, "inburgeraar", new_id, data_, actor=user, inburgeraar_id=new_id,
                                 gemeente_id=user.gemeente_id, kind=kind, note=note)
    await events.emit(EventKind.PERSON_REGISTERED, events.PersonRegistered(
        doelgroep=data.doelgroep.value, regisseur_id=p.regisseur, source=kind),
        inburgeraar_id=new_id, gemeente_id=user.gemeente_id)
    if row["pip_dagtekening"]:
        await events.emit(EventKind.PIP_SET, _pip_payload(row, correction=False, source=kind),
                          inburgeraar_id=new_id, gemeente_id=user.gemeente_id)
    await audit.record(user, "inburgeraar.register" if kind == "register" else "inburgeraar.import",
                       "inburgeraar", new_id, origin=origin, inburgeraar_id=new_id, subject_gemeente_id=user.gemeente_id)
    return new_id


async def register_person(user: CurrentUser, data: RegisterInput, origin: str = "") -> int:
    _require_edit(user)
    async with write_tx():
        return await _new_person(user, data, kind="register", origin=origin)


async def update_person(user: CurrentUser, inburgeraar_id: int, p: PersonInput, origin: str = "") -> None:
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        rules.check_person(p.geboortedatum, p.plicht_start, clock.today())
        if p.regisseur != person["regisseur"]:  # an unchanged regisseur may since have left
            await _check_regisseur(user.gemeente_id, p.regisseur)
        if p.bsn != person["bsn"] and person["verhuisd_op"] is None:
            existing = await _active_dossier_with_bsn(user.gemeente_id, p.bsn, except_id=inburgeraar_id)
            if existing:
                raise DuplicateDossier(existing)
        if p.plicht_start and person["pip_dagtekening"] and p.plicht_start > person["pip_dagtekening"]:
            raise RuleError(f"Het PIP is getekend op {person['pip_dagtekening']:%d-%m-%Y}: de inburgeringsplicht "
                            "begon niet later.", "plicht_start")
        await _write_section(user, person, "persoon", dict(p.__dict__), origin=origin)
        if p.regisseur != person["regisseur"]:
            await events.emit(EventKind.REGISSEUR_CHANGED,
                              events.RegisseurChanged(previous=person["regisseur"], new=p.regisseur),
                              inburgeraar_id=inburgeraar_id, gemeente_id=person["gemeente"])


@dataclass(frozen=True)
class IntakeInput:
    start: date | None
    eind: date | None
    uitslag: Leerbaarheidstoets | None
    uitslag_datum: date | None
    no_shows: int


async def set_intake(user: CurrentUser, inburgeraar_id: int, i: IntakeInput, origin: str = "") -> None:
    _require_edit(user)
    rules.check_intake(i.start, i.eind, i.uitslag, i.uitslag_datum, i.no_shows, clock.today())
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        await _write_section(user, person, "brede_intake", {
            "intake_start": i.start, "intake_eind": i.eind, "leerbaarheidstoets": i.uitslag.value if i.uitslag else None,
            "leerbaarheidstoets_datum": i.uitslag_datum, "intake_no_shows": i.no_shows}, origin=origin)
        if i.no_shows >= rules.INTAKE_NO_SHOW_LIMIT > (person["intake_no_shows"] or 0):
            # After three no-shows the PIP is set unilaterally and enforcement starts (§3.4.2).
            await events.emit(EventKind.INTAKE_NO_SHOWS, events.IntakeNoShows(no_shows=i.no_shows),
                              inburgeraar_id=inburgeraar_id, gemeente_id=person["gemeente"])


def _pip_payload(row: dict[str, Any], *, correction: bool, source: str = "form",
                 previous: dict[str, Any] | None = None) -> events.PipPayload:
    return events.PipPayload(
        pip_nummer=row["pip_nummer"], dagtekening=row["pip_dagtekening"], leerroute=row["leerroute"],
        niveau=row["niveau"], intensiteit_uren=row["intensiteit_uren"],
        indicator_alfabetisering=row["indicator_alfabetisering"], doelgroep=row["doelgroep"],
        correctie=correction, source=source, previous=previous)


def current_pip(person: dict[str, Any]) -> Pip | None:
    if person["pip_dagtekening"] is None or not person["leerroute"]:
        return None
    return Pip(dagtekening=person["pip_dagtekening"], leerroute=Leerroute(person["leerroute"]),
               niveau=Niveau(person["niveau"]) if person["niveau"] in Niveau._value2member_map_ else None,
               intensiteit=person["intensiteit_uren"],
               alfabetisering=Alfabetisering(person["indicator_alfabetisering"])
               if person["indicator_alfabetisering"] else None,
               opleiding_afmaken=bool(person["opleiding_afmaken"]))


@dataclass(frozen=True)
class PipInput:
    pip: Pip
    correction: bool = False


async def set_pip(user: CurrentUser, inburgeraar_id: int, entry: PipInput, origin: str = "") -> dict[str, Any]:
    """Set the first PIP, change it (a new PIP: the number goes up) or correct the current one."""
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        current = current_pip(person)
        correction = entry.correction and current is not None
        # People imported or created before versions were kept may have a PIP without a number: count it as the first.
        existing = person["pip_nummer"] or (1 if current else 0)
        termijn_start = person["termijn_start"] or (person["pip_dagtekening"] if existing == 1 else None)
        ctx = PipContext(doelgroep=Doelgroep(person["doelgroep"]), plicht_start=person["plicht_start"],
                         today=clock.today(), current=current, correction=correction,
                         current_is_first=existing == 1, termijn_start=termijn_start,
                         language_followed_minutes=(await followed_hours([inburgeraar_id]))[inburgeraar_id].language)
        pip = rules.check_pip(entry.pip, ctx)
        nummer = existing if correction else existing + 1
        values = {"pip_dagtekening": pip.dagtekening, "leerroute": pip.leerroute.value,
                  "niveau": pip.niveau.value if pip.niveau else None, "intensiteit_uren": pip.intensiteit,
                  "indicator_alfabetisering": pip.alfabetisering.value if pip.alfabetisering else None,
                  "opleiding_afmaken": pip.opleiding_afmaken, "pip_nummer": nummer,
                  "termijn_start": pip.dagtekening if nummer == 1 else termijn_start}
        if correction and all(values[k] == person[k] for k in values):
            raise NothingChanged()
        before = snapshot(person, SECTIONS["pip"])
        after = await _write_section(user, person, "pip", values, origin=origin,
                                     kind="correction" if correction else "change",
                                     detail=f"PIP {nummer}{' (correctie)' if correction else ''}: "
                                            f"{pip.leerroute.value} {values['niveau'] or ''}".strip())
        kind = EventKind.PIP_SET if nummer == 1 and not correction else EventKind.PIP_CHANGED
        await events.emit(kind, _pip_payload({**person, **values}, correction=correction,
                                             previous=before if current else None),
                          inburgeraar_id=inburgeraar_id, gemeente_id=person["gemeente"])
        return after


async def set_aanbod(user: CurrentUser, inburgeraar_id: int, datum: date, reden: str, origin: str = "") -> None:
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        rules.check_aanbod(datum, reden, doelgroep=Doelgroep(person["doelgroep"]),
                           pip_dagtekening=person["pip_dagtekening"])
        await _write_section(user, person, "aanbod", {"datum_inburgeringsaanbod": datum,
                                                       "reden_vertraagde_start": reden.strip()}, origin=origin)
        late = rules.aanbod_is_late(person["pip_dagtekening"], datum, datum)
        await events.emit(EventKind.AANBOD_SET, events.AanbodSet(
            datum_inburgeringsaanbod=datum, pip_dagtekening=person["pip_dagtekening"], vertraagd=late,
            reden_vertraagde_start=reden.strip(), correctie=person["datum_inburgeringsaanbod"] is not None),
            inburgeraar_id=inburgeraar_id, gemeente_id=person["gemeente"])


async def set_begeleiding(user: CurrentUser, inburgeraar_id: int, indicatie: bool | None, start: date | None,
                          origin: str = "") -> None:
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        rules.check_begeleiding(indicatie, start, Doelgroep(person["doelgroep"]))
        await _write_section(user, person, "begeleiding", {"begeleiding_indicatie": indicatie,
                                                            "begeleiding_start": start}, origin=origin)


async def set_ontzorgen(user: CurrentUser, inburgeraar_id: int, start: date | None, eind: date | None,
                        origin: str = "") -> None:
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        rules.check_ontzorgen(start, eind, Doelgroep(person["doelgroep"]))
        await _write_section(user, person, "ontzorgen", {"ontzorgen_start": start, "ontzorgen_eind": eind},
                             origin=origin)


async def change_voortgangsgesprekken(user: CurrentUser, inburgeraar_id: int, day: date, remove: bool = False,
                                     origin: str = "") -> None:
    """Add a conversation held on `day`, or take out one entered by mistake (the earlier list stays a version)."""
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        current = person["voortgangsgesprekken"] or []
        if remove:
            dates = [d for d in current if d != day.isoformat()]
        else:
            dates = rules.add_voortgangsgesprek(current, day, clock.today())
        await _write_section(user, person, "voortgang", {"voortgangsgesprekken": dates}, origin=origin,
                             kind="correction" if remove else "change",
                             detail=f"voortgangsgesprek {day:%d-%m-%Y}{' verwijderd' if remove else ''}")


async def set_aantekeningen(user: CurrentUser, inburgeraar_id: int, text: str, origin: str = "") -> None:
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        await _write_section(user, person, "aantekeningen", {"aantekeningen": text.strip()}, origin=origin)


@dataclass(frozen=True)
class DoelgroepInput:
    status: Doelgroep
    keuze: DoelgroepKeuze | None
    datum: date
    correction: bool = False


async def change_doelgroep(user: CurrentUser, inburgeraar_id: int, d: DoelgroepInput, origin: str = "") -> None:
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        current = DoelgroepState(
            doelgroep=Doelgroep(person["doelgroep"]),
            status=Doelgroep(person["doelgroep_status"] or person["doelgroep"]),
            keuze=DoelgroepKeuze(person["doelgroep_keuze"]) if person["doelgroep_keuze"] else None,
            keuze_op=person["doelgroep_keuze_op"])
        new = rules.change_doelgroep(current, d.status, d.keuze, d.datum, d.correction)
        await _write_section(user, person, "doelgroep", {
            "doelgroep": new.doelgroep.value, "doelgroep_status": new.status.value,
            "doelgroep_keuze": new.keuze.value if new.keuze else None, "doelgroep_keuze_op": new.keuze_op},
            origin=origin, kind="correction" if d.correction else "change")
        await events.emit(EventKind.DOELGROEP_CHANGED, events.DoelgroepChanged(
            previous=current.doelgroep.value, new=new.doelgroep.value, status=new.status.value,
            keuze=new.keuze.value if new.keuze else None, datum=d.datum, correctie=d.correction),
            inburgeraar_id=inburgeraar_id, gemeente_id=person["gemeente"])


async def move_out(user: CurrentUser, inburgeraar_id: int, day: date, naar: str, origin: str = "") -> list[int]:
    """Mark the person as moved: from that day no provider sees them, and open enrollments end that day
    (each as a new version). Returns the ids of the enrollments that were ended."""
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        own = await Gemeente.select(Gemeente.name).where(Gemeente.id == person["gemeente"]).first()
        rules.check_move(day, naar, own_gemeente_name=own["name"], registered_on=person["plicht_start"])
        if person["verhuisd_op"] is not None and day > person["verhuisd_op"] and \
                person["verhuisd_op"] <= clock.today():
            raise RuleError("De verhuizing is al ingegaan; een latere datum kan niet meer.", "verhuisd_op")
        await _write_section(user, person, "verhuizing", {"verhuisd_op": day, "verhuisd_naar": naar.strip()},
                             origin=origin, kind="correction" if person["verhuisd_op"] else "change")
        ended = []
        for e in await Enrollment.select().where((Enrollment.inburgeraar == inburgeraar_id)
                                                 & (Enrollment.end.is_null() | (Enrollment.end > day))):
            end = max(day, e["start"])
            await _write_enrollment(user, person, e, {"end": end}, origin=origin, event=EventKind.ENROLLMENT_ENDED,
                                    note=f"Beëindigd door verhuizing naar {naar.strip()}")
            ended.append(e["id"])
        await events.emit(EventKind.PERSON_MOVED, events.PersonMoved(
            verhuisd_op=day, verhuisd_naar=naar.strip(), ended_enrollments=ended),
            inburgeraar_id=inburgeraar_id, gemeente_id=person["gemeente"])
        return ended


# --- Enrollments -----------------------------------------------------------------------------------------

async def _contract_periods(gemeente_id: int, organisation_id: int) -> list[ContractPeriod]:
    rows = await Contract.select(Contract.component, Contract.start, Contract.end).where(
        (Contract.gemeente == gemeente_id) & (Contract.organisation == organisation_id))
    return [ContractPeriod(Component(r["component"]), r["start"], r["end"]) for r in rows]


def _placement(row: dict[str, Any]) -> Placement:
    return Placement(row["organisation"], Component(row["component"]), row["start"], row["end"],
                     row["planned_hours"])


async def _check_placement(person: dict[str, Any], p: Placement, except_id: int | None = None) -> None:
    org = await Organisation.select(Organisation.bow_keurmerk).where(Organisation.id == p.organisation).first()
    if org is None:
        raise RuleError("Kies een aanbieder uit de lijst.", "organisation")
    others = [_placement(e) for e in await Enrollment.select().where(
        (Enrollment.inburgeraar == person["id"]) & (Enrollment.id != (except_id or 0)))]
    reported = None
    if except_id is not None:
        span = await HourRecord.select(Min(HourRecord.period_start, alias="first"),
                                       Max(HourRecord.period_end, alias="last")).where(
            (HourRecord.enrollment == except_id) & HourRecord.superseded_by.is_null()).first()
        if span and span["first"]:
            # SQLite returns MIN/MAX of a date column as text.
            as_date = lambda v: date.fromisoformat(v) if isinstance(v, str) else v  # noqa: E731
            reported = (as_date(span["first"]), as_date(span["last"]))
    provider_rules.check_placement(p, doelgroep=Doelgroep(person["doelgroep"]), bow_keurmerk=bool(org["bow_keurmerk"]),
                          contracts=await _contract_periods(person["gemeente"], p.organisation),
                          verhuisd_op=person["verhuisd_op"], others=others, reported=reported)


def _enrollment_payload(row: dict[str, Any], previous: dict[str, Any] | None = None,
                        note: str = "") -> events.EnrollmentPayload:
    return events.EnrollmentPayload(
        enrollment_id=row["id"], organisation_id=row["organisation"], component=row["component"], start=row["start"],
        end=row["end"], planned_hours=row["planned_hours"], previous=previous, note=note)


async def _write_enrollment(user: CurrentUser, person: dict[str, Any], row: dict[str, Any], values: dict[str, Any],
                            *, origin: str, event: EventKind, note: str = "") -> dict[str, Any]:
    fields = SECTIONS["inschrijving"]
    before = snapshot(row, fields)
    after = {**before, **snapshot(values, values.keys())}
    if after == before:
        raise NothingChanged()
    await Enrollment.update({getattr(Enrollment, k): v for k, v in values.items()}).where(Enrollment.id == row["id"])
    await record_version("inschrijving", "enrollment", row["id"], after, actor=user, inburgeraar_id=person["id"],
                         gemeente_id=person["gemeente"], note=note, before=before)
    await events.emit(event, _enrollment_payload({**row, **values}, previous=before, note=note),
                      inburgeraar_id=person["id"], gemeente_id=person["gemeente"])
    await audit.record(user, event, "enrollment", row["id"], origin=origin, inburgeraar_id=person["id"],
                       subject_gemeente_id=person["gemeente"],
                       detail=", ".join(f"{k} {before[k]} → {after[k]}" for k in fields if before[k] != after[k]))
    return after


async def enrol(user: CurrentUser, inburgeraar_id: int, p: Placement, origin: str = "") -> int:
    _require_edit(user)
    async with write_tx():
        person = await _person_for_update(user, inburgeraar_id)
        await _check_placement(person, p)
        rows = await Enrollment.insert(Enrollment(
            inburgeraar=inburgeraar_id, organisation=p.organisation, component=p.component.value, start=p.start,
            end=p.end, planned_hours=p.planned_hours)).returning(Enrollment.id)
        new_id = rows[0]["id"]
        data = {"id": new_id, "organisation": p.organisation, "component": p.component.value, "start": p.start,
                "end": p.end, "planned_hours": p.planned_hours}
        await record_version("inschrijving", "enrollment", new_id, snapshot(data, SECTIONS["inschrijving"]),
                             actor=user, inburgeraar_id=inburgeraar_id, gemeente_id=person["gemeente"],
                             kind="register")
        await events.emit(EventKind.ENROLLMENT_STARTED, _enrollment_payload(data),
                          inburgeraar_id=inburgeraar_id, gemeente_id=person["gemeente"])
        await audit.record(user, "enrollment.started", "enrollment", new_id, origin=origin,
                           inburgeraar_id=inburgeraar_id, subject_gemeente_id=person["gemeente"],
                           detail=f"{p.component.value} bij organisatie {p.organisation}")
        return new_id


async def enrollment_of(user: CurrentUser, enrollment_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The enrollment and its person, if the person belongs to the user's gemeente; else 404."""
    if not user.is_gemeente:
        raise NotFoundException()
    row = await Enrollment.select(
        Enrollment.all_columns(), Enrollment.organisation.name.as_alias("organisation_name"),
    ).where(Enrollment.id == enrollment_id).first()
    if row is None:
        raise NotFoundException()
    person = await person_of(user, row["inburgeraar"])
    return row, person


@dataclass(frozen=True)
class EnrollmentChange:
    start: date
    end: date | None
    planned_hours: int | None
    note: str = ""


async def change_enrollment(user: CurrentUser, enrollment_id: int, c: EnrollmentChange, *, ending: bool = False,
                            origin: str = "") -> dict[str, Any]:
    """Change start, end or planned hours (a new version; the organisation and component stay: placing
    someone elsewhere is a new enrollment). `ending` only sets the end date."""
    _require_edit(user)
    async with write_tx():
        row, person = await enrollment_of(user, enrollment_id)
        await lock_for_update(Enrollment, enrollment_id)
        if ending and c.end is None:
            raise RuleError("Vul de einddatum in.", "end")
        values = {"start": c.start, "end": c.end, "planned_hours": c.planned_hours}
        await _check_placement(person, Placement(row["organisation"], Component(row["component"]), c.start, c.end,
                                                 c.planned_hours), except_id=enrollment_id)
        event = EventKind.ENROLLMENT_ENDED if c.end is not None and c.end != row["end"] and \
            (row["end"] is None or c.end < row["end"]) else EventKind.ENROLLMENT_CHANGED
        return await _write_enrollment(user, person, row, values, origin=origin, event=event, note=c.note.strip())


async def enrollment_history(enrollment_id: int) -> list[dict[str, Any]]:
    return list(reversed(with_changes(await versions_of(object_type="enrollment", object_id=enrollment_id))))


__all__ = ["DuplicateDossier", "NothingChanged", "RuleErrors"]
