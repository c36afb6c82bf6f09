"""Issue 11: the inburgeringsaanbod is registered with DUO from the DUO view of DUO's signal SS127 ("nog geen
inburgeringsaanbod ontvangen"): the dossier's date, the language provider's DUO instellingsnummer."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from municipal.duo import inbound, outbox
from municipal.duo.stub import DuoStub
from municipal.duo.tables import DuoMessage
from municipal.tables import InboxItem
from shared.settings import settings
from shared.tables import Gemeente, Inburgeraar, Organisation
from tests.integration.test_duo_outbox import UTRECHT, config

pytestmark = pytest.mark.anyio


@pytest.fixture
def stub():
    s = DuoStub().start()
    yield s
    s.stop()


async def test_the_aanbod_is_sent_from_the_duo_view_of_duos_signal(client, world, stub):
    await Gemeente.update({Gemeente.oin: UTRECHT}).where(Gemeente.id == world.gemeente)
    await Organisation.update({Organisation.duo_instellingsnummer: "12AB345678"}).where(Organisation.id == world.school)
    amina = world.people["amina"]
    await Inburgeraar.update({Inburgeraar.datum_inburgeringsaanbod: date(2026, 10, 1)}).where(Inburgeraar.id == amina)
    bsn = (await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == amina).first())["bsn"]
    headers = {
        "bron": settings.duo_oin,
        "doel": UTRECHT,
        "berichtId": str(uuid.uuid4()),
        "X-Client-Cert-Verified": "SUCCESS",
        "X-Client-Cert-OIN": settings.duo_oin,
        "X-Proxy-Token": settings.duo_proxy_token,
    }
    body = {"registratieDatumTijd": "2026-11-17T09:00:00+01:00", "gebeurtenisId": "SS127", "bsn": bsn}
    assert (await inbound.receive(headers, json.dumps(body).encode())).status == 201
    await inbound.handle_pending()
    item = await InboxItem.select().where(InboxItem.kind == "duo_geen_aanbod").first()
    await client.login("regisseur@test.nl")
    page = await client.get(f"/inbox/items/{item['id']}/duo")
    assert "Datum inburgeringsaanbod" in page.text and "12AB345678" in page.text
    sent = await client.submit(
        f"/inbox/items/{item['id']}/duo", f"form[action='/inbox/items/{item['id']}/duo/versturen']", {}
    )
    assert sent.status == 303
    assert await outbox.send_pending(config(stub)) == 1
    [post] = stub.delivered("POST", "/Inburgeringsaanbod/12AB345678")
    assert post.body["datumInburgeringsaanbod"] == "2026-10-01" and post.status == 201
    m = await DuoMessage.select().where(DuoMessage.item == item["id"]).first()
    assert m["status"] == "ontvangen"
    assert (await InboxItem.select().where(InboxItem.id == item["id"]).first())["status"] == "afgehandeld"
