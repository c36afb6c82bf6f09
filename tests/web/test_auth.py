"""Logging in and staying safe: argon2id, sessions in the database, lockout, CSRF, idle timeout."""

from datetime import timedelta

from shared import clock
from shared.security import hasher
from shared.tables import AppUser, AuditEvent, HttpSession
from tests.support import PASSWORD


async def test_login_lands_on_the_role_home_and_logs_it(client, world):
    page = await client.login(world.users["school"])
    assert page.status == 303 and page.response.headers["location"] == "/portaal"
    home = await client.get("/portaal")
    assert home.status == 200 and home.h1() == "Mijn inburgeraars"
    gemeente = await client.login(world.users["regisseur"])
    assert gemeente.response.headers["location"] == "/inbox"
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.actor_email, AuditEvent.origin).where(
        AuditEvent.action == "login.ok"
    )
    assert {e["actor_email"] for e in events} == {world.users["school"], world.users["regisseur"]}
    assert all(e["origin"] == "198.51.100.7" for e in events)


async def test_password_is_stored_as_argon2id(world):
    row = await AppUser.select(AppUser.password_hash).where(AppUser.email == world.users["school"]).first()
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


async def test_wrong_password_and_unknown_account_get_the_same_answer(client, world):
    wrong = await client.login(world.users["school"], "fout-wachtwoord")
    unknown = await client.login("niemand@test.nl", "fout-wachtwoord")
    assert wrong.status == unknown.status == 422
    assert wrong.errors() == unknown.errors()
    assert "Inloggen is niet gelukt" in wrong.errors()[0]
    failed = await AuditEvent.select(AuditEvent.actor_email).where(AuditEvent.action == "login.failed")
    assert {e["actor_email"] for e in failed} == {world.users["school"], "niemand@test.nl"}


async def test_three_failures_cost_nothing_the_fourth_makes_this_source_wait(client, world):
    for _ in range(3):
        assert (await client.login(world.users["school"], "fout")).status == 422
    assert (await client.login(world.users["school"])).status == 303


async def test_old_hash_parameters_are_upgraded_at_login(client, world):
    import argon2

    old = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    assert hasher.check_needs_rehash(old)
    await AppUser.update({AppUser.password_hash: old}).where(AppUser.email == world.users["school"])
    assert (await client.login(world.users["school"])).status == 303
    row = await AppUser.select(AppUser.password_hash).where(AppUser.email == world.users["school"]).first()
    assert row["password_hash"] != old and not hasher.check_needs_rehash(row["password_hash"])


async def test_anonymous_requests_create_no_session(client, world):
    for url in ["/inloggen", "/gezond", "/static/css/regie.css", "/portaal"]:
        r = await client.http.get(url)
        assert "regie_sessie" not in r.headers.get("set-cookie", "")
    assert await HttpSession.count() == 0


async def test_cookie_is_httponly_samesite_and_rotated_at_login(client, world):
    page = await client.login(world.users["school"])
    cookie = page.response.headers["set-cookie"]
    assert "regie_sessie=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    first = client.http.cookies.get("regie_sessie")
    await client.login(world.users["school"])
    second = client.http.cookies.get("regie_sessie")
    assert first != second
    assert await HttpSession.count() == 1  # the old session is gone, not just forgotten


async def test_an_unchanged_session_is_not_rewritten(client, world):
    await client.login(world.users["school"])
    before = await HttpSession.select(HttpSession.data, HttpSession.expires_at).first()
    for _ in range(3):
        r = await client.http.get("/portaal")
        assert r.status_code == 200
        assert "regie_sessie" not in r.headers.get("set-cookie", "")
    after = await HttpSession.select(HttpSession.data, HttpSession.expires_at).first()
    assert before == after


async def test_idle_session_expires_after_15_minutes(client, world):
    await client.login(world.users["school"])
    await HttpSession.update({HttpSession.expires_at: clock.now() - timedelta(seconds=1)}).where(HttpSession.id > 0)
    r = await client.http.get("/portaal")
    assert r.status_code == 303 and r.headers["location"].startswith("/inloggen")


async def test_session_refreshes_while_in_use(client, world):
    """An active user is not logged out: a request more than a minute after the last one slides the expiry."""
    import json

    await client.login(world.users["school"])
    row = await HttpSession.select().first()
    data = json.loads(bytes(row["data"]))
    data["seen"] = (clock.now() - timedelta(minutes=5)).isoformat()
    await HttpSession.update({HttpSession.data: json.dumps(data).encode()}).where(HttpSession.id == row["id"])
    r = await client.http.get("/portaal")
    assert r.status_code == 200
    refreshed = await HttpSession.select().first()
    assert refreshed["expires_at"] > row["expires_at"]
    assert json.loads(bytes(refreshed["data"]))["seen"] > data["seen"]


async def test_session_ends_after_its_maximum_lifetime_even_when_active(client, world):
    import json

    await client.login(world.users["school"])
    row = await HttpSession.select().first()
    data = json.loads(bytes(row["data"]))
    data["login_at"] = (clock.now() - timedelta(hours=11)).isoformat()
    await HttpSession.update({HttpSession.data: json.dumps(data).encode()}).where(HttpSession.id == row["id"])
    r = await client.http.get("/portaal")
    assert r.status_code == 303 and "verlopen=1" in r.headers["location"]


async def test_logout_ends_the_session(client, world):
    await client.login(world.users["school"])
    page = await client.post("/uitloggen")
    assert page.status == 303
    assert await HttpSession.count() == 0
    assert (await client.http.get("/portaal")).status_code == 303


async def test_post_without_csrf_token_is_refused(client, world):
    await client.login(world.users["school"])
    refused = await client.post("/uitloggen", csrf=False)
    assert refused.status == 403
    assert "formulier is verlopen" in refused.text
    assert await HttpSession.count() == 1  # still logged in: nothing happened
    htmx = await client.post("/uitloggen", csrf=False, headers={"HX-Request": "true", "x-csrftoken": "vervalst"})
    assert htmx.status == 403
    ok = await client.post("/uitloggen", csrf=False, headers={"x-csrftoken": await client.csrf_token()})
    assert ok.status == 303


async def test_login_form_itself_needs_csrf(client, world):
    r = await client.post("/inloggen", {"email": world.users["school"], "password": PASSWORD}, csrf=False)
    assert r.status == 403


async def test_next_parameter_is_never_an_open_redirect(client, world):
    r = await client.submit(
        "/inloggen?volgende=//evil.example/x",
        "form[action='/inloggen']",
        {"email": world.users["school"], "password": PASSWORD},
    )
    assert r.response.headers["location"] == "/portaal"
    r = await client.submit(
        "/inloggen?volgende=/portaal/inzendingen",
        "form[action='/inloggen']",
        {"email": world.users["school"], "password": PASSWORD},
    )
    assert r.response.headers["location"] == "/portaal/inzendingen"


async def test_every_response_says_how_long_the_server_worked(client, world):
    r = await client.http.get("/inloggen")
    name, duration = r.headers["server-timing"].split(";dur=")
    assert name == "app" and float(duration) > 0
