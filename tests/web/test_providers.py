"""Functioneel beheer of a gemeente: provider organisations (one record for all gemeenten) and contracts."""

from datetime import timedelta

from shared import clock
from shared.tables import AuditEvent, Contract, DossierChange, Organisation
from tests.support import make_user

TODAY = clock.today()


def org_data(**values):
    data = {
        "name": "Taalcentrum Eemland",
        "kvk": "3212 3457",
        "kinds": "taal",
        "bow_keurmerk": "ja",
        "duo_instellingsnummer": "12ab345678",
    }
    data.update(values)
    return data


async def register_org(client, **values):
    return await client.submit("/gemeente/aanbieders", "#registreren form", org_data(**values), follow_redirects=True)


async def test_register_an_organisation_and_contract_it(client, world):
    await client.login(world.users["beheer"])
    page = await register_org(client)
    assert page.status == 200 and page.h1() == "Taalcentrum Eemland"
    assert page.notice() == "De organisatie is geregistreerd."
    org = await Organisation.select().where(Organisation.kvk == "32123457").first()
    assert (org["kinds"], org["bow_keurmerk"], org["duo_instellingsnummer"]) == (["taal"], True, "12AB345678")
    url = f"/gemeente/aanbieders/{org['id']}"
    page = await client.submit(
        url,
        "form[action$='/contracten']",
        {"component": "taal", "start": TODAY.isoformat(), "end": (TODAY + timedelta(days=365)).isoformat()},
        follow_redirects=True,
    )
    assert page.status == 200
    assert page.table_rows("#contracten table")[0][:3] == [
        "Taal en KNM",
        TODAY.strftime("%d-%m-%Y"),
        (TODAY + timedelta(days=365)).strftime("%d-%m-%Y"),
    ]
    page = await client.submit(
        url, "form[action$='/contracten']", {"component": "taal", "start": (TODAY + timedelta(days=30)).isoformat()}
    )
    assert page.status == 422 and "Er is al een contract voor Taal en KNM in die periode" in page.field_error("start")
    assert await Contract.count() == 1
    versions = await DossierChange.select(DossierChange.section, DossierChange.kind)
    assert {(v["section"], v["kind"]) for v in versions} == {("organisatie", "register"), ("contract", "register")}
    overview = await client.get("/gemeente/aanbieders")
    assert overview.table_rows()[0][0] == "Taalcentrum Eemland"


async def test_one_record_per_kvk_number_serves_every_gemeente(client, world):
    await client.login(world.users["beheer"])
    await register_org(client)
    other_beheer = await make_user(
        "beheer@amersfoort.nl",
        __import__("shared.vocab", fromlist=["Role"]).Role.BEHEERDER,
        gemeente=world.other_gemeente,
    )
    assert other_beheer
    await client.login("beheer@amersfoort.nl")
    found = await client.get("/gemeente/aanbieders?q=32123457")
    rows = found.table_rows("table.results")
    assert rows == [["Taalcentrum Eemland", "32123457", "Taal en KNM", "ja", "nog niet"]]
    page = await register_org(client, name="Taalcentrum Eemland B.V.")
    assert page.status == 422
    assert page.field_error("kvk").startswith("Deze organisatie staat al in Regie: Taalcentrum Eemland (KvK 32123457).")
    assert page.doc.find("a", string="Open de organisatie die er al is")
    assert await Organisation.count().where(Organisation.kvk == "32123457") == 1
    # Amersfoort contracts the same record; Utrecht's contracts stay out of its sight.
    org_id = (await Organisation.select().where(Organisation.kvk == "32123457").first())["id"]
    await client.submit(
        f"/gemeente/aanbieders/{org_id}",
        "form[action$='/contracten']",
        {"component": "taal", "start": TODAY.isoformat()},
        follow_redirects=True,
    )
    await client.login(world.users["beheer"])
    await client.submit(
        f"/gemeente/aanbieders/{org_id}",
        "form[action$='/contracten']",
        {"component": "pvt", "start": TODAY.isoformat()},
        follow_redirects=True,
    )
    page = await client.get(f"/gemeente/aanbieders/{org_id}")
    assert [r[0] for r in page.table_rows("#contracten table")] == ["PVT"]
    assert await Contract.count() == 2


async def test_organisation_fields_are_checked(client, world):
    await client.login(world.users["beheer"])
    page = await register_org(client, name="", kvk="123", kinds="", duo_instellingsnummer="12AB")
    assert page.status == 422
    assert page.field_error("kvk") == "Een KvK-nummer heeft 8 cijfers."
    assert page.field_error("duo_instellingsnummer").startswith("Een DUO-instellingsnummer heeft precies 10 tekens")
    assert page.field_error("name") == "Vul de naam van de organisatie in."
    assert await Organisation.count() == 3


async def test_a_contract_ends_only_when_no_enrollment_runs_past_it(client, world):
    contract_id = (
        await Contract.insert(
            Contract(
                gemeente=world.gemeente, organisation=world.school, component="taal", start=TODAY - timedelta(days=400)
            )
        ).returning(Contract.id)
    )[0]["id"]
    await client.login(world.users["beheer"])
    url = f"/gemeente/aanbieders/{world.school}"
    page = await client.submit(
        url, f"form[action='/gemeente/contracten/{contract_id}/beeindigen']", {"end": TODAY.isoformat()}
    )
    assert page.status == 422 and "inschrijvingen onder dit contract lopen na deze datum door" in page.text
    assert (await Contract.select().first())["end"] is None
    from shared.tables import Enrollment

    await Enrollment.update({Enrollment.end: TODAY - timedelta(days=1)}, force=True)
    page = await client.submit(
        url,
        f"form[action='/gemeente/contracten/{contract_id}/beeindigen']",
        {"end": TODAY.isoformat()},
        follow_redirects=True,
    )
    assert page.status == 200 and (await Contract.select().first())["end"] == TODAY
    assert await AuditEvent.exists().where(AuditEvent.action == "contract.end")


async def test_changing_the_shared_record_is_versioned(client, world):
    await client.login(world.users["beheer"])
    page = await client.submit(
        f"/gemeente/aanbieders/{world.pvt}",
        "#gegevens form",
        {"kvk": "30123460", "kinds": "pvt", "bow_keurmerk": ""},
        follow_redirects=True,
    )
    assert page.status == 200
    org = await Organisation.select().where(Organisation.id == world.pvt).first()
    assert org["kvk"] == "30123460"
    versions = await DossierChange.select().where(DossierChange.object_type == "organisation").output(load_json=True)
    assert [v["kind"] for v in versions] == ["baseline", "change"]
    assert versions[0]["data"]["kvk"] is None and versions[1]["data"]["kvk"] == "30123460"


async def test_only_a_gemeentes_functioneel_beheer_manages_providers(client, world):
    for role in ("regisseur", "teamleider", "school_beheer", "school", "admin"):
        await client.login(world.users[role])
        assert (await client.get("/gemeente/aanbieders")).status == 404
        assert (await client.post("/gemeente/aanbieders", org_data())).status == 404
    assert await Organisation.count() == 3
