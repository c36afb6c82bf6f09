"""The one calendar: periods (month, week), months added the way the law counts them, the three-year
inburgeringstermijn, and Dutch working days for deadlines (Algemene termijnenwet): Monday to Friday,
minus the national holidays the law names. Pure: the holiday table is built once and then only read.

The `holidays` package counts Bevrijdingsdag only in lustrum years unless its "optional" category is
included, and names days after the process locale; we ask for both categories in Dutch and then keep
only the days the law lists, so a day the package adds later cannot shift a deadline.

Besides the days art. 3 Atw names, the government makes single days equal to a holiday by decree
(art. 3 lid 3 Atw). Those decreed so far ship as data (`DECREED_HOLIDAYS`, with their source); a decree
published after a release is added without a new version through `EXTRA_HOLIDAYS`.

Timestamps become days here too (`local_day`, `local_time`): a stored instant (UTC, as both engines give
it back) is a day, week or month only in Dutch time.
"""

from __future__ import annotations

import os
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays

from shared.settings import TIMEZONE

# --- Instants as Dutch days ------------------------------------------------------------------------


def local_time(instant: datetime) -> datetime:
    """A stored instant in Dutch time (Europe/Amsterdam). Both engines give timestamps back in UTC; a
    naive value is taken as UTC (what the app stores), never as the machine's own zone."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(TIMEZONE)


def local_day(instant: datetime) -> date:
    """The Dutch calendar day of a stored instant: 31-10-2026 23:30 UTC is 1 November in the Netherlands
    (winter time), 30-06-2026 22:30 UTC is 1 July (summer time). Never `instant.date()`."""
    return local_time(instant).date()


# --- Plausible years ---------------------------------------------------------------------------------

# Every date a person types, uploads or sends through the API lies in these years: birth dates from 1900,
# events and periods up to the end of this century. A browser turns "1-10-26" into the year 0026 or 0006;
# shared.forms.parse_date and shared.forms.check_year refuse such a year with a message about the year.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2099


def plausible_year(day: date) -> bool:
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


# --- Periods -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A closed range of days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return Period(first, next_first - timedelta(days=1))


def previous_month(day: date) -> Period:
    return month_of(day.replace(day=1) - timedelta(days=1))


def week_of(day: date) -> Period:
    """Monday to Sunday around `day`."""
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6))


def quarter(year: int, number: int) -> Period:
    """Quarter `number` (1-4) of `year`: Q1 is January to March. Raises ValueError for another number."""
    if number not in (1, 2, 3, 4):
        raise ValueError(f"quarter {number} does not exist")
    start = date(year, 3 * number - 2, 1)
    return Period(start, add_months(start, 3) - timedelta(days=1))


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter number) of `day`."""
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, number: int) -> tuple[int, int]:
    return (year, number - 1) if number > 1 else (year - 1, 4)


