"""Pure rules of the dossier: no I/O, unit-tested without a database.

Every function here answers one question the law or the portal asks, and says why in Dutch when the
answer is no (a `RuleError` carries the message shown next to the field).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from shared.vocab import Component, Doelgroep, HourKind, Leerroute, MilestoneKind, VerzuimReden

MINUTES_PER_DAY = 24 * 60
QUARTER = 15


class RuleError(ValueError):
    """A Dutch message for the user, optionally tied to the form field that caused it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- BSN -------------------------------------------------------------------------------------

def bsn_is_valid(bsn: str) -> bool:
    """The elfproef: 9 digits, weights 9..2 and -1 for the last digit, sum divisible by 11."""
    if not re.fullmatch(r"\d{9}", bsn) or bsn == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1))) - int(bsn[8])
    return total % 11 == 0


def normalise_bsn(raw: str) -> str:
    """Accept the ways people write a BSN (spaces, dots, 8 digits without the leading zero)."""
    digits = re.sub(r"[\s.\-]", "", raw or "")
    if re.fullmatch(r"\d{8}", digits):
        digits = "0" + digits
    if not bsn_is_valid(digits):
        raise RuleError("Dit is geen geldig BSN: het moet 9 cijfers hebben en de elfproef doorstaan.", "bsn")
    return digits


# --- Hours as integer minutes ----------------------------------------------------------------

_FRACTIONS = {"½": Decimal("0.5"), "¼": Decimal("0.25"), "¾": Decimal("0.75")}


def parse_hours(raw: str | int | float | None, field: str = "uren") -> int:
    """Hours as people write them ("7,5", "7.5", "7½", "7:30", "") → whole minutes, in quarter hours.

    "1.000" is refused rather than guessed: in Dutch it can mean a thousand, elsewhere one.
    """
    if raw is None:
        return 0
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = Decimal(str(raw))
    else:
        text = str(raw).strip().replace(" ", "")
        if text == "":
            return 0
        if m := re.fullmatch(r"(\d+):([0-5]\d)", text):
            value = Decimal(m[1]) + Decimal(m[2]) / 60
        else:
            fraction = Decimal(0)
            if text[-1] in _FRACTIONS:
                fraction, text = _FRACTIONS[text[-1]], text[:-1] or "0"
            if text.startswith("-"):
                raise RuleError("Uren kunnen niet negatief zijn.", field)
            if re.fullmatch(r"\d+[.,]\d{3}", text):
                raise RuleError(f"'{raw}' is niet eenduidig: schrijf uren met een komma, bijvoorbeeld 7,5.", field)
            if not re.fullmatch(r"\d+([.,]\d{1,2})?", text):
                raise RuleError(f"'{raw}' is geen aantal uren. Schrijf bijvoorbeeld 7,5 of 7:30.", field)
            try:
                value = Decimal(text.replace(",", ".")) + fraction
            except InvalidOperation:  # pragma: no cover - the regex above admits only numbers
                raise RuleError(f"'{raw}' is geen aantal uren.", field)
    if value < 0:
        raise RuleError("Uren kunnen niet negatief zijn.", field)
    minutes = value * 60
    if minutes != minutes.to_integral_value() or int(minutes) % QUARTER:
        raise RuleError("Geef uren op in kwartieren (bijvoorbeeld 7,25 of 7,5 of 7,75).", field)
    return int(minutes)


def format_hours(minutes: int | None) -> str:
    """Minutes → Dutch hours: 450 → "7,5", 465 → "7,75", 480 → "8"."""
    minutes = minutes or 0
    whole, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    if rest == 0:
        return f"{sign}{whole}"
    decimals = f"{Decimal(rest) / 60:.2f}"[2:].rstrip("0")
    return f"{sign}{whole},{decimals}"


# --- Periods ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlaps(self, other: "Period") -> bool:
        return self.start <= other.end and other.start <= self.end


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return Period(first, next_first - timedelta(days=1))


