"""Issue 10, security: what a page shows comes from the server, downloads name files safely, refusals are
logged quietly, every answer carries the security headers, the audit log is append-only in the database."""

from tests.web.test_inbox import as_user, seed_items

# --- Notices come from the server, never from the URL --------------------------------------------------


async def test_a_notice_in_the_url_shows_nothing(client, world):
    await client.login(world.users["regisseur"])
    for url in (
        "/inbox?melding=Bel+ons+op+0900-1234",
        "/inbox/instellingen?melding=Bel+ons+op+0900-1234",
        "/beheer/gebruikers?melding=opgeslagen",
        f"/gemeente/inburgeraars/{world.people['amina']}?melding=geregistreerd",
    ):
        page = await client.get(url)
        assert "Bel ons" not in page.text and page.notice() == "", url


async def test_a_real_save_shows_its_notice_once(client, world):
    pvt, verzuim = await seed_items(world)
    await client.login(world.users["teamleider"])
    other = await as_user("regisseur@test.nl")
    page = await client.submit(
        "/inbox?bereik=alle",
        "form#bulk",
        {"item": [str(pvt["id"]), str(verzuim["id"])], "medewerker": str(other.id), "actie": "toewijzen"},
    )
    assert page.status == 303 and "melding" not in page.response.headers["location"]
    # Another page first: the notice waits for the page it is about.
    assert (await client.get("/inbox/dashboard")).notice() == ""
    assert (await client.get(page.response.headers["location"])).notice() == "2 item(s) toegewezen."
    assert (await client.get("/inbox?bereik=alle")).notice() == ""
