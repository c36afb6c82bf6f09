"""The provider portal through the real app and a real database: overview, hours, corrections,
completions, the weekly grid, history; and every refusal stores nothing."""

import json
from datetime import date, timedelta

import pytest

from shared import clock
from shared.calendar import previous_month, week_of
from shared.tables import AuditEvent, DomainEvent, HourRecord, Inburgeraar, Milestone
from tests.support import make_enrollment, make_person

pytestmark = pytest.mark.anyio  # before collection, so that parametrized tests keep their parameters
LAST_MONTH = previous_month(clock.today())


def hours_form(world, person="amina", enrollment="amina_taal", **values):
    data = {
        "enrollment": str(world.enrollments[enrollment]),
        "kind": "taal_knm",
        "period_start": LAST_MONTH.start.isoformat(),
        "period_end": LAST_MONTH.end.isoformat(),
        "attended": "36,75",
        "geoorloofd": "",
        "ongeoorloofd": "",
        "verzuim_reden": "",
        "toelichting": "",
    }
    data.update(values)
    return f"/portaal/inburgeraars/{world.people[person]}", data


async def post_hours(client, world, person="amina", enrollment="amina_taal", confirm=False, **values):
    """Fill in and send the hours form; with confirm=True, also say "Ja, vervang" when it asks."""
    url, data = hours_form(world, person, enrollment, **values)
    page = await client.submit(url, "#uren form", data, follow_redirects=True)
    if confirm and page.status == 422 and page.doc.select_one("button[name=bevestigd]"):
        page = await confirm_replace(client, page, "#uren form")
    return page


async def confirm_replace(client, page, form_selector):
    """Press "Ja, vervang" on a page that asks: the same form's values plus the button's record ids."""
    form = page.doc.select_one(form_selector)
    values = {}
    for el in form.find_all(["input", "select", "textarea"]):
        if not el.get("name") or el.get("type") in {"submit", "radio", "checkbox"}:
            continue
        if el.name == "select":
            chosen = el.find("option", selected=True) or el.find("option")
            values[el["name"]] = chosen.get("value", "") if chosen else ""
        else:
            values[el["name"]] = el.get_text() if el.name == "textarea" else el.get("value", "")
    button = form.select_one("button[name=bevestigd]")
    values["bevestigd"] = button["value"]
    return await client.post(form["action"], values, csrf=False, follow_redirects=True)


async def test_overview_lists_only_people_enrolled_here(client, world):
    await client.login(world.users["school"])
    page = await client.get("/portaal")
    names = [row[0] for row in page.table_rows("table.people")]
    assert len(names) == 3
    assert any("Haddad, Amina" in n for n in names) and any("Kovalenko, Olena" in n for n in names)
    assert not any("Darwish" in n for n in names)  # Omar is not enrolled at the school
    assert "600 uur taal" in page.text  # B1-route progress bar


async def test_overview_search_answers_htmx_with_the_rows_only(client, world):
    await client.login(world.users["school"])
    r = await client.get("/portaal?q=haddad", headers={"HX-Request": "true"})
    assert "<html" not in r.text and r.response.headers["vary"] == "HX-Request"
    assert len(r.table_rows("table.people")) == 1


async def test_pvt_provider_sees_no_language_hours(client, world):
    from shared.tables import HourRecord as H

    await client.login(world.users["school"])
    await post_hours(client, world)
    assert await H.count() == 1
    await client.login(world.users["pvt"])
    page = await client.get(f"/portaal/inburgeraars/{world.people['amina']}")
    assert page.status == 200
    assert "36,75" not in page.text and "taal gevolgd" not in page.text
    history = await client.get(f"/portaal/inburgeraars/{world.people['amina']}/geschiedenis")
    assert "36,75" not in history.text


