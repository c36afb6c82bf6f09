"""DUO → gemeente: DUO's `POST /notificaties` (Notificatie.openapi.yml) is accepted only from DUO through the
reverse proxy, stored once per berichtId, and each event-code family makes the right item and dossier change."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from municipal.duo import inbound
from municipal.duo.contract import validate_response
from municipal.duo.tables import DuoNotification
from municipal.tables import InboxEntry, InboxItem
from shared import clock
from shared.calendar import add_working_days
from shared.tables import AuditEvent, Enrollment, Gemeente, Inburgeraar

pytestmark = pytest.mark.anyio  # before collection, so that parametrized tests keep their parameters

DUO = "00000009990000000001"  # tests/conftest.py sets DUO_OIN to this
UTRECHT = "00000001002220647000"
AMERSFOORT = "00000001001234567000"


@pytest.fixture
async def duo_world(world):
    await Gemeente.update({Gemeente.oin: UTRECHT}).where(Gemeente.id == world.gemeente)
    await Gemeente.update({Gemeente.oin: AMERSFOORT}).where(Gemeente.id == world.other_gemeente)
    return world


async def bsn_of(person_id: int) -> str:
    return (await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == person_id).first())["bsn"]


def headers(*, bericht_id=None, bron=DUO, doel=UTRECHT, client_oin=DUO, verified="SUCCESS", proxy="test-proxy-token"):
    h = {"bron": bron, "doel": doel, "berichtId": bericht_id or str(uuid.uuid4()), "Content-Type": "application/json"}
    if proxy:
        h["X-Proxy-Token"] = proxy
    if verified:
        h["X-Client-Cert-Verified"] = verified
    if client_oin:
        h["X-Client-Cert-OIN"] = client_oin
    return h


async def notify(client, code, bsn="123456782", *, day=None, body=None, **kw):
    day = day or clock.today() - timedelta(days=1)
    body = (
        body
        if body is not None
        else {"registratieDatumTijd": f"{day.isoformat()}T09:12:00+01:00", "gebeurtenisId": code, "bsn": bsn}
    )
    return await client.http.post("/notificaties", content=json.dumps(body), headers=headers(**kw))


async def items_of(person_id):
    return await InboxItem.select().where(InboxItem.inburgeraar == person_id).order_by(InboxItem.id)


async def test_ss101_is_stored_answered_201_and_becomes_a_brede_intake_item_with_its_deadline(client, duo_world):
    amina = duo_world.people["amina"]
    day = clock.today() - timedelta(days=1)
    r = await notify(client, "SS101", await bsn_of(amina), day=day)
    assert r.status_code == 201 and r.content == b""
    validate_response("POST", "/notificaties", 201, None, dict(r.headers))  # API-Version as DUO's file says
    assert (await DuoNotification.select().first())["status"] == "ontvangen"
    assert await inbound.handle_pending() == 1
    [item] = await items_of(amina)
    assert item["kind"] == "duo_brede_intake" and item["event_date"] == day
    assert item["deadline"] == add_working_days(day, 10)
    assert f"vóór {day + timedelta(weeks=10):%d-%m-%Y}" in item["detail"]
    row = await DuoNotification.select().first()
    assert row["status"] == "verwerkt" and row["item"] == item["id"] and row["inburgeraar"] == amina
    assert await AuditEvent.exists().where((AuditEvent.action == "duo.notificatie") & (AuditEvent.inburgeraar == amina))


async def test_the_same_bericht_id_twice_stores_one_and_answers_201_both_times(client, duo_world):
    bsn = await bsn_of(duo_world.people["amina"])
    bericht = str(uuid.uuid4())
    assert (await notify(client, "SS101", bsn, bericht_id=bericht)).status_code == 201
    assert (await notify(client, "SS101", bsn, bericht_id=bericht.upper())).status_code == 201
    assert await DuoNotification.count() == 1
    await inbound.handle_pending()
    await inbound.handle_pending()
    assert len(await items_of(duo_world.people["amina"])) == 1


@pytest.mark.parametrize(
    "kw, status",
    [
        ({"proxy": None}, 401),  # around the proxy: its certificate headers are not believed
        ({"proxy": "geraden"}, 401),
        ({"verified": None}, 401),  # not through the proxy's mutual TLS
        ({"verified": "FAILED:self signed certificate"}, 401),
        ({"client_oin": None}, 401),
        ({"client_oin": "00000001002220647000"}, 403),  # a certificate, but not DUO's
        ({"bron": "00000001002220647000"}, 403),  # DUO's certificate, but another sender named
        ({"doel": "00000001009999999000"}, 403),  # not a gemeente in this installation
    ],
)
async def test_without_duos_oin_or_for_an_unknown_gemeente_it_is_refused_and_nothing_is_stored(
    client, duo_world, kw, status
):
    r = await notify(client, "SS101", await bsn_of(duo_world.people["amina"]), **kw)
    assert r.status_code == status
    assert r.json()["fouttekst"] and r.headers["API-Version"]
    validate_response("POST", "/notificaties", status, None, dict(r.headers))
    assert await DuoNotification.count() == 0
    assert await InboxItem.count() == 0


@pytest.mark.parametrize(
    "body, hdr, word",
    [
        (
            {"registratieDatumTijd": "18-11-2026", "gebeurtenisId": "SS101", "bsn": "123456782"},
            {},
            "registratieDatumTijd",
        ),
        ({"registratieDatumTijd": "2026-11-17T09:00:00+01:00", "bsn": "123456782"}, {}, "gebeurtenisId"),
        ({"registratieDatumTijd": "2026-11-17T09:00:00+01:00", "gebeurtenisId": "ss101", "bsn": "1"}, {}, "bsn"),
        ({"registratieDatumTijd": "2026-11-17T09:00:00+01:00", "gebeurtenisId": "SS101"}, {}, "bsn of vNummer"),
        (
            {"registratieDatumTijd": "2026-11-17T09:00:00+01:00", "gebeurtenisId": "SS101", "bsn": "123456782"},
            {"bericht_id": "geen-uuid"},
            "berichtId",
        ),
        (
            {"registratieDatumTijd": "2026-11-17T09:00:00+01:00", "gebeurtenisId": "SS101", "bsn": "123456782"},
            {"doel": "123"},
            "doel",
        ),
    ],
)
async def test_a_message_outside_duos_contract_gets_400_with_what_is_wrong(client, duo_world, body, hdr, word):
    r = await notify(client, "SS101", body=body, **hdr)
    assert r.status_code == 400
    assert word in r.json()["fouttekst"]
    assert await DuoNotification.count() == 0


async def test_an_unknown_bsn_asks_to_register_the_person_on_the_duo_page(client, duo_world):
    assert (await notify(client, "SS120", "111222333")).status_code == 201
    await inbound.handle_pending()
    row = await DuoNotification.select().first()
    assert row["status"] == "onbekende_persoon" and row["gemeente"] == duo_world.gemeente
    assert await InboxItem.count() == 0
    await client.login("regisseur@test.nl")
    page = await client.get("/gemeente/duo/")
    link = page.doc.find("a", href="/gemeente/inburgeraars/nieuw?bsn=111222333")
    assert link and "Registreer deze persoon" in link.get_text()
    form = await client.get("/gemeente/inburgeraars/nieuw?bsn=111222333")
    assert form.doc.find("input", attrs={"name": "bsn"})["value"] == "111222333"


async def test_an_earlier_unknown_bsn_is_handled_once_the_person_is_registered(client, duo_world):
    from tests.support import make_person

    assert (await notify(client, "SS120", "111222333")).status_code == 201
    await inbound.handle_pending()
    assert (await DuoNotification.select().first())["status"] == "onbekende_persoon"
    # Registered in another gemeente: still unknown here (DUO addressed Utrecht).
    elsewhere = await make_person(duo_world.other_gemeente)
    await Inburgeraar.update({Inburgeraar.bsn: "111222333"}).where(Inburgeraar.id == elsewhere)
    await inbound.handle_pending()
    assert (await DuoNotification.select().first())["status"] == "onbekende_persoon"
    person = await make_person(duo_world.gemeente, voornamen="Later")
    await Inburgeraar.update({Inburgeraar.bsn: "111222333"}).where(Inburgeraar.id == person)
    await inbound.handle_pending()
    row = await DuoNotification.select().first()
    assert row["status"] == "verwerkt" and row["inburgeraar"] == person
    [item] = await items_of(person)
    assert item["kind"] == "duo_brede_intake" and "SS120" in item["detail"]
    await inbound.handle_pending()
    assert len(await items_of(person)) == 1  # handled once


async def test_a_bsn_of_another_gemeente_is_not_matched_across_gemeenten(client, duo_world):
    # Omar lives in Amersfoort; DUO addresses Utrecht: Utrecht has no dossier, Amersfoort's is not touched.
    await notify(client, "SS101", await bsn_of(duo_world.people["omar"]), doel=UTRECHT)
    await inbound.handle_pending()
    assert (await DuoNotification.select().first())["status"] == "onbekende_persoon"
    assert await InboxItem.count() == 0


async def test_an_unknown_code_is_kept_shown_and_made_an_item(client, duo_world):
    amina = duo_world.people["amina"]
    await notify(client, "XX999", await bsn_of(amina))
    await inbound.handle_pending()
    row = await DuoNotification.select().first()
    assert row["status"] == "onbekende_code"
    [item] = await items_of(amina)
    assert item["kind"] == "duo_melding" and "XX999" in item["detail"] and "niet kent" in item["detail"]
    await client.login("regisseur@test.nl")
    page = await client.get("/gemeente/duo/")
    assert "XX999" in page.text and "Onbekende code" in page.text


async def test_obligation_ended_ends_enrollments_closes_open_items_and_says_why(client, duo_world):
    amina = duo_world.people["amina"]
    day = clock.today() - timedelta(days=2)
    await notify(client, "SS101", await bsn_of(amina), day=day - timedelta(days=30))
    await inbound.handle_pending()
    await notify(client, "SS106", await bsn_of(amina), day=day)
    await inbound.handle_pending()
    ends = {e["end"] for e in await Enrollment.select(Enrollment.end).where(Enrollment.inburgeraar == amina)}
    assert ends == {day}
    first, last = await items_of(amina)
    assert first["status"] == "afgehandeld" and first["outcome"] == "geen_actie" and "SS106" in first["outcome_text"]
    assert await InboxEntry.exists().where((InboxEntry.item == first["id"]) & InboxEntry.text.like("%SS106%"))
    assert last["kind"] == "duo_plicht_einde" and last["status"] == "nieuw"
    newest = await DuoNotification.select().order_by(DuoNotification.id, ascending=False).first()
    assert "1 open item afgesloten" in newest["result"]


async def test_doelgroep_to_family_keeps_asylum_rights_and_to_asylum_grants_them(client, duo_world):
    amina, olena = duo_world.people["amina"], duo_world.people["gezin"]
    await notify(client, "SS124", await bsn_of(amina))
    await notify(client, "SS125", await bsn_of(olena))
    await inbound.handle_pending()
    a = await Inburgeraar.select().where(Inburgeraar.id == amina).first()
    assert a["doelgroep_status"] == "gezin_overig" and a["doelgroep"] == "asiel"  # asylum rights stay
    o = await Inburgeraar.select().where(Inburgeraar.id == olena).first()
    assert o["doelgroep_status"] == "asiel" and o["doelgroep"] == "asiel"
    assert [i["kind"] for i in await items_of(amina)] == ["duo_doelgroep"]


async def test_moved_abroad_records_the_move_and_ends_enrollments(client, duo_world):
    amina = duo_world.people["amina"]
    day = clock.today() - timedelta(days=3)
    await notify(client, "SS123", await bsn_of(amina), day=day)
    await inbound.handle_pending()
    a = await Inburgeraar.select().where(Inburgeraar.id == amina).first()
    assert a["verhuisd_op"] == day and "buitenland" in a["verhuisd_naar"]
    assert {e["end"] for e in await Enrollment.select(Enrollment.end).where(Enrollment.inburgeraar == amina)} == {day}
    assert [i["kind"] for i in await items_of(amina)] == ["duo_vertrokken"]


@pytest.mark.parametrize(
    "code, kind, working_days",
    [
        ("SS139", "duo_brede_intake", 10),
        ("SS120", "duo_brede_intake", 10),
        ("SS121", "duo_pip_overnemen", 10),
        ("SS126", "duo_geen_leerroute", 5),
        ("SS127", "duo_geen_aanbod", 5),
        ("SS141", "duo_zroute_afgerond", 10),
        ("SS131", "duo_uitslag", 10),
        ("SS199", "duo_uitslag", 10),
        ("SS128", "duo_melding", 10),  # DUO lists it, no rule of ours: DUO's own words on the item
    ],
)
async def test_each_code_family_makes_its_item(client, duo_world, code, kind, working_days):
    amina = duo_world.people["amina"]
    day = clock.today() - timedelta(days=1)
    await notify(client, code, await bsn_of(amina), day=day)
    await inbound.handle_pending()
    [item] = await items_of(amina)
    assert item["kind"] == kind and item["deadline"] == add_working_days(day, working_days)
    assert code in item["detail"]


@pytest.mark.parametrize("code", ["SS102", "SS103", "SS104"])
async def test_term_started_or_extended_makes_no_item_but_asks_for_the_term(client, duo_world, code):
    await notify(client, code, await bsn_of(duo_world.people["amina"]))
    await inbound.handle_pending()
    assert await InboxItem.count() == 0
    row = await DuoNotification.select().first()
    assert row["status"] == "verwerkt" and "Inburgeringstermijn" in row["result"]


async def test_the_duo_page_is_the_gemeentes_own(client, duo_world):
    await notify(client, "SS101", await bsn_of(duo_world.people["omar"]), doel=AMERSFOORT)
    await inbound.handle_pending()
    await client.login("regisseur@test.nl")  # Utrecht
    page = await client.get("/gemeente/duo/")
    assert page.status == 200 and "Omar" not in page.text and "nog geen meldingen" in page.text
    await client.login("regisseur@amersfoort.nl")
    assert "Omar" in (await client.get("/gemeente/duo/")).text


async def test_the_beheerder_sets_the_gemeentes_oin_and_duo_reaches_it(client, duo_world):
    await client.login("beheer@test.nl")
    bad = await client.submit("/beheer/duo", "form[action='/beheer/duo']", {"oin": "1234"})
    assert bad.status == 422 and "precies 20 cijfers" in bad.field_error("oin")
    new = "00000001002220647999"
    saved = await client.submit("/beheer/duo", "form[action='/beheer/duo']", {"oin": new})
    assert saved.status == 303
    assert (await Gemeente.select(Gemeente.oin).where(Gemeente.id == duo_world.gemeente).first())["oin"] == new
    assert await AuditEvent.exists().where(AuditEvent.action == "gemeente.oin")
    r = await notify(client, "SS101", await bsn_of(duo_world.people["amina"]), doel=new)
    assert r.status_code == 201
    await client.login("regisseur@test.nl")
    assert (await client.get("/beheer/duo")).status in {403, 404}
