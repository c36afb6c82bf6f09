"""Settings a gemeente's functioneel beheerder keeps for the gemeente itself: how long the originals of the files
providers upload are kept (`Gemeente.upload_retention_days`; the portal computes each upload's `keep_until` from
it and `regie purge-uploads` deletes the originals after that)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post

from municipal.providers.services import is_gemeente_beheer
from municipal.web import form_dict
from shared import audit
from shared.db import write_tx
from shared.tables import Gemeente
from shared.web import client_ip, guard, page, redirect

gemeente_beheer_only = guard(is_gemeente_beheer)
RETENTION_MIN, RETENTION_MAX = 7, 3650


class RetentionController(Controller):
    path = "/beheer/bewaartermijn"
    guards = [gemeente_beheer_only]

    async def _page(
        self,
        request: Request,
        *,
        errors: dict | None = None,
        form: dict | None = None,
        status: int = 200,
        notice: str = "",
    ) -> Any:
        row = (
            await Gemeente.select(Gemeente.name, Gemeente.upload_retention_days)
            .where(Gemeente.id == request.user.gemeente_id)
            .first()
        )
        return page(
            request,
            "municipal/retention.html",
            {
                "gemeente": row,
                "form": form or {"days": str(row["upload_retention_days"])},
                "errors": errors or {},
                "notice": notice,
                "min": RETENTION_MIN,
                "max": RETENTION_MAX,
            },
            status=status,
        )

    @get("/", name="beheer.retention")
    async def show(self, request: Request) -> Any:
        notice = "De bewaartermijn is opgeslagen." if request.query_params.get("opgeslagen") else ""
        return await self._page(request, notice=notice)

    @post("/", name="beheer.retention_save")
    async def save(self, request: Request) -> Any:
        form = form_dict(await request.form())
        try:
            days = int(form.get("days", "").strip())
        except ValueError:
            days = None
        if days is None or not RETENTION_MIN <= days <= RETENTION_MAX:
            return await self._page(
                request,
                form=form,
                status=422,
                errors={"days": f"Vul een aantal dagen in tussen {RETENTION_MIN} en {RETENTION_MAX}."},
            )
        async with write_tx():
            await Gemeente.update({Gemeente.upload_retention_days: days}).where(Gemeente.id == request.user.gemeente_id)
            await audit.record(
                request.user,
                "gemeente.upload_retention",
                "gemeente",
                request.user.gemeente_id,
                origin=client_ip(request),
                detail=f"{days} dagen",
            )
        return redirect(request, "/beheer/bewaartermijn?opgeslagen=1")


FOOTER_FIELDS = {
    "privacy_url": "Adres (URL) van de privacyverklaring",
    "toegankelijkheid_url": "Adres (URL) van de toegankelijkheidsverklaring",
    "help_url": "Adres (URL) van de hulp voor medewerkers",
    "contact": "Contact (bijvoorbeeld: Team Inburgering, 14 030, inburgering@gemeente.nl)",
}


def parse_footer_form(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The footer's four values (URLs must start with https:// or http://; at most 300 characters) and the
    Dutch errors per field."""
    values, errors = {}, {}
    for name in FOOTER_FIELDS:
        value = (form.get(name) or "").strip()
        if len(value) > 300:
            errors[name] = "Dit is te lang: hoogstens 300 tekens."
        elif name.endswith("_url") and value and not value.startswith(("https://", "http://")):
            errors[name] = "Vul een volledig webadres in, dat begint met https://."
        values[name] = value
    return values, errors


class FooterController(Controller):
    """The footer every page shows to the gemeente's users: privacy statement, toegankelijkheidsverklaring,
    help and contact (providers see the footers of every gemeente they work for)."""

    path = "/beheer/voettekst"
    guards = [gemeente_beheer_only]

    async def _page(self, request: Request, *, form=None, errors=None, status: int = 200, notice: str = "") -> Any:
        row = await Gemeente.select().where(Gemeente.id == request.user.gemeente_id).first()
        return page(
            request,
            "municipal/footer_settings.html",
            {
                "gemeente": row,
                "fields": FOOTER_FIELDS,
                "form": form or {k: row[k] for k in FOOTER_FIELDS},
                "errors": errors or {},
                "notice": notice,
            },
            status=status,
        )

    @get("/", name="beheer.footer")
    async def show(self, request: Request) -> Any:
        notice = "De voettekst is opgeslagen." if request.query_params.get("opgeslagen") else ""
        return await self._page(request, notice=notice)

    @post("/", name="beheer.footer_save")
    async def save(self, request: Request) -> Any:
        form = form_dict(await request.form())
        values, errors = parse_footer_form(form)
        if errors:
            return await self._page(request, form=form, errors=errors, status=422)
        async with write_tx():
            await Gemeente.update({getattr(Gemeente, k): v for k, v in values.items()}).where(
                Gemeente.id == request.user.gemeente_id
            )
            await audit.record(
                request.user, "gemeente.footer", "gemeente", request.user.gemeente_id, origin=client_ip(request)
            )
        return redirect(request, "/beheer/voettekst?opgeslagen=1")
