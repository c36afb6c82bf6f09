"""Writing the dossier's sections: register a person, and keep persoon, brede intake, PIP, inburgeringsaanbod,
begeleiding, ontzorgen, voortgangsgesprekken, doelgroep, verhuizing and aantekeningen as versions.

Every write runs in one transaction: the current values on the row, a version in `dossier_change`
(shared/history.py), a domain event for the inbox (the outbox) and an audit entry land together or not
at all. The rules live in municipal/dossier/rules.py; this module loads, applies them and writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from municipal.dossier import rules
from municipal.dossier.access import CASEWORK_ROLES, loaded, person_for_update, require_edit
from municipal.dossier.enrollments import write_enrollment
from municipal.dossier.rules import DoelgroepState, Pip, PipContext
from municipal.errors import DuplicateDossier, NothingChanged, RuleError
from municipal.versions import SECTIONS
from shared import audit, clock, events
from shared.db import IntegrityErrors, write_tx
from shared.events import EventKind
from shared.history import record_version, snapshot
from shared.hours import followed_hours
from shared.search import with_search_name
from shared.security import CurrentUser
from shared.tables import AppUser, Enrollment, Gemeente, Inburgeraar
from shared.vocab import Alfabetisering, Doelgroep, DoelgroepKeuze, Leerbaarheidstoets, Leerroute, Niveau


async def _write_section(
    user: CurrentUser,
    person: dict[str, Any],
    section: str,
    values: dict[str, Any],
    *,
    origin: str,
    kind: str = "change",
    note: str = "",
    detail: str = "",
) -> dict[str, Any]:
    """Store the section's new values on the person and append the version; NothingChanged if equal."""
    fields = SECTIONS[section]
    before = snapshot(person, fields)
    after = {**before, **snapshot(values, values.keys())}
    if after == before:
        raise NothingChanged()
    column_values = {
        getattr(Inburgeraar, k): (json.dumps(v) if k == "voortgangsgesprekken" else v)
        for k, v in with_search_name(values, person).items()  # the folded names go with the names
    }
    try:
        await Inburgeraar.update(column_values).where(Inburgeraar.id == person["id"])
    except IntegrityErrors:
        raise RuleError("Er is al een lopend dossier met dit BSN in uw gemeente.", "bsn") from None
    await record_version(
        section,
        "inburgeraar",
        person["id"],
        after,
        actor=user,
        inburgeraar_id=person["id"],
        gemeente_id=person["gemeente"],
        kind=kind,
        note=note,
        before=before,
    )
    changed = [f for f in fields if before.get(f) != after.get(f)]
    await audit.record(
        user,
        f"dossier.{section}",
        "inburgeraar",
        person["id"],
        origin=origin,
        inburgeraar_id=person["id"],
        subject_gemeente_id=person["gemeente"],
        detail=detail or ("gewijzigd: " + ", ".join(changed)),
    )
    return after


async def _check_regisseur(gemeente_id: int, regisseur_id: int | None) -> None:
    if regisseur_id is None:
        return
    ok = await AppUser.exists().where(
        (AppUser.id == regisseur_id)
        & (AppUser.gemeente == gemeente_id)
        & (AppUser.active.eq(True))
        & AppUser.role.is_in([r.value for r in CASEWORK_ROLES])
    )
    if not ok:
        raise RuleError("Kies een regisseur uit de lijst.", "regisseur")


async def _active_dossier_with_bsn(gemeente_id: int, bsn: str, except_id: int | None = None) -> dict | None:
    # Running: not moved, or moving later (the index guards only the first; a planned move still counts).
    where = (
        (Inburgeraar.gemeente == gemeente_id)
        & (Inburgeraar.bsn == bsn)
        & (Inburgeraar.verhuisd_op.is_null() | (Inburgeraar.verhuisd_op > clock.today()))
    )
    if except_id is not None:
        where &= Inburgeraar.id != except_id
    return await Inburgeraar.select(Inburgeraar.id, Inburgeraar.voornamen, Inburgeraar.achternaam).where(where).first()


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