async def test_enter_hours_and_see_them_with_event_and_audit(client, world):
    await client.login(world.users["school"])
    page = await post_hours(client, world, attended="36,75", geoorloofd="1,5", verzuim_reden="ziek")
    assert page.status == 200
    assert page.notice() == "De uren zijn opgeslagen."
    rows = page.table_rows("#uren table")
    assert rows[0][2:6] == ["36,75", "1,5", "0", "Ziek"]
    record = await HourRecord.select().first()
    assert (record["attended_minutes"], record["geoorloofd_minutes"], record["source"]) == (2205, 90, "form")
    assert record["formal"] is True  # the school has the BoW keurmerk
    event = await DomainEvent.select().first()
    assert event["kind"] == "hours.reported" and event["inburgeraar"] == world.people["amina"]
    assert json.loads(event["payload"])["attended_minutes"] == 2205
    actions = [a["action"] for a in await AuditEvent.select(AuditEvent.action)]
    assert "hours.reported" in actions and "inburgeraar.view" in actions


async def test_same_period_again_is_a_correction_that_keeps_history(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world, attended="36,75")
    page = await post_hours(client, world, attended="40", confirm=True)
    assert "correctie is opgeslagen" in page.notice()
    current = await HourRecord.select().where(HourRecord.superseded_by.is_null())
    assert [r["attended_minutes"] for r in current] == [2400]
    old = await HourRecord.select().where(HourRecord.superseded_by.is_not_null()).first()
    assert old["attended_minutes"] == 2205 and old["superseded_by"] == current[0]["id"]
    assert current[0]["supersedes"] == old["id"]
    history = await client.get(f"/portaal/inburgeraars/{world.people['amina']}/geschiedenis")
    statuses = [row[5] for row in history.table_rows()]
    assert statuses == ["correctie (geldend)", "vervangen door correctie"]
    kinds = [e["kind"] for e in await DomainEvent.select(DomainEvent.kind).order_by(DomainEvent.id)]
    assert kinds == ["hours.reported", "hours.corrected"]


async def test_the_same_report_twice_changes_nothing(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world)
    page = await post_hours(client, world)
    assert "niets veranderd" in page.notice()
    assert await HourRecord.count() == 1 and await DomainEvent.count() == 1


async def test_an_overlapping_period_is_refused(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world)
    mid = LAST_MONTH.start + timedelta(days=10)
    page = await post_hours(client, world, period_start=mid.isoformat(), period_end=LAST_MONTH.end.isoformat())
    assert page.status == 422
    assert "overlapt met een eerdere melding" in page.field_error("period_start")
    assert await HourRecord.count() == 1


async def test_gezinsmigrant_language_hours_are_refused_and_nothing_stored(client, world):
    await client.login(world.users["school"])
    page = await post_hours(client, world, person="gezin", enrollment="gezin_taal")
    assert page.status == 422
    assert "rechtstreeks aan DUO" in page.field_error("kind")
    assert await HourRecord.count() == 0 and await DomainEvent.count() == 0


async def test_bad_hours_get_a_message_beside_the_field(client, world):
    await client.login(world.users["school"])
    cases = [
        ({"attended": "-2"}, "attended", "negatief"),
        ({"attended": "7,1"}, "attended", "kwartieren"),
        ({"attended": "1.000"}, "attended", "niet eenduidig"),
        ({"attended": "800"}, "attended", "past niet"),
        ({"ongeoorloofd": "3"}, "verzuim_reden", "reden"),
        ({"period_end": "31-02-2026"}, "period_end", "bestaat niet"),
        ({"period_end": (clock.today() + timedelta(days=3)).isoformat()}, "period_end", "toekomst"),
        ({"period_start": "2000-01-01", "period_end": "2000-01-31"}, "period_start", "vóór de inschrijving"),
        ({"kind": "participatie_activiteiten"}, "kind", "geen uren"),
        ({"verzuim_reden": "vakantie", "geoorloofd": "1"}, "verzuim_reden", "uit de lijst"),
    ]
    for values, field, message in cases:
        page = await post_hours(client, world, **values)
        assert page.status == 422, values
        assert message in page.field_error(field), (values, page.errors())
    assert await HourRecord.count() == 0 and await DomainEvent.count() == 0


async def test_point_and_comma_mean_the_same(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world, attended="7.5")
    assert (await HourRecord.select(HourRecord.attended_minutes).first())["attended_minutes"] == 450
    page = await post_hours(client, world, attended="7,5")
    assert "niets veranderd" in page.notice()


