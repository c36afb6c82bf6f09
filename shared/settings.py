"""Settings read once from the environment. Names and defaults are documented in README.md."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REGIE_VAR_DIR", ROOT / "var"))
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'regie.sqlite'}"
TIMEZONE = ZoneInfo("Europe/Amsterdam")


def _secret_key() -> str:
    """SECRET_KEY from the environment; for local runs one is made once and kept in var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "ja"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    secure_cookies: bool
    session_idle_minutes: int
    session_max_hours: int
    lockout_attempts: int
    lockout_minutes: int
    # Providers may still report on a period for this many days after an enrollment ended:
    # the last monthly report arrives in the month after.
    report_grace_days: int
    # Uploads of monthly reports: largest file and most rows read (portal/uploads/files.py).
    upload_max_mb: int = 20
    upload_max_rows: int = 200_000


def load() -> Settings:
    return Settings(
        database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        secret_key=_secret_key(),
        secure_cookies=_flag("SECURE_COOKIES"),
        session_idle_minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "15")),
        session_max_hours=int(os.environ.get("SESSION_MAX_HOURS", "10")),
        lockout_attempts=int(os.environ.get("LOCKOUT_ATTEMPTS", "10")),
        lockout_minutes=int(os.environ.get("LOCKOUT_MINUTES", "15")),
        report_grace_days=int(os.environ.get("REPORT_GRACE_DAYS", "31")),
        upload_max_mb=int(os.environ.get("UPLOAD_MAX_MB", "20")),
        upload_max_rows=int(os.environ.get("UPLOAD_MAX_ROWS", "200000")),
    )


settings = load()
