"""Hours: how people write them, what a report of hours may hold, and which followed hours count toward
which mark. The one home of "followed hours" (issue 8): every page, rule and export asks this module.

Units: minutes everywhere inside (integers; SQLite keeps Numeric as REAL), hours only on screen.

What counts (handreiking §3.4.4, §3.4.7, §4.4; DUO's GevolgdeUren API):
- *Followed* hours are DUO's "gevolgde uren": attended plus geoorloofd plus ongeoorloofd verzuim.
- *Language* hours count toward the 600-hour afschalen mark (B1-route), the Z-route's 800 and the PIP's
  intensiteit: Taal en KNM at a language school, and taalles in a participation trajectory only when a
  BoW-certified institution gave it (`formal`). Hours made during the brede intake, before the PIP, are
  reported apart (DUO's own counter) and never count toward the marks.
- *Participation* hours count toward the Z-route's other 800: participation activities, MAP and PVT
  included (their providers report them as participation activities).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from piccolo.query.functions.aggregate import Sum

from shared.calendar import Period
from shared.errors import RuleError
from shared.tables import HourRecord
from shared.vocab import Component, Doelgroep, HourKind, Leerroute, VerzuimReden, aantal

MINUTES_PER_DAY = 24 * 60
QUARTER = 15


# --- Hours as integer minutes ----------------------------------------------------------------

_FRACTIONS = {"½": Decimal("0.5"), "¼": Decimal("0.25"), "¾": Decimal("0.75")}


# Excel keeps a duration as days since its epoch; openpyxl gives a cell under a day as a time, a cell of a
# day or more with a [u]:mm format as a timedelta, and with another format as a datetime in January or
# February 1900 (serial 1 is 1900-01-01; after its non-existent 29-02-1900 the epoch is 1899-12-30).
_EXCEL_EPOCH = datetime(1899, 12, 31)
_EXCEL_EPOCH_AFTER_LEAP_BUG = datetime(1899, 12, 30)
_LEAP_BUG = datetime(1900, 3, 1)
_EXAMPLES = "Schrijf bijvoorbeeld 7,5 of 7:30 (of 36:45 als duur)."


def _duration_hours(raw: timedelta | time | datetime, field: str) -> Decimal:
    if isinstance(raw, datetime):
        if raw.year > 1900:
            raise RuleError(
                f"'{raw:%d-%m-%Y}' is een datum, geen aantal uren. {_EXAMPLES} Maak van de cel een getal of een duur.",
                field,
            )
        raw = raw - (_EXCEL_EPOCH if raw < _LEAP_BUG else _EXCEL_EPOCH_AFTER_LEAP_BUG)
    if isinstance(raw, time):
        raw = timedelta(hours=raw.hour, minutes=raw.minute, seconds=raw.second, microseconds=raw.microsecond)
    seconds = Decimal(str(raw.total_seconds()))
    if seconds % 60:
        raise RuleError(f"De duur '{raw}' heeft seconden; geef uren op in kwartieren. {_EXAMPLES}", field)
    return seconds / 3600


def parse_hours(raw: str | int | float | timedelta | time | datetime | None, field: str = "uren") -> int:
    """Hours as people and spreadsheets write them → whole minutes, in quarter hours.

    Text "7,5", "7.5", "7½", "7:30", "7:30:00" (seconds 00), "1.234,5"; a number 7.5; a duration or time
    cell (Excel's [u]:mm 36:45 is 36,75 hours, as a timedelta, a time or a datetime in 1900); None or ""
    is 0. "1.000" is refused rather than guessed: in Dutch it can mean a thousand, elsewhere one. Raises
    RuleError(field) naming what it saw and what it expects.
    """
    if raw is None:
        return 0
    if isinstance(raw, (timedelta, time, datetime)):
        value = _duration_hours(raw, field)
    elif isinstance(raw, date):
        raise RuleError(f"'{raw:%d-%m-%Y}' is een datum, geen aantal uren. {_EXAMPLES}", field)
    elif isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        value = Decimal(str(raw))
    elif isinstance(raw, bool):
        raise RuleError(f"'{raw}' is geen aantal uren. {_EXAMPLES}", field)
    else:
        text = str(raw).strip().replace(" ", "").replace("\u00a0", "")
        if text == "":
            return 0
        if m := re.fullmatch(r"(\d+):([0-5]\d)(?::([0-5]\d))?", text):
            if m[3] and m[3] != "00":
                raise RuleError(f"'{raw}' heeft seconden; geef uren op in kwartieren. {_EXAMPLES}", field)
            value = Decimal(m[1]) + Decimal(m[2]) / 60
        else:
            fraction = Decimal(0)
            if text[-1] in _FRACTIONS:
                fraction, text = _FRACTIONS[text[-1]], text[:-1] or "0"
            if text.startswith("-"):
                raise RuleError("Uren kunnen niet negatief zijn.", field)
            if re.fullmatch(r"\d{1,3}(\.\d{3})+,\d{1,2}", text):  # 1.234,5: Dutch thousands and decimals
                text = text.replace(".", "")
            elif re.fullmatch(r"\d{1,3}(,\d{3})+\.\d{1,2}", text):  # 1,234.5
                text = text.replace(",", "")
            if re.fullmatch(r"\d+[.,]\d{3}", text):
                raise RuleError(f"'{raw}' is niet eenduidig: schrijf uren met een komma, bijvoorbeeld 7,5.", field)
            if not re.fullmatch(r"\d+([.,]\d{1,2})?", text):
                raise RuleError(f"'{raw}' is geen aantal uren. {_EXAMPLES}", field)
            try:
                value = Decimal(text.replace(",", ".")) + fraction
            except InvalidOperation:  # pragma: no cover - the regex above admits only numbers
                raise RuleError(f"'{raw}' is geen aantal uren.", field) from None
    if value < 0:
        raise RuleError("Uren kunnen niet negatief zijn.", field)
    minutes = value * 60
    if minutes != minutes.to_integral_value() or int(minutes) % QUARTER:
        raise RuleError(
            f"{_seen(raw)} is geen heel aantal kwartieren. Geef uren op in kwartieren "
            "(bijvoorbeeld 7,25 of 7,5 of 7,75).",
            field,
        )
    return int(minutes)


def _seen(raw: object) -> str:
    """The value as the user saw it in the cell: a duration as 36:45, not '1 day, 12:45:00'."""
    if isinstance(raw, (timedelta, time, datetime)):
        try:
            minutes = int(_duration_hours(raw, "") * 60)
        except RuleError:
            return f"'{raw}'"
        return f"'{minutes // 60}:{minutes % 60:02d}'"
    return f"'{str(raw).strip()}'"


def format_hours(minutes: int | None) -> str:
    """Minutes → Dutch hours: 450 → "7,5", 465 → "7,75", 480 → "8"."""
    minutes = minutes or 0
    whole, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    if rest == 0:
        return f"{sign}{whole}"
    decimals = f"{Decimal(rest) / 60:.2f}"[2:].rstrip("0")
    return f"{sign}{whole},{decimals}"


# --- Hours reported for a period ---------------------------------------------------------------


@dataclass(frozen=True)
class HourReport:
    kind: HourKind
    period: Period
    attended: int  # minutes
    geoorloofd: int  # minutes
    ongeoorloofd: int  # minutes
    verzuim_reden: VerzuimReden | None

    @property
    def followed(self) -> int:
        """DUO's 'gevolgde uren': present plus excused plus unexcused absence."""
        return self.attended + self.geoorloofd + self.ongeoorloofd


def check_hour_amounts(report: HourReport) -> None:
    for name, value in (
        ("attended", report.attended),
        ("geoorloofd", report.geoorloofd),
        ("ongeoorloofd", report.ongeoorloofd),
    ):
        if value < 0:
            raise RuleError("Uren kunnen niet negatief zijn.", name)
    capacity = report.period.days * MINUTES_PER_DAY
    if report.followed > capacity:
        raise RuleError(
            f"Samen {format_hours(report.followed)} uur past niet in een periode van "
            f"{aantal(report.period.days, 'dag', 'dagen')} (hoogstens {format_hours(capacity)} uur).",
            "attended",
        )
    if report.followed == 0:
        raise RuleError("Vul aanwezige uren of verzuim in; een melding van 0 uur zegt niets.", "attended")
    if (report.geoorloofd or report.ongeoorloofd) and report.verzuim_reden is None:
        raise RuleError("Kies een reden voor het verzuim.", "verzuim_reden")


# --- Who may report which hours --------------------------------------------------------------

# Which kinds of hours each enrollment component can carry. MAP and PVT count towards the Z-route's
# participation hours (§3.4.4), so their providers may report those.
HOUR_KINDS_BY_COMPONENT: dict[Component, tuple[HourKind, ...]] = {
    Component.TAAL: (HourKind.TAAL_KNM, HourKind.BREDE_INTAKE),
    Component.PARTICIPATIE: (HourKind.PARTICIPATIE_ACTIVITEITEN, HourKind.PARTICIPATIE_TAALLES, HourKind.BREDE_INTAKE),
    Component.MAP: (HourKind.PARTICIPATIE_ACTIVITEITEN,),
    Component.PVT: (HourKind.PARTICIPATIE_ACTIVITEITEN,),
    Component.BEGELEIDING: (),
}

# Language lessons of any kind: a gezinsmigrant's school reports these to DUO itself (§4.7, §4.8).
LANGUAGE_LESSON_KINDS = {HourKind.TAAL_KNM, HourKind.PARTICIPATIE_TAALLES, HourKind.BREDE_INTAKE}


def _kind_refusal(component: Component, kind: HourKind, doelgroep: Doelgroep) -> RuleError | None:
    """Why this kind of hours can never be reported on this enrollment for this doelgroep (None: it can)."""
    if kind not in HOUR_KINDS_BY_COMPONENT[component]:
        return RuleError(
            f"Voor een inschrijving voor {component.label} kunt u geen uren '{kind.label}' melden.", "kind"
        )
    if doelgroep is Doelgroep.GEZIN_OVERIG and kind in LANGUAGE_LESSON_KINDS:
        return RuleError(
            "Taaluren van een gezins- of overige migrant meldt de taalschool rechtstreeks aan DUO. "
            "De gemeente ontvangt deze uren niet; er is niets opgeslagen.",
            "kind",
        )
    return None


def hour_kinds_for(component: Component, doelgroep: Doelgroep | str) -> tuple[HourKind, ...]:
    """The kinds of hours a provider can report on this enrollment for this person: what forms, the weekly
    grid and the portal offer (a gezinsmigrant's language school is offered no language kinds: they are
    always refused). Periods are judged when reported (`check_may_report_hours`)."""
    doelgroep = Doelgroep(doelgroep)
    return tuple(k for k in HOUR_KINDS_BY_COMPONENT[component] if _kind_refusal(component, k, doelgroep) is None)


def check_brede_intake_before_pip(
    component: Component, kind: HourKind, doelgroep: Doelgroep, period: Period, pip_dagtekening: date | None
) -> None:
    """Hours "during the brede intake" are hours before the PIP (handreiking §3.4.7: reported apart, counted
    toward no mark). A period that runs past the PIP's dagtekening is refused, saying which kind to use."""
    if kind is not HourKind.BREDE_INTAKE or pip_dagtekening is None or period.end <= pip_dagtekening:
        return
    others = [
        f"'{k.label}'"
        for k in sorted(hour_kinds_for(component, doelgroep), key=lambda k: k not in LANGUAGE_LESSON_KINDS)
        if k is not HourKind.BREDE_INTAKE
    ]
    instead = " of ".join(others) if others else "de soort uren van het traject"
    split = (
        f" Splits de periode: tot en met {pip_dagtekening:%d-%m-%Y} als brede intake, daarna als {instead}."
        if period.start <= pip_dagtekening
        else f" Meld deze uren als {instead}."
    )
    raise RuleError(
        f"Uren tijdens brede intake zijn uren vóór het PIP. Het PIP is gedagtekend op "
        f"{pip_dagtekening:%d-%m-%Y}; deze periode loopt tot {period.end:%d-%m-%Y}.{split}",
        "kind",
    )


def check_may_report_hours(
    component: Component,
    kind: HourKind,
    doelgroep: Doelgroep,
    *,
    period: Period,
    pip_dagtekening: date | None,
) -> None:
    """The one check every path (form, weekly grid, upload, API) makes before hours are accepted: the kind
    fits the enrollment and the doelgroep, and brede-intake hours lie before the PIP. Raises RuleError
    (field "kind")."""
    if refusal := _kind_refusal(component, kind, doelgroep):
        raise refusal
    check_brede_intake_before_pip(component, kind, doelgroep, period, pip_dagtekening)


def visible_hour_kinds(components: set[Component]) -> set[HourKind]:
    """A provider sees only the kinds of hours its own enrollments carry (a PVT provider no language hours)."""
    return {k for c in components for k in HOUR_KINDS_BY_COMPONENT[c]}


# --- What counts toward the marks ------------------------------------------------------------------

AFSCHALEN_MINUTES = 600 * 60  # B1 → A2 allowed after 600 followed language hours (§3.4.4)
Z_ROUTE_LANGUAGE_MINUTES = 800 * 60  # Z-route standard: 800 hours of language (§3.4.4) ...
Z_ROUTE_PARTICIPATION_MINUTES = 800 * 60  # ... and 800 hours of participation activities


def followed(attended: int, geoorloofd: int, ongeoorloofd: int) -> int:
    """DUO's 'gevolgde uren' in minutes: present plus excused plus unexcused absence."""
    return (attended or 0) + (geoorloofd or 0) + (ongeoorloofd or 0)


def counts_as_language(kind: HourKind | str, formal: bool) -> bool:
    """Toward 600, the Z-route's 800 language hours and the intensiteit: Taal en KNM, and taalles in a
    participation trajectory only from a BoW-certified institution. Never brede-intake hours."""
    return kind == HourKind.TAAL_KNM or (kind == HourKind.PARTICIPATIE_TAALLES and formal)


def counts_as_participation(kind: HourKind | str) -> bool:
    """Toward the Z-route's 800 participation hours (MAP and PVT report theirs as this kind)."""
    return kind == HourKind.PARTICIPATIE_ACTIVITEITEN


@dataclass(frozen=True)
class Followed:
    """A person's followed minutes (attended + verzuim), over current records only."""

    language: int = 0  # counts toward 600 / 800 / the intensiteit
    participation: int = 0  # counts toward the Z-route's participation 800
    brede_intake: int = 0  # before the PIP: reported apart, counts toward no mark
    not_counted: int = 0  # language lessons that count toward no mark (non-BoW participation taalles)
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: HourKind | str, formal: bool, minutes: int) -> Followed:
        """This tally with one more record's followed minutes (pure, for running totals)."""
        by_kind = {**self.by_kind, str(kind): self.by_kind.get(str(kind), 0) + minutes}
        if counts_as_language(kind, formal):
            return Followed(self.language + minutes, self.participation, self.brede_intake, self.not_counted, by_kind)
        if counts_as_participation(kind):
            return Followed(self.language, self.participation + minutes, self.brede_intake, self.not_counted, by_kind)
        if kind == HourKind.BREDE_INTAKE:
            return Followed(self.language, self.participation, self.brede_intake + minutes, self.not_counted, by_kind)
        return Followed(self.language, self.participation, self.brede_intake, self.not_counted + minutes, by_kind)


