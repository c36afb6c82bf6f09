"""The quarterly delivery to CBS: made as a frozen snapshot, completed or not with a link to fix it, released by a
teamleider only, downloaded byte for byte, valid against the schema in the repository (our draft: the official
XSD comes from CBS), corrections after release in the next delivery, and the deadline on the dashboard."""

import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import xmlschema

from municipal.cbs import services, swi
from municipal.tables import CbsDelivery, HandhavingCase
from shared.calendar import quarter
from shared.tables import Inburgeraar
from tests.support import FIXTURES

NS = {"s": swi.NS}
AMS = ZoneInfo("Europe/Amsterdam")


def test_a_quarter_is_due_four_weeks_after_it_ends():
    assert quarter(2026, 3).start == date(2026, 7, 1) and quarter(2026, 3).end == date(2026, 9, 30)
    assert services.deadline(2026, 3) == date(2026, 10, 28)
    assert services.deadline(2026, 4) == date(2027, 1, 28)
    assert services.last_ended_quarter(date(2026, 11, 18)) == (2026, 3)
    assert services.last_ended_quarter(date(2027, 1, 1)) == (2026, 4)


def test_the_draft_schema_accepts_its_example_and_refuses_a_duplicate_bsn():
    example = (FIXTURES / "cbs-swi-concept-voorbeeld.xml").read_bytes()
    assert swi.validate(example) == []
    twice = example.replace(b"<BSN>999990020</BSN>", b"<BSN>999990019</BSN>")
    assert swi.validate(twice)
    assert "NIET DOOR HET CBS" in swi.SCHEMA_FILE.read_text()  # it says what it is


async def known_since(person_id: int, day: date) -> None:
    await Inburgeraar.update({Inburgeraar.created_at: datetime(day.year, day.month, day.day, 9, tzinfo=AMS)}).where(
        Inburgeraar.id == person_id
    )


async def decided(world, person, besluit, day, bedrag=None, overtreding="onvoldoende_leerroute") -> int:
    rows = await HandhavingCase.insert(
        HandhavingCase(
            gemeente=world.gemeente,
            inburgeraar=person,
            overtreding=overtreding,
            overtreding_datum=day,
            besluit=besluit,
            besluit_datum=day,
            bedrag_cents=bedrag,
        )
    ).returning(HandhavingCase.id)
    return rows[0]["id"]


async def q3_world(world):
    amina, tesfay, olena = world.people["amina"], world.people["tesfay"], world.people["gezin"]
    for pid in (amina, tesfay, olena):
        await known_since(pid, date(2026, 3, 2))
    await Inburgeraar.update(
        {
            Inburgeraar.intake_start: date(2026, 3, 10),
            Inburgeraar.begeleiding_indicatie: True,
            Inburgeraar.begeleiding_start: date(2026, 3, 20),
            Inburgeraar.datum_inburgeringsaanbod: date(2025, 11, 1),
        }
    ).where(Inburgeraar.id == tesfay)
    await Inburgeraar.update(
        {
            Inburgeraar.intake_start: date(2026, 3, 12),
            Inburgeraar.voortgangsgesprekken: json.dumps(["2026-05-04", "2026-08-20"]),
        }
    ).where(Inburgeraar.id == olena)
    await decided(world, amina, "waarschuwing", date(2026, 8, 10), overtreding="niet_verschenen_intake")
    await decided(world, tesfay, "boete", date(2026, 9, 1), bedrag=25_000)
    await decided(world, tesfay, "waarschuwing", date(2026, 10, 5))  # Q4: not in Q3's delivery


async def make(client, year=2026, number=3, **kw):
    return await client.post("/gemeente/cbs/maken", {"jaar": str(year), "kwartaal": str(number)}, **kw)


async def test_a_delivery_is_made_frozen_released_by_a_teamleider_and_downloaded_unchanged(client, world):
    await q3_world(world)
    await client.login(world.users["regisseur"])
    overview = await client.get("/gemeente/cbs")
    assert overview.doc.find("button", string="Maak levering Q3 2026") is not None
    page = await make(client, follow_redirects=True)
    assert page.status == 200 and page.h1() == "Levering Q3 2026"
    delivery = await CbsDelivery.select().first()
    counts = json.loads(delivery["counts"]) if isinstance(delivery["counts"], str) else delivery["counts"]
    assert counts["records"] == 3 and counts["waarschuwingen"] == 1 and counts["boetes"] == 1
    assert counts["boetes_cents"] == 25_000
    problems = page.table_rows("#punten table")
    assert [
        "Amina Haddad",
        "Of er recht is op maatschappelijke begeleiding, is niet ingevuld.",
        "Herstellen bij Amina Haddad",
    ] in problems
    fix = page.doc.select_one("#punten a")["href"]
    assert fix.startswith(f"/gemeente/inburgeraars/{world.people['amina']}#sectie-")

    file = await client.get(f"/gemeente/cbs/{delivery['id']}/bestand.xml")
    assert file.status == 200 and file.response.headers["content-type"].startswith("application/xml")
    content = file.response.content
    xmlschema.XMLSchema(str(swi.SCHEMA_FILE)).validate(content)  # the schema in the repository (our draft)
    root = ET.fromstring(content)
    assert root.findtext("s:Levering/s:Gemeentecode", namespaces=NS) == "0344"
    assert root.findtext("s:Levering/s:Verslagkwartaal", namespaces=NS) == "3"
    assert root.findtext("s:Levering/s:AantalRecords", namespaces=NS) == "3"
    fine = root.find("s:Inburgeraar/s:Boete", NS)
    assert fine.findtext("s:BedragEuro", namespaces=NS) == "250.00" and fine.findtext("s:Reden", namespaces=NS) == "04"
    assert [w.findtext("s:Reden", namespaces=NS) for w in root.iterfind("s:Inburgeraar/s:Waarschuwing", NS)] == ["01"]
    talks = root.find("s:Inburgeraar/s:Voortgangsgesprekken", NS)
    assert talks.findtext("s:AantalInKwartaal", namespaces=NS) == "1"
    assert b"Amina" not in content  # names stay out of the file

    # A regisseur cannot release; a teamleider can.
    assert page.doc.find("button", string="Geef de levering vrij") is None
    assert (await client.post(f"/gemeente/cbs/{delivery['id']}/vrijgeven")).status == 404
    await client.login(world.users["teamleider"])
    page = await client.submit(
        f"/gemeente/cbs/{delivery['id']}",
        f"form[action='/gemeente/cbs/{delivery['id']}/vrijgeven']",
        {},
        follow_redirects=True,
    )
    assert "De levering is vrijgegeven" in page.notice()
    released = await CbsDelivery.select().first()
    assert released["status"] == "vrijgegeven" and released["released_at"] is not None

    # Later changes never alter it: the download stays byte for byte what was released.
    await Inburgeraar.update({Inburgeraar.begeleiding_indicatie: False, Inburgeraar.achternaam: "Anders"}).where(
        Inburgeraar.id == world.people["amina"]
    )
    await HandhavingCase.update({HandhavingCase.bedrag_cents: 10_000}).where(HandhavingCase.besluit == "boete")
    again = await client.get(f"/gemeente/cbs/{delivery['id']}/bestand.xml")
    assert again.response.content == content
    assert hashlib.sha256(again.response.content).hexdigest() == released["sha256"]
    refused = await make(client)
    assert refused.status == 422 and "al vrijgegeven" in refused.errors()[0]


