"""No silent overwrite: the hours form starts on the first month not yet reported, and a save that would
replace an earlier report (on the form or in the weekly grid) shows old → new and asks first."""

from __future__ import annotations

from datetime import timedelta

from shared import clock
from shared.calendar import month_of, previous_month, week_of
from shared.tables import HourRecord
from tests.web.test_portal import confirm_replace, post_hours

LAST_MONTH = previous_month(clock.today())


async def test_the_form_starts_on_the_first_month_not_yet_reported(client, world):
    await client.login(world.users["school"])
    url = f"/portaal/inburgeraars/{world.people['amina']}"
    page = await client.get(url)
    assert page.doc.find(id="uren-period_start")["value"] == LAST_MONTH.start.isoformat()
    await post_hours(client, world, attended="62,5")
    page = await client.get(url)
    this_month = month_of(clock.today())
    assert page.doc.find(id="uren-period_start")["value"] == this_month.start.isoformat()  # not October again
    assert page.doc.find(id="uren-period_end")["value"] == this_month.end.isoformat()


async def test_replacing_a_report_on_the_form_shows_old_and_new_and_stores_nothing_until_confirmed(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world, attended="62,5")
    asked = await post_hours(client, world, attended="6")
    assert asked.status == 422
    box = asked.doc.select_one("#uren .notice.warn.confirm")
    text = box.get_text(" ", strip=True)
    assert "Deze periode is al gemeld" in text and "Aanwezig 62,5 uur → 6 uur" in text
    assert box["role"] == "alert" and box["tabindex"] == "-1"  # focus lands on the question
    current = await HourRecord.select().where(HourRecord.superseded_by.is_null())
    assert [r["attended_minutes"] for r in current] == [3750]  # nothing replaced yet
    assert asked.doc.select_one("#uren-attended")["value"] == "6"  # what was typed stays
    done = await confirm_replace(client, asked, "#uren form")
    assert "correctie is opgeslagen" in done.notice()
    current = await HourRecord.select().where(HourRecord.superseded_by.is_null())
    assert [r["attended_minutes"] for r in current] == [360]


async def test_saving_again_without_the_yes_button_asks_again(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world, attended="62,5")
    await post_hours(client, world, attended="6")
    again = await post_hours(client, world, attended="6")  # "Uren opslaan" instead of "Ja, vervang"
    assert again.status == 422 and again.doc.select_one(".confirm")
    assert await HourRecord.count() == 1


async def test_a_confirmation_for_a_record_that_changed_meanwhile_asks_again(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world, attended="62,5")
    asked = await post_hours(client, world, attended="6")
    await post_hours(client, world, attended="50", confirm=True)  # a colleague corrected it meanwhile
    stale = await confirm_replace(client, asked, "#uren form")
    assert stale.status == 422 and "Aanwezig 50 uur → 6 uur" in stale.doc.select_one(".confirm").get_text(
        " ", strip=True
    )
    current = await HourRecord.select().where(HourRecord.superseded_by.is_null())
    assert [r["attended_minutes"] for r in current] == [3000]


async def test_the_weekly_grid_asks_before_replacing_with_names_and_old_and_new(client, world):
    await client.login(world.users["volunteers"])
    monday = week_of(clock.today()).start - timedelta(days=7)
    url = f"/portaal/week?week={monday.isoformat()}&soort=participatie_activiteiten"
    omar = world.people["omar"]
    first = await client.submit(url, "form.week", {f"p{omar}_attended": "4"}, follow_redirects=True)
    assert first.notice() == "De uren van 1 persoon zijn opgeslagen."
    asked = await client.submit(url, "form.week", {f"p{omar}_attended": "6"})
    assert asked.status == 422
    text = asked.doc.select_one(".confirm").get_text(" ", strip=True)
    assert "Darwish, Omar" in text and "Aanwezig 4 uur → 6 uur" in text
    assert [r["attended_minutes"] for r in await HourRecord.select()] == [240]
    done = await confirm_replace(client, asked, "form.week")
    assert done.notice() == "De uren van 1 persoon zijn opgeslagen."
    current = await HourRecord.select().where(HourRecord.superseded_by.is_null())
    assert [r["attended_minutes"] for r in current] == [360]


async def test_the_same_week_again_says_nothing_changed(client, world):
    await client.login(world.users["volunteers"])
    monday = week_of(clock.today()).start - timedelta(days=7)
    url = f"/portaal/week?week={monday.isoformat()}&soort=participatie_activiteiten"
    omar = world.people["omar"]
    await client.submit(url, "form.week", {f"p{omar}_attended": "4"})
    again = await client.submit(url, "form.week", {f"p{omar}_attended": "4"}, follow_redirects=True)
    assert again.notice() == "Er is niets veranderd: alle ingevulde uren waren al precies zo gemeld."
