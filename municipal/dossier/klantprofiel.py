"""COA's klantprofiel of an asylum status holder (handreiking §3.2, §3.4.1): what COA's casemanager gathered
before settlement about education, work experience, language and health, and pre-integration, as the gemeente
received it (at koppeling, at the warm transfer, or at settlement), recorded as input to the brede intake.

Regisseurs and teamleiders (the roles that keep dossiers) read and write it; functioneel beheer and providers
never see it: its own table (so nothing that reads a person carries it along), its versions left out of the
history page for anyone else, and its content never in an audit line (only which fields changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from municipal.dossier.access import can_edit, person_for_update, require_edit
from municipal.errors import NothingChanged, RuleError
from municipal.tables import Klantprofiel
from municipal.versions import SECTIONS
from shared import audit, clock
from shared.db import write_tx
from shared.history import record_version, snapshot
from shared.security import CurrentUser
from shared.vocab import Doelgroep

MOMENTS = {
    "koppeling": "Bij de koppeling aan de gemeente",
    "warme_overdracht": "Bij de warme overdracht",
    "inschrijving": "Bij de inschrijving in de gemeente",
}
TEXT_FIELDS = ("opleiding", "werkervaring", "taal", "gezondheid", "voorinburgering")
FIELDS = SECTIONS["klantprofiel"]


def may_read(user: CurrentUser) -> bool:
    """Casework only: the klantprofiel can hold health data."""
    return can_edit(user)


@dataclass(frozen=True)
class KlantprofielInput:
    ontvangen_op: date | None
    moment: str | None
    opleiding: str = ""
    werkervaring: str = ""
    taal: str = ""
    gezondheid: str = ""
    voorinburgering: str = ""
    casemanager: str = ""


async def klantprofiel_of(user: CurrentUser, inburgeraar_id: int) -> dict[str, Any] | None:
    """The person's klantprofiel for casework (None when there is none); None for anyone else. The caller has
    checked that the person is the user's gemeente's."""
    if not may_read(user):
        return None
    return await Klantprofiel.select().where(Klantprofiel.inburgeraar == inburgeraar_id).first()


def check(data: KlantprofielInput, doelgroep: Doelgroep, today: date) -> None:
    """Raises RuleError (with the field) for a person who is no asylum status holder, a receipt date in the future or
    an unknown moment."""
    if doelgroep is not Doelgroep.ASIEL:
        raise RuleError("COA maakt alleen een klantprofiel voor asielstatushouders.", "__all__")
    if data.ontvangen_op is not None and data.ontvangen_op > today:
        raise RuleError("De datum van ontvangst ligt in de toekomst.", "ontvangen_op")
    if data.moment is not None and data.moment not in MOMENTS:
        raise RuleError("Kies een moment uit de lijst.", "moment")


async def save(user: CurrentUser, inburgeraar_id: int, data: KlantprofielInput, origin: str = "") -> None:
    """Store the klantprofiel as received (a new version; earlier ones stay). Raises RuleError (not an asylum
    status holder, a date in the future), NothingChanged, and 404 for whoever may not."""
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        check(data, Doelgroep(person["doelgroep"]), clock.today())
        fields = SECTIONS["klantprofiel"]
        current = await Klantprofiel.select().where(Klantprofiel.inburgeraar == inburgeraar_id).first()
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.__dict__.items()}
        before = snapshot(current, fields) if current else None
        after = snapshot(values, fields)
        if before == after:
            raise NothingChanged()
        if current is None:
            row_id = (
                await Klantprofiel.insert(
                    Klantprofiel(inburgeraar=inburgeraar_id, gemeente=person["gemeente"], updated_by=user.id, **values)
                ).returning(Klantprofiel.id)
            )[0]["id"]
        else:
            row_id = current["id"]
            await Klantprofiel.update(
                {
                    **{getattr(Klantprofiel, k): v for k, v in values.items()},
                    Klantprofiel.updated_by: user.id,
                    Klantprofiel.updated_at: clock.now(),
                }
            ).where(Klantprofiel.id == row_id)
        await record_version(
            "klantprofiel",
            "klantprofiel",
            row_id,
            after,
            actor=user,
            inburgeraar_id=inburgeraar_id,
            gemeente_id=person["gemeente"],
            kind="register" if current is None else "change",
        )
        changed = [f for f in fields if (before or {}).get(f) != after.get(f)]
        await audit.record(
            user,
            "dossier.klantprofiel",
            "inburgeraar",
            inburgeraar_id,
            origin=origin,
            inburgeraar_id=inburgeraar_id,
            subject_gemeente_id=person["gemeente"],
            detail="gewijzigd: " + ", ".join(changed),  # field names only: the content may be health data
        )