async def test_a_concept_can_be_made_again_and_a_running_quarter_cannot_be_delivered(client, world):
    await q3_world(world)
    await client.login(world.users["regisseur"])
    await make(client)
    await Inburgeraar.update({Inburgeraar.begeleiding_indicatie: False}).where(Inburgeraar.id == world.people["amina"])
    page = await client.submit(
        f"/gemeente/cbs/{(await CbsDelivery.select().first())['id']}",
        "form[action='/gemeente/cbs/maken']",
        {},
        follow_redirects=True,
    )
    assert page.status == 200
    rows = await CbsDelivery.select().order_by(CbsDelivery.id)
    assert [r["status"] for r in rows] == ["vervangen", "concept"]
    assert "begeleiding" not in page.doc.select_one("#punten").get_text()  # fixed, and the new concept shows it
    early = await client.post("/gemeente/cbs/maken", {"jaar": "2026", "kwartaal": "4"})
    assert early.status == 422 and "nog niet voorbij" in early.errors()[0]
    await client.login(world.users["school"])
    assert (await client.get("/gemeente/cbs")).status == 404
    assert (await client.get(f"/gemeente/cbs/{rows[1]['id']}/bestand.xml")).status == 404
    await client.login(world.users["other_regisseur"])
    assert (await client.get(f"/gemeente/cbs/{rows[1]['id']}")).status == 404


@pytest.mark.clock("2027-01-11T09:00")
async def test_corrections_after_release_go_into_the_next_delivery(client, world):
    await q3_world(world)
    await client.login(world.users["teamleider"])
    await make(client)
    q3 = await CbsDelivery.select().first()
    await client.post(f"/gemeente/cbs/{q3['id']}/vrijgeven")
    # After release: a warning from September registered late, and the September fine lowered after bezwaar.
    await decided(
        world, world.people["gezin"], "waarschuwing", date(2026, 9, 25), overtreding="niet_verschenen_voortgang"
    )
    await HandhavingCase.update({HandhavingCase.bedrag_cents: 15_000}).where(HandhavingCase.besluit == "boete")
    await make(client, 2026, 4)
    q4 = await CbsDelivery.select().where(CbsDelivery.kwartaal == 4).first()
    root = ET.fromstring(bytes(q4["xml"]))
    xmlschema.XMLSchema(str(swi.SCHEMA_FILE)).validate(bytes(q4["xml"]))
    warnings = sorted(w.findtext("s:Datum", namespaces=NS) for w in root.iterfind("s:Inburgeraar/s:Waarschuwing", NS))
    assert warnings == ["2026-09-25", "2026-10-05"]  # the late one and Q4's own; Amina's August warning not again
    fines = [
        (b.findtext("s:Dagtekening", namespaces=NS), b.findtext("s:BedragEuro", namespaces=NS))
        for b in root.iterfind("s:Inburgeraar/s:Boete", NS)
    ]
    assert fines == [("2026-09-01", "150.00")]  # changed after release: delivered again, corrected
    counts = json.loads(q4["counts"]) if isinstance(q4["counts"], str) else q4["counts"]
    assert counts["nagekomen"] == 2


async def test_the_dashboard_shows_the_next_deadline_in_working_days(client, world):
    await q3_world(world)
    await client.login(world.users["teamleider"])
    line = (await client.get("/inbox/dashboard")).doc.select_one("#cbs-termijn").get_text(" ", strip=True)
    # Q3 was due on Wednesday 28 October; on Wednesday 18 November that is 15 working days ago.
    assert "Q3 2026" in line and "28-10-2026" in line and "15 werkdagen te laat" in line and "nog niet gemaakt" in line
    await make(client)
    await client.post(f"/gemeente/cbs/{(await CbsDelivery.select().first())['id']}/vrijgeven")
    line = (await client.get("/inbox/dashboard")).doc.select_one("#cbs-termijn").get_text(" ", strip=True)
    # Next: Q4, due Thursday 28 January 2027, with Christmas and New Year's Day in between.
    assert "Q4 2026" in line and "28-01-2027" in line and "nog 49 werkdagen" in line
