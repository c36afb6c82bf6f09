"""The provider API: tokens made and revoked by the organisation's beheerder, the same import as an upload
(JSON rows or the file), dry runs, all-or-nothing, the same events, and other organisations' uploads absent."""

import json

import pytest

from shared import clock
from shared.calendar import previous_month
from shared.tables import ApiToken, AuditEvent, DomainEvent, HourRecord, Inburgeraar, UploadBatch
from tests.support import make_enrollment, make_person

pytestmark = pytest.mark.anyio
MONTH = previous_month(clock.today())
START, END = f"{MONTH.start:%d-%m-%Y}", f"{MONTH.end:%d-%m-%Y}"


async def bsn(person_id: int) -> str:
    return (await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == person_id).first())["bsn"]


async def new_token(client, world, who="school_beheer", name="Leerlingadministratie") -> str:
    await client.login(world.users[who])
    page = await client.submit("/beheer/api-sleutels", "form[action='/beheer/api-sleutels']", {"name": name})
    assert page.status == 200
    return page.doc.find(id="nieuwe-sleutel")["value"]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_beheerder_makes_a_token_shown_once_and_stored_hashed(client, world):
    token = await new_token(client, world)
    assert token.startswith("rgi_") and len(token) > 40
    row = await ApiToken.select().first()
    assert row["token_hash"] != token and len(row["token_hash"]) == 64 and token not in json.dumps(row, default=str)
    page = await client.get("/beheer/api-sleutels")
    assert page.doc.find(id="nieuwe-sleutel") is None and token not in page.text  # never shown again
    assert page.table_rows()[0][0] == "Leerlingadministratie" and page.table_rows()[0][4] == "actief"
    page = await client.submit("/beheer/api-sleutels", "form[action='/beheer/api-sleutels']", {"name": " "})
    assert page.status == 422 and "Geef de sleutel een naam" in page.field_error("name")
    actions = [a["action"] for a in await AuditEvent.select(AuditEvent.action)]
    assert "api_token.created" in actions


async def test_only_an_organisations_beheerder_manages_tokens(client, world):
    for who in ("school", "beheer", "regisseur", "admin"):
        await client.login(world.users[who])
        assert (await client.get("/beheer/api-sleutels")).status == 404, who


async def test_no_or_a_revoked_token_is_refused_in_dutch(client, world):
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": []})
    assert r.status_code == 401 and "Geen geldige API-sleutel" in r.json()["fout"]
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": []}, headers=auth("rgi_verzonnen"))
    assert r.status_code == 401
    token = await new_token(client, world)
    page = await client.get("/beheer/api-sleutels")
    await client.post(page.doc.select_one("form[action$='/intrekken']")["action"])
    assert (await ApiToken.select().first())["revoked_at"] is not None
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": []}, headers=auth(token))
    assert r.status_code == 401 and await UploadBatch.count() == 0


async def test_json_rows_dry_run_then_commit(client, world):
    token = await new_token(client, world)
    amina, tesfay = await bsn(world.people["amina"]), await bsn(world.people["tesfay"])
    rows = [
        {
            "bsn": amina,
            "period_start": START,
            "period_end": END,
            "attended": 36.75,
            "geoorloofd": "1,5",
            "verzuim_reden": "ziek",
        },
        {
            "BSN": tesfay,
            "Periode van": MONTH.start.isoformat(),
            "Periode tot en met": MONTH.end.isoformat(),
            "Aanwezig (uren)": "40",
        },
    ]
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": rows, "proef": True}, headers=auth(token))
    body = r.json()
    assert r.status_code == 200 and body["status"] == "proef" and body["nieuw"] == 2 and body["uren"] == "78,25"
    assert await HourRecord.count() == 0 and await DomainEvent.count() == 0
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": rows}, headers=auth(token))
    body = r.json()
    assert r.status_code == 200 and body["status"] == "opgeslagen" and body["nieuw"] == 2
    records = await HourRecord.select().order_by(HourRecord.id)
    assert [r["attended_minutes"] for r in records] == [2205, 2400] and {r["source"] for r in records} == {"api"}
    assert {r["entered_by"] for r in records} == {None}
    assert [e["kind"] for e in await DomainEvent.select(DomainEvent.kind)] == ["hours.reported"] * 2
    logged = await AuditEvent.select().where(AuditEvent.action == "upload.stored")
    assert len(logged) == 2 and logged[0]["actor_email"] == "api:Leerlingadministratie"
    assert logged[0]["actor_organisation"] == world.school
    # the same rows again change nothing, and say so
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": rows}, headers=auth(token))
    assert r.json()["status"] == "al_opgeslagen" and await HourRecord.count() == 2 and await DomainEvent.count() == 2
    # and the provider sees the API's upload in the portal
    await client.login(world.users["school"])
    listing = await client.get("/portaal/uploads")
    assert "API: Leerlingadministratie" in listing.table_rows("table.uploads")[0][2]


