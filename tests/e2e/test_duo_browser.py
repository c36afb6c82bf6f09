"""The whole DUO chain in Debian's Chromium, against the DUO stand-in: DUO notifies that a person is obliged
(SS101), the app makes an item, the regisseur records the PIP in the dossier, sends it to DUO from the item's
DUO page, and sees DUO's receipt; the stand-in got the PIP once, as DUO's contract says."""

import asyncio
from datetime import timedelta

import pytest

from municipal.duo.stub import DuoStub
from municipal.tables import InboxItem
from shared import clock
from shared.settings import settings
from shared.tables import Gemeente, Inburgeraar
from tests.e2e.test_browser import enter_code_if_asked, launch, serve_app
from tests.support import PASSWORD, make_person

pytestmark = pytest.mark.e2e

UTRECHT = "00000001002220647000"


@pytest.fixture
def duo_stub():
    stub = DuoStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def duo_server(db, duo_stub):
    """The real app in its own process (with its background jobs), pointed at the stand-in."""
    with serve_app(DUO_M2M_URL=duo_stub.url, DUO_TESTOMGEVING="1") as base:
        yield base


async def _wait_for(query, seconds=30):
    for _ in range(seconds * 4):
        row = await query()
        if row:
            return row
        await asyncio.sleep(0.25)
    pytest.fail("de achtergrondtaak maakte het niet af")


async def test_duo_notifies_the_regisseur_records_the_pip_and_duo_confirms(duo_server, duo_stub, world):
    from playwright.async_api import async_playwright, expect

    await Gemeente.update({Gemeente.oin: UTRECHT}).where(Gemeente.id == world.gemeente)
    yonas = await make_person(world.gemeente, voornamen="Yonas", achternaam="Tesfaye")
    await Inburgeraar.update(
        {
            Inburgeraar.pip_dagtekening: None,
            Inburgeraar.leerroute: None,
            Inburgeraar.intensiteit_uren: None,
            Inburgeraar.plicht_start: clock.today() - timedelta(days=60),
        }
    ).where(Inburgeraar.id == yonas)
    bsn = (await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == yonas).first())["bsn"]
    status = await asyncio.to_thread(
        duo_stub.notify,
        duo_server,
        "SS101",
        bsn=bsn,
        doel=UTRECHT,
        bron=settings.duo_oin,
        proxy_token=settings.duo_proxy_token,
    )
    assert status == 201
    item = await _wait_for(
        lambda: (
            InboxItem.select().where((InboxItem.inburgeraar == yonas) & (InboxItem.kind == "duo_brede_intake")).first()
        )
    )
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="nl-NL")
        await page.goto(duo_server + "/inloggen")
        await page.get_by_label("E-mailadres").fill(world.users["regisseur"])
        await page.get_by_label("Wachtwoord").fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await enter_code_if_asked(page, world.users["regisseur"])

        await page.goto(duo_server + "/gemeente/duo")
        await expect(page.locator("body")).to_contain_text("DUO-testomgeving")
        await expect(page.locator("table")).to_contain_text("SS101")
        await page.get_by_role("link", name="Verwerkt").click()  # to the item the notification made
        await expect(page.locator("h1")).to_contain_text("DUO: inburgeringsplichtig")

        await page.goto(duo_server + f"/gemeente/inburgeraars/{yonas}")
        pip = page.locator("#sectie-pip")
        await pip.get_by_label("Dagtekening").fill((clock.today() - timedelta(days=1)).isoformat())
        await pip.get_by_label("Leerroute").select_option("B1")
        await pip.get_by_label("Niveau").select_option("B1")
        await pip.get_by_label("Intensiteit (uren)").fill("1200")
        await pip.get_by_role("button", name="PIP opslaan").click()
        await expect(page.locator("#sectie-pip .notice.ok")).to_contain_text("De wijziging is opgeslagen")

        await page.goto(duo_server + f"/inbox/items/{item['id']}")
        await page.get_by_role("link", name="Wat registreer ik bij DUO?").click()
        await expect(page.locator("body")).to_contain_text("DUO-testomgeving")
        await page.get_by_role("button", name="Verstuur naar DUO").click()
        await expect(page.get_by_role("status").first).to_contain_text("wachtrij voor DUO")
        for _ in range(60):  # the app's sender runs every few seconds
            await page.reload()
            if await page.get_by_text("Aangeboden aan DUO, ontvangst bevestigd").count():
                break
            await asyncio.sleep(0.5)
        await expect(page.get_by_text("Aangeboden aan DUO, ontvangst bevestigd").first).to_be_visible()
        await browser.close()
    [post] = duo_stub.delivered("POST", "/PIP")
    assert post.path == f"/v1/personen/{bsn}/PIP"
    assert post.body == {
        "dagtekeningPip": (clock.today() - timedelta(days=1)).isoformat(),
        "leerroute": "B",
        "niveau": "B1",
        "geschatteIntensiteitB1Route": 1200,
    }
    assert post.headers["bron"] == UTRECHT and post.headers["doel"] == settings.duo_oin
    done = await InboxItem.select().where(InboxItem.id == item["id"]).first()
    assert done["status"] == "afgehandeld" and done["outcome"] == "geregistreerd"
