"""The audit log: every read and change of a person's data, who/what/which/result/origin/when,
and a page where functioneel beheer reads it (only its own scope)."""

from shared.tables import AuditEvent
from tests.web.test_portal import post_hours


async def test_reads_and_changes_of_a_person_are_logged_with_bio_fields(client, world):
    await client.login(world.users["school"])
    await client.get("/portaal")
    await post_hours(client, world)
    events = await AuditEvent.select().where(AuditEvent.inburgeraar == world.people["amina"]).order_by(AuditEvent.id)
    actions = [e["action"] for e in events]
    assert "inburgeraar.view" in actions and "hours.reported" in actions
    change = next(e for e in events if e["action"] == "hours.reported")
    assert change["actor_email"] == world.users["school"]  # who
    assert change["object_type"] == "hour_record" and change["object_id"]  # which object
    assert change["result"] == "ok" and change["origin"] == "198.51.100.7" and change["at"] is not None
    assert change["subject_gemeente"] == world.gemeente
    listing = await AuditEvent.select().where(AuditEvent.action == "inburgeraar.list").first()
    assert "3 van 3 personen" in listing["detail"]


async def test_gemeente_reads_are_logged_too(client, world):
    await client.login(world.users["regisseur"])
    await client.get(f"/gemeente/inburgeraars/{world.people['amina']}")
    event = await AuditEvent.select().where(AuditEvent.action == "inburgeraar.view").first()
    assert event["actor_email"] == world.users["regisseur"] and event["inburgeraar"] == world.people["amina"]


async def test_beheer_of_a_gemeente_sees_what_happened_to_its_people_and_not_others(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world)
    await client.login(world.users["other_regisseur"])
    await client.get(f"/gemeente/inburgeraars/{world.people['omar']}")
    await client.login(world.users["beheer"])
    page = await client.get("/beheer/audit")
    assert page.status == 200 and page.h1() == "Logboek"
    text = page.text
    assert "hours.reported" in text and world.users["school"] in text
    assert world.users["other_regisseur"] not in text  # another gemeente's business
    filtered = await client.get(f"/beheer/audit?inburgeraar={world.people['amina']}")
    assert all(row[4] == str(world.people["amina"]) for row in filtered.table_rows())
    assert await AuditEvent.count().where(AuditEvent.action == "audit.view") == 2  # reading the log is logged


async def test_beheer_of_an_organisation_sees_its_own_staff(client, world):
    await client.login(world.users["school"])
    await post_hours(client, world)
    await client.login(world.users["pvt"])
    await client.get("/portaal")
    await client.login(world.users["school_beheer"])
    text = (await client.get("/beheer/audit")).text
    assert world.users["school"] in text and world.users["pvt"] not in text


async def test_regisseur_cannot_read_the_log(client, world):
    await client.login(world.users["regisseur"])
    assert (await client.get("/beheer/audit")).status == 404
