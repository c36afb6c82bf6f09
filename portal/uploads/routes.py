"""Monthly report uploads in the portal, and the API tokens an organisation's beheerder manages: thin
handlers around the upload services.

A file is checked in the background; its page shows progress and refreshes itself (htmx polls the
status fragment; without JavaScript a <noscript> refresh does the same), then the preview.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from portal.errors import UploadRefused
from portal.uploads import batches, check, commit, files, mapping, read, tokens
from portal.uploads.columns import COLUMNS, VALUE_ENUMS
from portal.uploads.forms import parse_mapping_form
from portal.uploads.rules import BUSY, BatchStatus
from shared.errors import RuleError
from shared.forms import FormErrors
from shared.web import PageNo, QueryText, client_ip, download, guard, page, provider_only, redirect, take_notice

MAX_BODY = files.LIMITS.max_bytes * 2 + 1024 * 1024  # above this Litestar answers 413 before reading
org_beheer_only = guard(tokens.is_org_beheerder)


class UploadController(Controller):
    path = "/portaal/uploads"
    guards = [provider_only]

    async def _list(self, request: Request, *, error: str = "", status: int = 200, pagina: int = 1) -> Any:
        rows, current, pages = await read.batches(request.user, pagina)
        return page(
            request,
            "portal/uploads.html",
            {
                "rows": rows,
                "page": current,
                "pages": pages,
                "error": error,
                "limits": files.LIMITS,
                "STATUS": BatchStatus,
            },
            status=status,
        )

    @get("/", name="portal.uploads")
    async def index(self, request: Request, pagina: PageNo = 1) -> Any:
        return await self._list(request, pagina=pagina)

    @post("/", name="portal.upload", request_max_body_size=MAX_BODY)
    async def upload(self, request: Request) -> Any:
        form = await request.form()
        file = form.get("bestand")
        if not isinstance(file, UploadFile) or not file.filename:
            return await self._list(request, error="Kies een bestand om te uploaden.", status=422)
        content = await file.read()
        await file.close()
        try:
            batch_id, notice = await check.receive(request.user, content, file.filename, origin=client_ip(request))
        except UploadRefused as e:
            return await self._list(request, error=e.message, status=422)
        if not notice:
            batches.in_background(check.check(batch_id, client_ip(request)))
        return redirect(request, f"/portaal/uploads/{batch_id}", notice=notice or "")

    @get("/sjabloon.xlsx", name="portal.template_xlsx")
    async def template_xlsx(self) -> Response:
        return download(
            files.template_xlsx(),
            "regie-maandrapportage.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    @get("/sjabloon.csv", name="portal.template_csv")
    async def template_csv(self) -> Response:
        return download(files.template_csv(), "regie-maandrapportage.csv", "text/csv")

    @get("/{batch_id:int}", name="portal.upload_batch")
    async def batch(
        self,
        request: Request,
        batch_id: FromPath[int],
        tab: QueryText = "",
        pagina: PageNo = 1,
    ) -> Any:
        melding = take_notice(request)
        data = await read.batch_page(request.user, batch_id, tab, pagina, client_ip(request))
        context = {
            "d": data,
            "b": data.batch,
            "STATUS": BatchStatus,
            "busy": data.batch["status"] in BUSY,
            "notice": batches.NOTICES.get(melding, ""),
            "notice_code": melding,
        }
        return page(request, "portal/upload.html", context, fragment="portal/_upload_status.html")

    @post("/{batch_id:int}/opslaan", name="portal.upload_commit")
    async def commit(self, request: Request, batch_id: FromPath[int]) -> Any:
        try:
            await commit.start_commit(request.user, batch_id, client_ip(request))
        except UploadRefused:  # already stored, or cancelled: the page says which
            pass
        return redirect(request, f"/portaal/uploads/{batch_id}")

    @post("/{batch_id:int}/afbreken", name="portal.upload_cancel")
    async def cancel(self, request: Request, batch_id: FromPath[int]) -> Any:
        try:
            await commit.cancel(request.user, batch_id, client_ip(request))
        except UploadRefused:
            pass
        return redirect(request, f"/portaal/uploads/{batch_id}", notice="afgebroken")

    @post("/{batch_id:int}/werkblad", name="portal.upload_sheet")
    async def sheet(self, request: Request, batch_id: FromPath[int]) -> Any:
        form = await request.form()
        try:
            await mapping.choose_sheet(request.user, batch_id, str(form.get("werkblad", "")), client_ip(request))
        except UploadRefused:  # stored or busy: the page says so
            pass
        return redirect(request, f"/portaal/uploads/{batch_id}")

    @get(["/{batch_id:int}/fouten.csv", "/{batch_id:int}/fouten.xlsx"], name="portal.upload_errors")
    async def errors(self, request: Request, batch_id: FromPath[int]) -> Any:
        fmt = request.url.path.rsplit(".", 1)[-1]
        try:
            content, filename, media_type = await read.error_file(request.user, batch_id, fmt, client_ip(request))
        except UploadRefused as e:
            data = await read.batch_page(request.user, batch_id)
            return page(
                request,
                "portal/upload.html",
                {"d": data, "b": data.batch, "STATUS": BatchStatus, "busy": False, "error": e.message},
                status=410,
            )
        return download(content, filename, media_type)

    @get("/{batch_id:int}/koppelen", name="portal.upload_mapping")
    async def mapping(self, request: Request, batch_id: FromPath[int]) -> Any:
        data = await mapping.mapping_page(request.user, batch_id)
        return page(
            request, "portal/upload_mapping.html", {**data, "COLUMNS": COLUMNS, "ENUMS": VALUE_ENUMS, "errors": {}}
        )

    @post("/{batch_id:int}/koppelen", name="portal.upload_mapping_save")
    async def mapping_save(self, request: Request, batch_id: FromPath[int]) -> Any:
        data = await mapping.mapping_page(request.user, batch_id)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        columns, values, errors = parse_mapping_form(
            form, data["summary"].get("header", []), data["summary"].get("unknown_values", {})
        )
        if errors:
            return page(
                request,
                "portal/upload_mapping.html",
                {**data, "COLUMNS": COLUMNS, "ENUMS": VALUE_ENUMS, "errors": errors, "form": form},
                status=422,
            )
        await mapping.save_mapping(request.user, batch_id, columns, values, client_ip(request))
        return redirect(request, f"/portaal/uploads/{batch_id}", notice="gekoppeld")


class ApiTokenController(Controller):
    path = "/beheer/api-sleutels"
    guards = [org_beheer_only]

    async def _page(
        self,
        request: Request,
        *,
        new_token: str = "",
        errors: FormErrors | None = None,
        form: dict | None = None,
        status: int = 200,
    ) -> Any:
        return page(
            request,
            "portal/api_tokens.html",
            {
                "tokens": await tokens.tokens(request.user),
                "new_token": new_token,
                "errors": errors or {},
                "form": form or {},
            },
            status=status,
        )

    @get("/", name="beheer.api_tokens")
    async def index(self, request: Request) -> Any:
        return await self._page(request)

    @post("/", name="beheer.api_token_create")
    async def create(self, request: Request) -> Any:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            token = await tokens.create(request.user, form.get("name", ""), client_ip(request))
        except RuleError as e:
            errors = FormErrors()
            errors.add(e)
            return await self._page(request, errors=errors, form=form, status=422)
        # Shown once, in this answer only: never in a URL, never stored in plain text.
        return await self._page(request, new_token=token)

    @post("/{token_id:int}/intrekken", name="beheer.api_token_revoke")
    async def revoke(self, request: Request, token_id: FromPath[int]) -> Any:
        await tokens.revoke(request.user, token_id, client_ip(request))
        return redirect(request, "/beheer/api-sleutels")