async def new_person(
    user: CurrentUser,
    data: RegisterInput,
    *,
    kind: str,
    origin: str,
    note: str = "",
    extra: dict[str, Any] | None = None,
) -> int:
    """Insert one person with a first version of each filled-in section. Call inside write_tx (a registration,
    or one row of a bulk import: municipal/dossier/onboarding.py).

    Raises DuplicateDossier when this gemeente already keeps a running dossier for the BSN, RuleError when one
    was made at the same moment."""
    p = data.person
    rules.check_person(p.geboortedatum, p.plicht_start, clock.today())
    await _check_regisseur(user.gemeente_id, p.regisseur)
    existing = await _active_dossier_with_bsn(user.gemeente_id, p.bsn)
    if existing:
        raise DuplicateDossier(existing)
    values = {
        **p.__dict__,
        "doelgroep": data.doelgroep.value,
        "doelgroep_status": data.doelgroep.value,
        "gemeente": user.gemeente_id,
        **(extra or {}),
    }
    try:
        rows = await Inburgeraar.insert(Inburgeraar(**with_search_name(values))).returning(Inburgeraar.id)
    except IntegrityErrors:
        raise RuleError("Er is zojuist al een dossier met dit BSN aangemaakt. Zoek de persoon op.", "bsn") from None
    new_id = rows[0]["id"]
    row = loaded(await Inburgeraar.select().where(Inburgeraar.id == new_id).first())
    for section in ("persoon", "doelgroep", "brede_intake", "pip", "aanbod"):
        data_ = snapshot(row, SECTIONS[section])
        if section in ("persoon", "doelgroep") or any(v not in (None, "", 0, False, []) for v in data_.values()):
            await record_version(
                section,
                "inburgeraar",
                new_id,
                data_,
                actor=user,
                inburgeraar_id=new_id,
                gemeente_id=user.gemeente_id,
                kind=kind,
                note=note,
            )
    await events.emit(
        EventKind.PERSON_REGISTERED,
        events.PersonRegistered(doelgroep=data.doelgroep.value, regisseur_id=p.regisseur, source=kind),
        inburgeraar_id=new_id,
        gemeente_id=user.gemeente_id,
    )
    if row["pip_dagtekening"]:
        await events.emit(
            EventKind.PIP_SET,
            _pip_payload(row, correction=False, source=kind),
            inburgeraar_id=new_id,
            gemeente_id=user.gemeente_id,
        )
    await audit.record(
        user,
        "inburgeraar.register" if kind == "register" else "inburgeraar.import",
        "inburgeraar",
        new_id,
        origin=origin,
        inburgeraar_id=new_id,
        subject_gemeente_id=user.gemeente_id,
    )
    return new_id


async def register_person(user: CurrentUser, data: RegisterInput, origin: str = "") -> int:
    require_edit(user)
    async with write_tx():
        return await new_person(user, data, kind="register", origin=origin)


async def update_person(user: CurrentUser, inburgeraar_id: int, p: PersonInput, origin: str = "") -> None:
    """Raises DuplicateDossier when the new BSN belongs to another running dossier, RuleError when the obligation
    would start after the PIP's dagtekening."""
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        rules.check_person(p.geboortedatum, p.plicht_start, clock.today())
        if p.regisseur != person["regisseur"]:  # an unchanged regisseur may since have left
            await _check_regisseur(user.gemeente_id, p.regisseur)
        if p.bsn != person["bsn"] and person["verhuisd_op"] is None:
            existing = await _active_dossier_with_bsn(user.gemeente_id, p.bsn, except_id=inburgeraar_id)
            if existing:
                raise DuplicateDossier(existing)
        if p.plicht_start and person["pip_dagtekening"] and p.plicht_start > person["pip_dagtekening"]:
            raise RuleError(
                f"Het PIP is getekend op {person['pip_dagtekening']:%d-%m-%Y}: de inburgeringsplicht begon niet later.",
                "plicht_start",
            )
        await _write_section(user, person, "persoon", dict(p.__dict__), origin=origin)
        if p.regisseur != person["regisseur"]:
            await events.emit(
                EventKind.REGISSEUR_CHANGED,
                events.RegisseurChanged(previous=person["regisseur"], new=p.regisseur),
                inburgeraar_id=inburgeraar_id,
                gemeente_id=person["gemeente"],
            )


