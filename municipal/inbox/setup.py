"""How a gemeente sets up its inbox: teams, ordered routing rules, absences with a substitute, and the
thresholds of the signal rules. Teamleiders and functioneel beheer manage it; a regisseur may report
their own absence."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar.exceptions import NotFoundException

from municipal.inbox.rules import ItemKind, Thresholds
from municipal.tables import Absence, InboxSettings, RoutingRule, Team, TeamMember
from shared import audit
from shared.db import write_tx
from shared.errors import RuleError
from shared.rules import EMAIL
from shared.security import CurrentUser
from shared.tables import AppUser, Organisation
from shared.vocab import Doelgroep, Leerroute, Role


def may_manage(user: CurrentUser) -> bool:
    return user.is_gemeente and user.role in {Role.TEAMLEIDER, Role.BEHEERDER}


async def _own_user(user: CurrentUser, user_id: int | None, field: str) -> int | None:
    if user_id is None:
        return None
    if not await AppUser.exists().where((AppUser.id == user_id) & (AppUser.gemeente == user.gemeente_id)):
        raise RuleError("Kies een medewerker van uw gemeente.", field)
    return user_id


async def _own_team(user: CurrentUser, team_id: int | None, field: str = "team") -> int:
    if team_id is None or not await Team.exists().where((Team.id == team_id) & (Team.gemeente == user.gemeente_id)):
        raise RuleError("Kies een team van uw gemeente.", field)
    return team_id


async def overview(user: CurrentUser) -> dict[str, Any]:
    g = user.gemeente_id
    teams = await Team.select().where(Team.gemeente == g).order_by(Team.name)
    members = await TeamMember.select(TeamMember.id, TeamMember.team, TeamMember.user.name.as_alias("name")).where(
        TeamMember.team.is_in([t["id"] for t in teams] or [0])
    )
    rules = (
        await RoutingRule.select(
            RoutingRule.all_columns(),
            RoutingRule.team.name.as_alias("team_name"),
            RoutingRule.assignee.name.as_alias("assignee_name"),
            RoutingRule.organisation.name.as_alias("organisation_name"),
        )
        .where(RoutingRule.gemeente == g)
        .order_by(RoutingRule.position)
        .order_by(RoutingRule.id)
    )
    users = await AppUser.select(AppUser.id, AppUser.name).where(AppUser.gemeente == g).order_by(AppUser.name)
    absences = (
        await Absence.select(
            Absence.all_columns(),
            Absence.user.name.as_alias("name"),
            Absence.substitute.name.as_alias("substitute_name"),
        )
        .where(Absence.user.gemeente == g)
        .order_by(Absence.start, ascending=False)
    )
    settings = await InboxSettings.select().where(InboxSettings.gemeente == g).first()
    organisations = await Organisation.select(Organisation.id, Organisation.name).order_by(Organisation.name)
    return {
        "teams": teams,
        "members": members,
        "rules": rules,
        "users": users,
        "absences": absences,
        "settings": settings or Thresholds().__dict__,
        "organisations": organisations,
        "kinds": list(ItemKind),
        "leerroutes": list(Leerroute),
        "doelgroepen": list(Doelgroep),
    }


async def add_team(user: CurrentUser, name: str) -> None:
    if not name.strip():
        raise RuleError("Geef het team een naam.", "team_name")
    await Team.insert(Team(gemeente=user.gemeente_id, name=name.strip()[:100]))


async def set_mailbox(user: CurrentUser, team_id: int | None, address: str) -> None:
    """The team's shared mailbox for the daily digest (empty: no digest). Raises RuleError for a foreign team
    or an address that is not one."""
    team = await _own_team(user, team_id, "mailbox_team")
    address = address.strip().lower()
    if address and (not EMAIL.fullmatch(address) or len(address) > 254):
        raise RuleError(f"'{address}' is geen e-mailadres. Schrijf bijvoorbeeld team@gemeente.nl.", "mailbox")
    await Team.update({Team.mailbox: address}).where(Team.id == team)


async def add_member(user: CurrentUser, team_id: int | None, user_id: int | None) -> None:
    team = await _own_team(user, team_id, "member_team")
    member = await _own_user(user, user_id, "member_user")
    if member is None:
        raise RuleError("Kies een medewerker.", "member_user")
    if not await TeamMember.exists().where((TeamMember.team == team) & (TeamMember.user == member)):
        await TeamMember.insert(TeamMember(team=team, user=member))


async def add_rule(user: CurrentUser, values: dict[str, str]) -> None:
    team = await _own_team(user, int(values["team"]) if values.get("team", "").isdigit() else None)
    assignee = await _own_user(
        user, int(values["assignee"]) if values.get("assignee", "").isdigit() else None, "assignee"
    )
    if not values.get("name", "").strip():
        raise RuleError("Geef de regel een naam.", "name")
    kind = values.get("kind") or None
    if kind and kind not in {k.value for k in ItemKind}:
        raise RuleError("Kies een soort uit de lijst.", "kind")
    organisation = int(values["organisation"]) if values.get("organisation", "").isdigit() else None
    async with write_tx():
        last = (
            await RoutingRule.select(RoutingRule.position)
            .where(RoutingRule.gemeente == user.gemeente_id)
            .order_by(RoutingRule.position, ascending=False)
            .first()
        )
        await RoutingRule.insert(
            RoutingRule(
                gemeente=user.gemeente_id,
                position=(last["position"] + 1) if last else 1,
                name=values["name"].strip(),
                kind=kind,
                leerroute=values.get("leerroute") or None,
                doelgroep=values.get("doelgroep") or None,
                organisation=organisation,
                team=team,
                assignee=assignee,
            )
        )
        await audit.record(user, "routing_rule.create", "routing_rule", "", detail=values["name"].strip())


async def move_rule(user: CurrentUser, rule_id: int, direction: int) -> None:
    """Swap a rule with its neighbour: the order is what decides."""
    async with write_tx():
        rules = (
            await RoutingRule.select(RoutingRule.id, RoutingRule.position)
            .where(RoutingRule.gemeente == user.gemeente_id)
            .order_by(RoutingRule.position)
            .order_by(RoutingRule.id)
        )
        index = next((i for i, r in enumerate(rules) if r["id"] == rule_id), None)
        if index is None:
            raise NotFoundException()
        other = index + direction
        if 0 <= other < len(rules):
            order = [r["id"] for r in rules]
            order[index], order[other] = order[other], order[index]
            for position, rid in enumerate(order, start=1):
                await RoutingRule.update({RoutingRule.position: position}).where(RoutingRule.id == rid)


async def toggle_rule(user: CurrentUser, rule_id: int) -> None:
    rule = (
        await RoutingRule.select()
        .where((RoutingRule.id == rule_id) & (RoutingRule.gemeente == user.gemeente_id))
        .first()
    )
    if rule is None:
        raise NotFoundException()
    await RoutingRule.update({RoutingRule.active: not rule["active"]}).where(RoutingRule.id == rule_id)
    await audit.record(
        user, "routing_rule.toggle", "routing_rule", rule_id, detail="aan" if not rule["active"] else "uit"
    )


async def add_absence(
    user: CurrentUser, who: int | None, start: date | None, end: date | None, substitute: int | None
) -> None:
    who = await _own_user(user, who, "absent_user")
    if who is None or (who != user.id and not may_manage(user)):
        raise RuleError("U kunt alleen uw eigen afwezigheid doorgeven.", "absent_user")
    if start is None or end is None:
        raise RuleError("Vul een begin- en einddatum in.", "absent_start")
    if end < start:
        raise RuleError("De einddatum ligt vóór de begindatum.", "absent_end")
    substitute = await _own_user(user, substitute, "substitute")
    if substitute == who:
        raise RuleError("Iemand kan niet zijn eigen vervanger zijn.", "substitute")
    await Absence.insert(Absence(user=who, start=start, end=end, substitute=substitute))
    await audit.record(user, "absence.create", "user", who, detail=f"{start}..{end}")


async def save_thresholds(user: CurrentUser, values: dict[str, str]) -> None:
    fields = [
        "afschalen_vooraf_uren",
        "verzuim_drempel_uren",
        "verzuim_herhaald_perioden",
        "achterstand_procent",
        "behandeltermijn_werkdagen",
    ]
    parsed = {}
    for name in fields:
        raw = values.get(name, "").strip()
        if not raw.isdigit() or int(raw) < 1:
            raise RuleError("Vul een heel getal groter dan 0 in.", name)
        parsed[name] = int(raw)
    if parsed["afschalen_vooraf_uren"] >= 600:
        raise RuleError("Het vroege signaal moet onder de 600 uur liggen.", "afschalen_vooraf_uren")
    if parsed["achterstand_procent"] >= 100:
        raise RuleError("Een percentage onder de 100.", "achterstand_procent")
    async with write_tx():
        if await InboxSettings.exists().where(InboxSettings.gemeente == user.gemeente_id):
            await InboxSettings.update({getattr(InboxSettings, k): v for k, v in parsed.items()}).where(
                InboxSettings.gemeente == user.gemeente_id
            )
        else:
            await InboxSettings.insert(InboxSettings(gemeente=user.gemeente_id, **parsed))
        await audit.record(
            user,
            "inbox_settings.update",
            "inbox_settings",
            user.gemeente_id,
            detail=", ".join(f"{k}={v}" for k, v in parsed.items()),
        )
