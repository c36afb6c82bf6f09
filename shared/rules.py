"""Pure rules of the dossier: the BSN, periods and dates a provider reports on, and which completions
each enrollment carries. No I/O, unit-tested without a database. Hours have their own module
(shared/hours.py), days theirs (shared/calendar.py).

Every function here answers one question the law or the portal asks, and says why in Dutch when the
answer is no (a `RuleError` carries the message shown next to the field).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from shared.calendar import Period
from shared.errors import RuleError
from shared.vocab import Component, Leerroute, MilestoneKind

# An e-mail address as people type it: something@domain.tld, no spaces (accounts, team mailboxes).
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_email(raw: str | None, field: str = "email", required: bool = False) -> str:
    """The address trimmed and in lower case ("" when empty and not required); at most 254 characters (RFC 5321).

    Raises RuleError (on `field`) when it is required and empty, or not an e-mail address."""
    text = (raw or "").strip().lower()
    if not text:
        if required:
            raise RuleError("Vul een e-mailadres in.", field)
        return ""
    if not EMAIL.fullmatch(text) or len(text) > 254:
        raise RuleError(f"'{text}' is geen e-mailadres. Schrijf bijvoorbeeld naam@voorbeeld.nl.", field)
    return text


# --- BSN -------------------------------------------------------------------------------------


def bsn_is_valid(bsn: str) -> bool:
    """The elfproef: 9 digits, weights 9..2 and -1 for the last digit, sum divisible by 11."""
    if not re.fullmatch(r"\d{9}", bsn) or bsn == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1), strict=True)) - int(bsn[8])
    return total % 11 == 0


def normalise_bsn(raw: str) -> str:
    """Accept the ways people write a BSN (spaces, dots, 8 digits without the leading zero)."""
    digits = re.sub(r"[\s.\-]", "", raw or "")
    if re.fullmatch(r"\d{8}", digits):
        digits = "0" + digits
    if not bsn_is_valid(digits):
        raise RuleError("Dit is geen geldig BSN: het moet 9 cijfers hebben en de elfproef doorstaan.", "bsn")
    return digits


def enrollment_open_on(start: date, end: date | None, today: date, grace_days: int) -> bool:
    """A provider may see and report on an enrollment from its start until `grace_days` after its end."""
    return start <= today and (end is None or today <= end + timedelta(days=grace_days))


def check_period(period: Period, today: date, enrollment_start: date, enrollment_end: date | None) -> None:
    if period.start > period.end:
        raise RuleError("De begindatum ligt na de einddatum.", "period_end")
    if period.end > today:
        raise RuleError(
            "Een periode kan pas worden gemeld als die voorbij is: de einddatum ligt in de toekomst.", "period_end"
        )
    if period.start < enrollment_start:
        raise RuleError(
            f"De periode begint vóór de inschrijving bij uw organisatie ({enrollment_start:%d-%m-%Y}).", "period_start"
        )
    if enrollment_end is not None and period.end > enrollment_end:
        raise RuleError(
            f"De periode loopt door na het einde van de inschrijving ({enrollment_end:%d-%m-%Y}).", "period_end"
        )


def check_event_date(day: date, today: date, enrollment_start: date) -> None:
    if day > today:
        raise RuleError("De datum ligt in de toekomst.", "event_date")
    if day < enrollment_start:
        raise RuleError(
            f"De datum ligt vóór de inschrijving bij uw organisatie ({enrollment_start:%d-%m-%Y}).", "event_date"
        )


# --- Completions and notes ------------------------------------------------------------------

MILESTONES_BY_COMPONENT: dict[Component, tuple[MilestoneKind, ...]] = {
    Component.TAAL: (
        MilestoneKind.TUSSENTIJDSE_TOETS,
        MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND,
        MilestoneKind.NIET_VOLTOOID,
        MilestoneKind.VOORTGANG,
        MilestoneKind.BELEMMERING,
    ),
    Component.MAP: (
        MilestoneKind.MAP_EINDGESPREK,
        MilestoneKind.NIET_VOLTOOID,
        MilestoneKind.VOORTGANG,
        MilestoneKind.BELEMMERING,
    ),
    Component.PVT: (
        MilestoneKind.PVT_ONDERTEKENING,
        MilestoneKind.NIET_VOLTOOID,
        MilestoneKind.VOORTGANG,
        MilestoneKind.BELEMMERING,
    ),
    Component.PARTICIPATIE: (
        MilestoneKind.ZROUTE_AFGEROND,
        MilestoneKind.NIET_VOLTOOID,
        MilestoneKind.VOORTGANG,
        MilestoneKind.BELEMMERING,
    ),
    Component.BEGELEIDING: (MilestoneKind.VOORTGANG, MilestoneKind.BELEMMERING),
}


def _milestone_refusal(component: Component, kind: MilestoneKind, leerroute: Leerroute | None) -> RuleError | None:
    if kind not in MILESTONES_BY_COMPONENT[component]:
        return RuleError(f"Bij een inschrijving voor {component.label} hoort geen melding '{kind.label}'.", "kind")
    if kind is MilestoneKind.MAP_EINDGESPREK and leerroute is Leerroute.ONDERWIJS:
        return RuleError(
            "Op de onderwijsroute is de MAP niet verplicht; de gemeente vraagt geen MAP-eindgesprek.", "kind"
        )
    if kind is MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND and leerroute is not Leerroute.ONDERWIJS:
        return RuleError("Een taalschakeltraject hoort bij de onderwijsroute.", "kind")
    if kind is MilestoneKind.ZROUTE_AFGEROND and leerroute is not Leerroute.Z:
        return RuleError("Alleen iemand op de Z-route kan de Z-route afronden.", "kind")
    return None


def check_may_report_milestone(component: Component, kind: MilestoneKind, leerroute: Leerroute | None) -> None:
    """The one check every path (form, upload, API) makes before a completion or note is accepted: it fits
    the enrollment and the person's current leerroute. Raises RuleError (field "kind")."""
    if refusal := _milestone_refusal(component, kind, leerroute):
        raise refusal