@dataclass(frozen=True)
class IntakeInput:
    start: date | None
    eind: date | None
    uitslag: Leerbaarheidstoets | None
    uitslag_datum: date | None
    no_shows: int


async def set_intake(user: CurrentUser, inburgeraar_id: int, i: IntakeInput, origin: str = "") -> None:
    require_edit(user)
    rules.check_intake(i.start, i.eind, i.uitslag, i.uitslag_datum, i.no_shows, clock.today())
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        await _write_section(
            user,
            person,
            "brede_intake",
            {
                "intake_start": i.start,
                "intake_eind": i.eind,
                "leerbaarheidstoets": i.uitslag.value if i.uitslag else None,
                "leerbaarheidstoets_datum": i.uitslag_datum,
                "intake_no_shows": i.no_shows,
            },
            origin=origin,
        )
        if i.no_shows >= rules.INTAKE_NO_SHOW_LIMIT > (person["intake_no_shows"] or 0):
            # After three no-shows the PIP is set unilaterally and enforcement starts (§3.4.2).
            await events.emit(
                EventKind.INTAKE_NO_SHOWS,
                events.IntakeNoShows(no_shows=i.no_shows),
                inburgeraar_id=inburgeraar_id,
                gemeente_id=person["gemeente"],
            )


def _pip_payload(
    row: dict[str, Any], *, correction: bool, source: str = "form", previous: dict[str, Any] | None = None
) -> events.PipPayload:
    return events.PipPayload(
        pip_nummer=row["pip_nummer"],
        dagtekening=row["pip_dagtekening"],
        leerroute=row["leerroute"],
        niveau=row["niveau"],
        intensiteit_uren=row["intensiteit_uren"],
        indicator_alfabetisering=row["indicator_alfabetisering"],
        doelgroep=row["doelgroep"],
        correctie=correction,
        source=source,
        previous=previous,
    )


def current_pip(person: dict[str, Any]) -> Pip | None:
    if person["pip_dagtekening"] is None or not person["leerroute"]:
        return None
    return Pip(
        dagtekening=person["pip_dagtekening"],
        leerroute=Leerroute(person["leerroute"]),
        niveau=Niveau(person["niveau"]) if person["niveau"] in Niveau._value2member_map_ else None,
        intensiteit=person["intensiteit_uren"],
        alfabetisering=Alfabetisering(person["indicator_alfabetisering"])
        if person["indicator_alfabetisering"]
        else None,
        opleiding_afmaken=bool(person["opleiding_afmaken"]),
    )


@dataclass(frozen=True)
class PipInput:
    pip: Pip
    correction: bool = False


