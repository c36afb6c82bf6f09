"""Time-outs: a user whose session ended is told so, comes back to the page the form was on (never to a URL
that only takes a POST), and can stay logged in from the warning a minute before."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from shared import clock
from shared.settings import settings
from shared.tables import HttpSession


async def _idle(minutes: int) -> None:
    row = await HttpSession.select().first()
    data = json.loads(bytes(row["data"]))
    data["seen"] = (clock.now() - timedelta(minutes=minutes)).isoformat()
    await HttpSession.update({HttpSession.data: json.dumps(data).encode()}).where(HttpSession.id == row["id"])


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def test_the_cookie_lives_as_long_as_a_session_may_so_the_server_can_tell_it_expired(client, world):
    page = await client.login(world.users["school"])
    cookie = page.response.headers["set-cookie"]
    assert f"Max-Age={settings.session_max_hours * 3600}" in cookie


async def test_after_the_idle_time_out_the_login_page_says_the_session_expired(client, world):
    await client.login(world.users["school"])
    await _idle(settings.session_idle_minutes + 1)
    r = await client.http.get("/portaal/week?soort=taal_knm")
    assert r.status_code == 303
    q = _query(r.headers["location"])
    assert q == {"volgende": "/portaal/week?soort=taal_knm", "verlopen": "1"}
    login = await client.get(r.headers["location"])
    assert "Uw sessie is verlopen" in login.doc.select_one(".notice").get_text()
    assert login.doc.select_one("input[name=next]")["value"] == "/portaal/week?soort=taal_knm"


async def test_a_form_posted_after_the_time_out_returns_to_the_forms_page_after_login(client, world):
    person = world.people["amina"]
    await client.login(world.users["school"])
    await _idle(settings.session_idle_minutes + 1)
    form_page = f"http://testserver/portaal/inburgeraars/{person}"
    r = await client.post(
        f"/portaal/inburgeraars/{person}/uren",
        {"attended": "6", "period_start": "2026-10-01", "period_end": "2026-10-31"},
        headers={"Referer": form_page + "#uren"},
    )
    assert r.status == 303
    q = _query(r.response.headers["location"])
    assert q["volgende"] == f"/portaal/inburgeraars/{person}" and q["verlopen"] == "1"  # not the POST-only /uren
    back = await client.submit(
        r.response.headers["location"],
        "form[action='/inloggen']",
        {"email": world.users["school"], "password": "een-lang-test-wachtwoord"},
    )
    assert back.response.headers["location"] == f"/portaal/inburgeraars/{person}"
    assert (await client.get(back.response.headers["location"])).status == 200  # a page, not a 405


async def test_an_htmx_post_after_the_time_out_redirects_the_whole_page_back_to_its_page(client, world):
    person = world.people["amina"]
    await client.login(world.users["school"])
    await _idle(settings.session_idle_minutes + 1)
    r = await client.post(
        f"/portaal/inburgeraars/{person}/uren",
        {"attended": "6"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/portaal/inburgeraars/{person}"},
    )
    q = _query(r.response.headers["hx-redirect"])
    assert q["volgende"] == f"/portaal/inburgeraars/{person}" and q["verlopen"] == "1"


async def test_a_post_from_another_site_never_becomes_the_return_address(client, world):
    await client.login(world.users["school"])
    await _idle(settings.session_idle_minutes + 1)
    r = await client.post("/portaal/week", {}, headers={"Referer": "http://evil.example/portaal"})
    assert _query(r.response.headers["location"])["volgende"] == "/"


async def test_logging_out_is_not_an_expired_session(client, world):
    await client.login(world.users["school"])
    await client.post("/uitloggen")
    r = await client.http.get("/portaal")
    assert "verlopen" not in r.headers["location"]


async def test_staying_logged_in_from_the_warning_slides_the_idle_time_out(client, world):
    await client.login(world.users["school"])
    await _idle(settings.session_idle_minutes - 1)
    r = await client.post("/sessie/verlengen", {}, csrf=False, headers={"x-csrftoken": await client.csrf_token()})
    assert r.status == 204
    row = await HttpSession.select().first()
    seen = datetime.fromisoformat(json.loads(bytes(row["data"]))["seen"])
    assert clock.now() - seen < timedelta(minutes=1)
    assert (await client.get("/portaal")).status == 200


async def test_every_page_of_a_logged_in_user_carries_the_idle_minutes_for_the_warning(client, world):
    await client.login(world.users["regisseur"])
    page = await client.get("/inbox")
    assert page.doc.body["data-sessie-minuten"] == str(settings.session_idle_minutes)
    warning = page.doc.select_one("#sessie-waarschuwing")
    assert warning.has_attr("hidden") and warning.select_one("button").get_text() == "Ingelogd blijven"
