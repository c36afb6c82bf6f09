"""Handhaving pages under /gemeente/handhaving: the list of cases, a case with its build-up and decision form,
starting a case (from an inbox item or the dossier), and the gemeente's table of steps. Thin handlers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from municipal.dossier.access import can_edit
from municipal.handhaving import rules, services
from municipal.handhaving.rules import Besluit, Decision, Matiging, Overtreding, Step
from municipal.web import VERSION_LABELS, add_errors, form_dict
from shared import clock
from shared.errors import RuleError
from shared.forms import FormErrors, collect, parse_choice, parse_date
from shared.rules import format_euros
from shared.web import add_labels, client_ip, gemeente_only, guard, page, redirect, take_notice

add_labels({o.value: o.label for o in Overtreding})
add_labels({b.value: b.label for b in Besluit})

casework_only = guard(can_edit)
NOTICES = {
    "gestart": "De handhavingszaak is gestart. Het inbox-item is afgehandeld als doorgezet naar deze zaak.",
    "besluit": "Het besluit is opgeslagen. Eerdere besluiten blijven in de geschiedenis.",
    "opgeslagen": "De stappen zijn opgeslagen.",
}
OVERTREDINGEN = [(o.value, o.label) for o in Overtreding]
BESLUITEN = [(b.value, b.label) for b in Besluit]
MATIGINGEN = [
    ("", "Nee, het normbedrag"),
    (Matiging.GEMATIGD.value, "Gematigd (lager)"),
    (Matiging.VERHOOGD.value, "Verhoogd (hoger)"),
]


def parse_start(form: dict[str, str]) -> tuple[services.NewCase | None, FormErrors]:
    errors = FormErrors()
    overtreding = collect(
        errors, "overtreding", parse_choice, form.get("overtreding"), Overtreding, "overtreding", "Kies de overtreding."
    )
    datum = collect(errors, "datum", parse_date, form.get("datum"), "datum")
    item = form.get("item", "")
    person = form.get("inburgeraar", "")
    if errors:
        return None, errors
    return (
        services.NewCase(
            inburgeraar_id=int(person) if person.isdigit() else None,
            overtreding=overtreding,
            datum=datum,
            omschrijving=(form.get("omschrijving") or "")[:2000],
            item_id=int(item) if item.isdigit() else None,
        ),
        errors,
    )


def parse_decision(form: dict[str, str]) -> tuple[Decision | None, FormErrors]:
    errors = FormErrors()
    besluit = collect(errors, "besluit", parse_choice, form.get("besluit"), Besluit, "besluit", "Kies een besluit.")
    datum = collect(errors, "besluit_datum", parse_date, form.get("besluit_datum"), "besluit_datum", required=False)
    bedrag = None
    if besluit is Besluit.BOETE:
        bedrag = collect(errors, "bedrag", rules.parse_euros, form.get("bedrag"), "bedrag")
    matiging = collect(
        errors,
        "matiging",
        parse_choice,
        form.get("matiging"),
        Matiging,
        "matiging",
        "Kies of de boete is gematigd of verhoogd.",
        required=False,
    )
    if errors:
        return None, errors
    return (
        Decision(
            besluit=besluit,
            reden=(form.get("reden") or "")[:2000],
            besluit_datum=datum,
            bedrag_cents=bedrag,
            matiging=matiging,
            matiging_reden=(form.get("matiging_reden") or "")[:2000],
        ),
        errors,
    )


def parse_steps(form: dict[str, str]) -> tuple[list[Step], FormErrors]:
    """Rows soort-N, normbedrag-N, maximum-N (N = 1, 2, …); a row without a kind is left out."""
    errors = FormErrors()
    steps: list[Step] = []
    n = 1
    while f"soort-{n}" in form:
        soort = form.get(f"soort-{n}", "")
        if soort in {"waarschuwing", "boete"}:
            position = n  # the form's row, so a complaint lands beside it; save_steps numbers them 1, 2, …
            norm = maximum = 0
            if soort == "boete":
                norm = collect(
                    errors, f"normbedrag-{n}", rules.parse_euros, form.get(f"normbedrag-{n}"), f"normbedrag-{n}"
                )
                maximum = collect(errors, f"maximum-{n}", rules.parse_euros, form.get(f"maximum-{n}"), f"maximum-{n}")
            steps.append(Step(position, soort, norm or 0, maximum or 0))
        n += 1
    return steps, errors


def _step_form(steps) -> dict[str, str]:
    form = {}
    for s in steps:
        form[f"soort-{s.position}"] = s.soort
        form[f"normbedrag-{s.position}"] = format_euros(s.normbedrag_cents).removeprefix("€ ") if s.is_fine else ""
        form[f"maximum-{s.position}"] = format_euros(s.maximum_cents).removeprefix("€ ") if s.is_fine else ""
    return form


class HandhavingController(Controller):
    path = "/gemeente/handhaving"
    guards = [gemeente_only]

    @get("/", name="handhaving.list")
    async def overview(self, request: Request) -> Any:
        data = await services.overview(request.user, client_ip(request))
        return page(
            request,
            "municipal/handhaving_list.html",
            {
                **data,
                "notice": NOTICES.get(take_notice(request), ""),
                "may_manage": services.may_manage_steps(request.user),
            },
        )

    @post("/nieuw", name="handhaving.start", guards=[casework_only])
    async def start(self, request: Request) -> Any:
        form = form_dict(await request.form())
        new, errors = parse_start(form)
        if new is not None:
            try:
                case_id = await services.start_case(request.user, new, client_ip(request))
                return redirect(request, f"/gemeente/handhaving/{case_id}", notice="gestart")
            except services.AlreadyStarted as e:
                return redirect(request, f"/gemeente/handhaving/{e.case_id}")
            except RuleError as e:
                add_errors(errors, e)
        back = (
            f"/inbox/items/{form['item']}"
            if form.get("item", "").isdigit()
            else f"/gemeente/inburgeraars/{form.get('inburgeraar', '')}"
        )
        return page(
            request,
            "municipal/handhaving_start.html",
            {"form": form, "errors": errors, "overtredingen": OVERTREDINGEN, "back": back},
            status=422,
        )

    async def _case(
        self, request: Request, case_id: int, *, form: dict | None = None, errors: FormErrors | None = None, status=200
    ) -> Any:
        view = await services.case_view(request.user, case_id, client_ip(request))
        c = view.case
        default = {
            "besluit": c["besluit"] or ("boete" if view.build_up.step.is_fine else "waarschuwing"),
            "besluit_datum": (c["besluit_datum"] or clock.today()).isoformat(),
            "reden": c["besluit_reden"] or "",
            "bedrag": format_euros(c["bedrag_cents"] or view.build_up.step.normbedrag_cents or None).removeprefix("€ "),
            "matiging": c["matiging"] or "",
            "matiging_reden": c["matiging_reden"] or "",
        }
        return page(
            request,
            "municipal/handhaving_case.html",
            {
                "v": view,
                "c": c,
                "p": view.person,
                "form": form or default,
                "errors": errors or {},
                "notice": NOTICES.get(take_notice(request), ""),
                "besluiten": BESLUITEN,
                "matigingen": MATIGINGEN,
                "overtreding": Overtreding(c["overtreding"]),
                "besluit": Besluit(c["besluit"]) if c["besluit"] else None,
                **VERSION_LABELS,
            },
            status=status,
        )

    @get("/{case_id:int}", name="handhaving.case")
    async def case(self, request: Request, case_id: FromPath[int]) -> Any:
        return await self._case(request, case_id)

    @post("/{case_id:int}/besluit", name="handhaving.decide", guards=[casework_only])
    async def decide(self, request: Request, case_id: FromPath[int]) -> Any:
        await services.case_of(request.user, case_id)
        form = form_dict(await request.form())
        decision, errors = parse_decision(form)
        if decision is not None:
            try:
                await services.decide(request.user, case_id, decision, client_ip(request))
                return redirect(request, f"/gemeente/handhaving/{case_id}", notice="besluit")
            except RuleError as e:
                add_errors(errors, e)
        return await self._case(request, case_id, form=form, errors=errors, status=422)

    async def _steps_page(
        self, request: Request, *, form: dict | None = None, errors: FormErrors | None = None, status=200
    ) -> Any:
        if not services.may_manage_steps(request.user):
            raise NotFoundException()
        steps = await services.steps_for(request.user.gemeente_id)
        rows = len(steps) + 1
        if form is not None:
            rows = max(rows, sum(1 for k in form if k.startswith("soort-")))
        return page(
            request,
            "municipal/handhaving_steps.html",
            {
                "form": form if form is not None else _step_form(steps),
                "errors": errors or {},
                "rows": rows,
                "own": await services.has_own_steps(request.user.gemeente_id),
                "maximum": format_euros(rules.WETTELIJK_MAXIMUM_CENTS),
                "notice": NOTICES.get(take_notice(request), ""),
            },
            status=status,
        )

    @get("/instellingen", name="handhaving.steps")
    async def steps(self, request: Request) -> Any:
        return await self._steps_page(request)

    @post("/instellingen", name="handhaving.steps_save")
    async def steps_save(self, request: Request) -> Any:
        if not services.may_manage_steps(request.user):
            raise NotFoundException()
        form = form_dict(await request.form())
        steps, errors = parse_steps(form)
        if not errors:
            try:
                await services.save_steps(request.user, steps, client_ip(request))
                return redirect(request, "/gemeente/handhaving/instellingen", notice="opgeslagen")
            except RuleError as e:
                add_errors(errors, e)
        return await self._steps_page(request, form=form, errors=errors, status=422)
