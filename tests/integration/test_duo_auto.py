"""Issue 11: the gemeente chooses which registrations go to DUO without a click ("Koppeling met DUO",
audited). When on, the registration is queued as soon as the item arises, checked exactly as "Verstuur naar
DUO" checks it; what DUO would refuse stays an item for the regisseur, with the reason."""

from __future__ import annotations

import pytest

from municipal.duo import outbox
from municipal.duo.stub import DuoStub
from municipal.duo.tables import DuoMessage
from municipal.tables import InboxEntry, InboxItem, InboxSettings
from shared import clock
from shared.tables import AuditEvent, Inburgeraar
from tests.integration.test_duo_outbox import config, pvt_item

pytestmark = pytest.mark.anyio


@pytest.fixture
def stub():
    s = DuoStub().start()
    yield s
    s.stop()


async def choose(client, *kinds: str):
    await client.login("beheer@test.nl")
    saved = await client.submit(
        "/beheer/duo", "form[action='/beheer/duo/automatisch']", {f"auto_{k}": "ja" for k in kinds}
    )
    assert saved.status == 303
    return saved


async def entries(item_id: int) -> list[str]:
    return [e["text"] for e in await InboxEntry.select().where(InboxEntry.item == item_id).order_by(InboxEntry.id)]


async def test_the_beheerder_chooses_what_goes_automatically_and_it_is_audited(client, world):
    await choose(client, "registreer_pvt", "z_taal_800")
    row = await InboxSettings.select().where(InboxSettings.gemeente == world.gemeente).first()
    assert set(row["duo_automatisch"].split(",")) == {"registreer_pvt", "z_taal_800"}
    audit = await AuditEvent.select().where(AuditEvent.action == "gemeente.duo_automatisch").first()
    assert "registreer_pvt" in audit["detail"]
    page = await client.get("/beheer/duo?automatisch=1")
    assert page.doc.find("input", id="auto_registreer_pvt").has_attr("checked")
    assert not page.doc.find("input", id="auto_registreer_map").has_attr("checked")
    await choose(client)  # all off again
    row = await InboxSettings.select().where(InboxSettings.gemeente == world.gemeente).first()
    assert row["duo_automatisch"] == ""
    await client.login("regisseur@test.nl")
    assert (await client.get("/beheer/duo")).status in {403, 404}


async def test_without_the_setting_nothing_is_queued(world):
    item_id = await pvt_item(world)
    assert await DuoMessage.count() == 0
    assert (await InboxItem.select().where(InboxItem.id == item_id).first())["status"] == "nieuw"


async def test_with_the_setting_the_pvt_is_queued_when_the_item_arises_and_sent(client, world, stub):
    await choose(client, "registreer_pvt")
    item_id = await pvt_item(world)
    m = await DuoMessage.select().where(DuoMessage.item == item_id).first()
    assert m["status"] == "wachtrij" and m["created_by"] is None and m["path"].endswith("/pvt")
    assert "Automatisch in de wachtrij voor DUO gezet (instelling van de gemeente)." in await entries(item_id)
    assert await AuditEvent.exists().where(
        (AuditEvent.action == "duo.versturen") & (AuditEvent.actor_email.like("Regie (automatisch%"))
    )
    assert await outbox.send_pending(config(stub)) == 1
    assert (await InboxItem.select().where(InboxItem.id == item_id).first())["status"] == "afgehandeld"


async def test_what_duo_would_refuse_is_not_sent_and_stays_for_the_regisseur(client, world, stub):
    await choose(client, "registreer_pvt")
    # The term starts today: DUO refuses a PVT date before it (the PVT was signed two days ago).
    await Inburgeraar.update(
        {Inburgeraar.pip_dagtekening: clock.today(), Inburgeraar.termijn_start: clock.today()}
    ).where(Inburgeraar.id == world.people["amina"])
    item_id = await pvt_item(world)
    assert await DuoMessage.count() == 0
    [note] = [t for t in await entries(item_id) if t.startswith("Niet automatisch naar DUO")]
    assert "vóór de start van de inburgeringstermijn" in note
    assert (await InboxItem.select().where(InboxItem.id == item_id).first())["status"] == "nieuw"
