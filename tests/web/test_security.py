"""Issue 10, security: what a page shows comes from the server, downloads name files safely, refusals are
logged quietly, every answer carries the security headers, the audit log is append-only in the database."""

import pytest

from shared.tables import UploadBatch
from shared.web import content_disposition
from tests.support import PASSWORD, soup
from tests.web.test_inbox import as_user, seed_items
from tests.web.test_uploads import END, START

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
    assert (await client.get(page.response.headers["location"])).notice() == "2 items toegewezen."
    assert (await client.get("/inbox?bereik=alle")).notice() == ""


# --- Downloads name their file safely -------------------------------------------------------------------

HOSTILE = 'rapport"; filename=evil.exe;\r\nSet-Cookie: x=1\n\u00e9t\u00e9 \u2013 ok\\..csv'


def test_content_disposition_keeps_a_hostile_name_inside_its_value():
    from email.message import Message
    from urllib.parse import unquote

    value = content_disposition(HOSTILE)
    assert "\r" not in value and "\n" not in value and value.isascii()
    # A standard parser reads one attachment with the two forms of one name: nothing injected.
    msg = Message()
    msg["Content-Disposition"] = value
    params = msg.get_params(header="content-disposition")
    assert [name for name, _ in params] == ["attachment", "filename", "filename"]
    assert params[1][1] == "rapport_ filename_evil.exe_Set-Cookie_ x_1ete  ok_..csv"
    charset, _, encoded = params[2][1]
    assert charset == "UTF-8"
    full = unquote(encoded.encode("latin-1").decode("utf-8"))
    assert full == unquote(value.split("UTF-8''", 1)[1]) == 'rapport"; filename=evil.exe;Set-Cookie: x=1été – ok_..csv'


async def test_the_error_rows_download_of_a_hostile_file_name(client, world):
    from tests.web.test_uploads import bsn, csv_file, upload

    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await upload(client, csv_file(f"{amina};A;{START};{END};-3;;;;"))
    await UploadBatch.update({UploadBatch.filename: HOSTILE}).where(UploadBatch.id.is_not_null())
    r = await client.http.get(page.doc.find("a", string="CSV")["href"])
    assert r.status_code == 200 and "x=1" not in r.headers.get("set-cookie", "")
    assert r.headers["content-disposition"].startswith('attachment; filename="rapport_ filename_evil.exe_Set-')
    assert "filename*=UTF-8''rapport%22%3B%20filename%3Devil.exe%3BSet-Cookie" in r.headers["content-disposition"]
    assert "x" not in client.http.cookies


# --- Refusals are logged as one line ---------------------------------------------------------------------


async def test_refused_requests_are_logged_as_one_line_without_a_traceback(client, world, caplog):
    import logging

    caplog.set_level(logging.INFO)
    await client.login(world.users["regisseur"])
    for status, method, url, kw in [
        (400, "get", "/inbox?pagina=abc", {}),
        (404, "get", "/bestaat-niet", {}),
        (404, "get", "/gemeente/inburgeraars/99999999999", {}),
        (405, "delete", "/inbox", {}),
    ]:
        caplog.clear()
        r = await getattr(client.http, method)(url, **kw)
        ours = [rec for rec in caplog.records if rec.name not in {"httpx", "aiosqlite"}]
        assert all(rec.exc_info is None and "Traceback" not in rec.getMessage() for rec in ours), url
        lines = [rec.getMessage() for rec in ours if rec.name == "regie.http"]
        assert r.status_code == status, url
        assert len(lines) == 1 and lines[0].startswith(f"{status} {method.upper()} {url.split('?')[0]} ("), url
    # A form with a mistake (422) is an answer, not an error: nothing with a traceback either.
    caplog.clear()
    page = await client.post(f"/gemeente/inburgeraars/{world.people['amina']}/pip", {"pip_dagtekening": "gisteren"})
    assert page.status == 422
    assert not [rec for rec in caplog.records if rec.exc_info]


# --- Security headers on every page kind and every API answer --------------------------------------------


def assert_security_headers(response, what: str) -> None:
    h = response.headers
    csp = h.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], f"{what}: {csp!r}"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, what
    assert directives.get("frame-ancestors") == ["'none'"] and h.get("x-frame-options") == "DENY", what
    assert h.get("x-content-type-options") == "nosniff", what
    assert h.get("referrer-policy") in {"same-origin", "no-referrer"}, what  # no-referrer: a token in the URL
    assert len(h.get_list("content-security-policy")) == 1 and len(h.get_list("x-content-type-options")) == 1, what


