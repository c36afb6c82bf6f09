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
    assert r.status_code == 401 and "Geen geldige API-sleutel" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer" and r.headers["content-type"] == "application/problem+json"
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
    assert r.status_code == 201 and body["status"] == "proef" and body["nieuw"] == 2 and body["uren"] == "78,25"
    assert r.headers["location"] == f"/api/v1/uploads/{body['upload']}"
    assert await HourRecord.count() == 0 and await DomainEvent.count() == 0
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": rows}, headers=auth(token))
    body = r.json()
    # the same rows as the dry run: that upload is judged again and stored (200: no new upload)
    assert r.status_code == 200 and body["status"] == "opgeslagen" and body["nieuw"] == 2 and body["upload"] == 1
    records = await HourRecord.select().order_by(HourRecord.id)
    assert [r["attended_minutes"] for r in records] == [2205, 2400] and {r["source"] for r in records} == {"api"}
    assert {r["entered_by"] for r in records} == {None}
    assert [e["kind"] for e in await DomainEvent.select(DomainEvent.kind)] == ["hours.reported"] * 2
    logged = await AuditEvent.select().where(AuditEvent.action == "upload.stored")
    assert len(logged) == 2 and logged[0]["actor_email"] == "api:Leerlingadministratie"
    assert logged[0]["actor_organisation"] == world.school
    # the same rows again change nothing, and say so
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": rows}, headers=auth(token))
    assert r.status_code == 200 and r.json()["status"] == "al_opgeslagen"
    assert await HourRecord.count() == 2 and await DomainEvent.count() == 2
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
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert body["uitkomst"] == "fouten" and "Er is niets opgeslagen: 2 regels hebben een fout" in body["detail"]
    assert body["status"] == 422 and body["title"] == "Ongeldige invoer" and body["fouten"] == 2
    found = {(f["regel"], f["kolom"]): f["melding"] for f in body["foutmeldingen"]}
    # each refused field named as a client writes it, with a JSON Pointer into the request
    named = {e["veld"]: e["pointer"] for e in body["errors"]}
    assert named["regels[1].kind"] == "#/regels/1/kind" and named["regels[2].attended"] == "#/regels/2/attended"
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
    assert r.status_code == 201 and body["status"] == "proef" and body["nieuw"] == 1, body
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
    assert r.status_code == 422 and r.json()["uitkomst"] == "niet_gelezen" and "afbeelding" in r.json()["detail"]
    r = await client.http.post("/api/v1/maandrapportage", headers=auth(token), json={"regels": "geen lijst"})
    assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "regels" and await HourRecord.count() == 1


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


# --- The API keeps its own contract (issue 9) ----------------------------------------------------------------

PROBLEM = "application/problem+json"


async def dry(client, token, rows, **extra):
    return await client.http.post(
        "/api/v1/maandrapportage", json={"regels": rows, "proef": True, **extra}, headers=auth(token)
    )


async def test_a_field_of_the_wrong_type_is_a_422_naming_it_and_nothing_is_received(client, world):
    token = await new_token(client, world)
    amina = await bsn(world.people["amina"])
    row = {"bsn": amina, "period_start": START, "period_end": END}
    wrong = (([7, 5], "een lijst"), ({"uren": 7}, "een object"), (True, "true of false"), (False, "true of false"))
    for bad, word in wrong:
        for proef in (True, False):
            r = await client.http.post(
                "/api/v1/maandrapportage",
                json={"regels": [{**row, "attended": bad}], "proef": proef},
                headers=auth(token),
            )
            body = r.json()
            assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, (bad, body)
            assert body["errors"] == [
                {
                    "veld": "regels[0].attended",
                    "pointer": "#/regels/0/attended",
                    "detail": f"regels[0].attended: moet tekst, een getal of null zijn, niet {word}.",
                }
            ]
            assert "regels[0].attended" in body["detail"] and body["title"] == "Ongeldige invoer"
    # nothing was received, so nothing is left "checking"; and the same input means the same thing each time
    assert await UploadBatch.count() == 0 and await HourRecord.count() == 0
    r = await dry(client, token, [{**row, "attended": 1}])
    assert r.status_code == 201 and r.json()["uren"] == "1"
    r = await dry(client, token, [{**row, "attended": True}])
    assert r.status_code == 422
    # every wrong field at once, in rows and at the top
    r = await client.http.post(
        "/api/v1/maandrapportage",
        json={"regels": [{**row, "attended": [1]}, "geen object", {**row, "geoorloofd": {}}], "proef": "ja"},
        headers=auth(token),
    )
    named = [e["veld"] for e in r.json()["errors"]]
    assert named == ["proef", "regels[0].attended", "regels[1]", "regels[2].geoorloofd"]


