"""Routes every user meets: login, logout, the start page per role, the audit log for beheer."""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect

from shared import audit
from shared.security import LOGIN_FAILED_MESSAGE, authenticate, start_session
from shared.tables import AuditEvent
from shared.vocab import Role
from shared.web import beheer_only, client_ip, page

AUDIT_PAGE_SIZE = 100


def home_for(user) -> str:
    if user.is_provider:
        return "/portaal"
    if user.is_gemeente:
        return "/inbox"           # a regisseur starts the day in the inbox
    return "/beheer/audit"


def _safe_next(target: str) -> str:
    """Only a path on this site: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else ""


@get("/", name="home")
async def home(request: Request) -> Redirect:
    return Redirect(home_for(request.user), status_code=303)


@get("/inloggen", name="login", exclude_from_auth=True)
async def login_page(request: Request, volgende: FromQuery[str] = "", verlopen: FromQuery[int] = 0) -> Any:
    notice = "Uw sessie is verlopen. Log opnieuw in." if verlopen else ""
    return page(request, "login.html", {"next": _safe_next(volgende), "notice": notice, "email": "", "error": ""})


@post("/inloggen", name="login_submit", exclude_from_auth=True)
async def login_submit(request: Request) -> Any:
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    user = await authenticate(email, password, client_ip(request)) if email and password else None
    if user is None:
        return page(request, "login.html", {"next": target, "notice": "", "email": email,
                                            "error": LOGIN_FAILED_MESSAGE}, status=422)
    start_session(request, user)
    return Redirect(target or home_for(user), status_code=303)


@post("/uitloggen", name="logout")
async def logout(request: Request) -> Redirect:
    await audit.record(request.user, "logout", "user", request.user.id, origin=client_ip(request))
    request.clear_session()
    return Redirect("/inloggen", status_code=303)


@get("/beheer/audit", name="audit_log", guards=[beheer_only])
async def audit_log(request: Request, pagina: FromQuery[int] = 1, inburgeraar: FromQuery[int] = 0) -> Any:
    user = request.user
    where = AuditEvent.id > 0
    if user.role is not Role.ADMIN:
        if user.gemeente_id:
            # A gemeente's beheerder: what was done to its people, and what its own users did.
            where = (AuditEvent.subject_gemeente == user.gemeente_id) | (AuditEvent.actor_gemeente == user.gemeente_id)
        else:
            where = AuditEvent.actor_organisation == user.organisation_id
    if inburgeraar:
        where &= AuditEvent.inburgeraar == inburgeraar
    page_no = max(1, pagina)
    rows = await AuditEvent.select().where(where).order_by(AuditEvent.id, ascending=False).limit(
        AUDIT_PAGE_SIZE + 1).offset((page_no - 1) * AUDIT_PAGE_SIZE)
    await audit.record(user, "audit.view", "audit_event", "", origin=client_ip(request),
                       detail=f"pagina {page_no}" + (f", inburgeraar {inburgeraar}" if inburgeraar else ""))
    return page(request, "audit.html", {"rows": rows[:AUDIT_PAGE_SIZE], "page": page_no,
                                        "has_next": len(rows) > AUDIT_PAGE_SIZE, "inburgeraar": inburgeraar})


@get("/gezond", name="health", exclude_from_auth=True, skip_session=True)
async def health() -> dict[str, str]:
    return {"status": "ok"}


route_handlers = [home, login_page, login_submit, logout, audit_log, health]
