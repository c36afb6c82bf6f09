"""DUO's link, over HTTP: DUO's `POST /notificaties` (no session: the reverse proxy's mutual TLS vouches for
DUO, municipal/duo/inbound.py) and the gemeente's page of DUO notifications (/gemeente/duo)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post

from municipal.duo import services
from municipal.duo.inbound import API_VERSION, receive
from shared.settings import settings
from shared.web import client_ip, gemeente_only, page


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
