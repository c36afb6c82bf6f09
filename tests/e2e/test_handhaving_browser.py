"""In Debian's Chromium: a regisseur opens a verzuim item, starts handhaving from it and records a warning; the
dossier then shows it, and the item is handled."""

import pytest

from municipal.tables import HandhavingCase, InboxItem
from tests.e2e.test_browser import enter_code_if_asked, launch, server  # noqa: F401  (the app in its own process)
from tests.support import PASSWORD
from tests.web.test_inbox import seed_items

pytestmark = pytest.mark.e2e


async def test_regisseur_records_a_warning_from_an_inbox_item(server, world):  # noqa: F811
    from playwright.async_api import async_playwright, expect

    _, verzuim = await seed_items(world)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="nl-NL")
        await page.goto(server + "/inloggen")
        await page.get_by_label("E-mailadres").fill(world.users["regisseur"])
        await page.get_by_label("Wachtwoord").fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await enter_code_if_asked(page, world.users["regisseur"])
        await expect(page.locator("h1")).to_have_text("Inbox")

        await page.goto(server + f"/inbox/items/{verzuim['id']}")
        await expect(page.get_by_label("Overtreding", exact=True)).to_have_value("onvoldoende_leerroute")
        await page.get_by_role("button", name="Handhaving starten").click()
        await expect(page.get_by_role("status")).to_contain_text("De handhavingszaak is gestart")
        await expect(page.locator("#opbouw")).to_contain_text("Stap 1: waarschuwing")

        await page.get_by_label("Besluit", exact=True).select_option("waarschuwing")
        await page.get_by_label("Reden", exact=True).fill("Tien uur zonder bericht afwezig in oktober")
        await page.get_by_role("button", name="Besluit opslaan").click()
        await expect(page.get_by_role("status")).to_contain_text("Het besluit is opgeslagen")
        await expect(page.locator(".facts")).to_contain_text("Waarschuwing")

        await page.get_by_role("link", name="Dossier van Tesfay Berhane").first.click()
        await expect(page.locator("#sectie-handhaving")).to_contain_text("Waarschuwing")
        await browser.close()
    case = await HandhavingCase.select().first()
    assert case["besluit"] == "waarschuwing" and case["inbox_item"] == verzuim["id"]
    item = await InboxItem.select().where(InboxItem.id == verzuim["id"]).first()
    assert item["status"] == "afgehandeld"