async def test_every_page_kind_and_api_answer_sends_the_security_headers(app, world):
    import httpx

    from tests.e2e.test_phone import _seed, page_kinds
    from tests.support import HtmlClient

    ids = await _seed(world)
    clients: dict[str, HtmlClient] = {}
    seen = 0
    for who, path in page_kinds(world, ids) + [
        ("", "/api/schema/swagger"),
        ("", "/api/schema/openapi.json"),
        ("", "/api/v1/rapportages"),  # 401 problem
        ("", "/gezond"),
        ("", "/static/js/regie.js"),
        ("", "/static/swagger-ui/swagger-ui-bundle.js"),
        ("", "/bestaat-niet"),
        ("regisseur", "/gemeente/inburgeraars/999999"),  # a foreign id: 404
        ("regisseur", f"/gemeente/inburgeraars/{world.people['amina']}/overdracht"),  # a download
    ]:
        if who not in clients:
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
            clients[who] = HtmlClient(http)
            if who:
                assert (await clients[who].login(world.users[who])).status == 303
        r = await clients[who].http.get(path)
        assert r.status_code < 500, path
        assert_security_headers(r, f"{who} {path} ({r.status_code})")
        assert "strict-transport-security" not in r.headers  # only behind HTTPS
        seen += 1
    for c in clients.values():
        await c.http.aclose()
    assert seen >= 50


async def test_hsts_when_cookies_are_secure(client, monkeypatch):
    from dataclasses import replace

    from shared import web

    monkeypatch.setattr(web, "settings", replace(web.settings, secure_cookies=True))
    r = await client.http.get("/inloggen")
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert_security_headers(r, "/inloggen")


async def test_pages_load_no_inline_script_and_swagger_no_outside_asset(client):
    """What the CSP forbids is not there to begin with: no inline <script>, no on…= handler, no style=
    attribute, and the API page loads Swagger UI from this app, with a language."""
    import re

    for url in ("/inloggen", "/wachtwoord-vergeten", "/api/schema/swagger"):
        text = (await client.http.get(url)).text
        doc = soup(text)
        assert all(s.get("src", "").startswith("/static/") for s in doc.find_all("script")), url
        assert not re.search(r"\son[a-z]+\s*=|\sstyle\s*=", text), url
        assert "http" not in " ".join(
            tag.get("href", "") + tag.get("src", "") for tag in doc.find_all(["link", "script"])
        )
    assert doc.html["lang"] == "nl"


# --- The audit log is append-only in the database ----------------------------------------------------------


async def test_the_database_refuses_to_change_or_remove_audit_rows(client, world):
    from shared.db import engine
    from shared.tables import AuditEvent

    await client.login(world.users["regisseur"])  # writes login.ok
    before = await AuditEvent.select().order_by(AuditEvent.id)
    assert before
    db = engine()
    for attempt in (
        AuditEvent.update({AuditEvent.result: "ok", AuditEvent.detail: "weggepoetst"}, force=True),
        AuditEvent.delete(force=True),
        AuditEvent.delete().where(AuditEvent.id == before[0]["id"]),
    ):
        with pytest.raises(Exception, match="append-only"):
            await attempt
    if db.engine_type == "postgres":
        with pytest.raises(Exception, match="append-only"):
            await db.run_ddl('TRUNCATE "audit_event" CASCADE')
    assert await AuditEvent.select().order_by(AuditEvent.id) == before
    # Appending goes on as before.
    await client.get(f"/gemeente/inburgeraars/{world.people['amina']}")
    assert await AuditEvent.count() > len(before)


# --- Throttling that locks no one out ---------------------------------------------------------------------


def client_from(app, ip: str):
    import httpx

    from tests.support import HtmlClient

    return HtmlClient(
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4321)), base_url="http://testserver")
    )


def test_delays_grow_per_failure_up_to_the_cap():
    from datetime import timedelta

    from shared.security import growing_delay

    cap = timedelta(minutes=15)
    assert [growing_delay(n, 3, cap).total_seconds() for n in range(1, 10)] == [0, 0, 0, 1, 2, 4, 8, 16, 32]
    assert growing_delay(60, 3, cap) == cap and growing_delay(10_000, 3, cap) == cap


async def test_an_attacker_elsewhere_cannot_lock_the_owner_out(app, world):
    from datetime import timedelta

    from shared import clock

    owner, attacker = client_from(app, "198.51.100.7"), client_from(app, "203.0.113.66")
    email = world.users["regisseur"]
    for _ in range(60):  # the 60 failures from one address
        page = await attacker.login(email, "geraden")
        assert page.status in {422, 429}
    assert page.status == 429 and "Wacht" in page.errors()[0]
    # The attacker has to wait; the owner, from their own connection, gets in at once.
    assert (await attacker.login(email)).status == 429
    assert (await owner.login(email)).status == 303
    # Hours later the attacker is still slowed down, the owner still is not.
    with clock.travel(clock.now() + timedelta(hours=2)):
        for _ in range(5):
            await attacker.login(email, "geraden")
        assert (await attacker.login(email, "geraden")).status == 429
        assert (await client_from(app, "198.51.100.7").login(email)).status == 303
    for c in (owner, attacker):
        await c.http.aclose()


