"""The gemeente's functioneel beheer of providers: search and register organisations, keep their details, add
and end this gemeente's contracts with them. Thin handlers over municipal/providers/services.py."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from municipal.errors import AlreadyRegistered, NothingChanged
from municipal.fields import parse_end_form
from municipal.providers import forms, services
from municipal.web import SAVED, UNCHANGED, VERSION_LABELS, add_errors, form_dict
from shared import clock
from shared.errors import RuleError
from shared.forms import FormErrors
from shared.vocab import Component, OrganisationKind
from shared.web import QueryText, client_ip, gemeente_only, guard, page, redirect, take_notice

gemeente_beheer_only = guard(services.is_gemeente_beheer)
OPTIONS = {"components": Component.choices(), "kinds": OrganisationKind.choices(), **VERSION_LABELS}


class ProviderController(Controller):
    path = "/gemeente"
    guards = [gemeente_only]

    async def _providers_page(
        self,
        request: Request,
        q: str = "",
        *,
        form: dict | None = None,
        kinds: list[str] | None = None,
        errors: FormErrors | None = None,
        existing_id: int | None = None,
        status: int = 200,
    ) -> Any:
        results = await services.search(request.user, q, client_ip(request)) if q.strip() else []
        contracts = await services.contracts_of(request.user.gemeente_id)
        return page(
            request,
            "municipal/providers.html",
            {
                "q": q,
                "results": results,
                "contracts": contracts,
                "form": form or {"bow_keurmerk": ""},
                "chosen_kinds": kinds or [],
                "errors": errors or {},
                "existing_id": existing_id,
                "today": clock.today(),
                **OPTIONS,
            },
            fragment="municipal/_provider_results.html" if q and not form else None,
            status=status,
        )

    @get("/aanbieders", name="gemeente.providers", guards=[gemeente_beheer_only])
    async def providers_list(self, request: Request, q: QueryText = "") -> Any:
        return await self._providers_page(request, q)

    @post("/aanbieders", name="gemeente.provider_register", guards=[gemeente_beheer_only])
    async def provider_register(self, request: Request) -> Any:
        form = await request.form()
        raw, kinds = form_dict(form), [k for k in form.getall("kinds", []) if isinstance(k, str)]
        data, errors = forms.parse_organisation_form(raw, kinds)
        existing_id = None
        if data:
            try:
                new_id = await services.register(request.user, data, client_ip(request))
                return redirect(request, f"/gemeente/aanbieders/{new_id}", notice="geregistreerd")
            except AlreadyRegistered as e:
                existing_id = e.existing_id
                add_errors(errors, e)
            except RuleError as e:
                add_errors(errors, e)
        return await self._providers_page(
            request, form=raw, kinds=kinds, errors=errors, existing_id=existing_id, status=422
        )

    async def _provider_page(
        self,
        request: Request,
        organisation_id: int,
        *,
        form: dict | None = None,
        kinds: list[str] | None = None,
        errors: FormErrors | None = None,
        contract_form: dict | None = None,
        contract_errors: FormErrors | None = None,
        end_errors: dict[int, FormErrors] | None = None,
        status: int = 200,
        notice: str = "",
        existing_id: int | None = None,
    ) -> Any:
        org, contracts, versions = await services.organisation(request.user, organisation_id)
        melding = take_notice(request)
        return page(
            request,
            "municipal/provider.html",
            {
                "org": org,
                "contracts": contracts,
                "versions": versions,
                "today": clock.today(),
                "form": form
                or {
                    "name": org["name"],
                    "kvk": org["kvk"] or "",
                    "bow_keurmerk": "ja" if org["bow_keurmerk"] else "",
                    "duo_instellingsnummer": org["duo_instellingsnummer"] or "",
                },
                "chosen_kinds": kinds if kinds is not None else list(org["kinds"] or []),
                "errors": errors or {},
                "contract_form": contract_form or {"start": clock.today().isoformat(), "end": "", "component": ""},
                "contract_errors": contract_errors or {},
                "end_errors": end_errors or {},
                "existing_id": existing_id,
                "notice": notice
                or {"geregistreerd": "De organisatie is geregistreerd.", "opgeslagen": SAVED}.get(melding, ""),
                **OPTIONS,
            },
            status=status,
        )

    @get("/aanbieders/{organisation_id:int}", name="gemeente.provider", guards=[gemeente_beheer_only])
    async def provider(self, request: Request, organisation_id: FromPath[int]) -> Any:
        return await self._provider_page(request, organisation_id)

    @post("/aanbieders/{organisation_id:int}", name="gemeente.provider_update", guards=[gemeente_beheer_only])
    async def provider_update(self, request: Request, organisation_id: FromPath[int]) -> Any:
        await services.organisation(request.user, organisation_id)
        form = await request.form()
        raw, kinds = form_dict(form), [k for k in form.getall("kinds", []) if isinstance(k, str)]
        data, errors = forms.parse_organisation_form(raw, kinds)
        existing_id = None
        if data:
            try:
                await services.update(request.user, organisation_id, data, client_ip(request))
                return redirect(request, f"/gemeente/aanbieders/{organisation_id}", notice="opgeslagen")
            except NothingChanged:
                return await self._provider_page(request, organisation_id, notice=UNCHANGED)
            except AlreadyRegistered as e:
                existing_id = e.existing_id
                add_errors(errors, e)
            except RuleError as e:
                add_errors(errors, e)
        return await self._provider_page(
            request, organisation_id, form=raw, kinds=kinds, errors=errors, existing_id=existing_id, status=422
        )

    @post("/aanbieders/{organisation_id:int}/contracten", name="gemeente.contract_add", guards=[gemeente_beheer_only])
    async def contract_add(self, request: Request, organisation_id: FromPath[int]) -> Any:
        await services.organisation(request.user, organisation_id)
        raw = form_dict(await request.form())
        data, errors = forms.parse_contract_form(raw)
        if data:
            try:
                await services.add_contract(request.user, organisation_id, data, client_ip(request))
                return redirect(request, f"/gemeente/aanbieders/{organisation_id}#contracten", notice="opgeslagen")
            except RuleError as e:
                add_errors(errors, e)
        return await self._provider_page(
            request, organisation_id, contract_form=raw, contract_errors=errors, status=422
        )

    @post("/contracten/{contract_id:int}/beeindigen", name="gemeente.contract_end", guards=[gemeente_beheer_only])
    async def contract_end(self, request: Request, contract_id: FromPath[int]) -> Any:
        row = await services.contract_of(request.user, contract_id)
        raw = form_dict(await request.form())
        end, errors = parse_end_form(raw)
        if end:
            try:
                await services.end_contract(request.user, contract_id, end, client_ip(request))
                return redirect(request, f"/gemeente/aanbieders/{row['organisation']}#contracten", notice="opgeslagen")
            except NothingChanged:
                return redirect(request, f"/gemeente/aanbieders/{row['organisation']}#contracten")
            except RuleError as e:
                add_errors(errors, e)
        return await self._provider_page(request, row["organisation"], end_errors={contract_id: errors}, status=422)
