"""The one source of "now" for product code: what time and day it is for the law (Dutch local time).

Product code never asks Python or the database for the time (`datetime.now()`, `date.today()`,
`time.time()`, SQL `now()`); it asks this module:

    clock.now()     -> aware datetime in UTC: what we store (created_at, expiry, heartbeats)
    clock.today()   -> the date in Europe/Amsterdam: what periods, deadlines and "in the future" mean
    clock.now_default()  -> a Piccolo column default whose value is clock.now() (see below)

The seam. By default the clock is the machine's clock. It can be set to a named instant, from which it
keeps running: only an offset is kept (now() = machine time + offset), so seconds still pass, records
written a moment apart stay in order, and sessions, lockouts and heartbeats expire as usual. Two ways:

* `REGIE_CLOCK_START` (environment, read once at import): an ISO 8601 instant such as
  `2026-11-18T10:00:00+01:00` (a value without an offset is Dutch local time, a bare date is noon).
  For tests, demos and training environments ("it is Monday 4 January"); never set it in production.
  The browser tests start the server with `REGIE_CLOCK_START=clock.now().isoformat()`, so the server
  process runs on the same named clock as the test that started it.
* `with clock.travel(instant):` in tests: the same, within one process, nestable; on leaving the block
  the clock is back on its previous setting. The test suite puts every test on a named instant this way
  (tests/support.py, `named_clock`).

The setting is process-wide on purpose (not a contextvar): the app's background tasks and threads
(upload checks, the inbox worker) must read the same time as the request that started them.

Table defaults: Piccolo's `TimestamptzNow` fills a new row's timestamp with the machine's time.
`now_default()` returns a `TimestamptzNow` whose Python value comes from this clock instead. It stays
Piccolo's own class on purpose: Piccolo's migration differ compares a default's exact type and repr, so a
subclass would make a migration that changes nothing in the database (the SQL default stays
`current_timestamp`, used only by raw SQL that leaves the column out; the app never does).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from shared.settings import TIMEZONE

ENV_START = "REGIE_CLOCK_START"


def _machine_now() -> datetime:
    return datetime.now(UTC)


def instant(value: datetime | date | str) -> datetime:
    """An aware datetime for a named instant: an aware datetime as is; a naive one as Dutch local time;
    a date as noon Dutch time (far from both midnights); a string in ISO 8601 as one of these.
    Raises ValueError for a string that is not ISO 8601."""
    if isinstance(value, str):
        text = value.strip()
        value = datetime.fromisoformat(text) if ("T" in text or " " in text) else date.fromisoformat(text)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(12, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=TIMEZONE)
    return value


def _offset_from_environment() -> timedelta:
    start = os.environ.get(ENV_START, "").strip()
    if not start:
        return timedelta(0)
    try:
        return instant(start) - _machine_now()
    except ValueError:
        raise ValueError(
            f"{ENV_START}={start!r} is not an ISO 8601 date or instant (e.g. 2026-11-18T10:00:00+01:00)"
        ) from None


_offset = _offset_from_environment()


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _machine_now() + _offset


def today() -> date:
    """Today's date in the Netherlands (Europe/Amsterdam), whatever the machine's time zone."""
    return now().astimezone(TIMEZONE).date()


@contextmanager
def travel(to: datetime | date | str) -> Iterator[datetime]:
    """Run the clock from `to` (see `instant`) inside the block; time keeps passing from there. Yields the
    instant. Restores the previous setting on leaving, also after an exception."""
    global _offset
    start = instant(to)
    saved = _offset
    _offset = start - _machine_now()
    try:
        yield start
    finally:
        _offset = saved


def now_default():
    """A Piccolo column default (`Timestamptz(default=clock.now_default())`) whose value is `now()`."""
    from piccolo.columns.defaults.timestamptz import TimestamptzNow

    default = TimestamptzNow()
    # Piccolo calls `default.python()` when it builds a row; an instance attribute answers before the
    # class's method, and the migration differ (type and repr) still sees a plain TimestamptzNow().
    default.python = now
    return default
