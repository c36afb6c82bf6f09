"""Issue 11: what DUO answers to a lookup goes into the dossier where the dossier has the field, as a new
version with DUO as its origin; a value a person set is never overwritten: an item says what DUO holds. DUO's
term end shows in the dossier as DUO's, with the day it was fetched."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from municipal.duo import outbox
from municipal.duo.events import Fetch
from municipal.duo.stub import DuoStub
from municipal.tables import InboxItem
from shared import clock
from shared.tables import DossierChange, Gemeente, Inburgeraar
from tests.integration.test_duo_outbox import UTRECHT, config

pytestmark = pytest.mark.anyio


@pytest.fixture
def stub():
    s = DuoStub().start()
    yield s
    s.stop()


async def fetch(world, stub, soort: Fetch, answer: dict) -> dict:
    await Gemeente.update({Gemeente.oin: UTRECHT}).where(Gemeente.id == world.gemeente)
    person = await Inburgeraar.select().where(Inburgeraar.id == world.people["amina"]).first()
    await outbox.queue_fetch(person, soort, UTRECHT)
    stub.data[outbox.FETCH_PATHS[soort].format(bsn=person["bsn"])] = answer
    assert await outbox.send_pending(config(stub)) == 1
    return await Inburgeraar.select().where(Inburgeraar.id == person["id"]).first()


async def plicht_versions(person_id: int) -> list[dict]:
    return await DossierChange.select().where(
        (DossierChange.inburgeraar == person_id) & (DossierChange.note.like("Gegevens van DUO%"))
    )


async def test_duos_start_of_the_obligation_fills_an_empty_dossier_field_as_a_version_from_duo(world, stub):
    await Inburgeraar.update({Inburgeraar.plicht_start: None}).where(Inburgeraar.id == world.people["amina"])
    person = await fetch(world, stub, Fetch.PLICHT, {"indicatorInburgeringsplicht": True, "begindatum": "2026-10-01"})
    assert person["plicht_start"] == date(2026, 10, 1)
    [version] = await plicht_versions(person["id"])
    assert version["changed_by"] is None and "Inburgeringsplicht" in version["note"]
    # DUO corrects its own date later: a new version, the first stays.
    with clock.travel(clock.now() + timedelta(minutes=1)):
        person = await fetch(
            world, stub, Fetch.PLICHT, {"indicatorInburgeringsplicht": True, "begindatum": "2026-10-05"}
        )
    assert person["plicht_start"] == date(2026, 10, 5)
    assert len(await plicht_versions(person["id"])) == 2
    assert not await InboxItem.exists().where(InboxItem.kind == "duo_afwijking")


async def test_a_date_the_regisseur_set_is_kept_and_an_item_shows_duos(world, stub):
    await Inburgeraar.update({Inburgeraar.plicht_start: date(2026, 9, 1)}).where(
        Inburgeraar.id == world.people["amina"]
    )
    person = await fetch(world, stub, Fetch.PLICHT, {"indicatorInburgeringsplicht": True, "begindatum": "2026-10-01"})
    assert person["plicht_start"] == date(2026, 9, 1)
    assert await plicht_versions(person["id"]) == []
    item = await InboxItem.select().where(InboxItem.kind == "duo_afwijking").first()
    assert "Inburgeringsplichtig sinds: in het dossier 01-09-2026, bij DUO 01-10-2026" in item["detail"]


async def test_the_dossier_shows_duos_term_end_with_the_day_it_was_fetched(client, world, stub):
    await fetch(world, stub, Fetch.TERMIJN, {"startdatum": "2024-09-01", "einddatum": "2027-09-01"})
    await client.login("regisseur@test.nl")
    page = await client.get(f"/gemeente/inburgeraars/{world.people['amina']}")
    assert "Termijn loopt tot en met (volgens DUO)" in page.text
    assert f"31-08-2027, opgehaald bij DUO op {clock.today():%d-%m-%Y}" in page.text