async def test_behind_one_address_a_spraying_colleague_slows_only_those_who_never_logged_in_there(app, world):
    """A town hall behind one address: someone there tries passwords on many addresses. Who logged in from that
    address before (the pair is known) still gets in at once; an address never used from there waits (the
    source's own throttle, against password spraying). The code step says what to do when it must wait."""
    from shared.security import FREE_PER_SOURCE

    town_hall = "192.0.2.10"
    owner = client_from(app, town_hall)
    assert (await owner.login(world.users["regisseur"])).status == 303  # an ordinary morning
    sprayer = client_from(app, town_hall)
    for i in range(FREE_PER_SOURCE + 5):
        await sprayer.login(f"iemand{i}@test.nl", "Welkom2026!")
    assert (await sprayer.login("nog-iemand@test.nl", "Welkom2026!")).status == 429
    assert (await client_from(app, town_hall).login(world.users["regisseur"])).status == 303
    # An account that never logged in from here waits: its password step never gets checked.
    page = await client_from(app, town_hall).login(world.users["beheer"])
    assert page.status == 429 and "Wacht 1 seconde en" in page.errors()[0]
    # At the code step the wait names the code, and offers no new password as the way out. (A password alone
    # does not make the pair known: only a whole login does.)
    from shared.tables import LoginThrottle

    stepper = client_from(app, "192.0.2.99")
    first = await stepper.submit(
        "/inloggen", "form[action='/inloggen']", {"email": world.users["regisseur"], "password": PASSWORD}
    )
    assert first.response.headers["location"] == "/inloggen/code"
    await LoginThrottle.insert(LoginThrottle(key="bron:192.0.2.99", failures=FREE_PER_SOURCE + 5))
    page = await stepper.post("/inloggen/code", {"code": "000000"})
    assert page.status == 429 and "verkeerde code" in page.errors()[0] and "nieuw wachtwoord" not in page.errors()[0]
    for c in (owner, sprayer, stepper):
        await c.http.aclose()


async def test_waiting_grows_with_each_failure_and_ends(app, world):
    from datetime import timedelta

    from shared import clock
    from shared.security import login_wait

    attacker = client_from(app, "203.0.113.66")
    email = world.users["school"]
    waits, at = [], clock.now()
    for _ in range(6):
        with clock.travel(at):
            assert (await attacker.login(email, "fout")).status == 422
            waits.append(round((await login_wait(email, "203.0.113.66")).total_seconds()))
            # Trying again before the wait is over is refused, without a password check.
            if waits[-1]:
                assert (await attacker.login(email)).status == 429
        at += timedelta(seconds=waits[-1] + 1)
    assert waits == [0, 0, 0, 1, 2, 4]
    with clock.travel(at):
        # After waiting, the right password works from that source too.
        assert (await attacker.login(email)).status == 303
    await attacker.http.aclose()


async def test_known_and_unknown_addresses_take_the_same_path(client, world, monkeypatch):
    """Equal login time without timing: one argon2 verification with the same parameters, and the same
    writes (three throttle counts, one audit row), whether the address has an account or not."""
    import argon2

    from shared import security
    from shared.tables import AuditEvent, LoginThrottle

    verified = []

    class Watched:  # argon2's own hasher, watched: which hash parameters each login verifies against
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, h, p):
            verified.append(argon2.extract_parameters(h))
            return real.verify(h, p)

    real = security.hasher
    monkeypatch.setattr(security, "hasher", Watched())

    async def counts():
        rows = await LoginThrottle.select(LoginThrottle.failures)
        return sum(r["failures"] for r in rows), await AuditEvent.count()

    paths = []
    for email in (world.users["school"], "niemand@test.nl", world.users["regisseur"], "ook-niemand@test.nl"):
        verified.clear()
        throttled, audited = await counts()
        page = await client.login(email, "fout-wachtwoord")
        after = await counts()
        paths.append((page.status, tuple(page.errors()), tuple(verified), after[0] - throttled, after[1] - audited))
    assert all(p == paths[0] for p in paths), paths
    assert paths[0][2] == (argon2.extract_parameters(real.hash("x")),)
    assert paths[0][3:] == (3, 1)
