"""What time and day it is for the law: Dutch local time."""
from __future__ import annotations

from datetime import date, datetime, timezone

from shared.settings import TIMEZONE


def now() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    return datetime.now(TIMEZONE).date()
