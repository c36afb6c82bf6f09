"""Crafted URLs: every query parameter of every page, sent values a person (or a script) could put in a
URL, answers a page or a Dutch 400/404, never a 500. Dates a browser turns strange are refused with a
message about the year, in forms, uploads, imports and the API alike (one check: shared.forms.check_year)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from shared.calendar import EARLIEST_YEAR, LATEST_YEAR
from shared.errors import RuleError
from shared.forms import check_year, parse_date

pytestmark = pytest.mark.anyio  # before collection, so that parametrized tests keep their parameters

BAD_VALUES = ["9" * 23, "-1", "0", "0001-01-01", "9999-12-31", "abc", "x" * 3000, "1e9", "%00"]
SKIP = ("/static/", "/api/schema", "/gezond", "/uitnodiging/")


def _get_routes(app):
    """(path template, query parameter names) of every GET page of the app."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" not in getattr(handler, "http_methods", ()) or route.path.startswith(SKIP):
                continue
            path_params = set(re.findall(r"{(\w+):", route.path))
            names = [n for n in handler.parsed_fn_signature.parameters if n not in {"self", "request", "client"}]
            yield route.path, [n for n in names if n not in path_params]


def _fill(path: str, world) -> str:
    ids = {"inburgeraar_id": world.people["amina"], "organisation_id": world.school}
    return re.sub(r"{(\w+):\w+}", lambda m: str(ids.get(m[1], 1)), path)


@pytest.mark.parametrize("who", ["school", "volunteers", "regisseur", "beheer", "admin"])
async def test_every_query_parameter_of_every_page_answers_without_a_500(client, world, app, who):
    await client.login(world.users[who])
    checked = 0
    for template, params in _get_routes(app):
        path = _fill(template, world)
        # Each parameter alone with each bad value, plus one parameter the page does not know.
        for name in [*params, "pagina", "onbekend"]:
            for value in BAD_VALUES:
                r = await client.http.get(path, params={name: value})
                assert r.status_code < 500, f"{who}: {path}?{name}={value[:30]} gaf {r.status_code}"
                if r.status_code == 400 and "text/html" in r.headers.get("content-type", ""):
                    assert "Verzoek niet begrepen" in r.text, f"{path}?{name}: 400 zonder Nederlandse uitleg"
                checked += 1
    assert checked > 500


async def test_the_reported_urls_answer_in_dutch(client, world):
    """The three URLs from the issue: a week in year 1 or 9999, a 23-digit provider filter."""
    await client.login(world.users["volunteers"])
    for week in ("0001-01-01", "9999-12-31"):
        page = await client.get(f"/portaal/week?week={week}")
        assert page.status == 200 and page.h1() == "Weekoverzicht"
    page = await client.get("/portaal/inzendingen?pagina=" + "9" * 23)
    assert page.status == 400 and page.h1() == "Verzoek niet begrepen"
    await client.login(world.users["regisseur"])
    page = await client.get("/inbox?aanbieder=" + "9" * 23)
    assert page.status == 200 and page.h1() == "Inbox"
    page = await client.get("/gemeente?regisseur=" + "9" * 23)
    assert page.status == 200


@pytest.mark.parametrize("text", ["0006-10-01", "0026-10-01", "1-10-0026", "9999-12-31", "2100-01-01"])
def test_a_date_outside_the_plausible_years_is_refused_with_a_message_about_the_year(text):
    with pytest.raises(RuleError) as e:
        parse_date(text, "period_start")
    assert "Het jaar" in e.value.message and str(EARLIEST_YEAR) in e.value.message and e.value.field == "period_start"


def test_a_two_digit_year_asks_for_four_digits():
    with pytest.raises(RuleError) as e:
        parse_date("1-10-26", "d")
    assert "vier cijfers" in e.value.message


def test_the_bounds_themselves_are_plausible():
    assert parse_date(f"01-01-{EARLIEST_YEAR}", "d") == date(EARLIEST_YEAR, 1, 1)
    assert parse_date(f"{LATEST_YEAR}-12-31", "d") == date(LATEST_YEAR, 12, 31)
    assert check_year(date(2026, 10, 1), "d") == date(2026, 10, 1)
    with pytest.raises(RuleError):
        check_year(date(6, 10, 1), "d")  # a date cell in a spreadsheet can hold year 6 as well


async def test_the_hours_form_refuses_year_0006_next_to_the_field(client, world):
    await client.login(world.users["school"])
    person = world.people["amina"]
    page = await client.submit(
        f"/portaal/inburgeraars/{person}",
        "form[action$='/uren']",
        {"period_start": "0006-10-01", "period_end": "0006-10-31", "attended": "6"},
    )
    assert page.status == 422
    assert "Het jaar 0006 klopt niet" in page.field_error("period_start")


async def test_the_dossier_form_refuses_year_0006(client, world):
    await client.login(world.users["regisseur"])
    page = await client.submit(
        "/gemeente/inburgeraars/nieuw",
        "form#registreren",
        {"bsn": "123456782", "voornamen": "A", "achternaam": "B", "geboortedatum": "0006-10-01", "doelgroep": "asiel"},
    )
    assert page.status == 422
    assert "Het jaar 0006 klopt niet" in page.field_error("geboortedatum")


async def test_the_api_refuses_year_0006_with_a_message_about_the_year(client, world):
    from portal.uploads import tokens
    from shared.security import CurrentUser
    from shared.tables import AppUser

    row = await AppUser.select().where(AppUser.email == world.users["school_beheer"]).first()
    token = await tokens.create(CurrentUser.from_row(row), "test")
    bsn = (await _bsn(world.people["amina"]))["bsn"]
    r = await client.http.post(
        "/api/v1/maandrapportage",
        json={
            "proef": True,
            "regels": [{"bsn": bsn, "period_start": "01-10-0006", "period_end": "31-10-0006", "attended": "6"}],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code < 500
    assert "Het jaar 0006 klopt niet" in r.text


async def _bsn(person_id):
    from shared.tables import Inburgeraar

    return await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == person_id).first()
