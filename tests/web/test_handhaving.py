"""Handhaving over HTTP on both engines: from an inbox item to a warning and a fine, the gemeente's maximum and
the double-punishment guard refusing, the history in the dossier, and providers never seeing any of it."""

from datetime import timedelta

from municipal.handhaving import sdi018
from municipal.handhaving.rules import Besluit
from municipal.inbox import services as inbox
from municipal.tables import HandhavingCase, InboxEntry, InboxItem
from shared import clock
from shared.tables import DossierChange, Gemeente, Inburgeraar
from tests.web.test_inbox import seed_items

TODAY = clock.today()
STEPS_FORM = "form[action='/gemeente/handhaving/instellingen']"


async def start_from_item(client, item_id, follow_redirects=False, **data):
    return await client.submit(f"/inbox/items/{item_id}", "#handhaving form", data, follow_redirects=follow_redirects)


async def decide(client, case_id, follow_redirects=False, **data):
    return await client.submit(
        f"/gemeente/handhaving/{case_id}", "#besluiten form", data, follow_redirects=follow_redirects
    )


async def test_a_regisseur_takes_an_inbox_item_to_a_warning_and_a_later_overtreding_to_a_fine(client, world):
    _, verzuim = await seed_items(world)
    await client.login(world.users["regisseur"])
    item_page = await client.get(f"/inbox/items/{verzuim['id']}")
    form = item_page.doc.select_one("#handhaving form")
    assert form.select_one("#handhaving-overtreding option[selected]")["value"] == "onvoldoende_leerroute"
    page = await start_from_item(client, verzuim["id"], follow_redirects=True)
    assert page.status == 200 and "De handhavingszaak is gestart" in page.notice()
    case = await HandhavingCase.select().first()
    assert case["inburgeraar"] == world.people["tesfay"] and case["overtreding_datum"] == verzuim["event_date"]
    assert "stap 1: waarschuwing" in page.doc.select_one("#opbouw").get_text().lower()
    item = await InboxItem.select().where(InboxItem.id == verzuim["id"]).first()
    assert item["status"] == "afgehandeld" and item["outcome"] == "doorgezet"
    assert f"handhavingszaak {case['id']}" in item["outcome_text"]
    # The same item again: to the same case, never a second one.
    again = await client.post(
        "/gemeente/handhaving/nieuw", {"item": str(verzuim["id"]), "overtreding": "overig", "datum": TODAY.isoformat()}
    )
    assert again.status == 303 and again.response.headers["location"] == f"/gemeente/handhaving/{case['id']}"
    assert await HandhavingCase.count() == 1

    page = await decide(
        client, case["id"], besluit="waarschuwing", reden="Tien uur zonder bericht afwezig", follow_redirects=True
    )
    assert page.status == 200 and "Het besluit is opgeslagen" in page.notice()
    case = await HandhavingCase.select().first()
    assert case["besluit"] == "waarschuwing" and case["stap"] == 1 and case["bedrag_cents"] is None

    # A month later: not at a voortgangsgesprek. Started from the dossier; the build-up says: a fine.
    person_page = f"/gemeente/inburgeraars/{world.people['tesfay']}"
    page = await client.submit(
        person_page,
        "#sectie-handhaving form",
        {"overtreding": "niet_verschenen_voortgang", "datum": TODAY.isoformat(), "omschrijving": "Niet gekomen"},
        follow_redirects=True,
    )
    second = await HandhavingCase.select().where(HandhavingCase.id != case["id"]).first()
    opbouw = page.doc.select_one("#opbouw").get_text(" ", strip=True)
    assert "Stap 2: boete van € 250,00 (hoogstens € 400,00)" in opbouw and "1 eerdere overtreding" in opbouw
    refused = await decide(
        client,
        second["id"],
        besluit="boete",
        reden="Opnieuw niet verschenen",
        bedrag="500",
        matiging="verhoogd",
        matiging_reden="Opzet",
    )
    assert refused.status == 422 and "hoger dan het maximum van € 400,00" in refused.field_error("bedrag")
    assert (await HandhavingCase.select().where(HandhavingCase.id == second["id"]).first())["besluit"] is None
    page = await decide(
        client, second["id"], besluit="boete", reden="Opnieuw niet verschenen", bedrag="250,00", follow_redirects=True
    )
    assert page.status == 200
    fine = await HandhavingCase.select().where(HandhavingCase.id == second["id"]).first()
    assert (fine["besluit"], fine["bedrag_cents"], fine["normbedrag_cents"], fine["maximum_cents"], fine["stap"]) == (
        "boete",
        25_000,
        25_000,
        40_000,
        2,
    )
    assert fine["boete_id"] and fine["besloten_door"] is not None

    # After bezwaar: moderated. A new version; the first decision stays.
    await decide(
        client,
        second["id"],
        besluit="boete",
        reden="Na bezwaar",
        bedrag="150",
        matiging="gematigd",
        matiging_reden="Geringe verwijtbaarheid",
    )
    corrected = await HandhavingCase.select().where(HandhavingCase.id == second["id"]).first()
    assert corrected["bedrag_cents"] == 15_000 and corrected["boete_id"] == fine["boete_id"]
    versions = (
        await DossierChange.select()
        .where((DossierChange.object_type == "handhaving_case") & (DossierChange.object_id == second["id"]))
        .order_by(DossierChange.id)
    )
    assert [v["kind"] for v in versions] == ["register", "change", "correction"]
    case_page = await client.get(f"/gemeente/handhaving/{second['id']}")
    history = case_page.doc.select_one("#geschiedenis").get_text(" ", strip=True)
    assert "€ 250,00 → € 150,00" in history

    # The dossier shows the history, newest first.
    rows = (await client.get(person_page)).table_rows("#sectie-handhaving table")
    assert rows[0][2].startswith("Bestuurlijke boete: € 150,00") and rows[1][2].startswith("Waarschuwing")


