"""DUO's link, over HTTP: DUO's `POST /notificaties` (no session: the reverse proxy's mutual TLS vouches for
DUO, municipal/duo/inbound.py) and the gemeente's page of DUO notifications (/gemeente/duo)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post

from municipal.duo import services
from municipal.duo.inbound import API_VERSION, receive
from municipal.settings_routes import gemeente_beheer_only
from municipal.web import form_dict
from shared import audit
from shared.db import write_tx
from shared.settings import settings
from shared.tables import Gemeente
from shared.web import client_ip, gemeente_only, page, redirect


@post("/notificaties", name="duo.notificaties", exclude_from_auth=True, skip_session=True, include_in_schema=False)
async def notificaties(request: Request) -> Response:
    """DUO's Notificatie API (Notificatie.openapi.yml, opvoerenNotificatie): 201 without a body; 400, 401, 403
    with DUO's Foutmelding ({"fouttekst": ...}); every answer carries the API-Version header."""
    answer = await receive(dict(request.headers), await request.body())
    headers = {"API-Version": API_VERSION}
    if answer.status == 201:
        return Response(content=b"", status_code=201, headers=headers, media_type="application/json")
    return Response(content={"fouttekst": answer.fouttekst}, status_code=answer.status, headers=headers)


class DuoController(Controller):
    path = "/gemeente/duo"
    guards = [gemeente_only]

    @get("/", name="duo.list")
    async def overview(self, request: Request) -> Any:
        rows = await services.notifications(request.user, client_ip(request))
        return page(
            request,
            "municipal/duo_notifications.html",
            {"rows": rows, "duo_test_environment": settings.duo_test_environment},
        )


class DuoSettingsController(Controller):
    """/beheer/duo: the gemeente's OIN (what DUO's notifications name as `doel`, and `bron` of what Regie
    sends), and how this installation reaches DUO (read from the environment, shown, not edited here)."""

    path = "/beheer/duo"
    guards = [gemeente_beheer_only]

    async def _page(self, request: Request, *, errors=None, form=None, status: int = 200, notice: str = "") -> Any:
        row = await Gemeente.select(Gemeente.name, Gemeente.oin).where(Gemeente.id == request.user.gemeente_id).first()
        return page(
            request,
            "municipal/duo_settings.html",
            {
                "gemeente": row,
                "form": form or {"oin": row["oin"]},
                "errors": errors or {},
                "notice": notice,
                "duo_oin": settings.duo_oin,
                "duo_url": settings.duo_m2m_url,
                "duo_test_environment": settings.duo_test_environment,
                "proxy_ready": bool(settings.duo_proxy_token),
            },
            status=status,
        )

    @get("/", name="beheer.duo")
    async def show(self, request: Request) -> Any:
        notice = "Het OIN is opgeslagen." if request.query_params.get("opgeslagen") else ""
        return await self._page(request, notice=notice)

    @post("/", name="beheer.duo_save")
    async def save(self, request: Request) -> Any:
        form = form_dict(await request.form())
        oin = form.get("oin", "").replace(" ", "").strip()
        if not (len(oin) == 20 and oin.isdigit()):
            return await self._page(
                request,
                form=form,
                status=422,
                errors={"oin": "Een OIN bestaat uit precies 20 cijfers, bijvoorbeeld 00000001002220647000."},
            )
        async with write_tx():
            await Gemeente.update({Gemeente.oin: oin}).where(Gemeente.id == request.user.gemeente_id)
            await audit.record(
                request.user,
                "gemeente.oin",
                "gemeente",
                request.user.gemeente_id,
                origin=client_ip(request),
                detail=oin,
            )
        return redirect(request, "/beheer/duo?opgeslagen=1")