def previous_month(day: date) -> Period:
    return month_of(day.replace(day=1) - timedelta(days=1))


def week_of(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6))


def enrollment_open_on(start: date, end: date | None, today: date, grace_days: int) -> bool:
    """A provider may see and report on an enrollment from its start until `grace_days` after its end."""
    return start <= today and (end is None or today <= end + timedelta(days=grace_days))


def check_period(period: Period, today: date, enrollment_start: date, enrollment_end: date | None) -> None:
    if period.start > period.end:
        raise RuleError("De begindatum ligt na de einddatum.", "period_end")
    if period.end > today:
        raise RuleError("Een periode kan pas worden gemeld als die voorbij is: de einddatum ligt in de toekomst.",
                        "period_end")
    if period.start < enrollment_start:
        raise RuleError(f"De periode begint vóór de inschrijving bij uw organisatie ({enrollment_start:%d-%m-%Y}).",
                        "period_start")
    if enrollment_end is not None and period.end > enrollment_end:
        raise RuleError(f"De periode loopt door na het einde van de inschrijving ({enrollment_end:%d-%m-%Y}).",
                        "period_end")


def check_event_date(day: date, today: date, enrollment_start: date) -> None:
    if day > today:
        raise RuleError("De datum ligt in de toekomst.", "event_date")
    if day < enrollment_start:
        raise RuleError(f"De datum ligt vóór de inschrijving bij uw organisatie ({enrollment_start:%d-%m-%Y}).",
                        "event_date")


# --- Hours reported for a period ---------------------------------------------------------------

@dataclass(frozen=True)
class HourReport:
    kind: HourKind
    period: Period
    attended: int          # minutes
    geoorloofd: int        # minutes
    ongeoorloofd: int      # minutes
    verzuim_reden: VerzuimReden | None

    @property
    def followed(self) -> int:
        """DUO's 'gevolgde uren': present plus excused plus unexcused absence."""
        return self.attended + self.geoorloofd + self.ongeoorloofd


def check_hour_amounts(report: HourReport) -> None:
    for field, value in (("attended", report.attended), ("geoorloofd", report.geoorloofd),
                         ("ongeoorloofd", report.ongeoorloofd)):
        if value < 0:
            raise RuleError("Uren kunnen niet negatief zijn.", field)
    capacity = report.period.days * MINUTES_PER_DAY
    if report.followed > capacity:
        raise RuleError(f"Samen {format_hours(report.followed)} uur past niet in een periode van "
                        f"{report.period.days} dag(en) (hoogstens {format_hours(capacity)} uur).", "attended")
    if report.followed == 0:
        raise RuleError("Vul aanwezige uren of verzuim in; een melding van 0 uur zegt niets.", "attended")
    if (report.geoorloofd or report.ongeoorloofd) and report.verzuim_reden is None:
        raise RuleError("Kies een reden voor het verzuim.", "verzuim_reden")


# --- Who may report what ---------------------------------------------------------------------

# Which kinds of hours each enrollment component can carry. MAP and PVT count towards the Z-route's
# participation hours (§3.4.4), so their providers may report those.
HOUR_KINDS_BY_COMPONENT: dict[Component, tuple[HourKind, ...]] = {
    Component.TAAL: (HourKind.TAAL_KNM, HourKind.BREDE_INTAKE),
    Component.PARTICIPATIE: (HourKind.PARTICIPATIE_ACTIVITEITEN, HourKind.PARTICIPATIE_TAALLES,
                             HourKind.BREDE_INTAKE),
    Component.MAP: (HourKind.PARTICIPATIE_ACTIVITEITEN,),
    Component.PVT: (HourKind.PARTICIPATIE_ACTIVITEITEN,),
    Component.BEGELEIDING: (),
}

LANGUAGE_HOUR_KINDS = {HourKind.TAAL_KNM, HourKind.PARTICIPATIE_TAALLES, HourKind.BREDE_INTAKE}

