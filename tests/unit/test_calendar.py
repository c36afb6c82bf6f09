"""The working-day calendar against the law (Algemene termijnenwet) and the issue's examples."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import (
    add_months,
    add_working_days,
    deadline_text,
    holidays_in,
    is_working_day,
    month_of,
    term_end,
    term_exceeded,
    term_fraction,
    week_of,
    working_days_between,
)


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


def test_extra_days_by_royal_decree_count_as_holidays():
    extra = frozenset({date(2026, 5, 15)})  # a Friday
    assert not is_working_day(date(2026, 5, 15), extra)
    assert add_working_days(date(2026, 5, 13), 2, extra) == date(2026, 5, 19)  # skips Ascension, the 15th, weekend


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
