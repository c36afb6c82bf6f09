"""In Debian's Chromium: the pages keep their Content-Security-Policy (no violation reported) and the API page
runs Swagger UI from this app's own files."""

import pytest

from tests.e2e.test_browser import launch, server  # noqa: F401  (the app in its own process)
from tests.e2e.test_phone import csp_violations

pytestmark = pytest.mark.e2e


async def test_swagger_ui_runs_from_the_app_under_the_strict_policy(server):  # noqa: F811
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as p:
        browser = await launch(p)
        context = await browser.new_context(locale="nl-NL")
        outside: list[str] = []
        context.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:")) else None)
        page = await context.new_page()
        violations = csp_violations(page)
        await page.goto(server + "/api/schema/swagger")
        await expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
        await expect(page.locator("h2.title")).to_contain_text("Regie API voor aanbieders")
        assert await page.evaluate("() => document.documentElement.lang") == "nl"
        await browser.close()
    assert not violations, violations
    assert not outside, outside


async def test_a_regisseur_sets_up_two_factor_login_and_logs_in_with_a_code(server, world):  # noqa: F811
    """The first login of a new regisseur: QR code and key, a code from the app, the recovery codes, the inbox;
    the next login asks for the code. All under the strict Content-Security-Policy."""
    from datetime import timedelta

    import pyotp
    from playwright.async_api import async_playwright, expect

    from shared import clock
    from shared.security import create_user
    from shared.vocab import Role
    from tests.support import PASSWORD

    await create_user("nieuw@test.nl", "Nieuwe Regisseur", PASSWORD, Role.REGISSEUR, gemeente_id=world.gemeente)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="nl-NL")
        violations = csp_violations(page)
        await page.goto(server + "/inloggen")
        await page.get_by_label("E-mailadres").fill("nieuw@test.nl")
        await page.get_by_label("Wachtwoord").fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page.locator("h1")).to_have_text("Inloggen met een code instellen")
        qr = page.get_by_role("img", name="QR-code om Regie aan de app toe te voegen")
        await expect(qr).to_be_visible()
        assert (await qr.evaluate("img => img.naturalWidth")) > 0  # the data: SVG is allowed and drawn
        secret = (await page.locator("#sleutel").inner_text()).replace(" ", "")
        totp = pyotp.TOTP(secret)
        await page.get_by_label("Code uit de app").fill(totp.at(clock.now()))
        await page.get_by_role("button", name="Code controleren").click()
        await expect(page.locator("h1")).to_have_text("Uw herstelcodes")
        await expect(page.locator(".recovery-codes li")).to_have_count(10)
        await page.get_by_role("link", name="Ik heb de codes bewaard, verder naar Regie").click()
        await expect(page.locator("h1")).to_have_text("Inbox")

        await page.get_by_role("button", name="Uitloggen").click()
        await page.goto(server + "/inloggen")
        await page.get_by_label("E-mailadres").fill("nieuw@test.nl")
        await page.get_by_label("Wachtwoord").fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page.locator("h1")).to_have_text("Code invullen")
        await page.get_by_label("Code uit de app").fill(totp.at(clock.now() + timedelta(seconds=30)))
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page.locator("h1")).to_have_text("Inbox")
        await browser.close()
    assert not violations, violations