async def test_a_fact_handled_under_the_participatiewet_gets_no_fine(client, world):
    _, verzuim = await seed_items(world)
    await client.login(world.users["regisseur"])
    await start_from_item(client, verzuim["id"])
    case = await HandhavingCase.select().first()
    # An earlier warning makes a fine due now.
    await HandhavingCase.insert(
        HandhavingCase(
            gemeente=world.gemeente,
            inburgeraar=case["inburgeraar"],
            overtreding="overig",
            overtreding_datum=case["overtreding_datum"] - timedelta(days=30),
            besluit="waarschuwing",
            besluit_datum=case["overtreding_datum"],
        )
    )
    await decide(client, case["id"], besluit="participatiewet", reden="Uitkering verlaagd per 1 november")
    refused = await decide(client, case["id"], besluit="boete", reden="Toch een boete", bedrag="250")
    assert refused.status == 422 and "niet twee keer" in refused.field_error("besluit")
    assert (await HandhavingCase.select().where(HandhavingCase.id == case["id"]).first())[
        "besluit"
    ] == "participatiewet"


async def test_providers_and_other_gemeenten_never_see_handhaving_and_beheer_only_reads(client, world):
    _, verzuim = await seed_items(world)
    await client.login(world.users["regisseur"])
    await start_from_item(client, verzuim["id"])
    case = await HandhavingCase.select().first()
    await decide(client, case["id"], besluit="waarschuwing", reden="Verzuim zonder bericht")

    await client.login(world.users["school"])  # the provider that reported the verzuim
    assert (await client.get(f"/gemeente/handhaving/{case['id']}")).status == 404
    assert (await client.get("/gemeente/handhaving")).status == 404
    portal = await client.get(f"/portaal/inburgeraars/{world.people['tesfay']}")
    assert portal.status == 200
    text = portal.doc.select_one("main").get_text(" ").lower()  # the page itself (the frame warns of a time-out)
    assert "waarschuwing" not in text and "handhaving" not in text and "boete" not in text
    assert "handhaving" not in portal.text.lower()

    await client.login(world.users["other_regisseur"])
    assert (await client.get(f"/gemeente/handhaving/{case['id']}")).status == 404

    await client.login(world.users["beheer"])
    page = await client.get(f"/gemeente/handhaving/{case['id']}")
    assert page.status == 200 and page.doc.select_one("#besluiten") is None
    assert (
        await client.post(f"/gemeente/handhaving/{case['id']}/besluit", {"besluit": "geen_actie", "reden": "x"})
    ).status == 404


