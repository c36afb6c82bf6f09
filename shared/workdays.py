"""Dutch working days for deadlines (Algemene termijnenwet): Monday to Friday, minus the national
holidays the law names. Pure: the calendar is built once and then only read.

The `holidays` package counts Bevrijdingsdag only in lustrum years unless its "optional" category is
included, and names days after the process locale; we ask for both categories in Dutch and then keep
only the days the law lists, so a day the package adds later cannot shift a deadline.
"""
from __future__ import annotations

import os
from datetime import date, timedelta
from functools import lru_cache

import holidays

# Art. 3 Algemene termijnenwet (Koningsdag moves to 26 April when 27 April is a Sunday: the package does that).
LEGAL_HOLIDAYS = {"Nieuwjaarsdag", "Goede vrijdag", "Eerste paasdag", "Tweede paasdag", "Koningsdag",
                  "Bevrijdingsdag", "Hemelvaartsdag", "Eerste pinksterdag", "Tweede pinksterdag",
                  "Eerste kerstdag", "Tweede kerstdag"}


def extra_days_from_env() -> frozenset[date]:
    """Days made equal to a holiday by Royal Decree: EXTRA_HOLIDAYS=2027-06-01,2028-…"""
    return _parse_extra(os.environ.get("EXTRA_HOLIDAYS", ""))


@lru_cache(maxsize=8)
def _parse_extra(raw: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(d.strip()) for d in raw.split(",") if d.strip())


@lru_cache(maxsize=64)
def holidays_in(year: int, extra: frozenset[date] = frozenset()) -> frozenset[date]:
    nl = holidays.NL(years=year, categories=("public", "optional"), language="nl")
    legal = {d for d, name in nl.items() if any(n.strip() in LEGAL_HOLIDAYS for n in name.split(";"))}
    return frozenset(legal | {d for d in extra if d.year == year})


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


def working_days_between(start: date, end: date, extra: frozenset[date] | None = None) -> int:
    """Working days after `start` up to and including `end`; negative when `end` lies before `start`."""
    extra = extra_days_from_env() if extra is None else extra
    if end < start:
        return -working_days_between(end, start, extra)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, extra)
    return count


def deadline_text(deadline: date, today: date) -> str:
    """"nog 3 werkdagen", "vandaag", "2 werkdagen te laat" – as a regisseur reads it at 9 in the morning."""
    if deadline == today:
        return "vandaag"
    if deadline > today:
        n = working_days_between(today, deadline)
        return f"nog {n} werkdag{'en' if n != 1 else ''}"
    late = working_days_between(deadline, today)
    return f"{late} werkdag{'en' if late != 1 else ''} te laat" if late else "vandaag"
