"""The CLI's create-user and the demo data, on the real database."""

from argparse import Namespace

import pytest

from regie import cli
from regie.demo import DEMO_PASSWORD
from shared.security import authenticate
from shared.tables import AppUser, Enrollment, Gemeente, HourRecord, Inburgeraar, Organisation
from shared.vocab import Component, Doelgroep, Leerroute, OrganisationKind


async def test_demo_data_covers_every_kind_route_and_group(db):
    await cli.demo(only_if_empty=True)
    assert await Gemeente.count() == 2
    kinds = {k for row in await Organisation.select(Organisation.kinds) for k in row["kinds"]}
    assert kinds == {k.value for k in OrganisationKind} and await Organisation.count() >= 8
    people = await Inburgeraar.select(Inburgeraar.doelgroep, Inburgeraar.leerroute)
    assert len(people) == 80
    assert {p["doelgroep"] for p in people} == {d.value for d in Doelgroep}
    assert {p["leerroute"] for p in people} == {r.value for r in Leerroute}
    assert {e["component"] for e in await Enrollment.select(Enrollment.component)} == {c.value for c in Component}
    months = {r["period_start"].replace(day=1) for r in await HourRecord.select(HourRecord.period_start)}
    assert len(months) >= 12
    # loading again when not empty changes nothing
    await cli.demo(only_if_empty=True)
    assert await Inburgeraar.count() == 80
    from shared.search import search_name  # the demo's people are found by their names too

    for person in await Inburgeraar.select(Inburgeraar.voornamen, Inburgeraar.achternaam, Inburgeraar.zoeknaam):
        assert person["zoeknaam"] == search_name(person["voornamen"], person["achternaam"])
    assert await authenticate("medewerker@woord.demo", DEMO_PASSWORD, "test") is not None


async def test_demo_has_no_language_hours_for_gezinsmigranten(db):
    await cli.demo(only_if_empty=True)
    rows = await HourRecord.select(HourRecord.kind).where(HourRecord.inburgeraar.doelgroep == "gezin_overig")
    assert not [r for r in rows if r["kind"] in {"taal_knm", "participatie_taalles"}]


async def test_create_user_from_the_cli(db, world):
    args = Namespace(
        email="Nieuw@Test.nl",
        name="Nieuwe Regisseur",
        role="regisseur",
        gemeente="0344",
        organisation=None,
        password="een-lang-wachtwoord",
    )
    await cli.create_user(args)
    row = await AppUser.select().where(AppUser.email == "nieuw@test.nl").first()
    assert row["gemeente"] == world.gemeente and row["role"] == "regisseur"
    with pytest.raises(SystemExit, match="12 tekens"):
        await cli.create_user(Namespace(**{**vars(args), "email": "b@test.nl", "password": "kort"}))
    with pytest.raises(SystemExit, match="bestaat niet"):
        await cli.create_user(Namespace(**{**vars(args), "email": "c@test.nl", "gemeente": "9999"}))
    with pytest.raises(SystemExit, match="hoort bij een gemeente"):
        await cli.create_user(Namespace(**{**vars(args), "email": "d@test.nl", "gemeente": None}))


async def test_demo_inbox_has_items_routed_to_people_and_teams(db):
    from municipal.tables import InboxItem, Team

    await cli.demo(only_if_empty=True)
    items = await InboxItem.select(InboxItem.kind, InboxItem.assignee, InboxItem.team)
    kinds = {i["kind"] for i in items}
    assert {"registreer_pvt", "registreer_map", "afschalen"} <= kinds
    assert all(i["assignee"] or i["team"] for i in items)  # nothing lands nowhere
    assert await Team.count() == 2
