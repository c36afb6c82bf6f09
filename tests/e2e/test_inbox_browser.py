"""In Debian's Chromium: a regisseur filters the inbox, claims an item, opens the DUO view, marks it
registered; the item leaves the open list and its history shows each step."""

import re
from datetime import timedelta

import pytest

from municipal.inbox import services
from municipal.tables import InboxItem
from shared import clock
from tests.e2e.test_browser import enter_code_if_asked, launch, server  # noqa: F401  (the app in its own process)
from tests.support import PASSWORD
from tests.web.test_inbox import seed_items

pytestmark = pytest.mark.e2e


async def test_regisseur_works_an_item_through_to_duo(server, world):  # noqa: F811
    from playwright.async_api import async_playwright, expect

    pvt, verzuim = await seed_items(world)
    await services.process_pending()
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="nl-NL")
        await page.goto(server + "/inloggen")
        await page.get_by_label("E-mailadres").fill(world.users["regisseur"])
        await page.get_by_label("Wachtwoord").fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await enter_code_if_asked(page, world.users["regisseur"])
        await expect(page.locator("h1")).to_have_text("Inbox")

        await page.get_by_role("link", name="Hele gemeente").click()
        await expect(page.locator("table.inbox tbody tr")).to_have_count(2)
        await page.get_by_label("Soort").select_option("registreer_pvt")  # htmx swaps the list in place
        await expect(page.locator("table.inbox tbody tr")).to_have_count(1)
        await expect(page).to_have_url(re.compile(r"soort=registreer_pvt"))

        await page.get_by_role("link", name="Registreer PVT-datum bij DUO").click()
        await page.get_by_role("button", name="Oppakken").click()
        await expect(page.locator(".facts")).to_contain_text("In behandeling")
        await page.get_by_role("link", name="Wat registreer ik bij DUO?").click()
        await page.get_by_text("Technisch detail").click()  # the DUO message sits behind the toggle
        await expect(page.locator("#m2m")).to_contain_text("PUT /personen/")
        await expect(page.locator("#m2m")).to_contain_text("datumOndertekeningPvt")
        await page.get_by_label("Geregistreerd op").fill(clock.today().isoformat())
        await page.get_by_role("button", name="Markeer als geregistreerd").click()
        await expect(page.get_by_role("status")).to_contain_text("na de termijn")  # the event was 20 days ago

        history = page.locator("ol.history li")
        await expect(history.filter(has_text="heeft het item opgepakt")).to_have_count(1)
        await expect(history.filter(has_text="Geregistreerd bij DUO")).to_have_count(1)

        await page.goto(server + "/inbox?bereik=alle")
        await expect(page.locator("table.inbox tbody tr")).to_have_count(1)  # only the verzuim item is open
        await expect(page.locator("table.inbox")).not_to_contain_text("Registreer PVT")
        await browser.close()
    item = await InboxItem.select().where(InboxItem.id == pvt["id"]).first()
    assert item["status"] == "afgehandeld" and item["registered_on"] == clock.today()
    assert clock.today() - timedelta(days=20) == item["event_date"]


async def test_closing_without_a_reason_stops_at_the_field_and_keeps_the_ticks(server, world):  # noqa: F811
    """On a phone the reason field is far below the list: an empty close must not reload the page (the ticks
    would be gone and the error at the top); the browser stops at the field. Toewijzen needs no reason."""
    from playwright.async_api import async_playwright, expect

    await seed_items(world)
    await services.process_pending()
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="nl-NL", viewport={"width": 390, "height": 844})
        await page.goto(server + "/inloggen")
        await page.get_by_label("E-mailadres").fill(world.users["regisseur"])
        await page.get_by_label("Wachtwoord").fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await enter_code_if_asked(page, world.users["regisseur"])
        await page.goto(server + "/inbox?bereik=alle")
        boxes = page.locator("input[name=item]")
        await boxes.nth(0).check()
        await page.get_by_role("button", name="Afsluiten: geen actie nodig").click()
        await expect(page.locator("#bulk-reden")).to_be_focused()
        message = await page.locator("#bulk-reden").evaluate("field => field.validationMessage")
        assert message == "Geef een reden waarom geen actie nodig is."  # Dutch, whatever the browser's language
        await expect(boxes.nth(0)).to_be_checked()
        assert await InboxItem.count().where(InboxItem.status == "afgehandeld") == 0
        await page.get_by_label("Toewijzen aan").select_option(label="Regisseur")
        await page.get_by_role("button", name="Toewijzen").click()  # no reason needed here
        await expect(page.locator(".notice.ok")).to_contain_text("1 item toegewezen")
        await browser.close()
