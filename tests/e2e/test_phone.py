"""Every page kind on a 390×844 phone (Chromium, is_mobile): no horizontal overflow, and axe finds 0
violations. A mobile browser zooms out to fit a too-wide page, so `innerWidth` grows with it; the check
compares the document's scrollWidth with its layout width (`clientWidth`, 390 px) instead.

With REGIE_SCREENSHOTS=<folder> the test also saves the screenshots kept in docs/screens/.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from municipal.handhaving.rules import Besluit
from municipal.inbox import services as inbox
from municipal.tables import InboxItem
from portal import services as portal
from shared import clock
from shared.calendar import previous_month
from shared.hours import HourReport
from shared.tables import Contract, Enrollment, Gemeente
from shared.vocab import HourKind, VerzuimReden
from tests.e2e.test_browser import enter_code_if_asked, launch, server  # noqa: F401  (the app in its own process)
from tests.support import PASSWORD
from tests.web.test_inbox import as_user, seed_items

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


async def _seed(world) -> dict[str, int]:
    """Enough data that every page kind shows its tables: hours over months, inbox items, contracts."""
    pvt, _ = await seed_items(world)
    await inbox.process_pending()
    school = await as_user("school@test.nl")
    month = previous_month(clock.today())
    for back in range(1, 4):
        start = (month.start - timedelta(days=28 * back)).replace(day=1)
        nxt = (start + timedelta(days=32)).replace(day=1)
        period = type(month)(start, nxt - timedelta(days=1))
        await portal.report_hours(
            school,
            world.people["amina"],
            portal.HourInput(
                world.enrollments["amina_taal"],
                HourReport(HourKind.TAAL_KNM, period, 62 * 60, 90, 0, VerzuimReden.ZIEK),
            ),
        )
    for org, component in ((world.school, "taal"), (world.pvt, "pvt"), (world.volunteers, "participatie")):
        await Contract.insert(
            Contract(
                gemeente=world.gemeente,
                organisation=org,
                component=component,
                start=clock.today() - timedelta(days=400),
            )
        )
    await Gemeente.update(
        {
            Gemeente.privacy_url: "https://www.utrecht.nl/privacy",
            Gemeente.toegankelijkheid_url: "https://www.utrecht.nl/toegankelijkheidsverklaring",
            Gemeente.help_url: "https://www.utrecht.nl/regie-help",
            Gemeente.contact: "Team Inburgering, 14 030, inburgering@utrecht.nl",
        }
    ).where(Gemeente.id == world.gemeente)
    enrollment = await Enrollment.select(Enrollment.id).where(Enrollment.id == world.enrollments["amina_taal"]).first()
    duo_item = await InboxItem.select(InboxItem.id).where(InboxItem.id == pvt["id"]).first()
    await _seed_duo(world)
    return {"item": duo_item["id"], "enrollment": enrollment["id"], **await _seed_accountability(world)}


async def _seed_duo(world) -> None:
    """Issue 11's page: DUO's notifications, one for a known person and one for a BSN without a dossier."""
    import json as _json
    import uuid

    from municipal.duo.tables import DuoNotification

    for status, bsn, person, result in [
        ("verwerkt", "123456782", world.people["amina"], "DUO meldt SS101: Persoon is inburgeringsplichtig."),
        ("onbekende_persoon", "111222333", None, "Geen dossier met BSN 111222333. Registreer deze persoon."),
    ]:
        await DuoNotification.insert(
            DuoNotification(
                bericht_id=str(uuid.uuid4()),
                bron="0" * 20,
                doel="0" * 20,
                client_oin="0" * 20,
                gebeurtenis_id="SS101",
                bsn=bsn,
                registratie_datum_tijd=clock.now(),
                body=_json.dumps({}),
                gemeente=world.gemeente,
                inburgeraar=person,
                status=status,
                result=result,
            )
        )


async def _seed_accountability(world) -> dict:
    """Issue 12's pages: a handhaving case with a fine, a CBS delivery, a forgotten-password link."""
    from accounts.services import token_hash
    from municipal.cbs import services as cbs
    from municipal.handhaving import services as handhaving
    from municipal.handhaving.rules import Decision, Overtreding
    from shared.tables import PasswordReset

    regisseur = await as_user("regisseur@test.nl")
    first = await handhaving.start_case(
        regisseur,
        handhaving.NewCase(
            world.people["amina"], Overtreding.NIET_VERSCHENEN_INTAKE, clock.today() - timedelta(days=60)
        ),
    )
    await handhaving.decide(regisseur, first, Decision(Besluit.WAARSCHUWING, "Niet verschenen", clock.today()))
    case = await handhaving.start_case(
        regisseur,
        handhaving.NewCase(
            world.people["amina"], Overtreding.NIET_VERSCHENEN_VOORTGANG, clock.today() - timedelta(days=5)
        ),
    )
    await handhaving.decide(regisseur, case, Decision(Besluit.BOETE, "Opnieuw niet verschenen", clock.today(), 25_000))
    delivery = await cbs.make(regisseur, *cbs.last_ended_quarter(clock.today()))
    await PasswordReset.insert(
        PasswordReset(
            email="regisseur@test.nl",
            token_hash=token_hash("telefoon-test-link-" + "x" * 30),
            status="sent",
            expires_at=clock.now() + timedelta(minutes=30),
        )
    )
    return {"case": case, "delivery": delivery}