def language_mark_minutes(leerroute: Leerroute | str | None) -> int | None:
    """The language-hour mark a route runs toward: 600 (afschalen) on the B1-route, 800 on the Z-route."""
    return {Leerroute.B1: AFSCHALEN_MINUTES, Leerroute.Z: Z_ROUTE_LANGUAGE_MINUTES}.get(leerroute)


def progress_percent(minutes: int, target_minutes: int | None) -> int | None:
    if not target_minutes:
        return None
    return min(100, round(100 * minutes / target_minutes))


# --- The one query -------------------------------------------------------------------------------------


async def followed_hours(
    inburgeraar_ids: Iterable[int], *, organisation_id: int | None = None, kinds: Iterable[HourKind | str] | None = None
) -> dict[int, Followed]:
    """Followed minutes per person over current (not superseded) hour records, in one grouped query.
    `organisation_id` limits it to one provider's records (what a provider's portal shows); `kinds` to
    the kinds that provider may see. Every person asked for is in the answer (an empty Followed when
    nothing was reported)."""
    ids = sorted(set(inburgeraar_ids))
    out = {i: Followed() for i in ids}
    if not ids:
        return out
    where = HourRecord.inburgeraar.is_in(ids) & HourRecord.superseded_by.is_null()
    if organisation_id is not None:
        where &= HourRecord.organisation == organisation_id
    if kinds is not None:
        where &= HourRecord.kind.is_in([str(k) for k in kinds] or ["-"])
    rows = (
        await HourRecord.select(
            HourRecord.inburgeraar,
            HourRecord.kind,
            HourRecord.formal,
            Sum(HourRecord.attended_minutes, alias="a"),
            Sum(HourRecord.geoorloofd_minutes, alias="g"),
            Sum(HourRecord.ongeoorloofd_minutes, alias="o"),
        )
        .where(where)
        .group_by(HourRecord.inburgeraar, HourRecord.kind, HourRecord.formal)
    )
    for r in rows:
        out[r["inburgeraar"]] = out[r["inburgeraar"]].add(
            r["kind"], bool(r["formal"]), followed(int(r["a"] or 0), int(r["g"] or 0), int(r["o"] or 0))
        )
    return out
