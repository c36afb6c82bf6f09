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
