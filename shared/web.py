"""Web helpers every side uses: templates and Dutch filters, full page or htmx fragment, redirects,
guards and Dutch error pages."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Parameter
from litestar.plugins.htmx import HTMXTemplate
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from shared.calendar import local_time
from shared.db import MAX_ID
from shared.hours import format_hours
from shared.problems import FieldProblem, problem
from shared.rules import format_euros
from shared.settings import ROOT, settings
from shared.vocab import LABELS, aantal

MAANDEN = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
_LABEL_BY_VALUE = {str(k.value): v for k, v in LABELS.items()}


def datum(value: date | datetime | None, long: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{local_time(value):%d-%m-%Y %H:%M}"
    if long:
        return f"{value.day} {MAANDEN[value.month - 1]} {value.year}"
    return f"{value:%d-%m-%Y}"


def kb(size_bytes: int | None) -> str:
    """A file size in kB with a decimal comma: 312 → "0,3 kB"."""
    return f"{(size_bytes or 0) / 1024:.1f}".replace(".", ",") + " kB"


def label(code: Any) -> str:
    return _LABEL_BY_VALUE.get(str(code), str(code or ""))


def add_labels(labels: dict[str, str]) -> None:
    """Dutch labels of a side's own codes for the `label` filter (e.g. municipal/handhaving's overtredingen);
    a code the shared vocabularies name keeps its shared label."""
    for code, text in labels.items():
        _LABEL_BY_VALUE.setdefault(code, text)


def _engine_callback(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update(
        datum=datum,
        uren=format_hours,
        label=label,
        euro=format_euros,
        kb=kb,
        choices=lambda items: [(i.value, i.label) for i in items],
    )
    engine.engine.globals.update(MAANDEN=MAANDEN, session_idle_minutes=settings.session_idle_minutes, aantal=aantal)
    engine.engine.autoescape = True


template_config = TemplateConfig(
    directory=ROOT / "templates", engine=JinjaTemplateEngine, engine_callback=_engine_callback
)

VARY = {"Vary": "HX-Request"}

# --- Query parameters: each one parsed with bounds ----------------------------------------------------
# A value outside these bounds is a Dutch 400 page (Litestar's ValidationException goes through
# http_exception_handler below), never a 500 from a database that cannot hold the number.
MAX_PAGE = 100_000
MAX_QUERY_ID = 2**31 - 1  # the largest id an integer column holds on both engines
MAX_QUERY_TEXT = 200

PageNo = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="pagina")]
QueryId = Annotated[int, Parameter(ge=0, le=MAX_QUERY_ID)]
QueryText = Annotated[str, Parameter(max_length=MAX_QUERY_TEXT)]
QueryFlag = Annotated[int, Parameter(ge=0, le=1)]


def query_id(raw: str) -> int:
    """A free-text query value that should be an id (a select's value, or empty): the id, or 0 when it is
    empty, not a number, or larger than any id can be."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_QUERY_ID else 0


def wants_fragment(request: Request) -> bool:
    """A real htmx swap; boosted navigation and history restore need the full page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def page(
    request: Request, template: str, context: dict[str, Any], *, fragment: str | None = None, status: int = 200
) -> Template:
    """One handler serves the full page and, to htmx, only the fragment that changes."""
    context = {"user": request.scope.get("user"), **context}
    if fragment and wants_fragment(request):
        return HTMXTemplate(
            template_name=fragment, context=context, status_code=status, headers=VARY, media_type=MediaType.HTML
        )
    return Template(template, context=context, status_code=status, headers=VARY, media_type=MediaType.HTML)


def redirect(request: Request, url: str, *, notice: str = "") -> Response:
    """303 after a post; to htmx an HX-Redirect, never a bare redirect whose target gets swapped in.
    `notice` (a server-made text or code) is shown once on the page at `url`: see `flash`."""
    if notice:
        flash(request, url, notice)
    if getattr(request, "htmx", None):
        headers = {"HX-Redirect": url}
        if "#" in url and _path_of(url) == urlsplit(request.headers.get("hx-current-url", "")).path:
            # Only the fragment differs from the page the browser shows: htmx's `location.href = url` would just
            # scroll, so it reloads too (HX-Refresh), at the new fragment.
            headers["HX-Refresh"] = "true"
        return Response(content=b"", status_code=200, headers=headers)
    return Redirect(url, status_code=303)


# --- Downloads: one way to name a file -----------------------------------------------------------------

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._() -]+")


def content_disposition(filename: str) -> str:
    """`Content-Disposition: attachment` for `filename` (any text, e.g. an uploaded file's own name), as RFC 6266
    §4.3 advises: `filename="…"` with a plain-ASCII stand-in (accents dropped, anything else that could end the
    value or the header, such as quotes, semicolons, backslashes or control characters, replaced by "_") and
    `filename*=UTF-8''…` with the whole name percent-encoded (RFC 8187, formerly RFC 5987). Never raises; a name
    with nothing left becomes "download"."""
    name = "".join(ch for ch in unicodedata.normalize("NFC", filename or "") if unicodedata.category(ch)[0] != "C")
    name = name.replace("/", "_").replace("\\", "_").strip(" .")[:200] or "download"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _SAFE_NAME.sub("_", ascii_name).strip(" .") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(content: bytes, filename: str, media_type: str, headers: dict[str, str] | None = None) -> Response:
    """A file to save, never to show in the page: its name per `content_disposition`, not cached, not sniffed."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        },
    )


# --- One-time notices ("Opgeslagen."): from the server, never from the URL --------------------------

_FLASH_KEY = "melding"


def _path_of(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]


def flash(request: ASGIConnection, url: str, notice: str) -> None:
    """Keep `notice` (a text or code the server made) in the session for the next view of the page at `url`
    (its path; query and fragment ignored). A later flash replaces an unread one. A link cannot carry a
    notice, so nobody can make a page show their own text (issue 10)."""
    request.set_session({**request.session, _FLASH_KEY: {"path": _path_of(url), "text": notice}})


def take_notice(request: ASGIConnection) -> str:
    """The notice kept for this page, once: it is removed from the session as it is read ("" when none, or
    when the kept notice is for another page, which keeps it)."""
    session = request.scope.get("session")
    kept = session.get(_FLASH_KEY) if isinstance(session, dict) else None
    if not isinstance(kept, dict) or kept.get("path") != request.url.path:
        return ""
    session.pop(_FLASH_KEY, None)
    return str(kept.get("text") or "")


def client_ip(request: ASGIConnection) -> str:
    client = request.scope.get("client")
    return client[0] if client else ""


# --- Guards: a page outside your role is as absent as a foreign id ----------------------------------


def guard(predicate):
    """A route guard: who fails `predicate` meets a 404, as for a foreign id."""

    def check(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if user is None or not predicate(user):
            raise NotFoundException()

    return check


provider_only = guard(lambda u: u.is_provider and u.organisation_id is not None)
gemeente_only = guard(lambda u: u.is_gemeente)
beheer_only = guard(lambda u: u.is_beheerder)


# --- Error pages ------------------------------------------------------------------------------------

ERROR_TEXT = {
    400: ("Verzoek niet begrepen", "Het verzoek kon niet worden verwerkt. Probeer het opnieuw."),
    403: ("Geen toegang", "Deze actie is niet toegestaan. Herlaad de pagina en probeer het opnieuw."),
    404: ("Niet gevonden", "Deze pagina bestaat niet, of u heeft er geen toegang toe."),
    405: ("Niet toegestaan", "Deze actie is op deze pagina niet mogelijk."),
    413: ("Bestand te groot", "Het verstuurde bestand of formulier is te groot."),
    500: ("Er ging iets mis", "Er ging bij ons iets mis. Er is niets half opgeslagen. Probeer het later opnieuw."),
}


def is_api(request: ASGIConnection) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(
    request: Request, status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """The Dutch error page; under /api/ problem details (shared/problems.py). `headers` go along (e.g. the
    Allow of a 405, RFC 9110 §15.5.6)."""
    if is_api(request):
        return problem(status, headers=headers)
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500 if status >= 500 else 400])
    if status == 403 and "CSRF" in (message or ""):
        text = (
            "Uw formulier is verlopen of kwam niet van deze site. Herlaad de pagina en verstuur het opnieuw. "
            "Er is niets opgeslagen."
        )
    return Template(
        "error.html",
        context={"title": title, "text": text, "status": status, "user": request.scope.get("user")},
        status_code=status,
        media_type=MediaType.HTML,
        headers=headers or {},
    )


SESSION_COOKIE = "regie_sessie"


def return_path(request: Request) -> str:
    """Where to come back after logging in: this page for a GET; for a form post (never a URL that only
    takes a POST) the page the form was on, as htmx or the browser tells it (same site only), else home."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    base = str(request.base_url).rstrip("/")
    for header in ("hx-current-url", "referer"):
        url = request.headers.get(header, "")
        if url.startswith(base + "/"):
            rest = url[len(base) :]
            if not rest.startswith("//") and not rest.startswith("/inloggen"):
                return rest.split("#", 1)[0]
    return "/"


def not_authorized_handler(request: Request, exc: NotAuthorizedException) -> Response:
    """Not logged in, or the session ended: to the login page, saying so when a session had been there, and
    back to the page afterwards (the page a form was on, never the URL it posted to)."""
    if is_api(request):
        return problem(401, headers={"WWW-Authenticate": "Bearer"})
    # The cookie outlives the idle time-out (regie.app), so a cookie without a user is a session that ended.
    # (Logging out leaves the cookie "null": that is no session that ended.)
    expired = request.scope.get("regie_session_expired") or request.cookies.get(SESSION_COOKIE, "null") != "null"
    target = f"/inloggen?volgende={quote(return_path(request), safe='')}" + ("&verlopen=1" if expired else "")
    if request.headers.get("hx-request"):
        return Response(b"", status_code=200, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def _headers(exc: HTTPException) -> dict[str, str]:
    return {k.title(): v for k, v in (exc.headers or {}).items()}


http_log = logging.getLogger("regie.http")


def log_refusal(request: Request, status: int, exc: Exception) -> None:
    """A request the app refused (400, 403, 404, 405, 413, 422, …) as one line without a traceback: what the
    client did wrong is no fault of ours. Only status, method, path and the kind of refusal: no query string,
    no form values, so no personal data ends up in the log."""
    http_log.info("%s %s %s (%s)", status, request.method, request.url.path, type(exc).__name__)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    log_refusal(request, exc.status_code, exc)
    return _error_page(request, exc.status_code, str(exc.detail), _headers(exc))


def validation_exception_handler(request: Request, exc: ValidationException) -> Response:
    """Litestar refused a parameter (a query value that is no number, …). Under /api/ a problem that names
    each parameter; on a page the Dutch error page."""
    log_refusal(request, 400, exc)
    if not is_api(request):
        return _error_page(request, 400, str(exc.detail), _headers(exc))
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict) and item.get("key"):
            source = {"query": "queryparameter", "path": "deel van het adres", "header": "kop"}.get(
                str(item.get("source") or ""), "veld"
            )
            errors.append(FieldProblem(veld=str(item["key"]), detail=f"Deze {source} heeft geen geldige waarde."))
    names = ", ".join(e.veld for e in errors)
    return problem(400, f"Ongeldige waarde voor {names}." if names else None, errors=errors)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    request.logger.exception("onverwachte fout", exc_info=exc)
    return _error_page(request, 500)


exception_handlers = {
    NotAuthorizedException: not_authorized_handler,
    PermissionDeniedException: http_exception_handler,
    ValidationException: validation_exception_handler,
    HTTPException: http_exception_handler,
    500: internal_error_handler,
}


# --- Ids in paths: bounded in one place ---------------------------------------------------------------


def bounded_ids_middleware(app):
    """Every integer path parameter (`{batch_id:int}`, `{inburgeraar_id:int}`, …) of every route names a row
    only between 1 and `MAX_ID`; anything else is answered 404 before a handler or a query sees it (a number
    past the database's integer range would otherwise make the driver raise)."""

    async def middleware(scope, receive, send):
        params = scope.get("path_params")
        if params and any(type(v) is int and not 1 <= v <= MAX_ID for v in params.values()):
            raise NotFoundException()
        await app(scope, receive, send)

    return middleware


# --- Server-Timing: how long the server worked on a response ------------------------------------------


def server_timing_middleware(app):
    """Adds `Server-Timing: app;dur=<ms>` to each HTTP response: the time from the request reaching the app
    to its headers being sent (Litestar renders a page before that). Browsers show it in their network
    tools; bench/inbox.py reads it to time the server without the client's own overhead."""
    import time

    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        start = time.perf_counter()

        async def timed_send(message):
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - start) * 1000
                message["headers"] = [*message.get("headers", []), (b"server-timing", f"app;dur={ms:.2f}".encode())]
            await send(message)

        await app(scope, receive, timed_send)

    return middleware


# --- Security headers on every answer -----------------------------------------------------------------

# Scripts, styles, fonts and pictures come from this site only (htmx and regie.js are files under /static;
# htmx's own inline indicator style is switched off in base.html). No page can be framed, no form can post
# elsewhere, no plug-in runs. Images may be data: URIs (the TOTP QR code, Swagger UI's icons).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # Our URLs hold ids of people: a link to a gemeente's privacy page must not carry them along.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}
# Only behind HTTPS (SECURE_COOKIES=1): a year, as the NCSC's TLS guidelines advise.
HSTS = "max-age=31536000; includeSubDomains"


async def security_headers(message, scope) -> None:
    """Litestar `before_send` hook: every HTTP answer (pages, API, files, error pages, 404s of unknown paths)
    gets `SECURITY_HEADERS`, and HSTS when `settings.secure_cookies`; a header a handler set itself wins."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or [])
    present = {bytes(name).lower() for name, _ in headers}
    wanted = dict(SECURITY_HEADERS)
    if settings.secure_cookies:
        wanted["strict-transport-security"] = HSTS
    headers += [(k.encode(), v.encode()) for k, v in wanted.items() if k.encode() not in present]
    message["headers"] = headers
