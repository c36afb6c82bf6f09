"""Beheer pages that belong to uploads: an organisation's API tokens. (A gemeente's retention period is kept on
the municipal side: municipal/settings_routes.py.)"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from portal import tokens
from shared.forms import FormErrors
from shared.errors import RuleError
from shared.web import client_ip, guard, page, redirect

org_beheer_only = guard(tokens.is_org_beheerder)


class ApiTokenController(Controller):
    path = "/beheer/api-sleutels"
    guards = [org_beheer_only]

    async def _page(self, request: Request, *, new_token: str = "", errors: FormErrors | None = None,
                    form: dict | None = None, status: int = 200) -> Any:
        return page(request, "portal/api_tokens.html", {
            "tokens": await tokens.tokens(request.user), "new_token": new_token, "errors": errors or {},
            "form": form or {}}, status=status)

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
