"""CBS delivery pages under /gemeente/cbs: the quarters with their deliveries, one delivery with its counts and
what could not be completed, making it, releasing it (teamleiders) and downloading the file."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from municipal.cbs import services
from municipal.dossier.access import can_edit
from municipal.web import form_dict
from shared import clock
from shared.errors import RuleError
from shared.web import client_ip, download, gemeente_only, page, redirect, take_notice

NOTICES = {
    "gemaakt": "De levering is gemaakt. Controleer de aantallen en de punten hieronder.",
    "vrijgegeven": "De levering is vrijgegeven. Download het bestand en lever het aan bij het CBS.",
}


class CbsController(Controller):
    path = "/gemeente/cbs"
    guards = [gemeente_only]

    async def _overview(self, request: Request, *, error: str = "", status: int = 200) -> Any:
        quarters = await services.overview(request.user, client_ip(request))
        return page(
            request,
            "municipal/cbs.html",
            {
                "quarters": quarters,
                "next": await services.next_deadline(request.user.gemeente_id),
                "can_make": can_edit(request.user),
                "error": error,
                "today": clock.today(),
            },
            status=status,
        )

    @get("/", name="cbs.list")
    async def overview(self, request: Request) -> Any:
        return await self._overview(request)

    @post("/maken", name="cbs.make")
    async def make(self, request: Request) -> Any:
        form = form_dict(await request.form())
        year, number = form.get("jaar", ""), form.get("kwartaal", "")
        if not (year.isdigit() and number.isdigit() and 2022 <= int(year) <= 2100 and 1 <= int(number) <= 4):
            return await self._overview(request, error="Kies een kwartaal uit de lijst.", status=422)
        try:
            delivery_id = await services.make(request.user, int(year), int(number), client_ip(request))
        except RuleError as e:
            return await self._overview(request, error=e.message, status=422)
        return redirect(request, f"/gemeente/cbs/{delivery_id}", notice="gemaakt")

    async def _delivery(self, request: Request, delivery_id: int, *, error: str = "", status: int = 200) -> Any:
        row = await services.view(request.user, delivery_id, client_ip(request))
        return page(
            request,
            "municipal/cbs_delivery.html",
            {
                "d": row,
                "label": services.label(row["jaar"], row["kwartaal"]),
                "deadline": services.deadline(row["jaar"], row["kwartaal"]),
                "may_release": services.may_release(request.user),
                "can_make": can_edit(request.user),
                "notice": NOTICES.get(take_notice(request), ""),
                "error": error,
            },
            status=status,
        )

    @get("/{delivery_id:int}", name="cbs.delivery")
    async def delivery(self, request: Request, delivery_id: FromPath[int], melding: FromQuery[str] = "") -> Any:
        return await self._delivery(request, delivery_id)

    @post("/{delivery_id:int}/vrijgeven", name="cbs.release")
    async def release(self, request: Request, delivery_id: FromPath[int]) -> Any:
        try:
            await services.release(request.user, delivery_id, client_ip(request))
        except RuleError as e:
            return await self._delivery(request, delivery_id, error=e.message, status=422)
        return redirect(request, f"/gemeente/cbs/{delivery_id}", notice="vrijgegeven")

    @get("/{delivery_id:int}/bestand.xml", name="cbs.download")
    async def download(self, request: Request, delivery_id: FromPath[int]) -> Response:
        content, filename = await services.download(request.user, delivery_id, client_ip(request))
        return download(content, filename, "application/xml")
