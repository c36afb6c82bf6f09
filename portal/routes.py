"""Provider portal: thin handlers that parse, call a service and render the page or its fragment."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, Parameter

from portal import forms, services
from portal.errors import NeedsConfirmation, NothingChanged, WeekErrors
from portal.rules import describe_replacements, first_unreported_month
from shared import access, clock
from shared.calendar import week_of
from shared.errors import RuleError
from shared.forms import FormErrors, parse_date
from shared.vocab import HourKind, VerzuimReden
from shared.web import MAX_PAGE, PageNo, QueryText, client_ip, page, provider_only, redirect, take_notice

NOTICES = {
    "uren": "De uren zijn opgeslagen.",
    "uren-gecorrigeerd": "De correctie is opgeslagen. De eerdere melding blijft zichtbaar in de geschiedenis.",
    "melding": "De melding is opgeslagen.",
    "melding-gecorrigeerd": "De correctie is opgeslagen. De eerdere melding blijft zichtbaar in de geschiedenis.",
    "uren-ongewijzigd": "Deze uren zijn gelijk aan wat er al stond; er is niets veranderd.",
    "melding-ongewijzigd": "Deze melding is gelijk aan wat er al stond; er is niets veranderd.",
}


# Where a rule's complaint about one person's row shows in the weekly grid.
WEEK_FIELD = {
    "attended": "attended",
    "geoorloofd": "geoorloofd",
    "ongeoorloofd": "ongeoorloofd",
    "verzuim_reden": "reden",
}


def week_notice(stored: int) -> str:
    """After saving the weekly grid: what happened, in a sentence."""
    if stored < 0:
        return ""
    if stored == 0:
        return "Er is niets veranderd: alle ingevulde uren waren al precies zo gemeld."
    people = "1 persoon" if stored == 1 else f"{stored} personen"
    return f"De uren van {people} zijn opgeslagen."


def _form_dict(form) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


class PortalController(Controller):
    path = "/portaal"
    guards = [provider_only]

    @get("/", name="portal.overview")
    async def overview(self, request: Request, q: QueryText = "", pagina: PageNo = 1) -> Any:
        data = await services.overview(request.user, q, pagina, client_ip(request))
        return page(request, "portal/overview.html", {"overview": data}, fragment="portal/_people.html")

    async def _person(
        self,
        request: Request,
        inburgeraar_id: int,
        *,
        hours_form: dict | None = None,
        hours_errors: FormErrors | None = None,
        milestone_form: dict | None = None,
        milestone_errors: FormErrors | None = None,
        fragment: str | None = None,
        status: int = 200,
        notice: str = "",
        confirm: list | None = None,
    ) -> Any:
        data = await services.person_page(request.user, inburgeraar_id, client_ip(request))
        first = data.enrollments[0]
        hour_kinds = data.hour_kinds
        # The form starts on the first month not yet reported for this enrollment and kind, never on one
        # that saving would replace.
        start_kind = hour_kinds[0].value if hour_kinds else ""
        offered = first_unreported_month(
            [
                (h["period_start"], h["period_end"])
                for h in data.hours
                if h["enrollment"] == first["id"] and h["kind"] == start_kind
            ],
            first["start"],
            clock.today(),
        )
        # What the person's current route and doelgroep allow (shared.rules / shared.hours, in the service):
        # the same rules that judge what is sent, so the form never offers what is always refused.
        milestone_kinds = data.milestone_kinds
        context = {
            "p": data,
            # A notice shows in the section it is about: "uren…" above the hours, "melding…" above completions.
            "notice_code": (code := notice or take_notice(request)),
            "notice": NOTICES.get(code, ""),
            "hours_form": hours_form
            or {
                "enrollment": str(first["id"]),
                "period_start": offered.start.isoformat(),
                "period_end": offered.end.isoformat(),
                "kind": start_kind,
            },
            "hours_errors": hours_errors or {},
            "milestone_form": milestone_form
            or {"enrollment": str(first["id"]), "event_date": clock.today().isoformat()},
            "milestone_errors": milestone_errors or {},
            "hour_kinds": hour_kinds,
            "confirm": confirm or [],
            "milestone_kinds": milestone_kinds,
            "reasons": list(VerzuimReden),
            "today": clock.today(),
        }
        return page(request, "portal/person.html", context, fragment=fragment, status=status)

    @get("/inburgeraars/{inburgeraar_id:int}", name="portal.person")
    async def person(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._person(request, inburgeraar_id)

    @post("/inburgeraars/{inburgeraar_id:int}/uren", name="portal.hours")
    async def hours(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        await access.provider_person(request.user, inburgeraar_id)  # 404 before anything is parsed
        form = await request.form()
        raw = _form_dict(form)
        entry, errors = forms.parse_hours_form(raw, forms.confirmed_ids(form))
        notice = ""
        if entry:
            try:
                result = await services.report_hours(request.user, inburgeraar_id, entry, origin=client_ip(request))
                notice = "uren-gecorrigeerd" if result["corrected"] else "uren"
            except NothingChanged:
                notice = "uren-ongewijzigd"
            except NeedsConfirmation as e:
                # Nothing stored: show old → new and ask (docs/ui-patterns.md §6).
                return await self._person(
                    request,
                    inburgeraar_id,
                    hours_form=raw,
                    confirm=describe_replacements(e.replacements, {}),
                    fragment="portal/_hours_section.html",
                    status=422,
                )
            except RuleError as e:
                errors.add(e)
        if errors:
            return await self._person(
                request,
                inburgeraar_id,
                hours_form=raw,
                hours_errors=errors,
                fragment="portal/_hours_section.html",
                status=422,
            )
        if request.htmx:
            return await self._person(request, inburgeraar_id, fragment="portal/_hours_section.html", notice=notice)
        return redirect(request, f"/portaal/inburgeraars/{inburgeraar_id}#uren", notice=notice)

    @post("/inburgeraars/{inburgeraar_id:int}/mijlpalen", name="portal.milestone")
    async def milestone(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        await access.provider_person(request.user, inburgeraar_id)
        raw = _form_dict(await request.form())
        entry, errors = forms.parse_milestone_form(raw)
        notice = ""
        if entry:
            try:
                result = await services.report_milestone(request.user, inburgeraar_id, entry, origin=client_ip(request))
                notice = "melding-gecorrigeerd" if result["corrected"] else "melding"
            except NothingChanged:
                notice = "melding-ongewijzigd"
            except RuleError as e:
                errors.add(e)
        if errors:
            return await self._person(
                request,
                inburgeraar_id,
                milestone_form=raw,
                milestone_errors=errors,
                fragment="portal/_milestone_section.html",
                status=422,
            )
        if request.htmx:
            return await self._person(request, inburgeraar_id, fragment="portal/_milestone_section.html", notice=notice)
        return redirect(request, f"/portaal/inburgeraars/{inburgeraar_id}#afronding", notice=notice)

    @get("/inburgeraars/{inburgeraar_id:int}/geschiedenis", name="portal.person_history")
    async def person_history(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        person, hours, milestones = await services.person_history(request.user, inburgeraar_id, client_ip(request))
        return page(request, "portal/person_history.html", {"person": person, "hours": hours, "milestones": milestones})

    @get("/inzendingen", name="portal.submissions")
    async def submissions(self, request: Request, pagina: PageNo = 1) -> Any:
        rows, current, pages = await services.submissions(request.user, pagina, client_ip(request))
        return page(request, "portal/submissions.html", {"rows": rows, "page": current, "pages": pages})

    async def _week(
        self,
        request: Request,
        monday: date,
        kind: HourKind | None,
        *,
        form: dict | None = None,
        errors: dict | None = None,
        status: int = 200,
        notice: str = "",
        confirm: list | None = None,
    ) -> Any:
        enrollments = await access.provider_enrollments(request.user)
        kinds = services.grid_kinds(enrollments)
        kind = kind if kind in kinds else (kinds[0] if kinds else None)
        rows = await services.grid_rows(request.user, kind) if kind else []
        week = week_of(monday)
        return page(
            request,
            "portal/week.html",
            {
                "rows": rows,
                "kinds": kinds,
                "kind": kind,
                "week": week,
                "form": form or {},
                "errors": errors or {},
                "reasons": list(VerzuimReden),
                "notice": notice,
                "confirm": confirm or [],
                "previous_week": week_of(week.start - timedelta(days=7)),
                "next_week": week_of(week.end + timedelta(days=1)),
                "week_is_over": week.end < clock.today(),
            },
            status=status,
        )

    @get("/week", name="portal.week")
    async def week(
        self,
        request: Request,
        week: QueryText = "",
        soort: QueryText = "",
        opgeslagen: Annotated[int, Parameter(ge=-1, le=MAX_PAGE)] = -1,
    ) -> Any:
        try:
            monday = parse_date(week, "week") if week else week_of(clock.today()).start - timedelta(days=7)
        except RuleError:
            monday = week_of(clock.today()).start
        kind = HourKind(soort) if soort in HourKind._value2member_map_ else None
        notice = week_notice(opgeslagen)
        return await self._week(request, week_of(monday).start, kind, notice=notice)

    @post("/week", name="portal.week_save")
    async def week_save(self, request: Request) -> Any:
        form = await request.form()
        raw = _form_dict(form)
        kind = HourKind(raw["kind"]) if raw.get("kind") in HourKind._value2member_map_ else None
        rows = await services.grid_rows(request.user, kind) if kind else []
        parsed, errors = forms.parse_week_form(raw, [r.person["id"] for r in rows])
        monday = parsed.period.start if parsed else week_of(clock.today()).start
        if parsed:
            try:
                stored = await services.report_week(
                    request.user,
                    parsed.period,
                    parsed.kind,
                    parsed.entries,
                    client_ip(request),
                    confirmed=forms.confirmed_ids(form),
                )
                return redirect(
                    request, f"/portaal/week?week={monday.isoformat()}&soort={kind.value}&opgeslagen={stored}"
                )
            except NeedsConfirmation as e:
                names = {r.person["id"]: f"{r.person['achternaam']}, {r.person['voornamen']}" for r in rows}
                confirm = describe_replacements(e.replacements, names)
                return await self._week(request, monday, kind, form=raw, status=422, confirm=confirm)
            except WeekErrors as e:
                for pid, err in e.errors.items():
                    errors[f"p{pid}_{WEEK_FIELD.get(err.field, 'attended')}"] = err.message
        else:
            try:
                monday = week_of(parse_date(raw.get("week"), "week")).start
            except RuleError:
                pass
        return await self._week(request, monday, kind, form=raw, errors=errors, status=422)
