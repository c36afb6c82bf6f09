"""Account pages: logging in and out, the start page per role, user management (/beheer/gebruikers),
accepting an invitation (/uitnodiging/<token>) and the audit log for beheer (/beheer/audit)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect

from accounts import mfa
from accounts import services as accounts
from shared import audit
from shared.errors import RuleError
from shared.security import (
    LOGIN_FAILED_MESSAGE,
    LoginThrottled,
    authenticate,
    count_login_failure,
    forget_login_failures,
    load_user,
    login_wait,
    pending_login,
    start_pending,
    start_session,
    verify_password,
)
from shared.tables import AppUser, AuditEvent, Organisation
from shared.vocab import Role
from shared.web import PageNo, QueryFlag, QueryId, QueryText, beheer_only, client_ip, flash, page, redirect, take_notice

NO_STORE = {"Cache-Control": "no-store"}
AUDIT_PAGE_SIZE = 100


def home_for(user) -> str:
    if user.is_provider:
        return "/portaal"
    if user.is_gemeente:
        return "/inbox"  # a regisseur starts the day in the inbox
    return "/beheer/audit"


def _safe_next(target: str) -> str:
    """Only a path on this site: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else ""


@get("/", name="home")
async def home(request: Request) -> Redirect:
    return Redirect(home_for(request.user), status_code=303)


@get("/inloggen", name="login", exclude_from_auth=True)
async def login_page(request: Request, volgende: QueryText = "", verlopen: QueryFlag = 0) -> Any:
    notice = (
        "Uw sessie is verlopen, omdat u een tijd niets heeft gedaan. Log opnieuw in: u gaat dan terug naar de "
        "pagina waar u was, en wat u had ingevuld staat er weer."
        if verlopen
        else ""
    )
    return page(request, "login.html", {"next": _safe_next(volgende), "notice": notice, "email": "", "error": ""})


@post("/inloggen", name="login_submit", exclude_from_auth=True)
async def login_submit(request: Request) -> Any:
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    error = LOGIN_FAILED_MESSAGE
    try:
        user = await authenticate(email, password, client_ip(request)) if email and password else None
    except LoginThrottled as e:
        user, error = None, e.message
    if user is None:
        return page(
            request,
            "login.html",
            {"next": target, "notice": "", "email": email, "error": error},
            status=429 if error != LOGIN_FAILED_MESSAGE else 422,
        )
    # Two-factor login (accounts/mfa.py): the code next, or setting it up when the account needs it and has none.
    row = await AppUser.select(AppUser.totp_secret, AppUser.role, AppUser.organisation).where(AppUser.id == user.id)
    has_code, needs_code = bool(row[0]["totp_secret"]), await mfa.required_for(row[0])
    # The password was right: its failures are forgotten; the source is known once the whole login is done.
    await forget_login_failures(user.email, client_ip(request), known=not (has_code or needs_code))
    if has_code:
        start_pending(request, user, {"next": target})
        return Redirect("/inloggen/code", status_code=303)
    if needs_code:
        start_pending(request, user, {"next": target, "secret": mfa.new_secret()})
        return Redirect("/inloggen/code-instellen", status_code=303)
    start_session(request, user)
    return Redirect(target or home_for(user), status_code=303)


CODE_FAILED = "Deze code klopt niet, of is al gebruikt. Vul de code in die de app nu laat zien."
PENDING_EXPIRED = "Het inloggen duurde te lang. Log opnieuw in met uw e-mailadres en wachtwoord."


@get("/inloggen/code", name="login_code", exclude_from_auth=True)
async def login_code(request: Request) -> Any:
    if not (pending := pending_login(request)) or "secret" in pending:
        return Redirect("/inloggen?verlopen=1" if pending is None else "/inloggen/code-instellen", status_code=303)
    return page(request, "login_code.html", {"error": ""}, status=200)


