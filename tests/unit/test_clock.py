"""The app's clock (shared.clock): Dutch dates whatever the machine says, and the seam tests and demos use."""

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared import clock
from shared.tables import AppUser
from tests.support import DEFAULT_NOW

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_every_test_starts_on_the_named_default_instant():
    assert DEFAULT_NOW.weekday() == 2 and 5 < DEFAULT_NOW.day < 25  # a plain Wednesday mid-month
    assert timedelta(0) <= clock.now() - DEFAULT_NOW < timedelta(minutes=1)
    assert clock.today() == date(2026, 11, 18)


@pytest.mark.clock("2028-02-29T23:30")
def test_a_test_names_its_own_day_in_dutch_time():
    assert clock.today() == date(2028, 2, 29)
    assert clock.now().utcoffset() == timedelta(0) and clock.now().hour == 22  # stored in UTC


def test_today_is_the_dutch_date_not_the_utc_date():
    with clock.travel(datetime(2028, 2, 29, 23, 30, tzinfo=UTC)):  # 00:30 on 1 March in Amsterdam
        assert clock.today() == date(2028, 3, 1)
    with clock.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):  # already New Year's Day here
        assert clock.today() == date(2027, 1, 1)


def test_the_clock_keeps_running_from_the_named_instant_and_comes_back():
    before = clock.now()
    with clock.travel("2026-12-31T23:59:59") as start:
        assert start == datetime(2026, 12, 31, 23, 59, 59, tzinfo=AMSTERDAM)
        first = clock.now()
        time.sleep(0.01)
        assert clock.now() > first
        with clock.travel(date(2028, 2, 29)):  # a bare date is noon, Dutch time
            assert clock.now() - datetime(2028, 2, 29, 12, tzinfo=AMSTERDAM) < timedelta(seconds=5)
        assert clock.today() in (date(2026, 12, 31), date(2027, 1, 1))
    assert timedelta(0) <= clock.now() - before < timedelta(minutes=1)


def test_new_rows_get_their_timestamp_from_the_clock():
    with clock.travel("2028-02-29T23:30"):
        created = AppUser(email="a@b.nl", name="A", password_hash="x", role="admin").created_at
    assert created.astimezone(AMSTERDAM).date() == date(2028, 2, 29)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2026-11-18T10:00:00+01:00", "2026-11-18"),
        ("2026-11-29 15:00", "2026-11-29"),
        ("2028-02-29", "2028-02-29"),
    ],
)
def test_regie_clock_start_puts_a_new_process_on_a_named_day(value, expected):
    """What the browser tests and a demo server use: the environment, read once at start-up."""
    out = subprocess.run(
        [sys.executable, "-c", "from shared import clock; print(clock.today())"],
        env={**os.environ, "REGIE_CLOCK_START": value},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == expected


def test_a_wrong_regie_clock_start_stops_the_app_with_its_name():
    out = subprocess.run(
        [sys.executable, "-c", "import shared.clock"],
        capture_output=True,
        text=True,
        env={**os.environ, "REGIE_CLOCK_START": "18-11-2026"},
    )
    assert out.returncode != 0 and "REGIE_CLOCK_START='18-11-2026'" in out.stderr