async def test_errors_store_nothing_unless_asked_to_skip_them(client, world):
    token = await new_token(client, world)
    amina, gezin = await bsn(world.people["amina"]), await bsn(world.people["gezin"])
    rows = [
        {"bsn": amina, "period_start": START, "period_end": END, "attended": "7"},
        {"bsn": gezin, "period_start": START, "period_end": END, "attended": "7"},
        {"bsn": "999999990", "period_start": START, "period_end": END, "attended": "-2"},
    ]
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": rows}, headers=auth(token))
    body = r.json()
    assert (
        r.status_code == 422 and body["status"] == "fouten" and "Er is niets opgeslagen: 2 regel(s)" in body["melding"]
    )
    found = {(f["regel"], f["kolom"]): f["melding"] for f in body["foutmeldingen"]}
    assert "rechtstreeks aan DUO" in found[(2, "kind")]
    assert "negatief" in found[(3, "attended")] and "hoort niet bij iemand" in found[(3, "bsn")]
    assert await HourRecord.count() == 0 and await DomainEvent.count() == 0
    r = await client.http.post(
        "/api/v1/maandrapportage", json={"regels": rows, "fouten_overslaan": True}, headers=auth(token)
    )
    assert r.status_code == 200 and r.json()["status"] == "opgeslagen" and await HourRecord.count() == 1


async def test_a_file_over_the_api_and_a_dry_run_committed_later(client, world):
    token = await new_token(client, world)
    amina = await bsn(world.people["amina"])
    content = f"BSN;Periode van;Periode tot en met;Aanwezig (uren)\r\n{amina};{START};{END};7,5\r\n".encode("cp1252")
    r = await client.http.post(
        "/api/v1/maandrapportage/bestand",
        headers=auth(token),
        files={"bestand": ("oktober.csv", content, "text/csv")},
        data={"proef": "true"},
    )
    body = r.json()
    assert r.status_code == 200 and body["status"] == "proef" and body["nieuw"] == 1, body
    assert await HourRecord.count() == 0
    r = await client.http.get(f"/api/v1/uploads/{body['upload']}", headers=auth(token))
    assert r.json()["status"] == "proef"
    r = await client.http.post(f"/api/v1/uploads/{body['upload']}/opslaan", headers=auth(token))
    assert r.status_code == 200 and r.json()["status"] == "opgeslagen" and await HourRecord.count() == 1
    r = await client.http.post(
        "/api/v1/maandrapportage/bestand",
        headers=auth(token),
        files={"bestand": ("foto.csv", b"\x89PNG\r\n\x1a\n" + bytes(100), "text/csv")},
    )
    assert r.status_code == 422 and r.json()["status"] == "niet_gelezen" and "afbeelding" in r.json()["melding"]
    r = await client.http.post("/api/v1/maandrapportage", headers=auth(token), json={"regels": "geen lijst"})
    assert r.status_code == 400 and await HourRecord.count() == 1


async def test_another_organisations_upload_is_absent(client, world):
    school_token = await new_token(client, world)
    amina = await bsn(world.people["amina"])
    r = await client.http.post(
        "/api/v1/maandrapportage",
        headers=auth(school_token),
        json={"regels": [{"bsn": amina, "period_start": START, "period_end": END, "attended": "7"}], "proef": True},
    )
    batch_id = r.json()["upload"]
    # the PVT provider has its own token (made here directly: the world has no PVT beheerder)
    from portal.uploads import tokens as token_service
    from portal.uploads.batches import api_actor

    pvt_token = await token_service.create(api_actor(world.pvt, "x"), "PVT-systeem")
    for method, url in (
        ("GET", f"/api/v1/uploads/{batch_id}"),
        ("POST", f"/api/v1/uploads/{batch_id}/opslaan"),
        ("GET", "/api/v1/uploads/987654"),
    ):
        r = await client.http.request(method, url, headers=auth(pvt_token))
        assert r.status_code == 404, (method, url)
    assert await HourRecord.count() == 0
    # and a person of another organisation is as unknown as nobody
    only_school = await make_person(world.gemeente, voornamen="Alleen", achternaam="School")
    await make_enrollment(only_school, world.school, "taal")
    r = await client.http.post(
        "/api/v1/maandrapportage",
        headers=auth(pvt_token),
        json={"regels": [{"bsn": await bsn(only_school), "period_start": START, "period_end": END, "attended": "7"}]},
    )
    assert "hoort niet bij iemand" in r.json()["foutmeldingen"][0]["melding"]


async def test_openapi_documents_the_api_with_examples_and_no_login(client, world):
    r = await client.http.get("/api/schema/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert set(schema["paths"]) == {
        "/api/v1/maandrapportage",
        "/api/v1/maandrapportage/bestand",
        "/api/v1/uploads/{batch_id}",
        "/api/v1/uploads/{batch_id}/opslaan",
    }
    post = schema["paths"]["/api/v1/maandrapportage"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["examples"] and "proef" in json.dumps(body["examples"])
    assert "verzuim_reden" in json.dumps(schema["components"]["schemas"]["ReportRequest"])
    assert schema["components"]["securitySchemes"]["ApiSleutel"]["scheme"] == "bearer"
    assert (await client.http.get("/api/schema/swagger")).status_code == 200