async def test_htmx_form_errors_come_back_as_the_fragment_with_422(client, world):
    await client.login(world.users["school"])
    url, data = hours_form(world, attended="-1")
    data["_csrf_token"] = await client.csrf_token()
    r = await client.http.post(url + "/uren", data=data, headers={"HX-Request": "true"})
    assert r.status_code == 422 and "<html" not in r.text and 'id="uren"' in r.text
    assert "negatief" in r.text
    data["attended"] = "12"
    r = await client.http.post(url + "/uren", data=data, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "De uren zijn opgeslagen." in r.text


async def test_pvt_signed_is_stored_with_an_event_and_can_be_corrected(client, world):
    await client.login(world.users["pvt"])
    url = f"/portaal/inburgeraars/{world.people['amina']}"
    day = clock.today() - timedelta(days=3)
    page = await client.submit(
        url, "#afronding form", {"kind": "pvt_ondertekening", "event_date": day.isoformat()}, follow_redirects=True
    )
    assert page.notice() == "De melding is opgeslagen."
    assert "open" not in (await client.get("/portaal")).table_rows("table.people")[0][6]
    page = await client.submit(
        url,
        "#afronding form",
        {"kind": "pvt_ondertekening", "event_date": (day - timedelta(days=1)).isoformat()},
        follow_redirects=True,
    )
    assert "correctie" in page.notice()
    assert await Milestone.count() == 2
    current = await Milestone.select().where(Milestone.superseded_by.is_null())
    assert [m["event_date"] for m in current] == [day - timedelta(days=1)]
    kinds = [e["kind"] for e in await DomainEvent.select(DomainEvent.kind).order_by(DomainEvent.id)]
    assert kinds == ["milestone.reported", "milestone.corrected"]


async def test_milestone_refusals_store_nothing(client, world):
    await client.login(world.users["pvt"])
    tesfay = f"/portaal/inburgeraars/{world.people['tesfay']}"
    page = await client.submit(
        tesfay, "#afronding form", {"kind": "map_eindgesprek", "event_date": clock.today().isoformat()}
    )
    assert page.status == 422 and "MAP niet verplicht" in page.field_error("kind")
    amina = f"/portaal/inburgeraars/{world.people['amina']}"
    page = await client.submit(
        amina,
        "#afronding form",
        {"kind": "pvt_ondertekening", "event_date": (clock.today() + timedelta(days=1)).isoformat()},
    )
    assert page.status == 422 and "toekomst" in page.field_error("event_date")
    page = await client.submit(
        amina, "#afronding form", {"kind": "niet_voltooid", "event_date": clock.today().isoformat()}
    )
    assert page.status == 422 and "verwijtbaar" in page.field_error("verwijtbaar")
    assert await Milestone.count() == 0 and await DomainEvent.count() == 0


async def test_not_completed_with_verwijtbaar_and_reason(client, world):
    await client.login(world.users["pvt"])
    page = await client.submit(
        f"/portaal/inburgeraars/{world.people['amina']}",
        "#afronding form",
        {
            "kind": "niet_voltooid",
            "event_date": clock.today().isoformat(),
            "verwijtbaar": "ja",
            "toelichting": "Drie keer niet verschenen",
        },
        follow_redirects=True,
    )
    assert page.status == 200
    m = await Milestone.select().first()
    assert m["verwijtbaar"] is True and m["toelichting"] == "Drie keer niet verschenen"


async def test_weekly_grid_for_volunteers_all_or_nothing(client, world):
    await client.login(world.users["volunteers"])
    sunday_past = week_of(clock.today()).start - timedelta(days=7)
    url = f"/portaal/week?week={sunday_past.isoformat()}&soort=participatie_activiteiten"
    page = await client.get(url)
    omar = world.people["omar"]
    assert page.doc.find(id=f"p{omar}_attended") is not None
    bad = await client.submit(url, "form.week", {f"p{omar}_attended": "3", f"p{omar}_ongeoorloofd": "1"})
    assert bad.status == 422 and "reden" in bad.field_error(f"p{omar}_reden")
    assert await HourRecord.count() == 0
    good = await client.submit(url, "form.week", {f"p{omar}_attended": "3,5"}, follow_redirects=True)
    assert good.status == 200 and good.notice() == "De uren van 1 persoon zijn opgeslagen."
    record = await HourRecord.select().first()
    assert (record["period_start"], record["period_end"]) == (sunday_past, sunday_past + timedelta(days=6))
    assert record["formal"] is False  # a volunteer organisation is not BoW-certified


async def save_week(client, world, monday: date, attended: str = "2"):
    url = f"/portaal/week?week={monday.isoformat()}&soort=participatie_activiteiten"
    return await client.submit(url, "form.week", {f"p{world.people['omar']}_attended": attended})


@pytest.mark.parametrize(
    "current_week, last_week",
    [
        pytest.param(date(2026, 11, 16), date(2026, 11, 9), id="wednesday"),  # the default day
        pytest.param(
            date(2026, 12, 28),
            date(2026, 12, 21),
            id="31-december",  # this week ends in 2027
            marks=pytest.mark.clock("2026-12-31T16:00"),
        ),
        pytest.param(
            date(2028, 2, 28),
            date(2028, 2, 21),
            id="leap-day",  # this week holds 29 Feb
            marks=pytest.mark.clock("2028-02-29T23:30"),
        ),
    ],
)
async def test_weekly_grid_refuses_a_week_that_is_not_over(client, world, current_week, last_week):
    await client.login(world.users["volunteers"])
    assert week_of(clock.today()).start == current_week
    page = await save_week(client, world, current_week)
    assert page.status == 422 and "toekomst" in page.text
    assert await HourRecord.count() == 0
    page = await save_week(client, world, last_week)
    assert page.status == 303
    record = await HourRecord.select().first()
    assert (record["period_start"], record["period_end"]) == (last_week, last_week + timedelta(days=6))


@pytest.mark.clock("2026-11-29T15:00")  # a Sunday
async def test_weekly_grid_takes_the_week_on_its_last_day(client, world):
    """A period may be reported once its end date is not in the future (shared.rules.check_period), so on
    Sunday the week ending that day can be saved; next week cannot."""
    await client.login(world.users["volunteers"])
    page = await save_week(client, world, date(2026, 11, 30))
    assert page.status == 422 and "toekomst" in page.text
    page = await save_week(client, world, date(2026, 11, 23))
    assert page.status == 303
    record = await HourRecord.select().first()
    assert (record["period_start"], record["period_end"]) == (date(2026, 11, 23), date(2026, 11, 29))


async def test_submissions_page_shows_new_and_corrected(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world, attended="10")
    await post_hours(client, world, attended="11", confirm=True)
    page = await client.get("/portaal/inzendingen")
    assert [row[6] for row in page.table_rows()] == ["correctie", "vervangen"]


async def test_access_ends_a_grace_period_after_the_enrollment_and_at_once_when_moved(client, world):
    today = clock.today()
    recent = await make_person(world.gemeente, voornamen="Recent", achternaam="Gestopt")
    await make_enrollment(
        recent, world.school, "taal", start=today - timedelta(days=200), end=today - timedelta(days=10)
    )
    long_ago = await make_person(world.gemeente, voornamen="Lang", achternaam="Geleden")
    await make_enrollment(
        long_ago, world.school, "taal", start=today - timedelta(days=300), end=today - timedelta(days=60)
    )
    future = await make_person(world.gemeente, voornamen="Nog", achternaam="Niet")
    await make_enrollment(future, world.school, "taal", start=today + timedelta(days=5))
    await client.login(world.users["school"])
    assert (await client.get(f"/portaal/inburgeraars/{recent}")).status == 200
    assert (await client.get(f"/portaal/inburgeraars/{long_ago}")).status == 404
    assert (await client.get(f"/portaal/inburgeraars/{future}")).status == 404
    await Inburgeraar.update({Inburgeraar.verhuisd_op: today}).where(Inburgeraar.id == world.people["amina"])
    assert (await client.get(f"/portaal/inburgeraars/{world.people['amina']}")).status == 404
    names = " ".join(r[0] for r in (await client.get("/portaal")).table_rows("table.people"))
    assert "Haddad" not in names and "Gestopt" in names and "Geleden" not in names