async def set_pip(user: CurrentUser, inburgeraar_id: int, entry: PipInput, origin: str = "") -> dict[str, Any]:
    """Set the first PIP, change it (a new PIP: the number goes up) or correct the current one.

    Raises NothingChanged for a correction that changes nothing."""
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        current = current_pip(person)
        correction = entry.correction and current is not None
        # People imported or created before versions were kept may have a PIP without a number: count it as the first.
        existing = person["pip_nummer"] or (1 if current else 0)
        termijn_start = person["termijn_start"] or (person["pip_dagtekening"] if existing == 1 else None)
        ctx = PipContext(
            doelgroep=Doelgroep(person["doelgroep"]),
            plicht_start=person["plicht_start"],
            today=clock.today(),
            current=current,
            correction=correction,
            current_is_first=existing == 1,
            termijn_start=termijn_start,
            language_followed_minutes=(await followed_hours([inburgeraar_id]))[inburgeraar_id].language,
        )
        pip = rules.check_pip(entry.pip, ctx)
        nummer = existing if correction else existing + 1
        values = {
            "pip_dagtekening": pip.dagtekening,
            "leerroute": pip.leerroute.value,
            "niveau": pip.niveau.value if pip.niveau else None,
            "intensiteit_uren": pip.intensiteit,
            "indicator_alfabetisering": pip.alfabetisering.value if pip.alfabetisering else None,
            "opleiding_afmaken": pip.opleiding_afmaken,
            "pip_nummer": nummer,
            "termijn_start": pip.dagtekening if nummer == 1 else termijn_start,
        }
        if correction and all(values[k] == person[k] for k in values):
            raise NothingChanged()
        before = snapshot(person, SECTIONS["pip"])
        after = await _write_section(
            user,
            person,
            "pip",
            values,
            origin=origin,
            kind="correction" if correction else "change",
            detail=f"PIP {nummer}{' (correctie)' if correction else ''}: "
            f"{pip.leerroute.value} {values['niveau'] or ''}".strip(),
        )
        kind = EventKind.PIP_SET if nummer == 1 and not correction else EventKind.PIP_CHANGED
        await events.emit(
            kind,
            _pip_payload({**person, **values}, correction=correction, previous=before if current else None),
            inburgeraar_id=inburgeraar_id,
            gemeente_id=person["gemeente"],
        )
        return after


async def set_aanbod(user: CurrentUser, inburgeraar_id: int, datum: date, reden: str, origin: str = "") -> None:
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        rules.check_aanbod(
            datum, reden, doelgroep=Doelgroep(person["doelgroep"]), pip_dagtekening=person["pip_dagtekening"]
        )
        await _write_section(
            user,
            person,
            "aanbod",
            {"datum_inburgeringsaanbod": datum, "reden_vertraagde_start": reden.strip()},
            origin=origin,
        )
        late = rules.aanbod_is_late(person["pip_dagtekening"], datum, datum)
        await events.emit(
            EventKind.AANBOD_SET,
            events.AanbodSet(
                datum_inburgeringsaanbod=datum,
                pip_dagtekening=person["pip_dagtekening"],
                vertraagd=late,
                reden_vertraagde_start=reden.strip(),
                correctie=person["datum_inburgeringsaanbod"] is not None,
            ),
            inburgeraar_id=inburgeraar_id,
            gemeente_id=person["gemeente"],
        )


async def set_begeleiding(
    user: CurrentUser, inburgeraar_id: int, indicatie: bool | None, start: date | None, origin: str = ""
) -> None:
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        rules.check_begeleiding(indicatie, start, Doelgroep(person["doelgroep"]))
        await _write_section(
            user, person, "begeleiding", {"begeleiding_indicatie": indicatie, "begeleiding_start": start}, origin=origin
        )


async def set_ontzorgen(
    user: CurrentUser, inburgeraar_id: int, start: date | None, eind: date | None, origin: str = ""
) -> None:
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        rules.check_ontzorgen(start, eind, Doelgroep(person["doelgroep"]))
        await _write_section(
            user, person, "ontzorgen", {"ontzorgen_start": start, "ontzorgen_eind": eind}, origin=origin
        )


async def change_voortgangsgesprekken(
    user: CurrentUser, inburgeraar_id: int, day: date, remove: bool = False, origin: str = ""
) -> None:
    """Add a conversation held on `day`, or take out one entered by mistake (the earlier list stays a version)."""
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        current = person["voortgangsgesprekken"] or []
        if remove:
            dates = [d for d in current if d != day.isoformat()]
        else:
            dates = rules.add_voortgangsgesprek(current, day, clock.today())
        await _write_section(
            user,
            person,
            "voortgang",
            {"voortgangsgesprekken": dates},
            origin=origin,
            kind="correction" if remove else "change",
            detail=f"voortgangsgesprek {day:%d-%m-%Y}{' verwijderd' if remove else ''}",
        )


