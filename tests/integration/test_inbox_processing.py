"""Provider reports become inbox items: the right item, routed right, exactly once; a correction
updates and reopens; an absent regisseur's items go to the substitute."""

import json
from datetime import timedelta

from municipal.inbox import services
from municipal.inbox.rules import Outcome, Status
from municipal.tables import Absence, InboxEntry, InboxItem, RoutingRule, Team
from portal import services as portal
from shared import clock
from shared.calendar import add_working_days, previous_month
from shared.hours import HourReport
from shared.security import CurrentUser
from shared.tables import AppUser, DomainEvent, Enrollment, HourRecord, Inburgeraar
from shared.vocab import HourKind, MilestoneKind, VerzuimReden


async def user(email) -> CurrentUser:
    return CurrentUser.from_row(await AppUser.select().where(AppUser.email == email).first())


async def regisseur_of(world, person_key, email="regisseur@test.nl"):
    uid = (await user(email)).id
    await Inburgeraar.update({Inburgeraar.regisseur: uid}).where(Inburgeraar.id == world.people[person_key])
    return uid


async def report_pvt(world, day, who="pvt@test.nl"):
    return await portal.report_milestone(
        await user(who),
        world.people["amina"],
        portal.MilestoneInput(world.enrollments["amina_pvt"], MilestoneKind.PVT_ONDERTEKENING, day),
    )


async def test_pvt_signed_makes_one_item_routed_to_the_regisseur_with_a_deadline(world):
    regisseur = await regisseur_of(world, "amina")
    day = clock.today() - timedelta(days=2)
    await report_pvt(world, day)
    assert await services.process_pending() == 1
    assert await services.process_pending() == 0  # idempotent: nothing pending any more
    items = await InboxItem.select()
    assert len(items) == 1
    item = items[0]
    assert item["kind"] == "registreer_pvt" and item["assignee"] == regisseur
    assert item["deadline"] == add_working_days(day, 10) and item["event_date"] == day
    assert json.loads(item["refs"])["milestone"]
    routing = await InboxEntry.select().where(InboxEntry.entry_type == "routering").first()
    assert "regisseur van de inburgeraar" in routing["text"]
    assert (await DomainEvent.select(DomainEvent.processed_at).first())["processed_at"] is not None


async def test_the_same_event_twice_never_makes_two_items(world):
    await report_pvt(world, clock.today() - timedelta(days=2))
    event = await DomainEvent.select().first()
    await services.process_pending()
    await DomainEvent.update({DomainEvent.processed_at: None}).where(DomainEvent.id == event["id"])
    await services.process_pending()  # replayed, as after a crash
    assert await InboxItem.count() == 1


async def test_a_correction_updates_and_reopens_a_closed_item_and_says_so(world):
    await regisseur_of(world, "amina")
    regisseur = await user("regisseur@test.nl")
    day = clock.today() - timedelta(days=3)
    await report_pvt(world, day)
    await services.process_pending()
    item = await InboxItem.select().first()
    await services.change_status(
        regisseur, item["id"], Status.AFGEHANDELD, outcome=Outcome.GEREGISTREERD, registered_on=clock.today()
    )
    await report_pvt(world, day - timedelta(days=1))  # the provider corrects the date
    await services.process_pending()
    item = await InboxItem.select().first()
    assert await InboxItem.count() == 1
    assert item["status"] == "nieuw" and item["event_date"] == day - timedelta(days=1)
    assert item["deadline"] == add_working_days(day - timedelta(days=1), 10)
    texts = [e["text"] for e in await InboxEntry.select().order_by(InboxEntry.id)]
    assert any("bron gecorrigeerd" in t and "→" in t for t in texts)
    assert any("Heropend omdat de bron is gecorrigeerd" in t for t in texts)
    assert len(json.loads(item["refs"])["milestone"]) == 2


async def test_absent_regisseur_items_go_to_the_substitute(world):
    regisseur = await regisseur_of(world, "amina")
    substitute = (await user("teamleider@test.nl")).id
    await Absence.insert(
        Absence(
            user=regisseur,
            start=clock.today() - timedelta(days=1),
            end=clock.today() + timedelta(days=7),
            substitute=substitute,
        )
    )
    await report_pvt(world, clock.today())
    await services.process_pending()
    item = await InboxItem.select().first()
    assert item["assignee"] == substitute
    routing = await InboxEntry.select().where(InboxEntry.entry_type == "routering").first()
    assert "vervanger" in routing["text"]