async def test_only_json_true_and_false_are_booleans(client, world):
    token = await new_token(client, world)
    amina = await bsn(world.people["amina"])
    rows = [{"bsn": amina, "period_start": START, "period_end": END, "attended": "7"}]
    for value in (0, 1, "true", "false", None, [], "ja"):
        for flag in ("proef", "fouten_overslaan"):
            r = await client.http.post(
                "/api/v1/maandrapportage", json={"regels": rows, flag: value}, headers=auth(token)
            )
            assert r.status_code == 422 and r.json()["errors"][0]["veld"] == flag, (flag, value)
            assert r.json()["errors"][0]["pointer"] == f"#/{flag}"
    assert await HourRecord.count() == 0 and await UploadBatch.count() == 0  # "proef": 0 did not commit
    # a misspelt flag is refused too rather than ignored (a real commit where a dry run was meant)
    r = await client.http.post("/api/v1/maandrapportage", json={"regels": rows, "proeff": True}, headers=auth(token))
    assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "proeff" and await HourRecord.count() == 0
    # the file route: form fields true or false only
    content = f"BSN;Periode van;Periode tot en met;Aanwezig (uren)\r\n{amina};{START};{END};7,5\r\n".encode()
    r = await client.http.post(
        "/api/v1/maandrapportage/bestand",
        headers=auth(token),
        files={"bestand": ("oktober.csv", content, "text/csv")},
        data={"proef": "1"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "proef" and await HourRecord.count() == 0


async def test_wrong_content_types_broken_json_and_empty_bodies(client, world):
    token = await new_token(client, world)
    amina = await bsn(world.people["amina"])
    rows = [{"bsn": amina, "period_start": START, "period_end": END, "attended": "7"}]
    text = json.dumps({"regels": rows, "proef": True})
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/xml", ""):
        r = await client.http.post(
            "/api/v1/maandrapportage", content=text, headers={**auth(token), "Content-Type": ctype}
        )
        assert r.status_code == 415 and r.headers["accept-post"] == "application/json", ctype
        assert r.headers["content-type"] == PROBLEM and r.json()["title"] == "Soort inhoud niet ondersteund"
    r = await client.http.post(
        "/api/v1/maandrapportage/bestand", json={"regels": rows, "proef": True}, headers=auth(token)
    )
    assert r.status_code == 415 and r.headers["accept-post"] == "multipart/form-data"
    ok = {**auth(token), "Content-Type": "application/json; charset=utf-8"}
    for broken in ('{"regels": [', '{"regels": [}]}', "{'regels': []}", "", "[]"):
        r = await client.http.post("/api/v1/maandrapportage", content=broken, headers=ok)
        assert r.status_code == 400 and r.headers["content-type"] == PROBLEM and r.json()["detail"], broken
    for body, field in (('{"regels": []}', "regels"), ('{"proef": true}', "regels")):
        r = await client.http.post("/api/v1/maandrapportage", content=body, headers=ok)
        assert r.status_code == 422 and r.json()["errors"][0]["veld"] == field, body
    r = await client.http.post("/api/v1/maandrapportage", content='{"regels": [{"bsn": "a\\u0000b"}]}', headers=ok)
    assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "regels[0].bsn"
    assert await UploadBatch.count() == 0
    # without a token the answer is 401 whatever the body
    r = await client.http.post("/api/v1/maandrapportage", content="x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 401


async def test_ids_past_the_database_range_are_404_on_every_route(client, world):
    token = await new_token(client, world)
    for n in (2**31, 2**63 - 1, 2**63, 2**64 + 1, 10**30, 0):
        for method, url in (("GET", f"/api/v1/uploads/{n}"), ("POST", f"/api/v1/uploads/{n}/opslaan")):
            r = await client.http.request(method, url, headers=auth(token))
            assert r.status_code == 404 and r.headers["content-type"] == PROBLEM, (method, url)
            assert r.json() == {
                "type": "about:blank",
                "title": "Niet gevonden",
                "status": 404,
                "detail": "Dit adres of dit nummer bestaat niet, of hoort niet bij uw organisatie.",
            }
    # the HTML pages with an id in the path: the Dutch error page, 404
    for who, url in (
        ("school", "/portaal/inburgeraars/{n}"),
        ("school", "/portaal/uploads/{n}"),
        ("regisseur", "/gemeente/inburgeraars/{n}"),
        ("regisseur", "/inbox/items/{n}"),
    ):
        await client.login(world.users[who])
        for n in (2**31, 2**63, 10**30):
            page = await client.get(url.format(n=n))
            assert page.status == 404 and page.h1() == "Niet gevonden", url
        page = await client.post(url.format(n=2**63) + "/uren", {"attended": "1"})
        assert page.status in (404, 405)


async def test_method_not_allowed_says_which_are(client, world):
    token = await new_token(client, world)
    r = await client.http.delete("/api/v1/uploads/1", headers=auth(token))
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "OPTIONS"}
    assert r.headers["content-type"] == PROBLEM and r.json()["status"] == 405
    r = await client.http.get("/api/v1/maandrapportage", headers=auth(token))
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    await client.login(world.users["school"])
    page = await client.http.put(f"/portaal/inburgeraars/{world.people['amina']}")
    assert page.status_code == 405 and "GET" in page.headers["allow"] and "Niet toegestaan" in page.text


async def test_an_upload_reads_back_as_what_it_is(client, world):
    from portal.uploads import batches, commit
    from portal.uploads.rules import BatchStatus

    token = await new_token(client, world)
    amina = await bsn(world.people["amina"])
    r = await dry(client, token, [{"bsn": amina, "period_start": START, "period_end": END, "attended": "7"}])
    upload = r.json()["upload"]
    actor = batches.api_actor(world.school, "Leerlingadministratie")
    await commit.cancel(actor, upload)
    r = await client.http.get(f"/api/v1/uploads/{upload}", headers=auth(token))
    assert r.status_code == 200 and r.json()["status"] == "afgebroken" and "afgebroken" in r.json()["melding"]
    r = await client.http.post(f"/api/v1/uploads/{upload}/opslaan", headers=auth(token))
    assert r.status_code == 409 and r.json()["uitkomst"] == "afgebroken" and await HourRecord.count() == 0
    await batches.update_batch(upload, status=BatchStatus.CHECKING)
    r = await client.http.get(f"/api/v1/uploads/{upload}", headers=auth(token))
    assert r.json()["status"] == "wordt_gecontroleerd" and "nog gecontroleerd" in r.json()["melding"]
    await batches.update_batch(upload, status=BatchStatus.COMMITTING)
    assert (await client.http.get(f"/api/v1/uploads/{upload}", headers=auth(token))).json()["status"] == (
        "wordt_opgeslagen"
    )
    r = await client.http.post(f"/api/v1/uploads/{upload}/opslaan", headers=auth(token))
    assert r.status_code == 409 and r.json()["uitkomst"] == "wordt_opgeslagen"


async def test_a_report_too_large_is_a_413_problem(client, world, monkeypatch):
    from portal.uploads import files
    from shared.tabular import Limits

    token = await new_token(client, world)
    monkeypatch.setattr(files, "LIMITS", Limits(max_bytes=100, max_rows=10))
    amina = await bsn(world.people["amina"])
    rows = [{"bsn": amina, "period_start": START, "period_end": END, "attended": "7", "toelichting": "x" * 200}]
    r = await dry(client, token, rows)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert r.json()["uitkomst"] == "te_groot" and "groter dan" in r.json()["detail"]
    # past the body limit Litestar refuses before reading: the same shape
    from portal.uploads.api import MAX_BODY

    r = await client.http.post(
        "/api/v1/maandrapportage",
        content=b'{"regels": []}',
        headers={**auth(token), "Content-Type": "application/json", "Content-Length": str(MAX_BODY + 1)},
    )
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM and r.json()["title"] == "Te groot"


async def test_openapi_documents_every_error_as_problem_details(client, world):
    schema = (await client.http.get("/api/schema/openapi.json")).json()
    report = schema["paths"]["/api/v1/maandrapportage"]["post"]
    assert {"200", "201", "400", "401", "404", "409", "413", "415", "422"} <= set(report["responses"])
    for code in ("400", "401", "404", "409", "413", "415", "422"):
        assert list(report["responses"][code]["content"]) == ["application/problem+json"], code
    body = report["requestBody"]["content"]["application/json"]["schema"]
    body = schema["components"]["schemas"][body["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert body["properties"]["proef"]["type"] == "boolean" and body["additionalProperties"] is False
    cell = body["properties"]["regels"]["items"]["additionalProperties"]
    assert {s["type"] for s in cell["oneOf"]} == {"string", "number", "null"}
    upload = schema["paths"]["/api/v1/uploads/{batch_id}"]["get"]["parameters"][0]["schema"]
    assert upload["minimum"] == 1 and upload["maximum"] == 2**31 - 1
