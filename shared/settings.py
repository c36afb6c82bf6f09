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


def _smtp_url() -> str:
    """SMTP_URL as given, or one built from SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD and SMTP_TLS
    (starttls, the default; ssl; none). Empty: no mail server, mails wait in the queue."""
    if url := os.environ.get("SMTP_URL", "").strip():
        return url
    host = os.environ.get("SMTP_HOST", "").strip()
    if not host:
        return ""
    from urllib.parse import quote

    tls = os.environ.get("SMTP_TLS", "starttls").strip().lower()
    scheme = {"ssl": "smtps", "none": "smtp", "geen": "smtp"}.get(tls, "smtp+starttls")
    port = os.environ.get("SMTP_PORT", "").strip() or {"smtps": "465", "smtp": "25"}.get(scheme, "587")
    user = os.environ.get("SMTP_USER", "")
    auth = f"{quote(user, safe='')}:{quote(os.environ.get('SMTP_PASSWORD', ''), safe='')}@" if user else ""
    return f"{scheme}://{auth}{host}:{port}"


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
    # Mail (shared/mail.py): where to send from and how; links in mails start with public_url.
    smtp_url: str = ""
    mail_from: str = "Regie <noreply@regie.invalid>"
    public_url: str = "http://127.0.0.1:8000"
    mail_max_attempts: int = 10
    password_reset_minutes: int = 30
    # DUO's machine-to-machine link (issue 11, municipal/duo/). duo_oin: DUO's OIN (20 digits); a notification
    # is accepted only from it. duo_m2m_url: DUO's API base (with /v1), or the local stand-in in development;
    # empty: nothing is sent. Client certificate and key (PKIoverheid, PEM files) for mutual TLS to DUO.
    duo_oin: str = ""
    duo_m2m_url: str = ""
    duo_client_cert: str = ""
    duo_client_key: str = ""
    duo_ca_bundle: str = ""
    # The reverse proxy that terminates DUO's mutual TLS sends this secret in X-Proxy-Token; without it the
    # app does not believe the proxy's certificate headers (so a caller around the proxy cannot forge them).
    duo_proxy_token: str = ""
    duo_test_environment: bool = False  # the UI says "DUO-testomgeving" (make run with the stand-in)


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
        smtp_url=_smtp_url(),
        mail_from=os.environ.get("MAIL_FROM", "Regie <noreply@regie.invalid>"),
        public_url=os.environ.get("PUBLIC_URL", "").rstrip("/")
        or f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}",
        mail_max_attempts=int(os.environ.get("MAIL_MAX_ATTEMPTS", "10")),
        password_reset_minutes=int(os.environ.get("PASSWORD_RESET_MINUTES", "30")),
        duo_oin=os.environ.get("DUO_OIN", "").strip(),
        duo_m2m_url=os.environ.get("DUO_M2M_URL", "").strip().rstrip("/"),
        duo_client_cert=os.environ.get("DUO_CLIENT_CERT", "").strip(),
        duo_client_key=os.environ.get("DUO_CLIENT_KEY", "").strip(),
        duo_ca_bundle=os.environ.get("DUO_CA_BUNDLE", "").strip(),
        duo_proxy_token=os.environ.get("DUO_PROXY_TOKEN", "").strip(),
        duo_test_environment=_flag("DUO_TESTOMGEVING"),
    )


settings = load()
