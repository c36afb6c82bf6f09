"""In Debian's Chromium: a regisseur registers a person, sets the PIP (first with a mistake DUO would
refuse, swapped in beside the field by htmx) and enrols the person at a contracted school; the school
then sees the person in its portal."""

from datetime import timedelta

import pytest

from shared import clock
from shared.tables import Contract, DossierChange, Enrollment, Inburgeraar
from tests.e2e.test_browser import enter_code_if_asked, launch, server  # noqa: F401  (the app in its own process)
from tests.support import PASSWORD

pytestmark = pytest.mark.e2e


async def login(page, base, email):
    await page.goto(base + "/inloggen")
    await page.get_by_label("E-mailadres").fill(email)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await enter_code_if_asked(page, email)


async def test_regisseur_registers_sets_the_pip_and_enrols_at_a_school(server, world):  # noqa: F811
    from playwright.async_api import async_playwright, expect

    today = clock.today()
    await Contract.insert(
        Contract(
            gemeente=world.gemeente, organisation=world.school, component="taal", start=today - timedelta(days=365)
        )
    )
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="nl-NL")
        await login(page, server, world.users["regisseur"])
        await page.goto(server + "/gemeente")
        await page.get_by_role("link", name="Inburgeraar registreren").click()
        await expect(page.locator("h1")).to_have_text("Inburgeraar registreren")
        form = page.locator("form#registreren")
        await form.get_by_label("BSN").fill("1234 56 782")
        await form.get_by_label("Voornamen").fill("Yonas")
        await form.get_by_label("Achternaam").fill("Tesfaye")
        await form.get_by_label("Geboortedatum").fill("1994-03-02")
        await form.get_by_label("Doelgroep").select_option("asiel")
        await form.get_by_label("Inburgeringsplichtig sinds").fill((today - timedelta(days=90)).isoformat())
        await form.get_by_role("button", name="Registreren").click()
        await expect(page.locator("h1")).to_have_text("Yonas Tesfaye")
        await expect(page.locator(".notice.ok").first).to_have_text("Het dossier is aangemaakt.")

        pip = page.locator("#sectie-pip")
        await pip.get_by_label("Dagtekening").fill((today - timedelta(days=7)).isoformat())
        await pip.get_by_label("Leerroute").select_option("B1")
        await pip.get_by_label("Niveau").select_option("A2")  # a first PIP on the B1-route cannot be A2
        await pip.get_by_label("Intensiteit (uren)").fill("1200")
        await pip.get_by_role("button", name="PIP opslaan").click()
        await expect(page.locator("#niveau-fout")).to_contain_text("eerste PIP op de B1-route kan niet niveau A2")
        await page.locator("#sectie-pip").get_by_label("Niveau").select_option("B1")
        await page.locator("#sectie-pip").get_by_role("button", name="PIP opslaan").click()
        await expect(page.locator("#sectie-pip .notice.ok")).to_contain_text("De wijziging is opgeslagen")
        await expect(page.locator("#sectie-pip dl")).to_contain_text("B1-route")
        await expect(page.locator("#sectie-pip dl")).to_contain_text("1200 uur")

        enrol = page.locator("#sectie-inschrijvingen")
        await enrol.locator("summary").click()
        await enrol.get_by_label("Aanbieder").select_option(label="Taalschool (Taal en KNM)")
        await enrol.get_by_label("Onderdeel").select_option("taal")
        await enrol.get_by_label("Geplande uren (niet verplicht)").fill("1200")
        await enrol.get_by_role("button", name="Inschrijven").click()
        await expect(page.locator("#sectie-inschrijvingen .notice.ok")).to_contain_text("De wijziging is opgeslagen")
        await expect(page.locator("#sectie-inschrijvingen table.enrollments tbody tr").first).to_contain_text(
            "Taalschool"
        )

        # The list filters on the regisseur's own caseload in place (htmx), and the URL follows.
        await page.goto(server + "/gemeente")
        await page.get_by_label("Regisseur", exact=True).select_option("mij")
        await expect(page.locator("table.people tbody tr")).to_have_count(1)
        await expect(page.locator("table.people tbody tr").first).to_contain_text("Tesfaye, Yonas")
        await expect(page).to_have_url(f"{server}/gemeente?q=&regisseur=mij&status=actief")

        # The school now sees Yonas, with the PIP's intensity and its own planned hours.
        await page.get_by_role("button", name="Uitloggen").click()
        await login(page, server, world.users["school"])
        await page.goto(server + "/portaal")
        await page.get_by_role("link", name="Tesfaye, Yonas").click()
        await expect(page.locator("h1")).to_have_text("Yonas Tesfaye")
        await expect(page.locator("dl.facts")).to_contain_text("1200 uur")
        await browser.close()

    person = await Inburgeraar.select().where(Inburgeraar.bsn == "123456782").first()
    assert (person["leerroute"], person["niveau"], person["intensiteit_uren"]) == ("B1", "B1", 1200)
    enrollment = await Enrollment.select().where(Enrollment.inburgeraar == person["id"]).first()
    assert (enrollment["organisation"], enrollment["component"], enrollment["planned_hours"]) == (
        world.school,
        "taal",
        1200,
    )
    assert await DossierChange.count().where(DossierChange.inburgeraar == person["id"]) >= 3