def page_kinds(world, ids) -> list[tuple[str, str]]:
    """(user key or "" for anonymous, path): one of every kind of page the demo users reach."""
    amina, omar = world.people["amina"], world.people["omar"]
    return [
        ("", "/inloggen"),
        ("", "/inloggen?verlopen=1&volgende=%2Fportaal"),
        ("school", "/portaal"),
        ("school", f"/portaal/inburgeraars/{amina}"),
        ("school", f"/portaal/inburgeraars/{amina}/geschiedenis"),
        ("school", "/portaal/inzendingen"),
        ("school", "/portaal/uploads"),
        ("school", "/bestaat-niet"),
        ("pvt", f"/portaal/inburgeraars/{amina}"),
        ("volunteers", "/portaal/week"),
        ("volunteers", f"/portaal/inburgeraars/{omar}"),
        ("school_beheer", "/beheer/api-sleutels"),
        ("school_beheer", "/beheer/gebruikers"),
        ("school_beheer", "/beheer/audit"),
        ("regisseur", "/inbox?bereik=alle"),
        ("regisseur", f"/inbox/items/{ids['item']}"),
        ("regisseur", f"/inbox/items/{ids['item']}/duo"),
        ("regisseur", "/inbox/dashboard"),
        ("regisseur", "/inbox/instellingen"),
        ("regisseur", "/gemeente"),
        ("regisseur", "/gemeente/caseload"),
        ("regisseur", "/gemeente/inburgeraars/nieuw"),
        ("regisseur", f"/gemeente/inburgeraars/{amina}"),
        ("regisseur", f"/gemeente/inburgeraars/{amina}/geschiedenis"),
        ("regisseur", f"/gemeente/inschrijvingen/{ids['enrollment']}"),
        ("regisseur", "/gemeente/import"),
        ("teamleider", "/inbox/instellingen"),
        ("beheer", "/gemeente/aanbieders?q=taal"),
        ("beheer", f"/gemeente/aanbieders/{world.school}"),
        ("beheer", "/beheer/gebruikers"),
        ("beheer", "/beheer/audit"),
        ("beheer", "/beheer/bewaartermijn"),
        ("beheer", "/beheer/voettekst"),
        ("admin", "/beheer/audit"),
        # Issue 12: handhaving, the CBS delivery, the forgotten password
        ("regisseur", "/gemeente/handhaving"),
        ("regisseur", f"/gemeente/handhaving/{ids['case']}"),
        ("teamleider", "/gemeente/handhaving/instellingen"),
        ("teamleider", "/gemeente/cbs"),
        ("teamleider", f"/gemeente/cbs/{ids['delivery']}"),
        # Issue 11: DUO's notifications
        ("regisseur", "/gemeente/duo/"),
        ("beheer", "/beheer/duo"),
        ("", "/wachtwoord-vergeten"),
        ("", "/wachtwoord-herstellen/telefoon-test-link-" + "x" * 30),
    ]


SCREENSHOTS = {
    ("school", "/portaal"): "aanbieder-overzicht-telefoon.png",
    ("volunteers", "/portaal/week"): "weekoverzicht-telefoon.png",
    ("regisseur", "/inbox?bereik=alle"): "inbox-telefoon.png",
}


# The innermost elements that stick out on the right: what to fix when a page is too wide.
WIDE_ELEMENTS = """() => {
  const w = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > w + 1
    && ![...el.children].some((c) => c.getBoundingClientRect().right > w + 1) );
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className ? '.' + String(el.className).split(' ').join('.') : '');
  return out.slice(0, 3).map((el) => name(el) + ' ' + Math.round(el.getBoundingClientRect().right)).join(', ');
}"""