async def set_aantekeningen(user: CurrentUser, inburgeraar_id: int, text: str, origin: str = "") -> None:
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        await _write_section(user, person, "aantekeningen", {"aantekeningen": text.strip()}, origin=origin)


@dataclass(frozen=True)
class DoelgroepInput:
    status: Doelgroep
    keuze: DoelgroepKeuze | None
    datum: date
    correction: bool = False


async def change_doelgroep(user: CurrentUser, inburgeraar_id: int, d: DoelgroepInput, origin: str = "") -> None:
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        current = DoelgroepState(
            doelgroep=Doelgroep(person["doelgroep"]),
            status=Doelgroep(person["doelgroep_status"] or person["doelgroep"]),
            keuze=DoelgroepKeuze(person["doelgroep_keuze"]) if person["doelgroep_keuze"] else None,
            keuze_op=person["doelgroep_keuze_op"],
        )
        new = rules.change_doelgroep(current, d.status, d.keuze, d.datum, d.correction)
        await _write_section(
            user,
            person,
            "doelgroep",
            {
                "doelgroep": new.doelgroep.value,
                "doelgroep_status": new.status.value,
                "doelgroep_keuze": new.keuze.value if new.keuze else None,
                "doelgroep_keuze_op": new.keuze_op,
            },
            origin=origin,
            kind="correction" if d.correction else "change",
        )
        await events.emit(
            EventKind.DOELGROEP_CHANGED,
            events.DoelgroepChanged(
                previous=current.doelgroep.value,
                new=new.doelgroep.value,
                status=new.status.value,
                keuze=new.keuze.value if new.keuze else None,
                datum=d.datum,
                correctie=d.correction,
            ),
            inburgeraar_id=inburgeraar_id,
            gemeente_id=person["gemeente"],
        )


async def move_out(user: CurrentUser, inburgeraar_id: int, day: date, naar: str, origin: str = "") -> list[int]:
    """Mark the person as moved: from that day no provider sees them, and open enrollments end that day
    (each as a new version). Returns the ids of the enrollments that were ended.

    Raises RuleError (field `verhuisd_op`) when a move that has taken effect would be moved later."""
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        own = await Gemeente.select(Gemeente.name).where(Gemeente.id == person["gemeente"]).first()
        rules.check_move(day, naar, own_gemeente_name=own["name"], registered_on=person["plicht_start"])
        if person["verhuisd_op"] is not None and day > person["verhuisd_op"] and person["verhuisd_op"] <= clock.today():
            raise RuleError("De verhuizing is al ingegaan; een latere datum kan niet meer.", "verhuisd_op")
        await _write_section(
            user,
            person,
            "verhuizing",
            {"verhuisd_op": day, "verhuisd_naar": naar.strip()},
            origin=origin,
            kind="correction" if person["verhuisd_op"] else "change",
        )
        ended = []
        for e in await Enrollment.select().where(
            (Enrollment.inburgeraar == inburgeraar_id) & (Enrollment.end.is_null() | (Enrollment.end > day))
        ):
            end = max(day, e["start"])
            await write_enrollment(
                user,
                person,
                e,
                {"end": end},
                origin=origin,
                event=EventKind.ENROLLMENT_ENDED,
                note=f"Beëindigd door verhuizing naar {naar.strip()}",
            )
            ended.append(e["id"])
        await events.emit(
            EventKind.PERSON_MOVED,
            events.PersonMoved(verhuisd_op=day, verhuisd_naar=naar.strip(), ended_enrollments=ended),
            inburgeraar_id=inburgeraar_id,
            gemeente_id=person["gemeente"],
        )
        return ended