async def test_a_gemeente_keeps_its_own_steps_and_amounts(client, world):
    await client.login(world.users["regisseur"])
    assert (await client.get("/gemeente/handhaving/instellingen")).status == 404
    await client.login(world.users["teamleider"])
    page = await client.get("/gemeente/handhaving/instellingen")
    assert "Dit is een voorbeeld" in page.text
    refused = await client.submit(
        "/gemeente/handhaving/instellingen", STEPS_FORM, {"soort-1": "boete", "normbedrag-1": "100", "maximum-1": "900"}
    )
    assert refused.status == 422 and "hoogstens € 800,00" in refused.field_error("maximum-1")
    page = await client.submit(
        "/gemeente/handhaving/instellingen",
        STEPS_FORM,
        {
            "soort-1": "waarschuwing",
            "soort-2": "waarschuwing",
            "soort-3": "boete",
            "normbedrag-3": "100",
            "maximum-3": "200",
            "soort-4": "",
            "soort-5": "",
        },
        follow_redirects=True,
    )
    assert page.status == 200 and "De stappen zijn opgeslagen" in page.notice()
    assert "Dit is een voorbeeld" not in page.text

    _, verzuim = await seed_items(world)
    await client.login(world.users["regisseur"])
    await start_from_item(client, verzuim["id"])
    case = await HandhavingCase.select().first()
    await HandhavingCase.insert(
        HandhavingCase(
            gemeente=world.gemeente,
            inburgeraar=case["inburgeraar"],
            overtreding="overig",
            overtreding_datum=case["overtreding_datum"] - timedelta(days=60),
            besluit="waarschuwing",
            besluit_datum=case["overtreding_datum"],
        )
    )
    refused = await decide(client, case["id"], besluit="boete", reden="Boete", bedrag="100")
    assert refused.status == 422 and "eerst een waarschuwing" in refused.field_error("besluit")  # step 2 of 3


async def test_an_overtreding_after_a_year_without_one_starts_the_build_up_again(client, world):
    person = world.people["amina"]
    long_ago = TODAY - timedelta(days=400)
    await HandhavingCase.insert(
        HandhavingCase(
            gemeente=world.gemeente,
            inburgeraar=person,
            overtreding="overig",
            overtreding_datum=long_ago,
            besluit="boete",
            bedrag_cents=25_000,
            besluit_datum=long_ago,
        )
    )
    await client.login(world.users["regisseur"])
    page = await client.submit(
        f"/gemeente/inburgeraars/{person}",
        "#sectie-handhaving form",
        {"overtreding": "overig", "datum": TODAY.isoformat()},
        follow_redirects=True,
    )
    opbouw = page.doc.select_one("#opbouw").get_text(" ", strip=True)
    assert "Stap 1: waarschuwing" in opbouw and "begint opnieuw" in opbouw


async def test_three_no_shows_at_the_brede_intake_make_a_handhaving_item(client, world):
    pid = world.people["amina"]
    await Inburgeraar.update({Inburgeraar.pip_dagtekening: None, Inburgeraar.leerroute: None}).where(
        Inburgeraar.id == pid
    )
    await client.login(world.users["regisseur"])
    await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-brede_intake form",
        {"intake_start": (TODAY - timedelta(days=30)).isoformat(), "intake_no_shows": "3"},
    )
    await inbox.process_pending()
    item = await InboxItem.select().where(InboxItem.kind == "handhaving_intake").first()
    assert item is not None and item["inburgeraar"] == pid
    page = await client.get(f"/inbox/items/{item['id']}")
    assert page.h1() == "Beoordeel handhaving (niet verschenen op de brede intake)"
    assert page.doc.select_one("#handhaving-overtreding option[selected]")["value"] == "niet_verschenen_intake"


async def test_a_fine_keeps_the_shape_duo_could_receive_it_in(client, world):
    _, verzuim = await seed_items(world)
    await client.login(world.users["regisseur"])
    await start_from_item(client, verzuim["id"])
    case = await HandhavingCase.select().first()
    await HandhavingCase.update({HandhavingCase.besluit: "waarschuwing"}).where(HandhavingCase.id == case["id"])
    await client.submit(
        f"/gemeente/inburgeraars/{world.people['tesfay']}",
        "#sectie-handhaving form",
        {"overtreding": "onvoldoende_map", "datum": TODAY.isoformat()},
    )
    fine_case = await HandhavingCase.select().where(HandhavingCase.id != case["id"]).first()
    await decide(client, fine_case["id"], besluit="boete", reden="MAP verzuimd", bedrag="250")
    row = await HandhavingCase.select().where(HandhavingCase.id == fine_case["id"]).first()
    person = await Inburgeraar.select().where(Inburgeraar.id == row["inburgeraar"]).first()
    gemeente = await Gemeente.select().where(Gemeente.id == world.gemeente).first()
    message = sdi018.opgelegde_boete(row, person, gemeente)
    assert message.bsn == person["bsn"] and message.gemeentecode == "0344" and message.bedrag == "250.00"
    assert message.redenCode == "05" and message.dagtekeningBeschikking == TODAY and message.boeteId == row["boete_id"]
    assert b'"bedragInCenten":25000' in sdi018.to_json(message)
    assert (
        sdi018.opgelegde_boete(
            await HandhavingCase.select().where(HandhavingCase.id == case["id"]).first(), person, gemeente
        )
        is None
    )
    assert Besluit.BOETE.value == row["besluit"]
    assert await InboxEntry.exists().where(InboxEntry.item == verzuim["id"])
