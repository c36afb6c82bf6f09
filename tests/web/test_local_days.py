"""A stored instant becomes a day, week or month only in Dutch time, on both engines (both give timestamps
back in UTC): the team dashboard's "handled per week", the dossier's timeline, the history pages and the
upload's retention. The instants are the awkward ones: 00:30 on the last day of a month in Amsterdam (still
the day before in UTC) and 23:30 UTC on the last day of a month (already the next month in Amsterdam)."""

from datetime import date, timedelta

from municipal.inbox import services
from municipal.inbox.rules import Outcome, Status
from municipal.tables import InboxEntry, InboxItem
from portal import services as portal
from portal.uploads import files
from shared import clock
from shared.calendar import Period
from shared.hours import HourReport
from shared.security import CurrentUser
from shared.tables import AppUser, HourRecord
from shared.vocab import HourKind, MilestoneKind

# Monday 30 November 2026, 00:30 in Amsterdam = Sunday 29 November, 23:30 UTC (the last day of the month)
MONDAY_0030 = "2026-11-30T00:30:00+01:00"
# Monday 30 November 2026, 23:30 UTC = Tuesday 1 December, 00:30 in Amsterdam
LAST_DAY_2330_UTC = "2026-11-30T23:30:00+00:00"


async def as_user(email):
    return CurrentUser.from_row(await AppUser.select().where(AppUser.email == email).first())


async def pvt_item(world) -> dict:
    with clock.travel("2026-11-20T10:00"):
        await portal.report_milestone(
            await as_user("pvt@test.nl"),
            world.people["amina"],
            portal.MilestoneInput(world.enrollments["amina_pvt"], MilestoneKind.PVT_ONDERTEKENING, date(2026, 11, 19)),
        )
        await services.process_pending()
    return await InboxItem.select().where(InboxItem.kind == "registreer_pvt").first()


async def test_dashboard_counts_an_item_closed_at_half_past_midnight_in_its_dutch_week(client, world):
    item = await pvt_item(world)
    regisseur = await as_user("regisseur@test.nl")
    with clock.travel(MONDAY_0030):
        await services.change_status(regisseur, item["id"], Status.IN_BEHANDELING)
        await services.change_status(
            regisseur, item["id"], Status.AFGEHANDELD, outcome=Outcome.GEEN_ACTIE, reason="al geregistreerd"
        )
    closed = await InboxEntry.select().where(InboxEntry.to_status == "afgehandeld").first()
    assert closed["at"].utcoffset() == timedelta(0) and closed["at"].day == 29  # stored and read back in UTC
    with clock.travel("2026-12-02T10:00"):
        await client.login(world.users["teamleider"])
        page = await client.get("/inbox/dashboard")
    headers = [th.get_text(strip=True) for th in page.doc.select("thead th")][3:]
    assert [h[-10:] for h in headers[-2:]] == ["23-11-2026", "30-11-2026"]  # "… in de week van 23-11-2026"
    row = next(r for r in page.table_rows() if r[0] == "Regisseur")
    assert row[3:] == ["0", "0", "0", "0", "0", "1"]  # Monday's week, not the Sunday before


async def test_dashboard_counts_23_30_utc_on_the_last_day_in_the_next_dutch_day(client, world):
    item = await pvt_item(world)
    regisseur = await as_user("regisseur@test.nl")
    # Sunday 6 December 2026, 23:30 UTC is Monday 7 December in Amsterdam: a new week
    with clock.travel("2026-12-06T23:30:00+00:00"):
        await services.change_status(regisseur, item["id"], Status.IN_BEHANDELING)
        await services.change_status(
            regisseur, item["id"], Status.AFGEHANDELD, outcome=Outcome.GEEN_ACTIE, reason="al geregistreerd"
        )
    with clock.travel("2026-12-08T10:00"):
        await client.login(world.users["teamleider"])
        page = await client.get("/inbox/dashboard")
    row = next(r for r in page.table_rows() if r[0] == "Regisseur")
    assert row[-2:] == ["0", "1"]


async def test_timeline_and_item_history_show_the_dutch_day(client, world):
    item = await pvt_item(world)
    regisseur = await as_user("regisseur@test.nl")
    with clock.travel(MONDAY_0030):
        await services.comment(regisseur, item["id"], "Gebeld met de aanbieder")
    with clock.travel(LAST_DAY_2330_UTC):
        await services.comment(regisseur, item["id"], "Nog eens gebeld")
    with clock.travel("2026-12-02T10:00"):
        await client.login(world.users["regisseur"])
        page = await client.get(f"/gemeente/inburgeraars/{world.people['amina']}")
        events = [li.get_text(" ", strip=True) for li in page.doc.select("#tijdlijn ol li")]
        assert any(e.startswith("30-11-2026") and "Gebeld met de aanbieder" in e for e in events), events
        assert any(e.startswith("01-12-2026") and "Nog eens gebeld" in e for e in events), events
        history = (await client.get(f"/inbox/items/{item['id']}")).text
    assert "30-11-2026 00:30" in history and "01-12-2026 00:30" in history


async def test_a_providers_history_shows_when_it_was_entered_in_dutch_time(client, world):
    school = await as_user("school@test.nl")
    october = Period(date(2026, 10, 1), date(2026, 10, 30))
    with clock.travel("2026-10-31T00:30"):  # 00:30 on the last day of October, Amsterdam (summer time ended)
        await portal.report_hours(
            school,
            world.people["amina"],
            portal.HourInput(
                world.enrollments["amina_taal"],
                HourReport(HourKind.TAAL_KNM, october, 600, 0, 0, None),
            ),
        )
    with clock.travel("2026-10-31T23:30:00+00:00"):  # 1 November 00:30 in Amsterdam: a correction
        await portal.report_hours(
            school,
            world.people["amina"],
            portal.HourInput(
                world.enrollments["amina_taal"],
                HourReport(HourKind.TAAL_KNM, october, 660, 0, 0, None),
                confirmed=frozenset({1}),  # the first report, seen and replaced
            ),
        )
    assert {r["entered_at"].day for r in await HourRecord.select(HourRecord.entered_at)} == {30, 31}  # UTC
    with clock.travel("2026-11-02T10:00"):
        await client.login(world.users["school"])
        page = await client.get(f"/portaal/inburgeraars/{world.people['amina']}/geschiedenis")
        submissions = await client.get("/portaal/inzendingen")
    assert "31-10-2026 00:30" in page.text and "01-11-2026 00:30" in page.text
    entered = [r[0] for r in submissions.table_rows()]
    assert entered == ["01-11-2026 00:30", "31-10-2026 00:30"]


async def test_an_uploads_retention_counts_from_its_dutch_day(world):
    from shared.tables import Gemeente

    await Gemeente.update({Gemeente.upload_retention_days: 30}).where(Gemeente.id == world.gemeente)
    batch = {"organisation": world.school, "created_at": clock.instant(LAST_DAY_2330_UTC)}
    assert await files.keep_until(batch, [world.gemeente]) == date(2026, 12, 31)  # 1 December + 30 days
    batch["created_at"] = clock.instant(MONDAY_0030)
    assert await files.keep_until(batch, [world.gemeente]) == date(2026, 12, 30)  # 30 November + 30 days
