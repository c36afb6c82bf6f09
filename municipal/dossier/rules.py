"""Pure rules of the municipal dossier: no I/O, unit-tested without a database.

Each check answers one question DUO or the law asks of the gemeente's data, and says why in Dutch,
beside the field that caused it (a RuleError's `field`). Checks of a whole form collect every
complaint at once (`RuleErrors`), so the regisseur fixes them in one go.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from shared.calendar import add_months
from municipal.errors import RuleError, raise_all
from shared.hours import AFSCHALEN_MINUTES, Z_ROUTE_LANGUAGE_MINUTES, format_hours
from shared.vocab import (
    Alfabetisering,
    Component,
    Doelgroep,
    DoelgroepKeuze,
    Leerbaarheidstoets,
    Leerroute,
    Niveau,
    OrganisationKind,
)

AANBOD_TERM_MONTHS = 3            # the inburgeringsaanbod follows the PIP within 3 months (§3.4.4)
LEERROUTE_CHANGE_MONTHS = 18      # a leerroute can change until 1.5 years into the term (onderwijsroute: always)
Z_ROUTE_DEFAULT_HOURS = Z_ROUTE_LANGUAGE_MINUTES // 60   # the Z-route's standard intensiteit (§3.4.4)
MAX_INTENSITEIT = 9999            # DUO's geschatteIntensiteitB1Route: 1..9999
INTAKE_NO_SHOW_LIMIT = 3          # after 3 no-shows the PIP is set unilaterally (§3.4.2)
MAX_PLANNED_HOURS = 9999


def _d(day: date) -> str:
    return f"{day:%d-%m-%Y}"


# --- Sections of the dossier: which fields each version holds -------------------------------------

SECTIONS: dict[str, tuple[str, ...]] = {
    "persoon": ("bsn", "voornamen", "achternaam", "geboortedatum", "email", "telefoon", "adres", "regisseur",
                "plicht_start"),
    "brede_intake": ("intake_start", "intake_eind", "leerbaarheidstoets", "leerbaarheidstoets_datum",
                     "intake_no_shows"),
    "pip": ("pip_dagtekening", "leerroute", "niveau", "intensiteit_uren", "indicator_alfabetisering",
            "opleiding_afmaken", "pip_nummer", "termijn_start"),
    "aanbod": ("datum_inburgeringsaanbod", "reden_vertraagde_start"),
    "begeleiding": ("begeleiding_indicatie", "begeleiding_start"),
    "ontzorgen": ("ontzorgen_start", "ontzorgen_eind"),
    "voortgang": ("voortgangsgesprekken",),
    "doelgroep": ("doelgroep", "doelgroep_status", "doelgroep_keuze", "doelgroep_keuze_op"),
    "verhuizing": ("verhuisd_op", "verhuisd_naar"),
    "aantekeningen": ("aantekeningen",),
    # Not on the person: an enrollment, a contract and an organisation are versioned the same way.
    "inschrijving": ("organisation", "component", "start", "end", "planned_hours"),
    "contract": ("organisation", "component", "start", "end"),
    "organisatie": ("name", "kvk", "kinds", "bow_keurmerk", "duo_instellingsnummer"),
}

SECTION_TITLES = {
    "persoon": "Persoon", "brede_intake": "Brede intake", "pip": "PIP", "aanbod": "Inburgeringsaanbod",
    "begeleiding": "Maatschappelijke begeleiding", "ontzorgen": "Ontzorgen", "voortgang": "Voortgangsgesprekken",
    "doelgroep": "Doelgroep", "verhuizing": "Verhuizing", "aantekeningen": "Aantekeningen",
    "inschrijving": "Inschrijving", "contract": "Contract", "organisatie": "Organisatie",
}

FIELD_LABELS = {
    "bsn": "BSN", "voornamen": "Voornamen", "achternaam": "Achternaam", "geboortedatum": "Geboortedatum",
    "email": "E-mailadres", "telefoon": "Telefoon", "adres": "Adres", "regisseur": "Regisseur",
    "plicht_start": "Inburgeringsplichtig sinds",
    "intake_start": "Start brede intake", "intake_eind": "Einde brede intake",
    "leerbaarheidstoets": "Uitslag leerbaarheidstoets", "leerbaarheidstoets_datum": "Datum leerbaarheidstoets",
    "intake_no_shows": "Keren niet verschenen",
    "pip_dagtekening": "Dagtekening PIP", "leerroute": "Leerroute", "niveau": "Niveau",
    "intensiteit_uren": "Intensiteit (uren)", "indicator_alfabetisering": "Alfabetisering",
    "opleiding_afmaken": "Mag opleiding afmaken", "pip_nummer": "PIP-versie", "termijn_start": "Start termijn",
    "datum_inburgeringsaanbod": "Datum inburgeringsaanbod", "reden_vertraagde_start": "Reden vertraagde start",
    "begeleiding_indicatie": "Indicatie begeleiding", "begeleiding_start": "Start begeleiding",
    "ontzorgen_start": "Start ontzorgen", "ontzorgen_eind": "Einde ontzorgen",
    "voortgangsgesprekken": "Voortgangsgesprekken",
    "doelgroep": "Rechten als", "doelgroep_status": "Status volgens DUO", "doelgroep_keuze": "Keuze",
    "doelgroep_keuze_op": "Keuze gemaakt op",
    "verhuisd_op": "Verhuisd op", "verhuisd_naar": "Naar gemeente", "aantekeningen": "Aantekeningen",
    "organisation": "Aanbieder", "component": "Onderdeel", "start": "Van", "end": "Tot en met",
    "planned_hours": "Geplande uren", "name": "Naam", "kvk": "KvK-nummer", "kinds": "Soort",
    "bow_keurmerk": "Blik op Werk-keurmerk", "duo_instellingsnummer": "DUO-instellingsnummer",
}

# Parts of the dossier a provider never sees (shared/access.PERSON_COLUMNS_FOR_PROVIDER is the list it does).
PRIVATE_SECTIONS = ("brede_intake", "aanbod", "begeleiding", "ontzorgen", "voortgang", "doelgroep", "verhuizing",
                    "aantekeningen")


# --- Persoon ------------------------------------------------------------------------------------------

def check_person(geboortedatum: date | None, plicht_start: date | None, today: date) -> None:
    errors = []
    if geboortedatum and geboortedatum > today:
        errors.append(RuleError("De geboortedatum ligt in de toekomst.", "geboortedatum"))
    if geboortedatum and plicht_start and plicht_start < geboortedatum:
        errors.append(RuleError("De inburgeringsplicht kan niet vóór de geboortedatum beginnen.", "plicht_start"))
    raise_all(errors)


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_email(raw: str | None, field: str = "email", required: bool = False) -> str:
    text = (raw or "").strip().lower()
    if not text:
        if required:
            raise RuleError("Vul een e-mailadres in.", field)
        return ""
    if not EMAIL.fullmatch(text) or len(text) > 254:
        raise RuleError(f"'{text}' is geen e-mailadres. Schrijf bijvoorbeeld naam@voorbeeld.nl.", field)
    return text


# --- PIP ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pip:
    dagtekening: date
    leerroute: Leerroute
    niveau: Niveau | None
    intensiteit: int | None
    alfabetisering: Alfabetisering | None = None
    opleiding_afmaken: bool = False


@dataclass(frozen=True)
class PipContext:
    doelgroep: Doelgroep
    plicht_start: date | None
    today: date
    current: Pip | None = None          # the PIP in force before this one; None when this is the first
    correction: bool = False            # corrects the current PIP instead of changing it
    current_is_first: bool = False      # the current PIP is the first one (pip_nummer == 1)
    termijn_start: date | None = None
    language_followed_minutes: int = 0  # language hours followed so far, for afschalen


def is_first_pip(ctx: PipContext) -> bool:
    """A first PIP: none exists yet, or this corrects the first one."""
    return ctx.current is None or (ctx.correction and ctx.current_is_first)


def check_pip(pip: Pip, ctx: PipContext) -> Pip:
    """DUO's PIP rules, plus the law's intensity and route-change rules. Returns the PIP with the Z-route's
    default intensity filled in, or raises RuleErrors with every complaint beside its field."""
    errors: list[RuleError] = []
    if pip.dagtekening > ctx.today:
        errors.append(RuleError("De dagtekening van het PIP ligt in de toekomst.", "pip_dagtekening"))
    if ctx.plicht_start is None:
        errors.append(RuleError("Vul eerst bij Persoon in sinds wanneer de inburgeringsplicht geldt: de dagtekening "
                                "van het PIP mag daar niet vóór liggen.", "pip_dagtekening"))
    elif pip.dagtekening < ctx.plicht_start:
        errors.append(RuleError(f"De dagtekening ligt vóór het begin van de inburgeringsplicht "
                                f"({_d(ctx.plicht_start)}).", "pip_dagtekening"))

    if pip.leerroute is Leerroute.ONDERWIJS and pip.niveau is Niveau.A2:
        errors.append(RuleError("Niveau A2 kan niet op de onderwijsroute.", "niveau"))
    if pip.leerroute is Leerroute.Z and pip.niveau is Niveau.B1:
        errors.append(RuleError("Niveau B1 kan niet op de Z-route.", "niveau"))
    if pip.leerroute is Leerroute.B1:
        if pip.niveau is None:
            errors.append(RuleError("Kies het niveau: B1, of A2 na afschalen.", "niveau"))
        elif pip.niveau is Niveau.A2 and is_first_pip(ctx):
            errors.append(RuleError("Een eerste PIP op de B1-route kan niet niveau A2 hebben. Afschalen naar A2 kan "
                                    "later, na minstens 600 uur taalles.", "niveau"))
        elif (pip.niveau is Niveau.A2 and ctx.current is not None and ctx.current.leerroute is Leerroute.B1
              and ctx.current.niveau is Niveau.B1 and ctx.language_followed_minutes < AFSCHALEN_MINUTES):
            errors.append(RuleError(f"Afschalen naar A2 kan pas na minstens 600 uur taalles. Tot nu toe zijn "
                                    f"{format_hours(ctx.language_followed_minutes)} uur gemeld.", "niveau"))

    intensiteit = pip.intensiteit
    if intensiteit is not None and not 1 <= intensiteit <= MAX_INTENSITEIT:
        errors.append(RuleError(f"Vul een intensiteit in tussen 1 en {MAX_INTENSITEIT} uur.", "intensiteit_uren"))
    elif pip.leerroute is Leerroute.B1 and ctx.doelgroep is Doelgroep.ASIEL:
        if intensiteit is None:
            errors.append(RuleError("Vul de intensiteit in: het geschatte aantal uren taal en KNM. Dat is verplicht "
                                    "voor een asielstatushouder op de B1-route.", "intensiteit_uren"))
    elif pip.leerroute is Leerroute.Z:
        intensiteit = intensiteit if intensiteit is not None else Z_ROUTE_DEFAULT_HOURS
    elif intensiteit is not None:
        who = "een gezins- of overige migrant" if pip.leerroute is Leerroute.B1 else "de onderwijsroute"
        errors.append(RuleError(f"Een intensiteit hoort niet bij {who}. Alleen een asielstatushouder op de B1-route "
                                "krijgt een intensiteit (en de Z-route standaard 800 uur). Laat het veld leeg.",
                                "intensiteit_uren"))

    current = ctx.current
    if (current is not None and not ctx.correction and pip.leerroute is not current.leerroute
            and Leerroute.ONDERWIJS not in (pip.leerroute, current.leerroute) and ctx.termijn_start is not None
            and ctx.today > add_months(ctx.termijn_start, LEERROUTE_CHANGE_MONTHS)):
        errors.append(RuleError(f"De leerroute kan na anderhalf jaar in de termijn (na "
                                f"{_d(add_months(ctx.termijn_start, LEERROUTE_CHANGE_MONTHS))}) niet meer wijzigen, "
                                "behalve naar of van de onderwijsroute.", "leerroute"))
    raise_all(errors)
    return replace(pip, intensiteit=intensiteit)


# --- Inburgeringsaanbod -----------------------------------------------------------------------------

def aanbod_deadline(pip_dagtekening: date) -> date:
    return add_months(pip_dagtekening, AANBOD_TERM_MONTHS)


def aanbod_is_late(pip_dagtekening: date | None, aanbod: date | None, today: date) -> bool:
    """The offer came, or is still missing, more than 3 months after the PIP."""
    if pip_dagtekening is None:
        return False
    deadline = aanbod_deadline(pip_dagtekening)
    return aanbod > deadline if aanbod else today > deadline


def check_aanbod(datum: date, reden: str, *, doelgroep: Doelgroep, pip_dagtekening: date | None) -> None:
    errors = []
    if doelgroep is not Doelgroep.ASIEL:
        errors.append(RuleError("Een inburgeringsaanbod krijgt alleen een asielstatushouder. Een gezins- of overige "
                                "migrant regelt de taalcursus zelf.", "datum_inburgeringsaanbod"))
    elif pip_dagtekening is None:
        errors.append(RuleError("Stel eerst het PIP vast: het aanbod volgt op het PIP.", "datum_inburgeringsaanbod"))
    elif datum < pip_dagtekening:
        errors.append(RuleError(f"Het aanbod kan niet vóór de dagtekening van het PIP ({_d(pip_dagtekening)}) "
                                "liggen.", "datum_inburgeringsaanbod"))
    elif aanbod_is_late(pip_dagtekening, datum, datum) and not reden.strip():
        errors.append(RuleError(f"Het aanbod komt later dan 3 maanden na het PIP (uiterlijk "
                                f"{_d(aanbod_deadline(pip_dagtekening))}). Schrijf de reden van de vertraagde start op.",
                                "reden_vertraagde_start"))
    raise_all(errors)


# --- Brede intake, begeleiding, ontzorgen, voortgang ---------------------------------------------------

def check_intake(start: date | None, eind: date | None, uitslag: Leerbaarheidstoets | None,
                 uitslag_datum: date | None, no_shows: int, today: date) -> None:
    errors = []
    if eind and not start:
        errors.append(RuleError("Vul eerst de startdatum van de brede intake in.", "intake_start"))
    if start and eind and eind < start:
        errors.append(RuleError("De brede intake kan niet eindigen vóór de start.", "intake_eind"))
    if start and start > today:
        errors.append(RuleError("De startdatum ligt in de toekomst.", "intake_start"))
    if uitslag_datum and uitslag is None:
        errors.append(RuleError("Kies de uitslag van de leerbaarheidstoets, of laat de datum leeg.",
                                "leerbaarheidstoets"))
    if uitslag_datum and uitslag_datum > today:
        errors.append(RuleError("De datum van de leerbaarheidstoets ligt in de toekomst.", "leerbaarheidstoets_datum"))
    if not 0 <= no_shows <= 99:
        errors.append(RuleError("Vul een aantal keren in van 0 tot 99.", "intake_no_shows"))
    raise_all(errors)


def _asiel_only(doelgroep: Doelgroep, what: str, field: str) -> list[RuleError]:
    if doelgroep is Doelgroep.ASIEL:
        return []
    return [RuleError(f"{what} is er alleen voor asielstatushouders.", field)]


def check_begeleiding(indicatie: bool | None, start: date | None, doelgroep: Doelgroep) -> None:
    errors = _asiel_only(doelgroep, "Maatschappelijke begeleiding", "begeleiding_indicatie") if indicatie else []
    if indicatie is None and start:
        errors.append(RuleError("Kies eerst of er een indicatie is.", "begeleiding_indicatie"))
    if indicatie is False and start:
        errors.append(RuleError("Zonder indicatie is er geen startdatum. Laat de datum leeg.", "begeleiding_start"))
    raise_all(errors)


def check_ontzorgen(start: date | None, eind: date | None, doelgroep: Doelgroep) -> None:
    errors = _asiel_only(doelgroep, "Ontzorgen", "ontzorgen_start") if (start or eind) else []
    if eind and not start:
        errors.append(RuleError("Vul eerst de startdatum van ontzorgen in.", "ontzorgen_start"))
    if start and eind and eind < start:
        errors.append(RuleError("Ontzorgen kan niet eindigen vóór de start.", "ontzorgen_eind"))
    raise_all(errors)


def add_voortgangsgesprek(dates: Iterable[str], day: date, today: date) -> list[str]:
    """The list of conversation dates (ISO) with `day` added, sorted."""
    current = sorted(dates)
    if day > today:
        raise RuleError("Leg een voortgangsgesprek vast als het is gevoerd: de datum ligt in de toekomst.", "datum")
    if day.isoformat() in current:
        raise RuleError(f"Het gesprek van {_d(day)} staat er al.", "datum")
    return sorted([*current, day.isoformat()])


# --- Doelgroep: a status change keeps asylum rights, unless the person gives them up once (§1.4) ------

@dataclass(frozen=True)
class DoelgroepState:
    doelgroep: Doelgroep                 # the rights that apply (what the rest of Regie reads)
    status: Doelgroep                    # the status according to DUO
    keuze: DoelgroepKeuze | None = None
    keuze_op: date | None = None


def change_doelgroep(current: DoelgroepState, new_status: Doelgroep, keuze: DoelgroepKeuze | None,
                     day: date, correction: bool = False) -> DoelgroepState:
    """At a switch between asylum status holder and family/other migrant the asylum rights apply,
    unless the person once chooses the other status. That choice is made once and not undone.
    A correction (the status was registered wrongly) is no switch: the status and rights become the new one."""
    if correction:
        if new_status is current.status and new_status is current.doelgroep:
            raise RuleError("Er verandert niets: de status is al zo vastgelegd.", "status")
        if keuze is not None:
            raise RuleError("Bij een correctie hoort geen keuze van de persoon.", "keuze")
        return DoelgroepState(doelgroep=new_status, status=new_status, keuze=current.keuze, keuze_op=current.keuze_op)
    if current.keuze is not None and keuze is not None:
        raise RuleError(f"De keuze is al eenmalig gemaakt op {_d(current.keuze_op)} en kan niet opnieuw.", "keuze")
    switched = new_status is not current.status
    if not switched and keuze is None:
        raise RuleError("Er verandert niets: kies een andere status of leg de keuze van de persoon vast.", "status")
    if keuze is not None and not switched and current.doelgroep is current.status:
        raise RuleError("Een keuze hoort bij een wisseling van status. Er is geen wisseling vastgelegd.", "keuze")
    if keuze is DoelgroepKeuze.AFSTAND:
        rights = Doelgroep.GEZIN_OVERIG
    elif current.keuze is DoelgroepKeuze.AFSTAND:
        rights = new_status       # asylum rights were given up once; the status decides from now on
    else:
        rights = Doelgroep.ASIEL if Doelgroep.ASIEL in (new_status, current.status, current.doelgroep) \
            else Doelgroep.GEZIN_OVERIG
    return DoelgroepState(doelgroep=rights, status=new_status, keuze=keuze or current.keuze,
                          keuze_op=day if keuze else current.keuze_op)


# --- Verhuizing --------------------------------------------------------------------------------------

def check_move(day: date, naar: str, *, own_gemeente_name: str, registered_on: date | None) -> None:
    errors = []
    if not naar.strip():
        errors.append(RuleError("Vul de nieuwe gemeente in.", "verhuisd_naar"))
    elif naar.strip().lower() == own_gemeente_name.strip().lower():
        errors.append(RuleError("Een verhuizing binnen de gemeente hoeft u hier niet vast te leggen.", "verhuisd_naar"))
    if registered_on and day < registered_on:
        errors.append(RuleError(f"De verhuisdatum ligt vóór de inburgeringsplicht ({_d(registered_on)}).",
                                "verhuisd_op"))
    raise_all(errors)


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


def check_placement(p: Placement, *, doelgroep: Doelgroep, bow_keurmerk: bool, contracts: Sequence[ContractPeriod],
                    verhuisd_op: date | None, others: Sequence[Placement] = (),
                    reported: tuple[date, date] | None = None) -> None:
    """Enrolment only at a provider this gemeente contracted for the component in that period; language
    for an asylum status holder only under the BoW keurmerk; `others` are the person's other enrollments,
    `reported` the first and last day of hours already reported on this one."""
    errors: list[RuleError] = []
    if p.end is not None and p.end < p.start:
        errors.append(RuleError("De einddatum ligt vóór de begindatum.", "end"))
    if p.planned_hours is not None and not 0 <= p.planned_hours <= MAX_PLANNED_HOURS:
        errors.append(RuleError(f"Vul geplande uren in tussen 0 en {MAX_PLANNED_HOURS}.", "planned_hours"))
    if verhuisd_op is not None and (p.start >= verhuisd_op or p.end is None or p.end > verhuisd_op):
        errors.append(RuleError(f"De persoon verhuist op {_d(verhuisd_op)} naar een andere gemeente. De inschrijving "
                                "moet uiterlijk die dag eindigen.", "end" if p.start < verhuisd_op else "start"))
    if doelgroep is Doelgroep.GEZIN_OVERIG and p.component is Component.TAAL:
        errors.append(RuleError("Een gezins- of overige migrant koopt de taalcursus zelf (met een lening van DUO). "
                                "De gemeente schrijft deze persoon niet in voor taal.", "component"))
    if doelgroep is Doelgroep.GEZIN_OVERIG and p.component is Component.BEGELEIDING:
        errors.append(RuleError("Maatschappelijke begeleiding is er alleen voor asielstatushouders.", "component"))
    if doelgroep is Doelgroep.ASIEL and p.component is Component.TAAL and not bow_keurmerk:
        errors.append(RuleError("Een asielstatushouder volgt taalles alleen bij een organisatie met het "
                                "Blik op Werk-keurmerk. Deze aanbieder heeft dat niet.", "organisation"))
    for_component = [c for c in contracts if c.component is p.component]
    if not for_component:
        errors.append(RuleError(f"De gemeente heeft met deze aanbieder geen contract voor {p.component.label}.",
                                "organisation"))
    elif not any(_covers(c, p.start, p.end) for c in for_component):
        spans = ", ".join(f"{_d(c.start)} t/m {_d(c.end) if c.end else 'heden'}" for c in for_component)
        hint = " Vul een einddatum in die binnen het contract valt." if p.end is None else ""
        errors.append(RuleError(f"De inschrijving valt niet binnen het contract voor {p.component.label} "
                                f"({spans}).{hint}", "end" if p.end is None else "start"))
    for o in others:
        if o.organisation == p.organisation and o.component is p.component and \
                o.start <= (p.end or date.max) and p.start <= (o.end or date.max):
            errors.append(RuleError(f"De persoon staat in die periode al ingeschreven bij deze aanbieder voor "
                                    f"{p.component.label} (vanaf {_d(o.start)}).", "start"))
            break
    if reported is not None:
        first, last = reported
        if p.start > first:
            errors.append(RuleError(f"Er zijn al uren gemeld vanaf {_d(first)}: de inschrijving moet dan al "
                                    "begonnen zijn.", "start"))
        if p.end is not None and p.end < last:
            errors.append(RuleError(f"Er zijn al uren gemeld tot en met {_d(last)}: de inschrijving kan niet eerder "
                                    "eindigen.", "end"))
    raise_all(errors)


# --- Organisations and contracts --------------------------------------------------------------------

def normalise_kvk(raw: str | None, required: bool = True) -> str | None:
    digits = re.sub(r"[\s.]", "", raw or "")
    if not digits:
        if required:
            raise RuleError("Vul het KvK-nummer in.", "kvk")
        return None
    if not re.fullmatch(r"\d{8}", digits):
        raise RuleError("Een KvK-nummer heeft 8 cijfers.", "kvk")
    return digits


def normalise_instellingsnummer(raw: str | None) -> str | None:
    """DUO's instellingsnummer: exactly 10 characters (letters and digits)."""
    text = re.sub(r"\s", "", raw or "").upper()
    if not text:
        return None
    if not re.fullmatch(r"[0-9A-Z]{10}", text):
        raise RuleError("Een DUO-instellingsnummer heeft precies 10 tekens (cijfers en letters).",
                        "duo_instellingsnummer")
    return text


def check_organisation(name: str, kinds: Sequence[OrganisationKind]) -> None:
    errors = []
    if not name.strip():
        errors.append(RuleError("Vul de naam van de organisatie in.", "name"))
    if not kinds:
        errors.append(RuleError("Kies minstens één soort aanbieder.", "kinds"))
    raise_all(errors)


def check_contract(component: Component, start: date, end: date | None,
                   existing: Sequence[ContractPeriod]) -> None:
    if end is not None and end < start:
        raise RuleError("De einddatum ligt vóór de begindatum.", "end")
    for c in existing:
        if c.component is component and c.start <= (end or date.max) and start <= (c.end or date.max):
            raise RuleError(f"Er is al een contract voor {component.label} in die periode (vanaf {_d(c.start)}). "
                            "Beëindig dat eerst of kies een andere periode.", "start")
