"""The inbox screens through the real app: lists with filters and counts, claiming, closing with an
outcome, the DUO view, bulk actions, and the history that keeps every step."""

from datetime import timedelta

from municipal.inbox import services
from municipal.tables import InboxEntry, InboxItem, SavedFilter
from portal import services as portal
from shared import clock
from shared.calendar import previous_month
from shared.hours import HourReport
from shared.security import CurrentUser
from shared.tables import AppUser, Inburgeraar
from shared.vocab import HourKind, MilestoneKind, VerzuimReden


async def as_user(email):
    return CurrentUser.from_row(await AppUser.select().where(AppUser.email == email).first())


async def seed_items(world):
    """A PVT item for Amina (her regisseur: regisseur@test.nl) and a verzuim item for the team queue."""
    regisseur = await as_user("regisseur@test.nl")
    await Inburgeraar.update({Inburgeraar.regisseur: regisseur.id}).where(Inburgeraar.id == world.people["amina"])
    await portal.report_milestone(
        await as_user("pvt@test.nl"),
        world.people["amina"],
        portal.MilestoneInput(
            world.enrollments["amina_pvt"], MilestoneKind.PVT_ONDERTEKENING, clock.today() - timedelta(days=20)
        ),
    )
    await portal.report_hours(
        await as_user("school@test.nl"),
        world.people["tesfay"],
        portal.HourInput(
            world.enrollments["tesfay_taal"],
            HourReport(
                HourKind.TAAL_KNM, previous_month(clock.today()), 10 * 60, 0, 9 * 60, VerzuimReden.ZONDER_BERICHT
            ),
        ),
    )
    await services.process_pending()
    pvt = await InboxItem.select().where(InboxItem.kind == "registreer_pvt").first()
    verzuim = await InboxItem.select().where(InboxItem.kind == "handhaving_verzuim").first()
    return pvt, verzuim


async def test_my_inbox_team_and_gemeente_with_counts(client, world):
    pvt, verzuim = await seed_items(world)
    await client.login(world.users["regisseur"])
    mine = await client.get("/inbox")
    assert mine.h1() == "Inbox"
    rows = mine.table_rows("table.inbox")
    assert len(rows) == 1 and "Registreer PVT-datum bij DUO" in rows[0][2] and "te laat" in rows[0][1]
    everything = await client.get("/inbox?bereik=alle")
    assert len(everything.table_rows("table.inbox")) == 2
    assert "Registreer PVT-datum bij DUO (1)" in everything.text  # counts per filter
    only_late = await client.get("/inbox?bereik=alle&termijn=te_laat")
    assert len(only_late.table_rows("table.inbox")) == 1
    by_kind = await client.get("/inbox?bereik=alle&soort=handhaving_verzuim", headers={"HX-Request": "true"})
    assert "<html" not in by_kind.text and len(by_kind.table_rows("table.inbox")) == 1
    assert by_kind.response.headers["vary"] == "HX-Request"


async def test_sorted_by_deadline(client, world):
    pvt, verzuim = await seed_items(world)
    await client.login(world.users["regisseur"])
    rows = (await client.get("/inbox?bereik=alle")).table_rows("table.inbox")
    assert "PVT" in rows[0][2]  # the older deadline first


async def test_claim_then_close_registered_and_history_shows_each_step(client, world):
    pvt, _ = await seed_items(world)
    await client.login(world.users["regisseur"])
    url = f"/inbox/items/{pvt['id']}"
    page = await client.submit(
        url, f"form[action='{url}/status']:has(input[value=in_behandeling])", {}, follow_redirects=True
    )
    assert "In behandeling" in page.text
    duo = await client.get(url + "/duo")
    assert "PUT /personen/" in duo.text and "datumOndertekeningPvt" in duo.text
    assert duo.doc.select(".copy-button")
    page = await client.submit(
        url + "/duo", "form[action$='/status']", {"registered_on": clock.today().isoformat()}, follow_redirects=True
    )
    assert "geregistreerd na de termijn" in page.text  # 20 days ago: past 10 working days
    item = await InboxItem.select().where(InboxItem.id == pvt["id"]).first()
    assert item["status"] == "afgehandeld" and item["registered_on"] == clock.today()
    open_list = await client.get("/inbox")
    assert "Geen items" in open_list.text  # it left the open list
    history = [li.get_text(" ", strip=True) for li in page.doc.select("ol.history li")]
    # History lines are sentences (issue 13), not "nieuw → in behandeling".
    assert any("heeft het item opgepakt" in h for h in history)
    assert any("heeft het item afgehandeld" in h and "Geregistreerd bij DUO" in h for h in history)
    assert not any("→" in h for h in history)