def next_quarter(year: int, number: int) -> tuple[int, int]:
    return (year, number + 1) if number < 4 else (year + 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; when that month is shorter, its last day (31 Jan + 1 → 28/29 Feb),
    as art. 2 Algemene termijnenwet and common usage count a term in months."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


# --- The inburgeringstermijn ---------------------------------------------------------------------------

TERM_MONTHS = 36  # art. 7 Wet inburgering 2021: three years from the start DUO registers


def term_end(term_start: date) -> date:
    """The end of the three-year term that starts on `term_start`, exclusive, as DUO states it
    (Inburgeringstermijn API, `einddatum`): the first day on which the term has been exceeded. Extensions
    are not included: DUO grants those and reports the new `einddatum`."""
    return add_months(term_start, TERM_MONTHS)


def term_exceeded(einddatum: date, on: date) -> bool:
    """Whether the term whose exclusive end is `einddatum` has passed on `on`."""
    return on >= einddatum


def term_fraction(term_start: date, on: date, einddatum: date | None = None) -> float:
    """How much of the term has passed on `on`: 0.0 at the start, 1.0 at its end and after."""
    total = ((einddatum or term_end(term_start)) - term_start).days
    return min(1.0, max(0.0, (on - term_start).days / total)) if total > 0 else 1.0


# --- Working days -------------------------------------------------------------------------------------

# Art. 3 Algemene termijnenwet (Koningsdag moves to 26 April when 27 April is a Sunday: the package does that).
LEGAL_HOLIDAYS = {
    "Nieuwjaarsdag",
    "Goede vrijdag",
    "Eerste paasdag",
    "Tweede paasdag",
    "Koningsdag",
    "Bevrijdingsdag",
    "Hemelvaartsdag",
    "Eerste pinksterdag",
    "Tweede pinksterdag",
    "Eerste kerstdag",
    "Tweede kerstdag",
}


# Days made equal to a generally recognised holiday by decree (art. 3 lid 3 Atw), as data with the source.
# Source: "Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en 26 mei 2028
# met een algemeen erkende feestdag", wetten.overheid.nl BWBR0051300. Each is a Friday after a holiday on
# a Thursday.
DECREED_HOLIDAYS_SOURCE = (
    "Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en 26 mei 2028 met een "
    "algemeen erkende feestdag (BWBR0051300)"
)
DECREED_HOLIDAYS: frozenset[date] = frozenset(
    {
        date(2026, 1, 2),  # after Nieuwjaarsdag
        date(2026, 5, 15),  # after Hemelvaartsdag
        date(2027, 5, 7),  # after Hemelvaartsdag
        date(2028, 4, 28),  # after Koningsdag
        date(2028, 5, 26),  # after Hemelvaartsdag
    }
)


def extra_days_from_env() -> frozenset[date]:
    """Days made equal to a holiday by a later decree, not yet in `DECREED_HOLIDAYS`:
    EXTRA_HOLIDAYS=2029-05-11,2030-…"""
    return _parse_extra(os.environ.get("EXTRA_HOLIDAYS", ""))


@lru_cache(maxsize=8)
def _parse_extra(raw: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(d.strip()) for d in raw.split(",") if d.strip())


@lru_cache(maxsize=64)
def holidays_in(year: int, extra: frozenset[date] = frozenset()) -> frozenset[date]:
    """The days of `year` that are no working day besides weekends: the holidays art. 3 Atw names, the days
    decreed equal to them (`DECREED_HOLIDAYS`) and `extra` (later decrees, from `EXTRA_HOLIDAYS`)."""
    nl = holidays.NL(years=year, categories=("public", "optional"), language="nl")
    legal = {d for d, name in nl.items() if any(n.strip() in LEGAL_HOLIDAYS for n in name.split(";"))}
    return frozenset(legal | {d for d in DECREED_HOLIDAYS | extra if d.year == year})


def is_working_day(day: date, extra: frozenset[date] | None = None) -> bool:
    extra = extra_days_from_env() if extra is None else extra
    return day.weekday() < 5 and day not in holidays_in(day.year, extra)


def add_working_days(start: date, n: int, extra: frozenset[date] | None = None) -> date:
    """The n-th working day after `start` (counting starts the day after the event)."""
    extra = extra_days_from_env() if extra is None else extra
    day = start
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day, extra):
            n -= 1
    return day


def subtract_working_days(start: date, n: int, extra: frozenset[date] | None = None) -> date:
    """The n-th working day before `start` (the mirror of `add_working_days`)."""
    extra = extra_days_from_env() if extra is None else extra
    day = start
    while n > 0:
        day -= timedelta(days=1)
        if is_working_day(day, extra):
            n -= 1
    return day


def working_days_between(start: date, end: date, extra: frozenset[date] | None = None) -> int:
    """Working days after `start` up to and including `end`; negative when `end` lies before `start`."""
    extra = extra_days_from_env() if extra is None else extra
    if end < start:
        return -working_days_between(end, start, extra)
    # Counted, not walked (the inbox shows this for every row): the weekdays in (start, end], less the
    # holidays among them.
    weeks, rest = divmod((end - start).days, 7)
    first = start.weekday()
    count = 5 * weeks + sum((first + i) % 7 < 5 for i in range(1, rest + 1))
    for year in range(start.year, end.year + 1):
        count -= sum(start < d <= end and d.weekday() < 5 for d in holidays_in(year, extra))
    return count


def deadline_text(deadline: date, today: date) -> str:
    """ "nog 3 werkdagen", "vandaag", "2 werkdagen te laat" – as a regisseur reads it at 9 in the morning."""
    if deadline == today:
        return "vandaag"
    if deadline > today:
        n = working_days_between(today, deadline)
        return f"nog {n} werkdag{'en' if n != 1 else ''}"
    late = working_days_between(deadline, today)
    return f"{late} werkdag{'en' if late != 1 else ''} te laat" if late else "vandaag"
