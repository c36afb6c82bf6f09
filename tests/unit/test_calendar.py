"""The working-day calendar against the law (Algemene termijnenwet, and the days a decree makes equal to a
holiday), the issue's examples, and instants as Dutch days."""

import json
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import (
    DECREED_HOLIDAYS,
    add_months,
    add_working_days,
    deadline_text,
    holidays_in,
    is_working_day,
    local_day,
    local_time,
    month_of,
    term_end,
    term_exceeded,
    term_fraction,
    week_of,
    working_days_between,
)
from tests.support import FIXTURES

DECREE = json.loads((FIXTURES / "atw-gelijkgestelde-dagen-2026-2028.json").read_text())
DECREED = {date.fromisoformat(d) for d in DECREE["days_equal_to_holiday"]}


def easter(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher): independent of the holidays package."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def law_holidays(year: int) -> set[date]:
    """Art. 3 Atw's holidays plus the days the Besluit gelijkstelling (BWBR0051300) makes equal to one."""
    return atw_holidays(year) | {d for d in DECREED if d.year == year}


def atw_holidays(year: int) -> set[date]:
    e = easter(year)
    koningsdag = date(year, 4, 27) if date(year, 4, 27).weekday() != 6 else date(year, 4, 26)
    return {
        date(year, 1, 1),
        e - timedelta(2),
        e,
        e + timedelta(1),
        koningsdag,
        date(year, 5, 5),
        e + timedelta(39),
        e + timedelta(49),
        e + timedelta(50),
        date(year, 12, 25),
        date(year, 12, 26),
    }


def test_the_issues_examples():
    assert add_working_days(date(2026, 4, 28), 10, frozenset()) == date(2026, 5, 13)
    assert add_working_days(date(2026, 12, 18), 10, frozenset()) == date(2027, 1, 5)


def test_bevrijdingsdag_every_year_and_koningsdag_moves_off_sunday():
    for year in range(2026, 2031):
        assert date(year, 5, 5) in holidays_in(year)
    assert date(2031, 4, 26) in holidays_in(2031) and date(2031, 4, 27) not in holidays_in(2031)


def test_calendar_equals_the_law_2026_to_2030():
    for year in range(2026, 2031):
        assert holidays_in(year) == law_holidays(year)


def test_decreed_days_are_no_working_days():
    """BWBR0051300: the five days ship with the calendar, with their source, without any setting."""
    assert DECREED_HOLIDAYS == DECREED
    assert "BWBR0051300" in DECREE["source"]
    for day in DECREED:
        assert day.weekday() == 4 and not is_working_day(day) and not is_working_day(day, frozenset())
        assert day in holidays_in(day.year)
        # each follows a holiday of the Atw itself, so the decreed day makes a four-day weekend
        assert day - timedelta(1) in atw_holidays(day.year) and day not in atw_holidays(day.year)
    for check in DECREE["checks"]:
        start = date.fromisoformat(check["event"])
        assert add_working_days(start, check["plus_working_days"]) == date.fromisoformat(check["expected"]), check
    # the issue's example: a PVT signed on Tuesday 12-05-2026 is due 10 working days later, on 29-05-2026
    assert add_working_days(date(2026, 5, 12), 10) == date(2026, 5, 29)
    # other members of the kind: counting across each decreed day, backwards too
    assert add_working_days(date(2026, 1, 1), 1) == date(2026, 1, 5)
    # 5 May (Bevrijdingsdag), 6 May (Hemelvaartsdag), 7 May (decreed), weekend: the 10th, 11th, 12th
    assert add_working_days(date(2027, 5, 4), 3) == date(2027, 5, 12)
    assert add_working_days(date(2028, 5, 24), 1) == date(2028, 5, 29)
    assert working_days_between(date(2028, 4, 26), date(2028, 5, 1)) == 1
    assert working_days_between(date(2026, 5, 29), date(2026, 5, 12)) == -10
    assert deadline_text(date(2026, 5, 18), date(2026, 5, 13)) == "nog 1 werkdag"


def test_extra_days_by_a_later_decree_count_as_holidays(monkeypatch):
    extra = frozenset({date(2029, 5, 11)})  # a Friday after Hemelvaartsdag 2029, not decreed (yet)
    assert is_working_day(date(2029, 5, 11)) and not is_working_day(date(2029, 5, 11), extra)
    assert add_working_days(date(2029, 5, 9), 2, extra) == date(2029, 5, 15)  # skips Ascension, the 11th, weekend
    monkeypatch.setenv("EXTRA_HOLIDAYS", "2029-05-11")
    assert not is_working_day(date(2029, 5, 11)) and add_working_days(date(2029, 5, 9), 1) == date(2029, 5, 14)
    assert not is_working_day(date(2026, 5, 15))  # the decreed days stay with a setting of one's own