async def test_a_request_that_does_not_fit_duos_contract_is_not_offered(client, world):
    """A BSN that lost its leading zero in a spreadsheet (8 digits) would be refused by DUO: the DUO page
    says why and offers neither the message nor "Markeer als geregistreerd"."""
    pvt, _ = await seed_items(world)
    await Inburgeraar.update({Inburgeraar.bsn: "12345678"}).where(Inburgeraar.id == world.people["amina"])
    await client.login(world.users["regisseur"])
    page = await client.get(f"/inbox/items/{pvt['id']}/duo")
    assert page.status == 200
    alert = " ".join(page.errors())
    assert "koppelvlak van DUO" in alert and "bsn" in alert and "precies 9 tekens" in alert
    assert "PUT /personen/" not in page.text and not page.doc.select(".copy-button")
    assert page.doc.find(id="registered_on") is None


async def test_closing_needs_an_outcome_with_its_detail(client, world):
    _, verzuim = await seed_items(world)
    await client.login(world.users["regisseur"])
    url = f"/inbox/items/{verzuim['id']}"
    page = await client.submit(
        url, f"form[action='{url}/status']:has(input[value=afgehandeld])", {"outcome": "geen_actie", "reason": ""}
    )
    assert page.status == 422 and "reden" in page.field_error("reason")
    page = await client.submit(
        url,
        f"form[action='{url}/status']:has(input[value=afgehandeld])",
        {"outcome": "geen_actie", "reason": "x" * 2001},
    )
    assert page.status == 422 and "korter dan 2000 tekens" in page.field_error("reason")
    assert (await InboxItem.select().where(InboxItem.id == verzuim["id"]).first())["status"] == "nieuw"


async def test_bulk_assign_and_close(client, world):
    pvt, verzuim = await seed_items(world)
    await client.login(world.users["teamleider"])
    other = await as_user("regisseur@test.nl")
    page = await client.submit(
        "/inbox?bereik=alle",
        "form#bulk",
        {"item": [str(pvt["id"]), str(verzuim["id"])], "medewerker": str(other.id), "actie": "toewijzen"},
        follow_redirects=True,
    )
    assert "2 items toegewezen" in page.text
    assert {i["assignee"] for i in await InboxItem.select(InboxItem.assignee)} == {other.id}
    page = await client.submit(
        "/inbox?bereik=alle",
        "form#bulk",
        {"item": [str(verzuim["id"])], "actie": "sluiten", "reden": ""},
        follow_redirects=True,
    )
    assert "reden" in page.text
    page = await client.submit(
        "/inbox?bereik=alle",
        "form#bulk",
        {"item": [str(verzuim["id"])], "actie": "sluiten", "reden": "Besproken in overleg"},
        follow_redirects=True,
    )
    assert (await InboxItem.select().where(InboxItem.id == verzuim["id"]).first())["outcome"] == "geen_actie"
    # The message counts what happened: an item ticked twice once, an item closed already not at all.
    page = await client.submit(
        "/inbox?bereik=alle",
        "form#bulk",
        {"item": [str(pvt["id"]), str(pvt["id"]), str(verzuim["id"])], "actie": "sluiten", "reden": "Dubbel"},
        follow_redirects=True,
    )
    assert page.notice() == "1 item afgehandeld als geen actie nodig. 1 item was al afgehandeld."
    page = await client.submit(
        "/inbox?bereik=alle",
        "form#bulk",
        {"item": [str(pvt["id"]), str(pvt["id"])], "medewerker": str(other.id), "actie": "toewijzen"},
        follow_redirects=True,
    )
    assert page.notice() == "1 item toegewezen."


