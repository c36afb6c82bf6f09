"""Setting up the inbox in the UI: routing rules in order, absences with a substitute, thresholds."""

from datetime import timedelta

from municipal.inbox import services
from municipal.tables import Absence, InboxItem, InboxSettings, RoutingRule, Team
from portal import services as portal
from shared import clock
from shared.tables import Inburgeraar
from tests.web.test_inbox import as_user

URL = "/inbox/instellingen"


async def report_pvt(world):
    await portal.report_milestone(
        await as_user("pvt@test.nl"),
        world.people["amina"],
        portal.MilestoneInput(world.enrollments["amina_pvt"], portal.MilestoneKind.PVT_ONDERTEKENING, clock.today()),
    )
    await services.process_pending()
    return await InboxItem.select().first()


async def test_teamleider_adds_team_and_rule_and_new_items_follow_it(client, world):
    await client.login(world.users["teamleider"])
    await client.submit(URL, "form[action$='/team']", {"team_name": "DUO-registratie"})
    team = await Team.select().first()
    page = await client.submit(
        URL,
        "form[action$='/regel']",
        {"name": "PVT naar DUO-team", "kind": "registreer_pvt", "team": str(team["id"])},
        follow_redirects=True,
    )
    assert "PVT naar DUO-team" in page.text
    item = await report_pvt(world)
    assert item["team"] == team["id"]


async def test_rules_can_be_reordered_and_switched_off(client, world):
    await client.login(world.users["teamleider"])
    await client.submit(URL, "form[action$='/team']", {"team_name": "A"})
    team = str((await Team.select().first())["id"])
    for name in ("eerste", "tweede"):
        await client.submit(URL, "form[action$='/regel']", {"name": name, "team": team})
    second = await RoutingRule.select().where(RoutingRule.name == "tweede").first()
    await client.post(f"{URL}/regels/{second['id']}/omhoog")
    names = [r["name"] for r in await RoutingRule.select(RoutingRule.name).order_by(RoutingRule.position)]
    assert names == ["tweede", "eerste"]
    await client.post(f"{URL}/regels/{second['id']}/aan-uit")
    assert (await RoutingRule.select().where(RoutingRule.id == second["id"]).first())["active"] is False


async def test_absence_from_the_ui_sends_new_items_to_the_substitute(client, world):
    regisseur = await as_user("regisseur@test.nl")
    teamleider = await as_user("teamleider@test.nl")
    await Inburgeraar.update({Inburgeraar.regisseur: regisseur.id}).where(Inburgeraar.id == world.people["amina"])
    await client.login(world.users["regisseur"])  # a regisseur reports their own absence
    page = await client.submit(
        URL,
        "form[action$='/afwezigheid']",
        {
            "absent_user": str(regisseur.id),
            "absent_start": clock.today().isoformat(),
            "absent_end": (clock.today() + timedelta(days=10)).isoformat(),
            "substitute": str(teamleider.id),
        },
        follow_redirects=True,
    )
    assert page.status == 200 and await Absence.count() == 1
    item = await report_pvt(world)
    assert item["assignee"] == teamleider.id


async def test_a_regisseur_cannot_mark_others_absent_nor_manage_rules(client, world):
    other = await as_user("teamleider@test.nl")
    await client.login(world.users["regisseur"])
    page = await client.submit(
        URL,
        "form[action$='/afwezigheid']",
        {
            "absent_user": str(other.id),
            "absent_start": clock.today().isoformat(),
            "absent_end": clock.today().isoformat(),
        },
    )
    assert page.status == 422 and "eigen afwezigheid" in page.field_error("absent_user")
    assert await Absence.count() == 0
    assert (await client.post(f"{URL}/team", {"team_name": "X"})).status == 404
    assert await Team.count() == 0
    assert "Routeringsregels" not in (await client.get(URL)).text


async def test_bad_absence_dates_are_refused(client, world):
    await client.login(world.users["regisseur"])
    page = await client.submit(
        URL,
        "form[action$='/afwezigheid']",
        {"absent_start": clock.today().isoformat(), "absent_end": (clock.today() - timedelta(days=1)).isoformat()},
    )
    assert page.status == 422 and "vóór de begindatum" in page.field_error("absent_end")


async def test_thresholds_are_saved_and_validated(client, world):
    await client.login(world.users["teamleider"])
    page = await client.submit(URL, "form[action$='/drempels']", {"afschalen_vooraf_uren": "650"})
    assert page.status == 422 and "onder de 600" in page.field_error("afschalen_vooraf_uren")
    await client.submit(URL, "form[action$='/drempels']", {"afschalen_vooraf_uren": "500", "verzuim_drempel_uren": "4"})
    settings = await InboxSettings.select().first()
    assert (settings["afschalen_vooraf_uren"], settings["verzuim_drempel_uren"]) == (500, 4)
    assert (await services.thresholds_for(world.gemeente)).verzuim_drempel_uren == 4
