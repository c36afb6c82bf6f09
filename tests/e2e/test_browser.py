"""In Debian's Chromium: a school's staff member logs in, enters hours, and sees them in the history."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

import httpx
import pytest

from shared import clock
from shared.calendar import previous_month
from shared.tables import HourRecord
from tests.support import PASSWORD

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.e2e


async def launch(playwright):
    """Debian's Chromium, headless, quiet on a machine without outside network."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run 'sudo apt-get install chromium' (make test installs it as root)")
    return await playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


async def enter_code_if_asked(page, email: str) -> None:
    """The second step of logging in, for an account with two-factor login: the code its app shows now."""
    from tests.support import totp_code

    await page.wait_for_load_state()
    if page.url.split("?")[0].endswith("/inloggen/code"):
        await page.get_by_label("Code uit de app").fill(await totp_code(email))
        await page.get_by_role("button", name="Inloggen").click()
        await page.wait_for_load_state()


@contextlib.contextmanager
def serve_app(**extra_env: str):
    """The real app in its own process (granian), on the test database and the test's clock (shared.clock
    reads REGIE_CLOCK_START at start-up); `extra_env` adds settings. Yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "REGIE_CLOCK_START": clock.now().isoformat(), **extra_env}
    # The server's output goes to a file: a pipe nobody reads fills up (64 KiB) and then blocks the server.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--port",
            str(port),
            "--no-access-log",
            "regie.app:app",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(base + "/gezond").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        log.seek(0)
        pytest.fail("server did not start: " + log.read().decode(errors="replace")[-2000:])
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture
def server(db):
    """The real app in its own process, on the test database and the test's clock."""
    with serve_app() as base:
        yield base


async def test_staff_enters_hours_and_sees_them_in_the_history(server, world):
    from playwright.async_api import async_playwright, expect

    month = previous_month(clock.today())
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="nl-NL")
        await page.goto(server + "/portaal")
        await expect(page.locator("h1")).to_have_text("Inloggen")  # not logged in: to the login page
        await page.get_by_label("E-mailadres").fill(world.users["school"])
        await page.get_by_label("Wachtwoord").fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page.locator("h1")).to_have_text("Mijn inburgeraars")

        await page.get_by_role("link", name="Haddad, Amina").click()
        await expect(page.locator("h1")).to_have_text("Amina Haddad")
        await page.get_by_label("Periode van").fill(month.start.isoformat())
        await page.get_by_label("Periode tot en met").fill(month.end.isoformat())
        await page.get_by_label("Aanwezig (uren)").fill("-3")
        await page.get_by_role("button", name="Uren opslaan").click()
        await expect(page.locator("#attended-fout")).to_contain_text("negatief")  # swapped in by htmx
        await page.get_by_label("Aanwezig (uren)").fill("36,75")
        await page.get_by_label("Geoorloofd verzuim (uren)", exact=True).fill("1,5")
        await page.get_by_label("Reden van verzuim").select_option("ziek")
        await page.get_by_role("button", name="Uren opslaan").click()
        await expect(page.locator("#uren .notice.ok")).to_have_text("De uren zijn opgeslagen.")
        await expect(page.locator("#uren table tbody tr").first).to_contain_text("36,75")

        await page.get_by_role("link", name="Alles wat uw organisatie meldde, met correcties").click()
        await expect(page.locator("h1")).to_contain_text("Geschiedenis van Amina Haddad")
        row = page.locator("table tbody tr").first
        await expect(row).to_contain_text("36,75")
        await expect(row).to_contain_text("geldend")
        await browser.close()
    record = await HourRecord.select().first()
    assert record["attended_minutes"] == 2205 and record["geoorloofd_minutes"] == 90
    assert abs(record["entered_at"] - clock.now()) < timedelta(minutes=5)  # the server ran on the test's clock