@post("/inloggen/code", name="login_code_submit", exclude_from_auth=True)
async def login_code_submit(request: Request) -> Any:
    """The second step: a TOTP code or a recovery code, throttled like passwords (per source and address)."""
    pending = pending_login(request)
    if pending is None or "secret" in pending:
        return page(
            request, "login.html", {"next": "", "notice": "", "email": "", "error": PENDING_EXPIRED}, status=422
        )
    code, origin = str((await request.form()).get("code", "")), client_ip(request)
    wait = await login_wait(pending["email"], origin)
    if wait.total_seconds() > 0:
        error = LoginThrottled(max(1, int(-(-wait.total_seconds() // 1))), code_step=True).message
        return page(request, "login_code.html", {"error": error}, status=429)
    user = await load_user(pending["uid"])
    how = await mfa.check_second_factor(pending["uid"], code) if user else None
    if user is None or how is None:
        await count_login_failure(pending["email"], origin)
        await audit.record(user, "login.failed", "user", pending["uid"], result="denied", origin=origin,
                           actor_email=pending["email"], detail="tweede stap: code onjuist")  # fmt: skip
        return page(request, "login_code.html", {"error": CODE_FAILED}, status=422)
    await audit.record(user, "login.mfa", "user", user.id, result="ok", origin=origin, detail=how)
    await forget_login_failures(pending["email"], origin)
    start_session(request, user)
    if how == "herstelcode":
        flash(request, "/account/tweestaps", "U bent ingelogd met een herstelcode. Die werkt nu niet meer.")
    return Redirect(pending.get("next") or home_for(user), status_code=303)


async def _setup_page(request: Request, secret: str, email: str, action: str, error: str = "", status: int = 200):
    context = {"qr": mfa.qr_svg_data_uri(secret, email), "secret": mfa.spaced(secret), "action": action}
    return page(request, "mfa_setup.html", {**context, "error": error}, status=status)


@get("/inloggen/code-instellen", name="login_mfa_setup", exclude_from_auth=True)
async def login_mfa_setup(request: Request) -> Any:
    """Right after the password (that is the re-authentication): an account that needs two-factor login and has
    none sets it up before it gets in."""
    pending = pending_login(request)
    if pending is None or "secret" not in pending:
        return Redirect("/inloggen?verlopen=1", status_code=303)
    response = await _setup_page(request, pending["secret"], pending["email"], "/inloggen/code-instellen")
    response.headers.update(NO_STORE)
    return response


@post("/inloggen/code-instellen", name="login_mfa_setup_submit", exclude_from_auth=True)
async def login_mfa_setup_submit(request: Request) -> Any:
    pending = pending_login(request)
    if pending is None or "secret" not in pending:
        return page(
            request, "login.html", {"next": "", "notice": "", "email": "", "error": PENDING_EXPIRED}, status=422
        )
    user = await load_user(pending["uid"])
    code = str((await request.form()).get("code", ""))
    codes = await mfa.enrol(user, pending["secret"], code, client_ip(request)) if user else None
    if codes is None:
        return await _setup_page(
            request, pending["secret"], pending["email"], "/inloggen/code-instellen", CODE_FAILED, 422
        )
    await forget_login_failures(pending["email"], client_ip(request))  # the whole login is done
    start_session(request, user)
    return page(request, "mfa_codes.html", {"codes": codes, "next": pending.get("next") or home_for(user)})


@post("/sessie/verlengen", name="session_keepalive", status_code=204)
async def keep_alive(request: Request) -> None:
    """ "Ingelogd blijven" in the time-out warning (static/js/regie.js): this authenticated request slides the
    idle time-out (shared.security.retrieve_user writes the session back). Nothing else happens."""
    return None


@post("/uitloggen", name="logout")
async def logout(request: Request) -> Redirect:
    await audit.record(request.user, "logout", "user", request.user.id, origin=client_ip(request))
    request.clear_session()
    return Redirect("/inloggen", status_code=303)


@get("/beheer/audit", name="audit_log", guards=[beheer_only])
async def audit_log(request: Request, pagina: PageNo = 1, inburgeraar: QueryId = 0) -> Any:
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
    rows = (
        await AuditEvent.select()
        .where(where)
        .order_by(AuditEvent.id, ascending=False)
        .limit(AUDIT_PAGE_SIZE + 1)
        .offset((page_no - 1) * AUDIT_PAGE_SIZE)
    )
    await audit.record(
        user,
        "audit.view",
        "audit_event",
        "",
        origin=client_ip(request),
        detail=f"pagina {page_no}" + (f", inburgeraar {inburgeraar}" if inburgeraar else ""),
    )
    return page(
        request,
        "audit.html",
        {
            "rows": rows[:AUDIT_PAGE_SIZE],
            "page": page_no,
            "has_next": len(rows) > AUDIT_PAGE_SIZE,
            "inburgeraar": inburgeraar,
        },
    )


def _manages_users(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    user = connection.scope.get("user")
    if user is None or not accounts.roles_for(user):
        raise NotFoundException()


def _form_dict(form) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _org_mfa_required(user) -> bool | None:
    """For a provider's beheerder: whether their organisation requires two-factor login; None for others."""
    if user.organisation_id is None or user.role is not Role.BEHEERDER:
        return None
    row = await Organisation.select(Organisation.mfa_required).where(Organisation.id == user.organisation_id).first()
    return bool(row and row["mfa_required"])


class AccountsController(Controller):
    path = "/beheer"
    guards = [_manages_users]

    async def _page(
        self,
        request: Request,
        *,
        form: dict | None = None,
        errors: dict | None = None,
        link: str = "",
        invited: str = "",
        notice: str = "",
        status: int = 200,
    ) -> Any:
        users, invitations = await accounts.overview(request.user, client_ip(request))
        roles = accounts.roles_for(request.user)
        response = page(
            request,
            "beheer/users.html",
            {
                "users": users,
                "invitations": invitations,
                "roles": [(r.value, r.label) for r in roles],
                "form": form or {"role": roles[0].value},
                "errors": errors or {},
                "link": link,
                "invited": invited,
                "days": accounts.INVITATION_DAYS,
                "notice": notice,
                "me": request.user.id,
                "mfa_required": await _org_mfa_required(request.user),
            },
            status=status,
        )
        response.headers.update(NO_STORE)
        return response

    @get("/gebruikers", name="beheer.users")
    async def users(self, request: Request) -> Any:
        notice = {"ingetrokken": "De uitnodiging is ingetrokken.", "opgeslagen": "De wijziging is opgeslagen."}.get(
            take_notice(request), ""
        )
        return await self._page(request, notice=notice)

    @post("/tweestaps", name="beheer.org_mfa")
    async def org_mfa(self, request: Request) -> Any:
        """A provider's beheerder switches two-factor login on (or off) for everyone of the organisation."""
        org = request.user.organisation_id
        if org is None or request.user.role is not Role.BEHEERDER:
            raise NotFoundException()
        on = _form_dict(await request.form()).get("verplicht") == "ja"
        await Organisation.update({Organisation.mfa_required: on}).where(Organisation.id == org)
        await audit.record(request.user, "mfa.required" if on else "mfa.optional", "organisation", org,
                           result="ok", origin=client_ip(request))  # fmt: skip
        return redirect(request, "/beheer/gebruikers", notice="opgeslagen")

    @post("/gebruikers", name="beheer.invite")
    async def invite(self, request: Request) -> Any:
        raw = _form_dict(await request.form())
        data, errors = accounts.parse_invite_form(raw, accounts.roles_for(request.user))
        if data:
            try:
                base = str(request.base_url).rstrip("/")
                token, _ = await accounts.invite(request.user, data, client_ip(request), link_base=base)
                link = f"{base}/uitnodiging/{token}"
                # The link is shown once: only its hash is stored.
                return await self._page(request, link=link, invited=data.email)
            except RuleError as e:
                errors[e.field or "email"] = e.message
        return await self._page(request, form=raw, errors=errors, status=422)

    @post("/gebruikers/{user_id:int}/actief", name="beheer.user_active")
    async def user_active(self, request: Request, user_id: FromPath[int]) -> Any:
        raw = _form_dict(await request.form())
        if user_id == request.user.id:
            raise NotFoundException()
        await accounts.set_active(request.user, user_id, raw.get("active") == "ja", client_ip(request))
        return redirect(request, "/beheer/gebruikers", notice="opgeslagen")

    @post("/gebruikers/{user_id:int}/rol", name="beheer.user_role")
    async def user_role(self, request: Request, user_id: FromPath[int]) -> Any:
        raw = _form_dict(await request.form())
        role = raw.get("role", "")
        try:
            await accounts.set_role(
                request.user, user_id, Role(role) if role in Role._value2member_map_ else Role.ADMIN, client_ip(request)
            )
        except RuleError as e:
            return await self._page(request, notice="", errors={"__all__": e.message}, status=422)
        return redirect(request, "/beheer/gebruikers", notice="opgeslagen")

    @post("/uitnodigingen/{invitation_id:int}/intrekken", name="beheer.invitation_revoke")
    async def revoke(self, request: Request, invitation_id: FromPath[int]) -> Any:
        await accounts.revoke(request.user, invitation_id, client_ip(request))
        return redirect(request, "/beheer/gebruikers", notice="ingetrokken")


class InvitationController(Controller):
    """Public: whoever holds the link may set the password, once, before it expires."""

    path = "/uitnodiging"

    async def _page(
        self, request: Request, token: str, *, error: str = "", errors: dict | None = None, status: int = 200
    ) -> Any:
        row, state = await accounts.invitation_for(token)
        if row is None:
            raise NotFoundException()
        response = page(
            request,
            "invitation.html",
            {
                "invitation": row,
                "state": state,
                "token": token,
                "error": error,
                "errors": errors or {},
                "form": {},
                "role_label": Role(row["role"]).label,
            },
            status=status if state == "open" else 410,
        )
        response.headers.update(NO_STORE)
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
        return response

    @get("/{token:str}", name="invitation", exclude_from_auth=True)
    async def show(self, request: Request, token: FromPath[str]) -> Any:
        return await self._page(request, token)

    @post("/{token:str}", name="invitation_accept", exclude_from_auth=True)
    async def accept(self, request: Request, token: FromPath[str]) -> Any:
        row, state = await accounts.invitation_for(token)
        if row is None:
            raise NotFoundException()
        raw = _form_dict(await request.form())
        try:
            user = await accounts.accept(
                token, raw.get("password", ""), raw.get("password_repeat", ""), client_ip(request)
            )
        except RuleError as e:
            if e.field:
                return await self._page(request, token, errors={e.field: e.message}, status=422)
            return await self._page(request, token, error=e.message, status=422)
        start_session(request, user)
        return redirect(request, "/")


class PasswordResetController(Controller):
    """Public: ask for a link to choose a new password (the answer never says whether the account exists), and
    use that link once. After a new password the person logs in as usual, second factor included."""

    path = "/"

    def _no_store(self, response: Any) -> Any:
        response.headers.update(NO_STORE)
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
        return response

    @get("/wachtwoord-vergeten", name="password_forgotten", exclude_from_auth=True)
    async def forgotten(self, request: Request) -> Any:
        return page(request, "password_forgotten.html", {"form": {}, "errors": {}, "done": False})

    @post("/wachtwoord-vergeten", name="password_forgotten_submit", exclude_from_auth=True)
    async def forgotten_submit(self, request: Request) -> Any:
        raw = _form_dict(await request.form())
        try:
            await accounts.request_password_reset(raw.get("email"), client_ip(request))
        except RuleError as e:
            return page(
                request,
                "password_forgotten.html",
                {"form": raw, "errors": {e.field or "email": e.message}, "done": False},
                status=422,
            )
        return page(request, "password_forgotten.html", {"form": {}, "errors": {}, "done": accounts.RESET_SENT_ANSWER})

    async def _reset_page(
        self, request: Request, token: str, *, error: str = "", errors: dict | None = None, status: int = 200
    ) -> Any:
        row, state = await accounts.reset_for(token)
        if row is None:
            raise NotFoundException()
        return self._no_store(
            page(
                request,
                "password_reset.html",
                {"state": state, "token": token, "error": error, "errors": errors or {}, "form": {}, "done": False},
                status=status if state == "open" else 410,
            )
        )

    @get("/wachtwoord-herstellen/{token:str}", name="password_reset", exclude_from_auth=True)
    async def reset(self, request: Request, token: FromPath[str]) -> Any:
        return await self._reset_page(request, token)

    @post("/wachtwoord-herstellen/{token:str}", name="password_reset_submit", exclude_from_auth=True)
    async def reset_submit(self, request: Request, token: FromPath[str]) -> Any:
        row, _ = await accounts.reset_for(token)
        if row is None:
            raise NotFoundException()
        raw = _form_dict(await request.form())
        try:
            await accounts.reset_password(
                token, raw.get("password", ""), raw.get("password_repeat", ""), client_ip(request)
            )
        except RuleError as e:
            if e.field:
                return await self._reset_page(request, token, errors={e.field: e.message}, status=422)
            return await self._reset_page(request, token, error=e.message, status=422)
        return self._no_store(
            page(request, "password_reset.html", {"state": "", "token": "", "errors": {}, "form": {}, "done": True})
        )


REAUTH_FAILED = "Het wachtwoord of de code klopt niet. Er is niets veranderd."


class MfaController(Controller):
    """Your own two-factor login (/account/tweestaps): set it up, set it up again for a new phone, or (when your
    account does not need it) switch it off. Each needs your password (and your current code) first."""

    path = "/account/tweestaps"

    async def _page(self, request: Request, error: str = "", status: int = 200) -> Any:
        row = await AppUser.select().where(AppUser.id == request.user.id).first()
        return page(
            request,
            "account_mfa.html",
            {
                "enrolled": bool(row["totp_secret"]),
                "required": await mfa.required_for(row),
                "codes_left": await mfa.recovery_codes_left(request.user.id),
                "notice": take_notice(request),
                "error": error,
            },
            status=status,
        )

    async def _reauthenticated(self, request: Request) -> bool:
        form = await request.form()
        row = await AppUser.select().where(AppUser.id == request.user.id).first()
        origin = client_ip(request)
        if (await login_wait(row["email"], origin)).total_seconds() > 0:
            return False
        ok = await verify_password(row["password_hash"], str(form.get("password", "")))
        if ok and row["totp_secret"]:
            ok = await mfa.check_second_factor(row["id"], str(form.get("code", ""))) is not None
        if not ok:
            await count_login_failure(row["email"], origin)
        return ok

    @get("/", name="account.mfa")
    async def show(self, request: Request) -> Any:
        return await self._page(request)

    @post("/instellen", name="account.mfa_start")
    async def start(self, request: Request) -> Any:
        if not await self._reauthenticated(request):
            return await self._page(request, REAUTH_FAILED, 422)
        secret = mfa.new_secret()
        request.set_session({**request.session, "mfa_setup_secret": secret, "mfa_setup_at": mfa.current_step()})
        return await _setup_page(request, secret, request.user.email, "/account/tweestaps/bevestigen")

    @post("/bevestigen", name="account.mfa_confirm")
    async def confirm(self, request: Request) -> Any:
        secret = request.session.get("mfa_setup_secret", "")
        # Set up within ten minutes of the re-authentication.
        if not secret or mfa.current_step() - int(request.session.get("mfa_setup_at", 0)) > 20:
            return await self._page(request, "Dat duurde te lang. Begin opnieuw.", 422)
        codes = await mfa.enrol(request.user, secret, str((await request.form()).get("code", "")), client_ip(request))
        if codes is None:
            return await _setup_page(
                request, secret, request.user.email, "/account/tweestaps/bevestigen", CODE_FAILED, 422
            )
        request.set_session({k: v for k, v in request.session.items() if not k.startswith("mfa_setup")})
        return page(request, "mfa_codes.html", {"codes": codes, "next": "/account/tweestaps"})

    @post("/uitzetten", name="account.mfa_remove")
    async def remove(self, request: Request) -> Any:
        row = await AppUser.select().where(AppUser.id == request.user.id).first()
        if await mfa.required_for(row):
            raise NotFoundException()
        if not await self._reauthenticated(request):
            return await self._page(request, REAUTH_FAILED, 422)
        await mfa.disable(request.user, client_ip(request))
        return redirect(request, "/account/tweestaps", notice="Inloggen met een code staat uit.")


route_handlers = [
    home,
    login_page,
    login_submit,
    login_code,
    login_code_submit,
    login_mfa_setup,
    login_mfa_setup_submit,
    MfaController,
    keep_alive,
    logout,
    audit_log,
    AccountsController,
    InvitationController,
    PasswordResetController,
]