MILESTONES_BY_COMPONENT: dict[Component, tuple[MilestoneKind, ...]] = {
    Component.TAAL: (MilestoneKind.TUSSENTIJDSE_TOETS, MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND,
                     MilestoneKind.NIET_VOLTOOID, MilestoneKind.VOORTGANG, MilestoneKind.BELEMMERING),
    Component.MAP: (MilestoneKind.MAP_EINDGESPREK, MilestoneKind.NIET_VOLTOOID, MilestoneKind.VOORTGANG,
                    MilestoneKind.BELEMMERING),
    Component.PVT: (MilestoneKind.PVT_ONDERTEKENING, MilestoneKind.NIET_VOLTOOID, MilestoneKind.VOORTGANG,
                    MilestoneKind.BELEMMERING),
    Component.PARTICIPATIE: (MilestoneKind.ZROUTE_AFGEROND, MilestoneKind.NIET_VOLTOOID, MilestoneKind.VOORTGANG,
                             MilestoneKind.BELEMMERING),
    Component.BEGELEIDING: (MilestoneKind.VOORTGANG, MilestoneKind.BELEMMERING),
}


def check_may_report_hours(component: Component, kind: HourKind, doelgroep: Doelgroep) -> None:
    if kind not in HOUR_KINDS_BY_COMPONENT[component]:
        raise RuleError(f"Voor een inschrijving voor {component.label} kunt u geen uren "
                        f"'{kind.label}' melden.", "kind")
    if doelgroep is Doelgroep.GEZIN_OVERIG and kind in LANGUAGE_HOUR_KINDS:
        raise RuleError("Taaluren van een gezins- of overige migrant meldt de taalschool rechtstreeks aan DUO. "
                        "De gemeente ontvangt deze uren niet; er is niets opgeslagen.", "kind")


def check_may_report_milestone(component: Component, kind: MilestoneKind, leerroute: Leerroute | None) -> None:
    if kind not in MILESTONES_BY_COMPONENT[component]:
        raise RuleError(f"Bij een inschrijving voor {component.label} hoort geen melding "
                        f"'{kind.label}'.", "kind")
    if kind is MilestoneKind.MAP_EINDGESPREK and leerroute is Leerroute.ONDERWIJS:
        raise RuleError("Op de onderwijsroute is de MAP niet verplicht; de gemeente vraagt geen MAP-eindgesprek.",
                        "kind")
    if kind is MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND and leerroute is not Leerroute.ONDERWIJS:
        raise RuleError("Een taalschakeltraject hoort bij de onderwijsroute.", "kind")
    if kind is MilestoneKind.ZROUTE_AFGEROND and leerroute is not Leerroute.Z:
        raise RuleError("Alleen iemand op de Z-route kan de Z-route afronden.", "kind")


def visible_hour_kinds(components: set[Component]) -> set[HourKind]:
    """A provider sees only the kinds of hours its own enrollments carry (a PVT provider no language hours)."""
    return {k for c in components for k in HOUR_KINDS_BY_COMPONENT[c]}


# --- Thresholds --------------------------------------------------------------------------------

AFSCHALEN_MINUTES = 600 * 60        # B1 → A2 allowed after 600 followed language hours (§3.4.4)
Z_ROUTE_MINUTES = 800 * 60          # Z-route standard: 800 language and 800 participation hours


def language_threshold_minutes(leerroute: Leerroute | None) -> int | None:
    """The language-hour mark a provider's progress bar runs towards, if the route has one."""
    return {Leerroute.B1: AFSCHALEN_MINUTES, Leerroute.Z: Z_ROUTE_MINUTES}.get(leerroute)


def progress_percent(minutes: int, target_minutes: int | None) -> int | None:
    if not target_minutes:
        return None
    return min(100, round(100 * minutes / target_minutes))
