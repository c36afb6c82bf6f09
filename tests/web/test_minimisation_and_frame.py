"""Whose service this is (header and footer per gemeente), data minimisation for MAP/PVT providers, the
login page, and wording details (decimal comma in sizes, one charset in downloads)."""

from __future__ import annotations

from shared import access
from shared.tables import Contract, Gemeente
from shared.vocab import Component
from tests.web.test_portal import post_hours


def test_the_table_beside_the_access_rules_grants_pvt_and_map_only_identity():
    assert access.provider_sees([Component.PVT]) == set(access.IDENTITY)
    assert access.provider_sees([Component.MAP]) == set(access.IDENTITY)
    assert {"leerroute", "intensiteit_uren", "niveau"} <= access.provider_sees([Component.TAAL])


async def test_a_pvt_provider_sees_name_bsn_birth_date_and_its_enrollment_but_no_leerroute_or_intensiteit(
    client, world
):
    await client.login(world.users["pvt"])
    page = await client.get(f"/portaal/inburgeraars/{world.people['amina']}")
    facts = page.doc.select_one("dl.facts").get_text(" ", strip=True)
    assert "BSN" in facts and "Geboortedatum" in facts
    assert "Leerroute" not in facts and "Intensiteit" not in facts and "B1" not in facts
    assert "PVT" in page.doc.select_one("table.stack").get_text()  # its own enrollment
    overview = await client.get("/portaal")
    table = overview.doc.select_one("table.people").get_text()
    assert "B1-route" not in table and "gepland in het PIP" not in table


async def test_a_school_still_sees_the_pip_details_it_needs(client, world):
    await client.login(world.users["school"])
    page = await client.get(f"/portaal/inburgeraars/{world.people['amina']}")
    facts = page.doc.select_one("dl.facts").get_text(" ", strip=True)
    assert "Leerroute" in facts and "800 uur" in facts


async def test_every_page_says_for_whom_you_work_and_has_the_gemeentes_footer(client, world):
    await Gemeente.update(
        {
            Gemeente.privacy_url: "https://www.utrecht.nl/privacy",
            Gemeente.toegankelijkheid_url: "https://www.utrecht.nl/toegankelijkheid",
            Gemeente.help_url: "https://intranet.utrecht.nl/regie",
            Gemeente.contact: "Team Inburgering, 14 030",
        }
    ).where(Gemeente.id == world.gemeente)
    await client.login(world.users["regisseur"])
    page = await client.get("/gemeente")
    assert page.doc.select_one(".for-whom strong").get_text() == "Gemeente Utrecht"
    footer = page.doc.select_one("footer.page-footer")
    links = {a.get_text(): a["href"] for a in footer.select("a")}
    assert links == {
        "Privacyverklaring": "https://www.utrecht.nl/privacy",
        "Toegankelijkheidsverklaring": "https://www.utrecht.nl/toegankelijkheid",
        "Help": "https://intranet.utrecht.nl/regie",
    }
    assert "Team Inburgering, 14 030" in footer.get_text()
    # A provider sees its organisation, and the footer of each gemeente it has a contract with.
    await Contract.insert(
        Contract(gemeente=world.gemeente, organisation=world.school, component="taal", start=world_start())
    )
    await client.login(world.users["school"])
    page = await client.get("/portaal")
    assert page.doc.select_one(".for-whom strong").get_text() == "Taalschool"
    assert "Gemeente Utrecht" in page.doc.select_one("footer").get_text()


def world_start():
    from datetime import date

    return date(2026, 1, 1)