def test_an_instant_is_a_day_in_dutch_time():
    """Both engines give timestamps back in UTC; the day, week and month are Dutch ones."""
    # 00:30 on the last day of a month in Amsterdam is still the day before in UTC
    assert local_day(datetime(2026, 10, 30, 23, 30, tzinfo=UTC)) == date(2026, 10, 31)  # CET, +1
    assert local_day(datetime(2026, 6, 29, 22, 30, tzinfo=UTC)) == date(2026, 6, 30)  # CEST, +2
    # 23:30 UTC on the last day of a month is the first of the next month in Amsterdam
    assert local_day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert local_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert local_day(datetime(2028, 2, 29, 23, 30, tzinfo=UTC)) == date(2028, 3, 1)
    # Sunday 23:30 UTC is Monday: another week
    assert week_of(local_day(datetime(2026, 11, 29, 23, 30, tzinfo=UTC))).start == date(2026, 11, 30)
    # a naive value is UTC (what the app stores), whatever the machine's zone
    assert local_time(datetime(2026, 11, 30, 23, 30)).isoformat() == "2026-12-01T00:30:00+01:00"
    # around the switch to winter time (25-10-2026 03:00 CEST → 02:00 CET)
    assert local_day(datetime(2026, 10, 24, 22, 30, tzinfo=UTC)) == date(2026, 10, 25)
    assert local_day(datetime(2026, 10, 25, 22, 59, tzinfo=UTC)) == date(2026, 10, 25)
    assert local_day(datetime(2026, 10, 25, 23, 0, tzinfo=UTC)) == date(2026, 10, 26)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 11, 30)), st.integers(min_value=0, max_value=30))
def test_property_add_working_days_2026_2030(start, n):
    result = add_working_days(start, n, frozenset())
    law = law_holidays(start.year) | law_holidays(start.year + 1)

    def working(d):
        return d.weekday() < 5 and d not in law

    assert result >= start
    if n:
        assert working(result)
    assert sum(working(start + timedelta(i)) for i in range(1, (result - start).days + 1)) == n
    assert working_days_between(start, result, frozenset()) == n


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
)
def test_property_working_days_between_counts_every_day_2026_2030(a, b):
    """Counted day by day against the law, between any two days (weekends, holidays, year ends, backwards)."""
    law = set().union(*(law_holidays(y) for y in range(2026, 2031)))

    def working(d):
        return d.weekday() < 5 and d not in law

    start, end = min(a, b), max(a, b)
    walked = sum(working(start + timedelta(i)) for i in range(1, (end - start).days + 1))
    assert working_days_between(start, end, frozenset()) == walked
    assert working_days_between(end, start, frozenset()) == -walked


def test_deadline_texts():
    today = date(2026, 11, 23)  # a Monday
    assert deadline_text(today, today) == "vandaag"
    assert deadline_text(date(2026, 11, 26), today) == "nog 3 werkdagen"
    assert deadline_text(date(2026, 11, 19), today) == "2 werkdagen te laat"
    assert deadline_text(date(2026, 11, 20), today) == "1 werkdag te laat"


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_the_term_ends_as_duo_states_it_exclusive_after_three_years():
    # DUO's Inburgeringstermijn API gives `einddatum` exclusive: 2024-06-01 + 3 years → 2027-06-01.
    assert term_end(date(2024, 6, 1)) == date(2027, 6, 1)
    assert not term_exceeded(date(2027, 6, 1), date(2027, 5, 31))
    assert term_exceeded(date(2027, 6, 1), date(2027, 6, 1))
    # A term started on 29 February ends on the last day of February three years later.
    assert term_end(date(2028, 2, 29)) == date(2031, 2, 28)
    assert term_fraction(date(2024, 6, 1), date(2024, 6, 1)) == 0.0
    assert term_fraction(date(2024, 6, 1), date(2030, 1, 1)) == 1.0
    assert 0.49 < term_fraction(date(2024, 6, 1), date(2025, 12, 1)) < 0.51


def test_periods_around_odd_days():
    sunday = date(2026, 11, 29)
    assert week_of(sunday).start == date(2026, 11, 23) and week_of(sunday).end == sunday
    assert month_of(date(2028, 2, 29)).end == date(2028, 2, 29) and month_of(date(2028, 2, 29)).days == 29
    new_year = week_of(date(2026, 12, 31))
    assert new_year.start == date(2026, 12, 28) and new_year.end == date(2027, 1, 3)
