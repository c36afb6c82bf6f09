"""Pure rules of the dossier's sections: persoon, PIP, inburgeringsaanbod, brede intake, begeleiding,
ontzorgen, voortgangsgesprekken, doelgroep and verhuizing. No I/O, unit-tested without a database.

Each check answers one question DUO or the law asks of the gemeente's data, and says why in Dutch,
beside the field that caused it (a RuleError's `field`). Checks of a whole form collect every
complaint at once (`RuleErrors`), so the regisseur fixes them in one go. The rules for enrolling
someone at a provider, and for organisations and contracts, are in municipal/providers/rules.py; which
fields each section's version holds is in municipal/versions.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from municipal.errors import RuleError, raise_all
from shared.calendar import add_months
from shared.hours import AFSCHALEN_MINUTES, Z_ROUTE_LANGUAGE_MINUTES, format_hours
from shared.vocab import (
    Alfabetisering,
    Doelgroep,
    DoelgroepKeuze,
    Leerbaarheidstoets,
    Leerroute,
    Niveau,
)

AANBOD_TERM_MONTHS = 3  # the inburgeringsaanbod follows the PIP within 3 months (§3.4.4)
LEERROUTE_CHANGE_MONTHS = 18  # a leerroute can change until 1.5 years into the term (onderwijsroute: always)
Z_ROUTE_DEFAULT_HOURS = Z_ROUTE_LANGUAGE_MINUTES // 60  # the Z-route's standard intensiteit (§3.4.4)
MAX_INTENSITEIT = 9999  # DUO's geschatteIntensiteitB1Route: 1..9999
INTAKE_NO_SHOW_LIMIT = 3  # after 3 no-shows the PIP is set unilaterally (§3.4.2)


def _d(day: date) -> str:
    return f"{day:%d-%m-%Y}"


# --- Persoon ------------------------------------------------------------------------------------------


def check_person(geboortedatum: date | None, plicht_start: date | None, today: date) -> None:
    errors = []
    if geboortedatum and geboortedatum > today:
        errors.append(RuleError("De geboortedatum ligt in de toekomst.", "geboortedatum"))
    if geboortedatum and plicht_start and plicht_start < geboortedatum:
        errors.append(RuleError("De inburgeringsplicht kan niet vóór de geboortedatum beginnen.", "plicht_start"))
    raise_all(errors)


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
    current: Pip | None = None  # the PIP in force before this one; None when this is the first
    correction: bool = False  # corrects the current PIP instead of changing it
    current_is_first: bool = False  # the current PIP is the first one (pip_nummer == 1)
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
        errors.append(
            RuleError(
                "Vul eerst bij Persoon in sinds wanneer de inburgeringsplicht geldt: de dagtekening "
                "van het PIP mag daar niet vóór liggen.",
                "pip_dagtekening",
            )
        )
    elif pip.dagtekening < ctx.plicht_start:
        errors.append(
            RuleError(
                f"De dagtekening ligt vóór het begin van de inburgeringsplicht ({_d(ctx.plicht_start)}).",
                "pip_dagtekening",
            )
        )

    if pip.leerroute is Leerroute.ONDERWIJS and pip.niveau is Niveau.A2:
        errors.append(RuleError("Niveau A2 kan niet op de onderwijsroute.", "niveau"))
    if pip.leerroute is Leerroute.Z and pip.niveau is Niveau.B1:
        errors.append(RuleError("Niveau B1 kan niet op de Z-route.", "niveau"))
    if pip.leerroute is Leerroute.B1:
        if pip.niveau is None:
            errors.append(RuleError("Kies het niveau: B1, of A2 na afschalen.", "niveau"))
        elif pip.niveau is Niveau.A2 and is_first_pip(ctx):
            errors.append(
                RuleError(
                    "Een eerste PIP op de B1-route kan niet niveau A2 hebben. Afschalen naar A2 kan "
                    "later, na minstens 600 uur taalles.",
                    "niveau",
                )
            )
        elif (
            pip.niveau is Niveau.A2
            and ctx.current is not None
            and ctx.current.leerroute is Leerroute.B1
            and ctx.current.niveau is Niveau.B1
            and ctx.language_followed_minutes < AFSCHALEN_MINUTES
        ):
            errors.append(
                RuleError(
                    f"Afschalen naar A2 kan pas na minstens 600 uur taalles. Tot nu toe zijn "
                    f"{format_hours(ctx.language_followed_minutes)} uur gemeld.",
                    "niveau",
                )
            )

    intensiteit = pip.intensiteit
    if intensiteit is not None and not 1 <= intensiteit <= MAX_INTENSITEIT:
        errors.append(RuleError(f"Vul een intensiteit in tussen 1 en {MAX_INTENSITEIT} uur.", "intensiteit_uren"))
    elif pip.leerroute is Leerroute.B1 and ctx.doelgroep is Doelgroep.ASIEL:
        if intensiteit is None:
            errors.append(
                RuleError(
                    "Vul de intensiteit in: het geschatte aantal uren taal en KNM. Dat is verplicht "
                    "voor een asielstatushouder op de B1-route.",
                    "intensiteit_uren",
                )
            )
    elif pip.leerroute is Leerroute.Z:
        intensiteit = intensiteit if intensiteit is not None else Z_ROUTE_DEFAULT_HOURS
    elif intensiteit is not None:
        who = "een gezins- of overige migrant" if pip.leerroute is Leerroute.B1 else "de onderwijsroute"
        errors.append(
            RuleError(
                f"Een intensiteit hoort niet bij {who}. Alleen een asielstatushouder op de B1-route "
                "krijgt een intensiteit (en de Z-route standaard 800 uur). Laat het veld leeg.",
                "intensiteit_uren",
            )
        )

    current = ctx.current
    if (
        current is not None
        and not ctx.correction
        and pip.leerroute is not current.leerroute
        and Leerroute.ONDERWIJS not in (pip.leerroute, current.leerroute)
        and ctx.termijn_start is not None
        and ctx.today > add_months(ctx.termijn_start, LEERROUTE_CHANGE_MONTHS)
    ):
        errors.append(
            RuleError(
                f"De leerroute kan na anderhalf jaar in de termijn (na "
                f"{_d(add_months(ctx.termijn_start, LEERROUTE_CHANGE_MONTHS))}) niet meer wijzigen, "
                "behalve naar of van de onderwijsroute.",
                "leerroute",
            )
        )
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
        errors.append(
            RuleError(
                "Een inburgeringsaanbod krijgt alleen een asielstatushouder. Een gezins- of overige "
                "migrant regelt de taalcursus zelf.",
                "datum_inburgeringsaanbod",
            )
        )
    elif pip_dagtekening is None:
        errors.append(RuleError("Stel eerst het PIP vast: het aanbod volgt op het PIP.", "datum_inburgeringsaanbod"))
    elif datum < pip_dagtekening:
        errors.append(
            RuleError(
                f"Het aanbod kan niet vóór de dagtekening van het PIP ({_d(pip_dagtekening)}) liggen.",
                "datum_inburgeringsaanbod",
            )
        )
    elif aanbod_is_late(pip_dagtekening, datum, datum) and not reden.strip():
        errors.append(
            RuleError(
                f"Het aanbod komt later dan 3 maanden na het PIP (uiterlijk "
                f"{_d(aanbod_deadline(pip_dagtekening))}). Schrijf de reden van de vertraagde start op.",
                "reden_vertraagde_start",
            )
        )
    raise_all(errors)


# --- Brede intake, begeleiding, ontzorgen, voortgang ---------------------------------------------------


def check_intake(
    start: date | None,
    eind: date | None,
    uitslag: Leerbaarheidstoets | None,
    uitslag_datum: date | None,
    no_shows: int,
    today: date,
) -> None:
    errors = []
    if eind and not start:
        errors.append(RuleError("Vul eerst de startdatum van de brede intake in.", "intake_start"))
    if start and eind and eind < start:
        errors.append(RuleError("De brede intake kan niet eindigen vóór de start.", "intake_eind"))
    if start and start > today:
        errors.append(RuleError("De startdatum ligt in de toekomst.", "intake_start"))
    if uitslag_datum and uitslag is None:
        errors.append(
            RuleError("Kies de uitslag van de leerbaarheidstoets, of laat de datum leeg.", "leerbaarheidstoets")
        )
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
    """The list of conversation dates (ISO) with `day` added, sorted.

    Raises RuleError (field `datum`) for a day in the future or one already listed."""
    current = sorted(dates)
    if day > today:
        raise RuleError("Leg een voortgangsgesprek vast als het is gevoerd: de datum ligt in de toekomst.", "datum")
    if day.isoformat() in current:
        raise RuleError(f"Het gesprek van {_d(day)} staat er al.", "datum")
    return sorted([*current, day.isoformat()])


# --- Doelgroep: a status change keeps asylum rights, unless the person gives them up once (§1.4) ------


@dataclass(frozen=True)
class DoelgroepState:
    doelgroep: Doelgroep  # the rights that apply (what the rest of Regie reads)
    status: Doelgroep  # the status according to DUO
    keuze: DoelgroepKeuze | None = None
    keuze_op: date | None = None


def change_doelgroep(
    current: DoelgroepState, new_status: Doelgroep, keuze: DoelgroepKeuze | None, day: date, correction: bool = False
) -> DoelgroepState:
    """At a switch between asylum status holder and family/other migrant the asylum rights apply,
    unless the person once chooses the other status. That choice is made once and not undone.
    A correction (the status was registered wrongly) is no switch: the status and rights become the new one.

    Raises RuleError (field `status` or `keuze`) when nothing changes or the choice is not allowed."""
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
        rights = new_status  # asylum rights were given up once; the status decides from now on
    else:
        rights = (
            Doelgroep.ASIEL
            if Doelgroep.ASIEL in (new_status, current.status, current.doelgroep)
            else Doelgroep.GEZIN_OVERIG
        )
    return DoelgroepState(
        doelgroep=rights, status=new_status, keuze=keuze or current.keuze, keuze_op=day if keuze else current.keuze_op
    )


# --- Verhuizing --------------------------------------------------------------------------------------


def check_move(day: date, naar: str, *, own_gemeente_name: str, registered_on: date | None) -> None:
    errors = []
    if not naar.strip():
        errors.append(RuleError("Vul de nieuwe gemeente in.", "verhuisd_naar"))
    elif naar.strip().lower() == own_gemeente_name.strip().lower():
        errors.append(RuleError("Een verhuizing binnen de gemeente hoeft u hier niet vast te leggen.", "verhuisd_naar"))
    if registered_on and day < registered_on:
        errors.append(
            RuleError(f"De verhuisdatum ligt vóór de inburgeringsplicht ({_d(registered_on)}).", "verhuisd_op")
        )
    raise_all(errors)