async def test_the_gemeentes_beheer_sets_the_footer_and_a_bad_url_is_refused_beside_the_field(client, world):
    await client.login(world.users["beheer"])
    bad = await client.submit("/beheer/voettekst", "form[action='/beheer/voettekst']", {"privacy_url": "utrecht.nl"})
    assert bad.status == 422 and "https://" in bad.field_error("privacy_url")
    assert bad.doc.find(id="privacy_url")["aria-invalid"] == "true"
    ok = await client.submit(
        "/beheer/voettekst",
        "form[action='/beheer/voettekst']",
        {"privacy_url": "https://www.utrecht.nl/privacy", "contact": "Team Inburgering"},
        follow_redirects=True,
    )
    assert ok.notice() == "De voettekst is opgeslagen."
    assert (await Gemeente.select(Gemeente.contact).where(Gemeente.id == world.gemeente).first())[
        "contact"
    ] == "Team Inburgering"


async def test_the_login_page_says_what_regie_is_and_whom_to_ask_for_a_forgotten_password(client, world):
    page = await client.get("/inloggen")
    assert (
        "Regie" in page.doc.select_one(".lead").get_text() and "inburgering" in page.doc.select_one(".lead").get_text()
    )
    forgot = page.doc.select_one("#wachtwoord-vergeten")
    assert forgot.h2.get_text() == "Wachtwoord vergeten?" and "functioneel beheerder" in forgot.get_text()


async def test_downloads_name_one_charset(client, world):
    await client.login(world.users["school"])
    r = await client.http.get("/portaal/uploads/sjabloon.csv")
    assert r.headers["content-type"].count("charset") == 1
    await client.login(world.users["regisseur"])
    r = await client.http.get("/gemeente/import/voorbeeld.csv")
    assert r.headers["content-type"].count("charset") == 1
    r = await client.http.get(f"/gemeente/inburgeraars/{world.people['amina']}/overdracht")
    assert r.headers["content-type"].count("charset") == 1


def test_file_sizes_use_a_decimal_comma():
    from shared.web import kb

    assert kb(312) == "0,3 kB" and kb(2048) == "2,0 kB"


async def test_after_an_htmx_save_the_fragment_carries_the_focus_target(client, world):
    """regie.js focuses the first [aria-invalid] field, else the notice (tabindex=-1) in the swapped part."""
    await client.login(world.users["school"])
    url = f"/portaal/inburgeraars/{world.people['amina']}/uren"
    page = await client.get(f"/portaal/inburgeraars/{world.people['amina']}")
    form = {i["name"]: i.get("value", "") for i in page.doc.select("#uren form input[name]")}
    bad = await client.post(url, {**form, "attended": "-3", "kind": "taal_knm"}, headers={"HX-Request": "true"})
    assert bad.status == 422
    wrong = bad.doc.select("[aria-invalid=true]")
    assert [w["id"] for w in wrong] == ["uren-attended"] and "attended-fout" in wrong[0]["aria-describedby"].split()
    good = await post_hours(client, world, attended="10")
    notice = good.doc.select_one("#uren .notice.ok")
    assert notice["tabindex"] == "-1" and notice["role"] == "status"


async def test_weekly_grid_errors_mark_only_the_wrong_field(client, world):
    from datetime import timedelta

    from shared import clock
    from shared.calendar import week_of

    await client.login(world.users["volunteers"])
    monday = week_of(clock.today()).start - timedelta(days=7)
    url = f"/portaal/week?week={monday.isoformat()}&soort=participatie_activiteiten"
    omar = world.people["omar"]
    bad = await client.submit(url, "form.week", {f"p{omar}_attended": "3", f"p{omar}_ongeoorloofd": "1"})
    assert bad.status == 422
    wrong = bad.doc.select("[aria-invalid=true]")
    assert [w["id"] for w in wrong] == [f"p{omar}_reden"]
    assert wrong[0]["aria-describedby"] == f"p{omar}_reden-fout"
    assert bad.doc.find(id=f"p{omar}_attended").get("aria-invalid") is None
    labels = [
        lbl.get_text(" ", strip=True).split(" – ")[0]
        for lbl in bad.doc.select("table.week-grid tbody tr")[0].select("label")
    ]
    assert labels == [
        "Aanwezig (uren)",
        "Geoorloofd verzuim (uren)",
        "Ongeoorloofd verzuim (uren)",
        "Reden van verzuim",
    ]
