"""Reconciliation (issue 11): DUO's 2xx is only a receipt. What DUO later gives back decides: the same data
marks the message "door DUO verwerkt" with the date; other data, or a notification that DUO lacks it, makes
an item "Gegevens bij DUO wijken af" with ours and DUO's value."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest

from municipal.duo import confirm, inbound, outbox
from municipal.duo.stub import DuoStub
from municipal.duo.tables import DuoData, DuoMessage, DuoNotification
from municipal.tables import InboxEntry, InboxItem
from shared import clock
from shared.settings import settings
from shared.tables import Gemeente, Inburgeraar
from tests.integration.test_duo_outbox import UTRECHT, config, queued

pytestmark = pytest.mark.anyio


@pytest.fixture
def stub():
    s = DuoStub().start()
    yield s
    s.stop()


async def sent_pvt(world, stub):
    item_id = await queued(world)
    assert await outbox.send_pending(config(stub)) == 1
    pvt = await DuoMessage.select().where(DuoMessage.method == "PUT").first()
    return item_id, pvt


async def check_later(stub):
    """The read-back lookup waits CHECK_AFTER, then is sent."""
    assert await outbox.send_pending(config(stub)) == 0
    with clock.travel(clock.now() + confirm.CHECK_AFTER + timedelta(minutes=1)):
        assert await outbox.send_pending(config(stub)) == 1


async def test_duo_giving_back_the_same_date_marks_the_message_confirmed_by_duo(client, world, stub):
    item_id, pvt = await sent_pvt(world, stub)
    assert pvt["confirmed_at"] is None  # a receipt is not a confirmation
    await check_later(stub)
    [get] = stub.delivered("GET", "/pvt")
    assert get.path == "/v1" + pvt["path"]
    after = await DuoMessage.select().where(DuoMessage.id == pvt["id"]).first()
    assert after["confirmed_at"] is not None
    assert (await DuoData.select().first())["soort"] == "PVT"
    entries = [e["text"] for e in await InboxEntry.select().where(InboxEntry.item == item_id)]
    assert any(t.startswith("Door DUO verwerkt: DUO gaf op ") for t in entries)
    assert not await InboxItem.exists().where(InboxItem.kind == "duo_afwijking")
    await client.login("regisseur@test.nl")
    page = await client.get(f"/inbox/items/{item_id}/duo")
    assert "Door DUO verwerkt op" in page.text


async def test_another_date_at_duo_makes_an_item_with_ours_and_duos(world, stub):
    _, pvt = await sent_pvt(world, stub)
    ours = json.loads(pvt["body"]) if isinstance(pvt["body"], str) else pvt["body"]
    stub.data[pvt["path"]] = {"datumOndertekeningPvt": "2026-01-05"}  # DUO holds something else
    await check_later(stub)
    assert (await DuoMessage.select().where(DuoMessage.id == pvt["id"]).first())["confirmed_at"] is None
    item = await InboxItem.select().where(InboxItem.kind == "duo_afwijking").first()
    assert item["inburgeraar"] == world.people["amina"] and item["status"] == "nieuw"
    shown = f"{date.fromisoformat(ours['datumOndertekeningPvt']):%d-%m-%Y}"
    assert f"Datum ondertekening PVT: bij ons {shown}, bij DUO 05-01-2026." in item["detail"]


async def test_a_notification_that_duo_has_no_leerroute_after_our_pip_makes_an_item(world):
    person = await Inburgeraar.select().where(Inburgeraar.id == world.people["amina"]).first()
    await Gemeente.update({Gemeente.oin: UTRECHT}).where(Gemeente.id == world.gemeente)
    await DuoMessage.insert(
        DuoMessage(
            gemeente=world.gemeente,
            inburgeraar=person["id"],
            kind="duo_brede_intake",
            method="POST",
            path=f"/personen/{person['bsn']}/PIP",
            body=json.dumps({"dagtekeningPip": "2026-09-01", "leerroute": "B"}),
            bron=UTRECHT,
            doel=settings.duo_oin,
            bericht_id=str(uuid.uuid4()),
            status="ontvangen",
            answer_status=201,
            answered_at=clock.now() - timedelta(days=30),
        )
    )
    headers = {
        "bron": settings.duo_oin,
        "doel": UTRECHT,
        "berichtId": str(uuid.uuid4()),
        "X-Client-Cert-Verified": "SUCCESS",
        "X-Client-Cert-OIN": settings.duo_oin,
        "X-Proxy-Token": settings.duo_proxy_token,
    }
    body = {"registratieDatumTijd": "2026-11-17T09:00:00+01:00", "gebeurtenisId": "SS126", "bsn": person["bsn"]}
    assert (await inbound.receive(headers, json.dumps(body).encode())).status == 201
    await inbound.handle_pending()
    item = await InboxItem.select().where(InboxItem.kind == "duo_afwijking").first()
    assert "PIP: bij ons PIP met leerroute B, dagtekening 01-09-2026, bij DUO DUO meldt" in item["detail"]
    assert "wijkt af" in (await DuoNotification.select(DuoNotification.result).first())["result"]