async def test_comment_and_reopen(client, world):
    pvt, _ = await seed_items(world)
    await client.login(world.users["regisseur"])
    url = f"/inbox/items/{pvt['id']}"
    await client.submit(url, f"form[action='{url}/opmerking']", {"text": "Gebeld met de aanbieder"})
    await client.submit(
        url,
        f"form[action='{url}/status']:has(input[value=afgehandeld])",
        {"outcome": "doorgezet", "forwarded_to": "Team handhaving"},
    )
    page = await client.submit(url, f"form[action='{url}/status']:has(input[value=nieuw])", {}, follow_redirects=True)
    texts = [li.get_text(" ", strip=True) for li in page.doc.select("ol.history li")]
    assert any("Gebeld met de aanbieder" in t for t in texts)
    assert any("heeft het item heropend" in t for t in texts)
    # Open again, it carries no outcome of the closing; the history keeps where it was sent.
    item = await InboxItem.select().where(InboxItem.id == pvt["id"]).first()
    assert (item["outcome"], item["closed_at"], item["outcome_text"]) == (None, None, "")
    assert any("Doorgezet naar Team handhaving" in t for t in texts)
    assert await InboxEntry.count().where(InboxEntry.item == pvt["id"]) >= 5


async def test_saved_filter(client, world):
    await seed_items(world)
    await client.login(world.users["regisseur"])
    await client.submit("/inbox?bereik=alle&termijn=te_laat", "form[action='/inbox/filters']", {"naam": "Te laat"})
    saved = await SavedFilter.select().first()
    assert saved["name"] == "Te laat" and "termijn=te_laat" in saved["query"]
    assert "Te laat</a>" in (await client.get("/inbox")).text


async def test_dashboard_counts_open_and_late_per_person(client, world):
    await seed_items(world)
    await client.login(world.users["teamleider"])
    page = await client.get("/inbox/dashboard")
    assert page.h1() == "Overzicht team" and "2 open, waarvan 1 te laat" in page.text


async def test_the_filter_form_as_a_browser_sends_it(client, world):
    """Empty fields come along ("aanbieder="): they mean "all", not a 400."""
    await seed_items(world)
    await client.login(world.users["regisseur"])
    page = await client.get(
        "/inbox?bereik=alle&status=open&soort=registreer_pvt&termijn=&leerroute=&aanbieder=",
        headers={"HX-Request": "true"},
    )
    assert page.status == 200 and len(page.table_rows("table.inbox")) == 1
    assert (await client.get("/inbox?aanbieder=abc&pagina=1")).status == 200


async def test_dossier_page_shows_the_timeline_with_hours_chart_milestones_and_items(client, world):
    pvt, _ = await seed_items(world)
    school = await as_user("school@test.nl")
    await portal.report_hours(
        school,
        world.people["amina"],
        portal.HourInput(
            world.enrollments["amina_taal"],
            HourReport(HourKind.TAAL_KNM, previous_month(clock.today()), 40 * 60, 0, 0, None),
        ),
    )
    await client.login(world.users["regisseur"])
    page = await client.get(f"/gemeente/inburgeraars/{world.people['amina']}")
    section = page.doc.select_one("#tijdlijn")
    assert section is not None and section.select_one("svg polyline")  # the running total as a chart
    assert "600 uur" in section.get_text()  # the B1 mark
    events = [li.get_text(" ", strip=True) for li in section.select("ol li")]
    assert any("PVT ondertekend" in e for e in events)
    assert any("Inbox: Registreer PVT-datum bij DUO" in e for e in events)
    assert any(e.startswith(f"{previous_month(clock.today()).end:%d-%m-%Y}") and "Uren" in e for e in events)
    days = [e[:10] for e in events]
    assert days == sorted(days, key=lambda d: (d[6:], d[3:5], d[:2]), reverse=True)  # newest first


async def test_transfer_summary_lists_open_items(client, world):
    pvt, _ = await seed_items(world)
    await client.login(world.users["regisseur"])
    r = await client.http.get(f"/gemeente/inburgeraars/{world.people['amina']}/overdracht")
    assert r.status_code == 200 and "Registreer PVT-datum bij DUO" in r.text


