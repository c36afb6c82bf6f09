"""The inbox screens: thin handlers over municipal.inbox.services."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from municipal.cbs import services as cbs
from municipal.dossier.access import can_edit
from municipal.handhaving import services as handhaving
from municipal.handhaving.rules import Overtreding, overtreding_for_item
from municipal.inbox import services, setup
from municipal.inbox.rules import ItemKind, Outcome, Status
from municipal.tables import SavedFilter
from shared import clock
from shared.calendar import deadline_text
from shared.errors import RuleError
from shared.forms import FormErrors, parse_date
from shared.vocab import Leerroute, aantal
from shared.web import PageNo, QueryText, client_ip, gemeente_only, page, query_id, redirect, take_notice


def _filters(
    bereik: str, status: str, soort: str, termijn: str, aanbieder: str, leerroute: str, pagina: int
) -> services.Filters:
    """Query values as a form sends them (empty fields included); anything unknown means "all"."""
    return services.Filters(
        scope=bereik if bereik in {"mijn", "team", "alle"} else "mijn",
        status=status if status in {"open", "alle", *[s.value for s in Status]} else "open",
        kind=soort if soort in {k.value for k in ItemKind} else "",
        termijn=termijn if termijn in {"op_tijd", "te_laat", "ver_te_laat"} else "",
        aanbieder=query_id(aanbieder),
        leerroute=leerroute if leerroute in {r.value for r in Leerroute} else "",
        page=pagina,
    )


def _ids(form) -> list[int]:
    return [int(v) for v in form.getall("item", []) if str(v).isdigit()]


class InboxController(Controller):
    path = "/inbox"
    guards = [gemeente_only]

    @get("/", name="inbox.list")
    async def inbox(
        self,
        request: Request,
        bereik: QueryText = "mijn",
        status: QueryText = "open",
        soort: QueryText = "",
        termijn: QueryText = "",
        aanbieder: QueryText = "",
        leerroute: QueryText = "",
        pagina: PageNo = 1,
    ) -> Any:
        f = _filters(bereik, status, soort, termijn, aanbieder, leerroute, pagina)
        data, choices = await asyncio.gather(
            services.inbox_page(request.user, f, client_ip(request)), services.choices(request.user)
        )
        return page(
            request,
            "municipal/inbox.html",
            {
                "f": f,
                "data": data,
                "kinds": list(ItemKind),
                "kinds_by_value": {k.value: k for k in ItemKind},
                "statuses": list(Status),
                "statuses_by_value": {s.value: s for s in Status},
                "providers": choices.providers,
                "saved": choices.saved,
                "today": clock.today(),
                "deadline_text": deadline_text,
                "notice": take_notice(request),
                "colleagues": choices.colleagues,
                "teams": choices.teams,
                "leerroutes": list(Leerroute),
            },
            fragment="municipal/_inbox_list.html",
        )

    @post("/bulk", name="inbox.bulk")
    async def bulk(self, request: Request) -> Any:
        form = await request.form()
        ids, action = _ids(form), form.get("actie", "")
        back = form.get("terug", "/inbox")
        back = back if back.startswith("/inbox") else "/inbox"
        if not ids:
            return redirect(request, back, notice="Kies eerst een of meer items.")
        try:
            if action == "sluiten":
                n = await services.bulk_close(request.user, ids, form.get("reden", ""), client_ip(request))
                message = f"{aantal(n, 'item', 'items')} afgehandeld als geen actie nodig."
                if skipped := len(set(ids)) - n:
                    message += f" {aantal(skipped, 'item was', 'items waren')} al afgehandeld."
            else:
                n = await services.assign(
                    request.user,
                    ids,
                    assignee_id=_int(form.get("medewerker")),
                    team_id=_int(form.get("team")),
                    origin=client_ip(request),
                )
                message = f"{aantal(n, 'item', 'items')} toegewezen."
        except RuleError as e:
            message = e.message
        return redirect(request, back, notice=message)

    @post("/filters", name="inbox.save_filter")
    async def save_filter(self, request: Request) -> Any:
        form = await request.form()
        name, query = str(form.get("naam", "")).strip()[:100], str(form.get("query", ""))
        if name:
            await SavedFilter.insert(SavedFilter(user=request.user.id, name=name, query=query))
        return redirect(request, f"/inbox?{query}")

    @get("/items/{item_id:int}", name="inbox.item")
    async def item(self, request: Request, item_id: FromPath[int]) -> Any:
        return await self._item(request, item_id, notice=take_notice(request))

    async def _item(
        self,
        request: Request,
        item_id: int,
        *,
        errors: FormErrors | None = None,
        form: dict | None = None,
        notice: str = "",
        status: int = 200,
        duo: bool = False,
    ) -> Any:
        data = await (services.duo_view if duo else services.item_page)(request.user, item_id, client_ip(request))
        item = data["item"]
        refs = item["refs"] if isinstance(item["refs"], dict) else json.loads(item["refs"] or "{}")
        handhaving_form = {
            "item": str(item["id"]),
            "overtreding": overtreding_for_item(item["kind"], refs.get("component")).value,
            "datum": item["event_date"].isoformat(),
            "omschrijving": item["detail"],
        }
        return page(
            request,
            "municipal/inbox_duo.html" if duo else "municipal/inbox_item.html",
            {
                **data,
                "kind": ItemKind(item["kind"]),
                "status": Status(item["status"]),
                "outcomes": list(Outcome),
                "errors": errors or {},
                "form": form or {"registered_on": clock.today().isoformat()},
                "notice": notice,
                "deadline": deadline_text(item["deadline"], clock.today()),
                "today": clock.today(),
                "allowed": services.allowed_next(Status(item["status"])),
                # Handhaving (issue 12): start a case from this item, or see the one it started.
                "handhaving_kinds": handhaving.HANDHAVING_ITEM_KINDS,
                "handhaving_case": await handhaving.case_for_item(request.user, item_id),
                "handhaving_form": handhaving_form,
                "overtredingen": [(o.value, o.label) for o in Overtreding],
                "can_edit": can_edit(request.user),
                "assignee_name": next(
                    (c["name"] for c in data.get("colleagues", []) if c["id"] == item["assignee"]), ""
                ),
                "outcome_label": lambda value: Outcome(value).label if value in Outcome._value2member_map_ else value,
            },
            status=status,
        )

    @get("/items/{item_id:int}/duo", name="inbox.duo")
    async def duo(self, request: Request, item_id: FromPath[int]) -> Any:
        return await self._item(request, item_id, duo=True, notice=take_notice(request))

    # Issue 11: "Verstuur naar DUO" queues the registration (municipal/duo/outbox.py); the sender job sends it.
    @post("/items/{item_id:int}/duo/versturen", name="inbox.duo_send")
    async def duo_send(self, request: Request, item_id: FromPath[int]) -> Any:
        from municipal.duo import outbox

        form = await request.form()
        choice = str(form.get("verwijtbaar", "")) or None
        try:
            await outbox.queue(request.user, item_id, client_ip(request), verwijtbaar=choice)
        except RuleError as e:
            key = e.field if e.field == "verwijtbaar" else "duo"
            return await self._item(request, item_id, duo=True, errors={key: e.message}, status=422)
        sent = "Het bericht staat in de wachtrij voor DUO. Hieronder ziet u wanneer DUO de ontvangst bevestigt."
        return redirect(request, f"/inbox/items/{item_id}/duo", notice=sent)

    @post("/items/{item_id:int}/status", name="inbox.status")
    async def status(self, request: Request, item_id: FromPath[int]) -> Any:
        await services.item_for(request.user, item_id)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        errors = FormErrors()
        try:
            new = Status(form.get("status", ""))
            outcome = Outcome(form["outcome"]) if form.get("outcome") in {o.value for o in Outcome} else None
            registered_on = parse_date(form.get("registered_on"), "registered_on", required=False)
            warning = await services.change_status(
                request.user,
                item_id,
                new,
                outcome=outcome,
                registered_on=registered_on,
                reason=form.get("reason", ""),
                forwarded_to=form.get("forwarded_to", ""),
                origin=client_ip(request),
            )
        except RuleError as e:  # TransitionError too: a Dutch message and its field
            errors.add(e)
        except ValueError:
            errors.add(RuleError("Kies een geldige status.", "status"))
        if errors:
            return await self._item(
                request, item_id, errors=errors, form=form, status=422, duo=form.get("from") == "duo"
            )
        message = warning or "Opgeslagen."
        return redirect(request, f"/inbox/items/{item_id}", notice=message)

    @post("/items/{item_id:int}/opmerking", name="inbox.comment")
    async def comment(self, request: Request, item_id: FromPath[int]) -> Any:
        form = await request.form()
        return await self._act(
            request,
            item_id,
            lambda: services.comment(request.user, item_id, str(form.get("text", "")), client_ip(request)),
            "Opmerking toegevoegd.",
            anchor="#geschiedenis",
        )

    async def _act(self, request: Request, item_id: int, action, done: str, anchor: str = "") -> Any:
        """Run one step on an item: on a refusal the item page again with the reason beside the field."""
        await services.item_for(request.user, item_id)
        try:
            await action()
        except RuleError as e:
            errors = FormErrors()
            errors.add(e)
            return await self._item(request, item_id, errors=errors, status=422)
        return redirect(request, f"/inbox/items/{item_id}{anchor}", notice=done)

    @post("/items/{item_id:int}/toewijzen", name="inbox.assign")
    async def assign(self, request: Request, item_id: FromPath[int]) -> Any:
        form = await request.form()
        return await self._act(
            request,
            item_id,
            lambda: services.assign(
                request.user,
                [item_id],
                assignee_id=_int(form.get("medewerker")),
                team_id=_int(form.get("team")),
                origin=client_ip(request),
            ),
            "Toegewezen.",
        )

    @get("/dashboard", name="inbox.dashboard")
    async def dashboard(self, request: Request) -> Any:
        data = await services.dashboard(request.user)
        # Issue 12: the next CBS delivery and its deadline in working days.
        data["cbs"] = await cbs.next_deadline(request.user.gemeente_id)
        return page(request, "municipal/inbox_dashboard.html", data)


class InboxSetupController(Controller):
    """Teams, routing rules, absences and thresholds: /inbox/instellingen."""

    path = "/inbox/instellingen"
    guards = [gemeente_only]

    async def _page(
        self,
        request: Request,
        *,
        errors: FormErrors | None = None,
        form: dict | None = None,
        status: int = 200,
        notice: str = "",
    ) -> Any:
        data = await setup.overview(request.user)
        return page(
            request,
            "municipal/inbox_setup.html",
            {
                **data,
                "errors": errors or {},
                "form": form or {},
                "notice": notice,
                "may_manage": setup.may_manage(request.user),
            },
            status=status,
        )

    @get("/", name="inbox.setup")
    async def show(self, request: Request) -> Any:
        return await self._page(request, notice=take_notice(request))

    async def _do(self, request: Request, action, *, manager_only: bool = True) -> Any:
        if manager_only and not setup.may_manage(request.user):
            from litestar.exceptions import NotFoundException

            raise NotFoundException()
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            await action(form)
        except RuleError as e:
            errors = FormErrors()
            errors.add(e)
            return await self._page(request, errors=errors, form=form, status=422)
        return redirect(request, "/inbox/instellingen", notice="Opgeslagen.")

    @post("/team", name="inbox.setup.team")
    async def team(self, request: Request) -> Any:
        return await self._do(request, lambda f: setup.add_team(request.user, f.get("team_name", "")))

    @post("/teammailbox", name="inbox.setup.mailbox")
    async def mailbox(self, request: Request) -> Any:
        return await self._do(
            request, lambda f: setup.set_mailbox(request.user, _int(f.get("mailbox_team")), f.get("mailbox", ""))
        )

    @post("/lid", name="inbox.setup.member")
    async def member(self, request: Request) -> Any:
        return await self._do(
            request, lambda f: setup.add_member(request.user, _int(f.get("member_team")), _int(f.get("member_user")))
        )

    @post("/regel", name="inbox.setup.rule")
    async def rule(self, request: Request) -> Any:
        return await self._do(request, lambda f: setup.add_rule(request.user, f))

    @post("/regels/{rule_id:int}/omhoog", name="inbox.setup.up")
    async def up(self, request: Request, rule_id: FromPath[int]) -> Any:
        return await self._do(request, lambda f: setup.move_rule(request.user, rule_id, -1))

    @post("/regels/{rule_id:int}/omlaag", name="inbox.setup.down")
    async def down(self, request: Request, rule_id: FromPath[int]) -> Any:
        return await self._do(request, lambda f: setup.move_rule(request.user, rule_id, 1))

    @post("/regels/{rule_id:int}/aan-uit", name="inbox.setup.toggle")
    async def toggle(self, request: Request, rule_id: FromPath[int]) -> Any:
        return await self._do(request, lambda f: setup.toggle_rule(request.user, rule_id))

    @post("/afwezigheid", name="inbox.setup.absence")
    async def absence(self, request: Request) -> Any:
        async def add(f):
            await setup.add_absence(
                request.user,
                _int(f.get("absent_user")),
                parse_date(f.get("absent_start"), "absent_start", required=False),
                parse_date(f.get("absent_end"), "absent_end", required=False),
                _int(f.get("substitute")),
            )

        return await self._do(request, add, manager_only=False)

    @post("/drempels", name="inbox.setup.thresholds")
    async def thresholds(self, request: Request) -> Any:
        return await self._do(request, lambda f: setup.save_thresholds(request.user, f))


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None
