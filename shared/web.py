"""Web helpers every side uses: templates and Dutch filters, full page or htmx fragment, redirects,
guards and Dutch error pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.htmx import HTMXTemplate
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from shared.hours import format_hours
from shared.rules import format_euros
from shared.settings import ROOT, TIMEZONE
from shared.vocab import LABELS

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
        value = value.astimezone(TIMEZONE)
        return f"{value:%d-%m-%Y %H:%M}"
    if long:
        return f"{value.day} {MAANDEN[value.month - 1]} {value.year}"
    return f"{value:%d-%m-%Y}"


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
        choices=lambda items: [(i.value, i.label) for i in items],
    )
    engine.engine.globals.update(MAANDEN=MAANDEN)
    engine.engine.autoescape = True


template_config = TemplateConfig(
    directory=ROOT / "templates", engine=JinjaTemplateEngine, engine_callback=_engine_callback
)

VARY = {"Vary": "HX-Request"}


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


def redirect(request: Request, url: str) -> Response:
    """303 after a post; to htmx an HX-Redirect, never a bare redirect whose target gets swapped in."""
    if getattr(request, "htmx", None):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)


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


def _error_page(request: Request, status: int, message: str | None = None) -> Response:
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500 if status >= 500 else 400])
    if status == 403 and "CSRF" in (message or ""):
        text = (
            "Uw formulier is verlopen of kwam niet van deze site. Herlaad de pagina en verstuur het opnieuw. "
            "Er is niets opgeslagen."
        )
    if request.url.path.startswith("/api/"):
        return Response({"status": status, "fout": text}, status_code=status)
    return Template(
        "error.html",
        context={"title": title, "text": text, "status": status, "user": request.scope.get("user")},
        status_code=status,
        media_type=MediaType.HTML,
    )


def not_authorized_handler(request: Request, exc: NotAuthorizedException) -> Response:
    """Not logged in (or the session ended): to the login page, and back here afterwards."""
    expired = "&verlopen=1" if request.scope.get("regie_session_expired") else ""
    target = f"/inloggen?volgende={quote(request.url.path)}{expired}"
    if request.url.path.startswith("/api/"):
        return Response({"status": 401, "fout": "Niet ingelogd."}, status_code=401)
    if request.headers.get("hx-request"):
        return Response(b"", status_code=200, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    return _error_page(request, exc.status_code, str(exc.detail))


def internal_error_handler(request: Request, exc: Exception) -> Response:
    request.logger.exception("onverwachte fout", exc_info=exc)
    return _error_page(request, 500)


exception_handlers = {
    NotAuthorizedException: not_authorized_handler,
    PermissionDeniedException: http_exception_handler,
    HTTPException: http_exception_handler,
    500: internal_error_handler,
}


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
