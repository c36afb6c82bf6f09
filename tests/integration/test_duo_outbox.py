"""Gemeente → DUO: "Verstuur naar DUO" queues the registration; the sender delivers it to the DUO stand-in
(municipal/duo/stub.py) once, retries on 5xx and time-outs, stops on 4xx with DUO's answer on the item, and
never sends one message from two workers."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta

import pytest

from municipal.duo import outbox
from municipal.duo.outbox import DuoConfig
from municipal.duo.stub import DuoStub, Failure
from municipal.duo.tables import DuoMessage
from municipal.errors import RuleError
from municipal.inbox import services
from municipal.tables import InboxEntry, InboxItem
from portal import services as portal
from shared import clock
from shared.security import CurrentUser
from shared.settings import settings
from shared.tables import AppUser, Gemeente, Inburgeraar
from shared.vocab import MilestoneKind

pytestmark = pytest.mark.anyio

UTRECHT = "00000001002220647000"


@pytest.fixture
def stub():
    s = DuoStub().start()
    yield s
    s.stop()


def config(stub, timeout=2.0) -> DuoConfig:
    return DuoConfig(stub.url, timeout=timeout)


async def user(email) -> CurrentUser:
    return CurrentUser.from_row(await AppUser.select().where(AppUser.email == email).first())


async def pvt_item(world, person="amina", days_ago=2) -> int:
    await Gemeente.update({Gemeente.oin: UTRECHT}).where(Gemeente.id == world.gemeente)
    await portal.report_milestone(
        await user("pvt@test.nl"),
        world.people[person],
        portal.MilestoneInput(
            world.enrollments[f"{person}_pvt"],
            MilestoneKind.PVT_ONDERTEKENING,
            clock.today() - timedelta(days=days_ago),
        ),
    )
    await services.process_pending()
    item = (
        await InboxItem.select()
        .where(InboxItem.kind == "registreer_pvt")
        .order_by(InboxItem.id, ascending=False)
        .first()
    )
    return item["id"]


async def queued(world, person="amina") -> int:
    item_id = await pvt_item(world, person)
    await outbox.queue(await user("regisseur@test.nl"), item_id)
    return item_id


async def message():
    return await DuoMessage.select().order_by(DuoMessage.id, ascending=False).first()


async def test_sent_once_with_duos_headers_and_the_receipt_closes_the_item(world, stub):
    item_id = await queued(world)
    assert await outbox.send_pending(config(stub)) == 1
    assert await outbox.send_pending(config(stub)) == 0  # nothing due any more
    [put] = stub.delivered("PUT", "/pvt")
    bsn = (await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == world.people["amina"]).first())["bsn"]
    assert put.path == f"/v1/personen/{bsn}/pvt"
    assert put.headers["bron"] == UTRECHT and put.headers["doel"] == settings.duo_oin
    assert put.headers["berichtId"] == (await message())["bericht_id"]
    assert put.body == {"datumOndertekeningPvt": (clock.today() - timedelta(days=2)).isoformat()}
    m = await message()
    assert m["status"] == "ontvangen" and m["answer_status"] == 200 and m["answered_at"] is not None
    item = await InboxItem.select().where(InboxItem.id == item_id).first()
    assert item["status"] == "afgehandeld" and item["outcome"] == "geregistreerd"
    assert "ontvangst bevestigd" in item["outcome_text"] and item["registered_on"] == clock.today()


async def test_503_twice_then_200_is_retried_with_growing_waits_and_sent_once(world, stub):
    await queued(world)
    stub.fail(Failure(503), Failure(503))
    assert await outbox.send_pending(config(stub)) == 0
    first = await message()
    assert first["status"] == "wachtrij" and first["attempts"] == 1
    assert await outbox.send_pending(config(stub)) == 0 and len(stub.received) == 1  # waits first
    with clock.travel(clock.now() + timedelta(minutes=1, seconds=5)):
        assert await outbox.send_pending(config(stub)) == 0
        second = await message()
        # the wait grows: 1 minute after the first failure, 2 after the second
        assert second["send_after"] - second["answered_at"] > first["send_after"] - first["answered_at"]
    with clock.travel(clock.now() + timedelta(minutes=5)):
        assert await outbox.send_pending(config(stub)) == 1
    assert [r.status for r in stub.received] == [503, 503, 200]
    assert len({r.headers["berichtId"] for r in stub.received}) == 1  # the same message, not three
    assert (await message())["status"] == "ontvangen"


async def test_a_time_out_is_retried_later(world, stub):
    await queued(world)
    stub.fail(Failure(timeout=1.5))
    assert await outbox.send_pending(config(stub, timeout=0.3)) == 0
    m = await message()
    assert m["status"] == "wachtrij" and "niet binnen" in m["last_error"] and m["send_after"] > clock.now()


async def test_400_stops_and_the_item_says_what_duo_answered(world, stub):
    item_id = await queued(world)
    stub.fail(Failure(400, "Datum ligt na de afronding van de Z-route."))
    assert await outbox.send_pending(config(stub)) == 0
    with clock.travel(clock.now() + timedelta(hours=7)):
        await outbox.send_pending(config(stub))
    assert len(stub.received) == 1  # stopped: not retried
    assert (await message())["status"] == "geweigerd"
    entry = await InboxEntry.select().where(InboxEntry.item == item_id).order_by(InboxEntry.id, ascending=False).first()
    assert "DUO vindt het bericht niet juist" in entry["text"] and "verstuur opnieuw" in entry["text"]
    assert (await InboxItem.select().where(InboxItem.id == item_id).first())["status"] != "afgehandeld"


async def test_403_with_duos_error_body_shows_duos_words(world, stub):
    item_id = await queued(world)
    stub.fail(Failure(403, "Persoon valt niet onder uw gemeente."))
    await outbox.send_pending(config(stub))
    entry = await InboxEntry.select().where(InboxEntry.item == item_id).order_by(InboxEntry.id, ascending=False).first()
    assert "Persoon valt niet onder uw gemeente." in entry["text"]


async def test_the_stand_in_refuses_what_does_not_fit_duos_contract(world, stub):
    await queued(world)
    await DuoMessage.update({DuoMessage.body: json.dumps({"datumOndertekeningPvt": "18-11-2026"})}, force=True)
    await outbox.send_pending(config(stub))
    assert stub.received[0].status == 400 and (await message())["status"] == "geweigerd"


async def test_a_crash_between_claim_and_send_sends_exactly_once_after_the_lease(world, stub):
    await queued(world)
    assert len(await outbox.claim()) == 1  # a process took it and died before sending
    assert await outbox.send_pending(config(stub)) == 0  # another process leaves it alone meanwhile
    with clock.travel(clock.now() + outbox.LEASE + timedelta(seconds=1)):
        assert await outbox.send_pending(config(stub)) == 1
        assert await outbox.send_pending(config(stub)) == 0
    assert len(stub.received) == 1


async def test_two_workers_never_send_the_same_message(world, stub):
    from tests.support import make_enrollment, make_person

    for n in range(6):
        pid = await make_person(world.gemeente, voornamen=f"P{n}")
        world.people[f"p{n}"] = pid
        world.enrollments[f"p{n}_pvt"] = await make_enrollment(pid, world.pvt, "pvt")
        await queued(world, f"p{n}")
    results = await asyncio.gather(*(outbox.send_pending(config(stub), limit=2) for _ in range(4)))
    while sum(results) < 6 and await DuoMessage.exists().where(DuoMessage.status == "wachtrij"):
        results += [await outbox.send_pending(config(stub))]
    ids = [r.headers["berichtId"] for r in stub.received]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert await DuoMessage.count().where(DuoMessage.status == "ontvangen") == 6


async def test_queue_refuses_twice_and_what_duo_would_refuse(world, stub):
    item_id = await queued(world)
    regisseur = await user("regisseur@test.nl")
    with pytest.raises(RuleError, match="al in de wachtrij"):
        await outbox.queue(regisseur, item_id)
    future = await pvt_item(world, "gezin")
    # A date in the future (as after a wrong correction): DUO refuses it, so it is not queued.
    await InboxItem.update({InboxItem.event_date: clock.today() + timedelta(days=3)}).where(InboxItem.id == future)
    with pytest.raises(RuleError, match="toekomst"):
        await outbox.queue(regisseur, future)
    assert await DuoMessage.count() == 1


async def test_verstuur_naar_duo_on_the_items_duo_page(client, world, stub):
    item_id = await pvt_item(world)
    await client.login("regisseur@test.nl")
    page = await client.get(f"/inbox/items/{item_id}/duo")
    assert page.doc.find("form", action=f"/inbox/items/{item_id}/duo/versturen")
    sent = await client.submit(
        f"/inbox/items/{item_id}/duo", f"form[action='/inbox/items/{item_id}/duo/versturen']", {}
    )
    assert sent.status == 303
    sent = await client.get(sent.response.headers["location"])
    assert "wachtrij voor DUO" in sent.text and "In de wachtrij voor DUO" in sent.text
    await outbox.send_pending(config(stub))
    after = await client.get(f"/inbox/items/{item_id}/duo")
    assert "Aangeboden aan DUO, ontvangst bevestigd" in after.text
    other = await client.post(f"/inbox/items/{item_id + 999}/duo/versturen")
    assert other.status == 404


async def bsn_of(person_id: int) -> str:
    return (await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == person_id).first())["bsn"]


async def test_a_term_notification_fetches_duos_term_and_keeps_it_as_duos_data_with_the_time(world, stub):
    from municipal.duo import inbound
    from municipal.duo.tables import DuoData

    await Gemeente.update({Gemeente.oin: UTRECHT}).where(Gemeente.id == world.gemeente)
    bsn = await bsn_of(world.people["amina"])
    headers = {
        "bron": settings.duo_oin,
        "doel": UTRECHT,
        "berichtId": str(uuid.uuid4()),
        "X-Client-Cert-Verified": "SUCCESS",
        "X-Client-Cert-OIN": settings.duo_oin,
        "X-Proxy-Token": settings.duo_proxy_token,
    }
    body = {"registratieDatumTijd": "2026-11-17T09:00:00+01:00", "gebeurtenisId": "SS104", "bsn": bsn}
    assert (await inbound.receive(headers, json.dumps(body).encode())).status == 201
    await inbound.handle_pending()
    lookup = await message()
    assert (lookup["method"], lookup["path"]) == ("GET", f"/personen/{bsn}/inburgeringstermijn")
    stub.data[f"/personen/{bsn}/inburgeringstermijn"] = {"startdatum": "2024-06-01", "einddatum": "2027-09-01"}
    assert await outbox.send_pending(config(stub)) == 1
    [get] = stub.delivered("GET")
    assert get.headers["bron"] == UTRECHT and get.headers["doel"] == settings.duo_oin
    kept = await DuoData.select().first()
    assert kept["soort"] == "Inburgeringstermijn" and kept["inburgeraar"] == world.people["amina"]
    assert kept["fetched_at"] is not None and abs(kept["fetched_at"] - clock.now()) < timedelta(minutes=1)
    assert await outbox.duo_term_end(world.people["amina"]) == date(2027, 9, 1)


async def test_a_late_pvt_asks_verwijtbaar_and_sends_the_answer(client, world, stub):
    from municipal.duo.tables import DuoData

    amina = world.people["amina"]
    await DuoData.insert(
        DuoData(
            inburgeraar=amina,
            gemeente=world.gemeente,
            soort="Inburgeringstermijn",
            data=json.dumps(
                {"startdatum": "2023-10-01", "einddatum": (clock.today() - timedelta(days=30)).isoformat()}
            ),
        )
    )
    item_id = await pvt_item(world)
    await client.login("regisseur@test.nl")
    page = await client.get(f"/inbox/items/{item_id}/duo")
    assert page.doc.find("fieldset", id="verwijtbaar")
    form = f"form[action='/inbox/items/{item_id}/duo/versturen']"
    missing = await client.submit(f"/inbox/items/{item_id}/duo", form, {})
    assert missing.status == 422 and "Kies Ja of Nee" in missing.field_error("verwijtbaar")
    assert await DuoMessage.count() == 0
    sent = await client.submit(f"/inbox/items/{item_id}/duo", form, {"verwijtbaar": "Nee"})
    assert sent.status == 303
    await outbox.send_pending(config(stub))
    [put] = stub.delivered("PUT", "/pvt")
    assert put.body["verwijtbaar"] == "Nee"


async def test_gevolgde_uren_are_sent_as_totals_when_the_total_changes(world, stub):
    from municipal.duo import uren
    from shared.calendar import previous_month
    from shared.hours import HourReport
    from shared.vocab import HourKind

    await Gemeente.update({Gemeente.oin: UTRECHT}).where(Gemeente.id == world.gemeente)
    amina = world.people["amina"]
    bsn = await bsn_of(amina)
    path = f"/personen/{bsn}/uren/participatietaalles"
    assert await uren.refresh_totals() == 0  # nothing registered yet: the first is the regisseur's
    # Registered once (as from the item's "Verstuur naar DUO"): 0 hours.
    await DuoMessage.insert(
        DuoMessage(
            gemeente=world.gemeente,
            inburgeraar=amina,
            kind="uren:participatietaalles",
            method="PUT",
            path=path,
            body=json.dumps({"uren": 0}),
            bron=UTRECHT,
            doel=settings.duo_oin,
            bericht_id=str(uuid.uuid4()),
            status="ontvangen",
        )
    )
    month = previous_month(clock.today())
    await portal.report_hours(
        await user("school@test.nl"),
        amina,
        portal.HourInput(
            world.enrollments["amina_taal"], HourReport(HourKind.TAAL_KNM, month, 45 * 60 + 50, 0, 0, None)
        ),
    )
    assert await uren.refresh_totals() == 1
    assert await uren.refresh_totals() == 0  # one waits already: not queued twice
    await outbox.send_pending(config(stub))
    [put] = stub.delivered("PUT", "/uren/")
    assert put.body == {"uren": 45}  # the total in whole hours, not an increment, never rounded up
    assert await uren.refresh_totals() == 0  # DUO has the total: nothing to send


def test_a_total_is_sent_only_when_it_changes_in_whole_hours():
    from municipal.duo.uren import new_total

    assert new_total(None, 600 * 60) is None
    assert new_total(45, 45 * 60 + 59) is None
    assert new_total(45, 46 * 60) == 46
    assert new_total(46, 40 * 60) == 40  # a correction downwards is a new total too