def milestone_kinds_for(component: Component, leerroute: Leerroute | str | None) -> tuple[MilestoneKind, ...]:
    """What a provider can report on this enrollment for a person on this leerroute: what the portal offers.
    Follows the dossier's current route (after a switch to the onderwijsroute no MAP-eindgesprek)."""
    route = Leerroute(leerroute) if leerroute else None
    return tuple(k for k in MILESTONES_BY_COMPONENT[component] if _milestone_refusal(component, k, route) is None)


# The completion a MAP or PVT enrollment waits for (a "niet voltooid" also closes it: vocab.COMPLETING_MILESTONES).
EXPECTED_COMPLETION = {Component.MAP: MilestoneKind.MAP_EINDGESPREK, Component.PVT: MilestoneKind.PVT_ONDERTEKENING}


def expects_completion(component: Component, leerroute: Leerroute | str | None) -> bool:
    """Whether the enrollment waits for a completion on the person's current route: a MAP enrollment of
    someone on the onderwijsroute does not (the MAP is not required there, §3.4.4), so no "afronding open"."""
    expected = EXPECTED_COMPLETION.get(component)
    return expected is not None and expected in milestone_kinds_for(component, leerroute)


# --- Money: integer cents --------------------------------------------------------------------------------


def parse_euros(raw: str | None, field: str) -> int:
    """ "250", "250,00", "€ 1.250,50", "250.50" → cents. Raises RuleError for anything else."""
    text = (raw or "").replace("€", "").replace(" ", "").strip()
    if not text:
        raise RuleError("Vul het bedrag in euro's in.", field)
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?|\d+(,\d{1,2})?", text):
        whole, _, cents = text.replace(".", "").partition(",")
    elif re.fullmatch(r"\d+\.\d{1,2}", text):
        whole, _, cents = text.partition(".")
    else:
        raise RuleError(f"'{(raw or '').strip()}' is geen bedrag. Schrijf bijvoorbeeld 250 of 250,00.", field)
    return int(whole) * 100 + int((cents or "0").ljust(2, "0"))


def format_euros(cents: int | None) -> str:
    """Cents as Dutch euros: 125050 → "€ 1.250,50"; None → ""."""
    if cents is None:
        return ""
    whole, rest = divmod(int(cents), 100)
    return f"€ {whole:,}".replace(",", ".") + f",{rest:02d}"