async def _login(page, base, email):
    await page.goto(base + "/inloggen")
    await page.get_by_label("E-mailadres").fill(email)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await enter_code_if_asked(page, email)
    await page.wait_for_load_state("networkidle")


async def _axe(page) -> list[str]:
    # axe comes in as an init script (see `watch`): a <script> tag added to the page would be inline, which the
    # Content-Security-Policy refuses.
    result = await page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})" for v in result]


def csp_violations(page) -> list[str]:
    """Collects what Chromium reports about the page breaking its Content-Security-Policy (console errors
    "Refused to …") and uncaught script errors, for the caller to assert empty."""
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: found.append(f"pageerror: {e}"))
    return found


async def test_every_page_kind_fits_a_390_px_phone_and_passes_axe(server, world):  # noqa: F811
    from playwright.async_api import async_playwright

    ids = await _seed(world)
    kinds = page_kinds(world, ids)
    shots = os.environ.get("REGIE_SCREENSHOTS")
    measured, problems = [], []
    async with async_playwright() as p:
        browser = await launch(p)
        contexts = {}
        for who, path in kinds:
            if who not in contexts:
                contexts[who] = await browser.new_context(locale="nl-NL", **PHONE)
                await contexts[who].add_init_script(path=str(AXE))
                if who:
                    await _login(await contexts[who].new_page(), server, world.users[who])
            page = await contexts[who].new_page()
            violations = csp_violations(page)
            await page.goto(server + path)
            await page.wait_for_load_state("networkidle")
            scroll, client = await page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            measured.append((who, path, scroll, client))
            if scroll > client:
                culprits = await page.evaluate(WIDE_ELEMENTS)
                problems.append(f"{who or 'anoniem'} {path}: {scroll} px breed op {client} px ({culprits})")
            problems += [f"{who or 'anoniem'} {path}: axe {v}" for v in await _axe(page)]
            problems += [f"{who or 'anoniem'} {path}: CSP {v}" for v in violations]
            shot = SCREENSHOTS.get((who, path)) or (
                "dossier-telefoon.png"
                if (who, path) == ("regisseur", f"/gemeente/inburgeraars/{world.people['amina']}")
                else ""
            )
            if shots and shot:
                await page.screenshot(path=str(Path(shots) / shot), full_page=True)
            await page.close()
        await browser.close()
    fitting = sum(1 for *_, s, c in measured if s <= c)
    print(f"\nphone_overflow: {fitting} of {len(measured)} page kinds fit 390 px")
    for who, path, s, c in measured:
        print(f"  {s:>5} / {c} px  {who or 'anoniem'} {path}")
    assert all(c == 390 for *_, c in measured), "layout width is not 390 px: the viewport meta is missing"
    assert not problems, "\n".join(problems)


async def test_week_grid_on_a_phone_is_one_line_per_person_with_absence_on_demand(server, world):  # noqa: F811
    """On a phone the weekly grid shows name and hours present per line; "Verzuim" opens the absence fields.
    On a desktop it is a table with a column per field."""
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as p:
        browser = await launch(p)
        phone = await browser.new_context(locale="nl-NL", **PHONE)
        page = await phone.new_page()
        await _login(page, server, world.users["volunteers"])
        await page.goto(server + "/portaal/week")
        row = page.locator("table.week-grid tbody tr").first
        await expect(row.get_by_label("Aanwezig (uren)")).to_be_visible()
        absence = row.locator("td.absence input").first  # "Geoorloofd verzuim (uren)"
        await expect(absence).to_be_hidden()
        box = await row.bounding_box()
        assert box["height"] < 100, f"one line per person, got {box['height']} px"
        await row.get_by_role("button", name="Verzuim").click()
        await expect(absence).to_be_visible()
        await expect(absence).to_be_focused()
        desktop = await browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800})
        page = await desktop.new_page()
        await _login(page, server, world.users["volunteers"])
        await page.goto(server + "/portaal/week")
        headers = await page.locator("table.week-grid thead th:visible").all_inner_texts()
        assert headers == [
            "Naam",
            "Aanwezig (uren)",
            "Geoorloofd verzuim (uren)",
            "Ongeoorloofd verzuim (uren)",
            "Reden van verzuim",
        ]
        await browser.close()