async def test_routing_rule_sends_to_a_team_and_records_the_rule(world):
    await regisseur_of(world, "amina")
    team = (await Team.insert(Team(gemeente=world.gemeente, name="DUO-registratie")).returning(Team.id))[0]["id"]
    rule = (
        await RoutingRule.insert(
            RoutingRule(gemeente=world.gemeente, position=1, name="PVT naar DUO-team", kind="registreer_pvt", team=team)
        ).returning(RoutingRule.id)
    )[0]["id"]
    await report_pvt(world, clock.today())
    await services.process_pending()
    item = await InboxItem.select().first()
    assert (item["team"], item["assignee"]) == (team, None)
    routing = await InboxEntry.select().where(InboxEntry.entry_type == "routering").first()
    assert routing["rule"] == rule and "PVT naar DUO-team" in routing["text"]


async def test_no_regisseur_goes_to_the_team_queue(world):
    team = (await Team.insert(Team(gemeente=world.gemeente, name="Inburgering")).returning(Team.id))[0]["id"]
    await report_pvt(world, clock.today())
    await services.process_pending()
    item = await InboxItem.select().first()
    assert (item["assignee"], item["team"]) == (None, team)


async def test_typed_in_hours_crossing_600_ask_to_judge_afschalen(world):
    school = await user("school@test.nl")
    await Enrollment.update({Enrollment.start: clock.today() - timedelta(days=500)}).where(
        Enrollment.id == world.enrollments["amina_taal"]
    )
    periods = []  # 14 months of 45 hours: 630 hours, past 550 and 600
    cursor = previous_month(clock.today())
    for _ in range(14):
        periods.append(cursor)
        cursor = previous_month(cursor.start)
    for period in reversed(periods):  # month by month, the worker running in between
        await portal.report_hours(
            school,
            world.people["amina"],
            portal.HourInput(
                world.enrollments["amina_taal"], HourReport(HourKind.TAAL_KNM, period, 45 * 60, 0, 0, None)
            ),
        )
        await services.process_pending()
    kinds = [i["kind"] for i in await InboxItem.select(InboxItem.kind)]
    assert kinds.count("afschalen") == 1 and kinds.count("afschalen_vooraf") == 1  # at 585 h, then at 630 h


async def test_unexcused_absence_in_typed_in_hours_asks_for_handhaving(world):
    school = await user("school@test.nl")
    month = previous_month(clock.today())
    await portal.report_hours(
        school,
        world.people["amina"],
        portal.HourInput(
            world.enrollments["amina_taal"],
            HourReport(HourKind.TAAL_KNM, month, 20 * 60, 0, 10 * 60, VerzuimReden.ZONDER_BERICHT),
        ),
    )
    await services.process_pending()
    item = await InboxItem.select().where(InboxItem.kind == "handhaving_verzuim").first()
    assert item is not None and "10 uur ongeoorloofd" in item["detail"]
    # corrected to no absence: the item stays for a human, with a note that the signal no longer holds
    first = await HourRecord.select(HourRecord.id).first()
    await portal.report_hours(
        school,
        world.people["amina"],
        portal.HourInput(
            world.enrollments["amina_taal"],
            HourReport(HourKind.TAAL_KNM, month, 30 * 60, 0, 0, None),
            confirmed=frozenset({first["id"]}),  # the user saw old → new and agreed
        ),
    )
    await services.process_pending()
    notes = [e["text"] for e in await InboxEntry.select().where(InboxEntry.item == item["id"])]
    assert any("geldt daarna niet meer" in n for n in notes)


async def test_items_stay_in_their_gemeente(world):
    await report_pvt(world, clock.today())
    await services.process_pending()
    other = await user("regisseur@amersfoort.nl")
    item = await InboxItem.select().first()
    import pytest
    from litestar.exceptions import NotFoundException

    with pytest.raises(NotFoundException):
        await services.item_for(other, item["id"])


async def test_delayed_start_scan(world):
    late = world.people["amina"]
    await Inburgeraar.update({Inburgeraar.datum_inburgeringsaanbod: clock.today() - timedelta(days=370)}).where(
        Inburgeraar.id > 0
    )
    await Inburgeraar.update(
        {Inburgeraar.pip_dagtekening: clock.today() - timedelta(days=120), Inburgeraar.datum_inburgeringsaanbod: None}
    ).where(Inburgeraar.id == late)
    assert await services.scan_delayed_starts() == 1
    assert await services.scan_delayed_starts() == 0
    item = await InboxItem.select().first()
    assert item["kind"] == "vertraagde_start" and item["inburgeraar"] == late