async def test_an_uploaded_report_makes_the_same_item_routed_to_the_regisseur(client, world):
    from tests.web.test_uploads import END, START, bsn, commit, csv_file, upload

    regisseur = await as_user("regisseur@test.nl")
    await Inburgeraar.update({Inburgeraar.regisseur: regisseur.id}).where(Inburgeraar.id == world.people["amina"])
    await client.login(world.users["school"])
    row = f"{await bsn(world.people['amina'])};Haddad;{START};{END};20;0;10;Zonder bericht afwezig;"
    await commit(client, await upload(client, csv_file(row)))
    await services.process_pending()
    items = await InboxItem.select().where(InboxItem.kind == "handhaving_verzuim")
    assert len(items) == 1 and items[0]["assignee"] == regisseur.id and "10 uur ongeoorloofd" in items[0]["detail"]
    await services.process_pending()
    assert await InboxItem.count().where(InboxItem.kind == "handhaving_verzuim") == 1  # once
    # the school uploads a corrected file: the same item says so
    corrected = f"{await bsn(world.people['amina'])};Haddad;{START};{END};20;0;12;Zonder bericht afwezig;"
    await commit(client, await upload(client, csv_file(corrected), filename="oktober-gecorrigeerd.csv"))
    await services.process_pending()
    item = await InboxItem.select().where(InboxItem.kind == "handhaving_verzuim").first()
    assert "12 uur ongeoorloofd" in item["detail"]
    notes = [e["text"] for e in await InboxEntry.select().where(InboxEntry.item == item["id"])]
    assert any("bron gecorrigeerd" in n for n in notes)


async def test_a_pvt_signed_before_a_decreed_day_is_due_a_day_later(client, world):
    """Besluit gelijkstelling (BWBR0051300): 15 May 2026 counts as a holiday. A PVT signed on Tuesday
    12-05-2026 must be registered within 10 working days: by 29-05-2026, not 28-05-2026."""
    from datetime import date

    with clock.travel("2026-05-13T09:00"):
        await portal.report_milestone(
            await as_user("pvt@test.nl"),
            world.people["amina"],
            portal.MilestoneInput(world.enrollments["amina_pvt"], MilestoneKind.PVT_ONDERTEKENING, date(2026, 5, 12)),
        )
        await services.process_pending()
        item = await InboxItem.select().where(InboxItem.kind == "registreer_pvt").first()
        assert item["deadline"] == date(2026, 5, 29)
        await client.login(world.users["regisseur"])
        rows = (await client.get("/inbox?bereik=alle")).table_rows("table.inbox")
    assert "29-05-2026" in rows[0][1] and "nog 9 werkdagen" in rows[0][1]  # seen the next day


async def test_the_page_offers_only_the_gemeentes_own_choices(client, world):
    """Colleagues and teams to assign to, providers to filter on and saved filters: the gemeente's own, by name;
    an ended contract still counts (old items name that provider); nothing of another gemeente or user."""
    from municipal.tables import Team
    from shared.tables import Contract

    start = clock.today() - timedelta(days=400)
    await Contract.insert(
        Contract(gemeente=world.gemeente, organisation=world.pvt, component="pvt", start=start),
        Contract(gemeente=world.gemeente, organisation=world.school, component="taal", start=start, end=start),
        Contract(gemeente=world.gemeente, organisation=world.school, component="map", start=start),
        Contract(gemeente=world.other_gemeente, organisation=world.volunteers, component="participatie", start=start),
    )
    await Team.insert(Team(gemeente=world.gemeente, name="Zuid"), Team(gemeente=world.other_gemeente, name="Noord"))
    other = await AppUser.select(AppUser.id).where(AppUser.email == world.users["other_regisseur"]).first()
    await SavedFilter.insert(SavedFilter(user=other["id"], name="Van een ander", query="status=alle"))
    await client.login(world.users["regisseur"])
    await client.submit("/inbox?status=alle", "form[action='/inbox/filters']", {"naam": "Alles"})
    page = await client.get("/inbox")

    def options(select_id: str) -> list[str]:
        return [o.get_text(strip=True) for o in page.doc.select(f"#{select_id} option") if o.get("value")]

    assert options("bulk-medewerker") == ["Beheer", "Regisseur", "Teamleider"]
    assert options("bulk-team") == ["Zuid"]
    assert options("f-aanbieder") == ["PVT-bureau", "Taalschool"]  # once, though two contracts
    assert [a.get_text(strip=True) for a in page.doc.select("details.saved a")] == ["Alles"]
