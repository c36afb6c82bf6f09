"""In Debian's Chromium: a school uploads a file with an error, reads the preview, downloads the error rows,
uploads the corrected file, commits it and finds it in its upload history and its submissions."""

from pathlib import Path

import pytest

from shared import clock
from shared.calendar import previous_month
from shared.tables import DomainEvent, HourRecord, Inburgeraar
from tests.e2e.test_browser import launch, server  # noqa: F401  (the app in its own process)
from tests.support import PASSWORD

pytestmark = pytest.mark.e2e
HEADER = "BSN;Achternaam;Periode van;Periode tot en met;Aanwezig (uren);Geoorloofd verzuim (uren);Reden verzuim"


async def test_upload_fix_the_errors_and_commit(server, world, tmp_path):  # noqa: F811
    from playwright.async_api import async_playwright, expect

    month = previous_month(clock.today())
    start, end = f"{month.start:%d-%m-%Y}", f"{month.end:%d-%m-%Y}"
    bsn = {
        k: (await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == world.people[k]).first())["bsn"]
        for k in ("amina", "tesfay")
    }
    good = f"{bsn['amina']};Haddad;{start};{end};36,75;1,5;Ziek"
    bad = f"{bsn['tesfay']};Berhane;{start};{end};-12;;"
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="nl-NL", accept_downloads=True)
        await page.goto(server + "/inloggen")
        await page.get_by_label("E-mailadres").fill(world.users["school"])
        await page.get_by_label("Wachtwoord").fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await page.get_by_role("link", name="Uploads", exact=True).click()
        await expect(page.locator("h1")).to_have_text("Maandrapportage uploaden")

        # 1. a file with an error: the check runs in the background, the page follows it
        await page.get_by_label("Bestand").set_input_files(
            files=[
                {
                    "name": "oktober.csv",
                    "mimeType": "text/csv",
                    "buffer": "\r\n".join([HEADER, good, bad, ""]).encode("cp1252"),
                }
            ]
        )
        await page.get_by_role("button", name="Uploaden en controleren").click()
        status = page.locator("#upload-status h2")
        await expect(status).to_have_text("Gecontroleerd, nog niet opgeslagen", timeout=15_000)

        # 2. the preview: totals and the error with its row, column and explanation
        await expect(page.locator("dl.totals")).to_contain_text("Met een fout")
        error = page.locator("table.issues tbody tr").first
        await expect(error).to_contain_text("3")
        await expect(error).to_contain_text("Aanwezig (uren)")
        await expect(error).to_contain_text("Uren kunnen niet negatief zijn.")
        await expect(page.get_by_role("button", name="1 regel opslaan")).to_be_visible()

        # 3. the error rows as a file, with a column saying what is wrong
        async with page.expect_download() as info:
            await page.get_by_role("link", name="CSV").click()
        download = await info.value
        assert download.suggested_filename == "oktober-fouten.csv"
        errors = Path(await download.path()).read_bytes().decode("utf-8-sig").strip().split("\r\n")
        assert errors[0].endswith(";Wat is er mis") and len(errors) == 2
        assert "negatief" in errors[1] and ";-12;" in errors[1]  # a negative number stays a number

        # 4. corrected in the school's own file, uploaded again, committed
        await page.get_by_role("link", name="← Alle uploads").click()
        fixed = bad.replace("-12", "12")
        await page.get_by_label("Bestand").set_input_files(
            files=[
                {
                    "name": "oktober-verbeterd.csv",
                    "mimeType": "text/csv",
                    "buffer": "\r\n".join([HEADER, good, fixed, ""]).encode("cp1252"),
                }
            ]
        )
        await page.get_by_role("button", name="Uploaden en controleren").click()
        await expect(status).to_have_text("Gecontroleerd, nog niet opgeslagen", timeout=15_000)
        await expect(page.locator("dl.totals")).to_contain_text("Nieuw2")
        await page.get_by_role("button", name="2 regels opslaan").click()
        await expect(status).to_have_text("Opgeslagen", timeout=15_000)
        await expect(page.locator("#upload-status .notice.ok")).to_contain_text("2 nieuw")

        # 5. the history: the upload list and the submissions say what happened
        await page.get_by_role("link", name="Uploads", exact=True).click()
        first = page.locator("table.uploads tbody tr").first
        await expect(first).to_contain_text("oktober-verbeterd.csv")
        await expect(first).to_contain_text("Opgeslagen")
        await page.get_by_role("link", name="Inzendingen").click()
        await expect(page.locator("table tbody tr")).to_have_count(2)
        await expect(page.locator("table tbody tr").first).to_contain_text("Upload")
        await browser.close()
    assert await HourRecord.count() == 2 and await DomainEvent.count() == 2
