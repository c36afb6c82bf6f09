"""Pure rules of the providers a gemeente works with: enrolment at a contracted provider, organisation
records (KvK number, DUO instellingsnummer) and contracts. No I/O, unit-tested without a database.

An enrollment belongs to the person's dossier (municipal/dossier/enrollments.py), but whether it may
exist is a question of the gemeente's contracts and the provider's keurmerk: it is answered here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from municipal.errors import RuleError, raise_all
from shared.vocab import Component, Doelgroep, OrganisationKind

MAX_PLANNED_HOURS = 9999


# --- Enrollments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractPeriod:
    component: Component
    start: date
    end: date | None


@dataclass(frozen=True)
class Placement:
    """An enrollment as the regisseur wants it."""

    organisation: int
    component: Component
    start: date
    end: date | None
    planned_hours: int | None


def _covers(contract: ContractPeriod, start: date, end: date | None) -> bool:
    if contract.start > start:
        return False
    return contract.end is None or (end is not None and end <= contract.end)


def check_placement(
    p: Placement,
    *,
    doelgroep: Doelgroep,
    bow_keurmerk: bool,
    contracts: Sequence[ContractPeriod],
    verhuisd_op: date | None,
    others: Sequence[Placement] = (),
    reported: tuple[date, date] | None = None,
) -> None:
    """Enrolment only at a provider this gemeente contracted for the component in that period; language
    for an asylum status holder only under the BoW keurmerk; `others` are the person's other enrollments,
    `reported` the first and last day of hours already reported on this one."""
    errors: list[RuleError] = []
    if p.end is not None and p.end < p.start:
        errors.append(RuleError("De einddatum ligt vóór de begindatum.", "end"))
    if p.planned_hours is not None and not 0 <= p.planned_hours <= MAX_PLANNED_HOURS:
        errors.append(RuleError(f"Vul geplande uren in tussen 0 en {MAX_PLANNED_HOURS}.", "planned_hours"))
    if verhuisd_op is not None and (p.start >= verhuisd_op or p.end is None or p.end > verhuisd_op):
        errors.append(
            RuleError(
                f"De persoon verhuist op {verhuisd_op:%d-%m-%Y} naar een andere gemeente. De "
                "inschrijving moet uiterlijk die dag eindigen.",
                "end" if p.start < verhuisd_op else "start",
            )
        )
    if doelgroep is Doelgroep.GEZIN_OVERIG and p.component is Component.TAAL:
        errors.append(
            RuleError(
                "Een gezins- of overige migrant koopt de taalcursus zelf (met een lening van DUO). "
                "De gemeente schrijft deze persoon niet in voor taal.",
                "component",
            )
        )
    if doelgroep is Doelgroep.GEZIN_OVERIG and p.component is Component.BEGELEIDING:
        errors.append(RuleError("Maatschappelijke begeleiding is er alleen voor asielstatushouders.", "component"))
    if doelgroep is Doelgroep.ASIEL and p.component is Component.TAAL and not bow_keurmerk:
        errors.append(
            RuleError(
                "Een asielstatushouder volgt taalles alleen bij een organisatie met het "
                "Blik op Werk-keurmerk. Deze aanbieder heeft dat niet.",
                "organisation",
            )
        )
    for_component = [c for c in contracts if c.component is p.component]
    if not for_component:
        errors.append(
            RuleError(f"De gemeente heeft met deze aanbieder geen contract voor {p.component.label}.", "organisation")
        )
    elif not any(_covers(c, p.start, p.end) for c in for_component):
        spans = ", ".join(
            f"{c.start:%d-%m-%Y} t/m " + (f"{c.end:%d-%m-%Y}" if c.end else "heden") for c in for_component
        )
        hint = " Vul een einddatum in die binnen het contract valt." if p.end is None else ""
        errors.append(
            RuleError(
                f"De inschrijving valt niet binnen het contract voor {p.component.label} ({spans}).{hint}",
                "end" if p.end is None else "start",
            )
        )
    for o in others:
        if (
            o.organisation == p.organisation
            and o.component is p.component
            and o.start <= (p.end or date.max)
            and p.start <= (o.end or date.max)
        ):
            errors.append(
                RuleError(
                    f"De persoon staat in die periode al ingeschreven bij deze aanbieder voor "
                    f"{p.component.label} (vanaf {o.start:%d-%m-%Y}).",
                    "start",
                )
            )
            break
    if reported is not None:
        first, last = reported
        if p.start > first:
            errors.append(
                RuleError(
                    f"Er zijn al uren gemeld vanaf {first:%d-%m-%Y}: de inschrijving moet dan al begonnen zijn.",
                    "start",
                )
            )
        if p.end is not None and p.end < last:
            errors.append(
                RuleError(
                    f"Er zijn al uren gemeld tot en met {last:%d-%m-%Y}: de inschrijving kan niet eerder eindigen.",
                    "end",
                )
            )
    raise_all(errors)


# --- Organisations and contracts --------------------------------------------------------------------


def normalise_kvk(raw: str | None, required: bool = True) -> str | None:
    """Raises RuleError (field `kvk`) when it is required and empty, or not 8 digits."""
    digits = re.sub(r"[\s.]", "", raw or "")
    if not digits:
        if required:
            raise RuleError("Vul het KvK-nummer in.", "kvk")
        return None
    if not re.fullmatch(r"\d{8}", digits):
        raise RuleError("Een KvK-nummer heeft 8 cijfers.", "kvk")
    return digits


def normalise_instellingsnummer(raw: str | None) -> str | None:
    """DUO's instellingsnummer: exactly 10 characters (letters and digits).

    Raises RuleError when it is not 10 letters and digits."""
    text = re.sub(r"\s", "", raw or "").upper()
    if not text:
        return None
    if not re.fullmatch(r"[0-9A-Z]{10}", text):
        raise RuleError(
            "Een DUO-instellingsnummer heeft precies 10 tekens (cijfers en letters).", "duo_instellingsnummer"
        )
    return text


def check_organisation(name: str, kinds: Sequence[OrganisationKind]) -> None:
    errors = []
    if not name.strip():
        errors.append(RuleError("Vul de naam van de organisatie in.", "name"))
    if not kinds:
        errors.append(RuleError("Kies minstens één soort aanbieder.", "kinds"))
    raise_all(errors)


def check_contract(component: Component, start: date, end: date | None, existing: Sequence[ContractPeriod]) -> None:
    """Raises RuleError (field `end`) when the end lies before the start or the period overlaps a contract for the
    same component."""
    if end is not None and end < start:
        raise RuleError("De einddatum ligt vóór de begindatum.", "end")
    for c in existing:
        if c.component is component and c.start <= (end or date.max) and start <= (c.end or date.max):
            raise RuleError(
                f"Er is al een contract voor {component.label} in die periode (vanaf {c.start:%d-%m-%Y}). "
                "Beëindig dat eerst of kies een andere periode.",
                "start",
            )
