"""Each rule true on every path: brede-intake hours after the PIP are refused on the form, the weekly grid,
the upload and the API (one rule, shared.hours.check_may_report_hours); what the portal offers follows the
dossier's current route and doelgroep (shared.rules.milestone_kinds_for / expects_completion,
shared.hours.hour_kinds_for), on the overview, the person page, the forms and the upload/API checks."""

from datetime import date

import pytest

from portal.tables import UploadIssue
from portal.uploads import tokens
from portal.uploads.batches import api_actor
from shared.tables import HourRecord, Inburgeraar, Milestone
from tests.web.test_uploads import bsn, csv_file, issues, upload

pytestmark = pytest.mark.anyio
PIP = date(2026, 1, 15)
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
REFUSED = "Uren tijdens brede intake zijn uren vóór het PIP. Het PIP is gedagtekend op 15-01-2026"


async def pip_on_15_january(*people: int) -> None:
    await Inburgeraar.update({Inburgeraar.pip_dagtekening: PIP}).where(Inburgeraar.id.is_in(list(people)))


async def test_brede_intake_after_the_pip_is_refused_on_the_form(client, world):
    await pip_on_15_january(world.people["amina"])
    await client.login(world.users["school"])
    url = f"/portaal/inburgeraars/{world.people['amina']}"
    page = await client.submit(
        url,
        "#uren form",
        {
            "kind": "brede_intake",
            "period_start": OCTOBER[0].isoformat(),
            "period_end": OCTOBER[1].isoformat(),
            "attended": "12",
        },
    )
    assert page.status == 422 and REFUSED in page.field_error("kind")
    assert "Meld deze uren als 'Taal en KNM'" in page.field_error("kind")
    assert await HourRecord.count() == 0
    # before the dagtekening they are what they say
    page = await client.submit(
        url,
        "#uren form",
        {"kind": "brede_intake", "period_start": "2026-01-01", "period_end": "2026-01-15", "attended": "6"},
        follow_redirects=True,
    )
    assert page.status == 200 and await HourRecord.count() == 1


async def test_brede_intake_after_the_pip_is_refused_in_the_weekly_grid(client, world):
    await pip_on_15_january(world.people["omar"])
    await client.login(world.users["volunteers"])
    omar = world.people["omar"]
    url = "/portaal/week?week=2026-10-05&soort=brede_intake"
    page = await client.submit(url, "form.week", {f"p{omar}_attended": "3"})
    message = page.field_error(f"p{omar}_attended")
    assert page.status == 422 and REFUSED in message
    assert "'Taalles in participatietraject' of 'Participatieactiviteiten'" in message
    assert await HourRecord.count() == 0


async def test_brede_intake_after_the_pip_is_refused_in_an_upload(client, world):
    await pip_on_15_january(world.people["amina"])
    await client.login(world.users["school"])
    header = "BSN;Soort uren;Periode van;Periode tot en met;Aanwezig (uren)"
    amina = await bsn(world.people["amina"])
    page = await upload(
        client,
        csv_file(
            f"{amina};Uren tijdens brede intake;01-10-2026;31-10-2026;12",
            f"{amina};Uren tijdens brede intake;01-01-2026;15-01-2026;6",
            header=header,
        ),
    )
    found = issues(page)
    assert len(found) == 1 and found[0][0] == "2" and found[0][1] == "Soort uren" and REFUSED in found[0][3]
    assert (await UploadIssue.select(UploadIssue.kind).first())["kind"] == "error"


async def test_brede_intake_after_the_pip_is_refused_by_the_api(client, world):
    await pip_on_15_january(world.people["amina"])
    token = await tokens.create(api_actor(world.school, "x"), "Leerlingadministratie")
    amina = await bsn(world.people["amina"])
    row = {"bsn": amina, "kind": "brede_intake", "period_start": "01-10-2026", "period_end": "31-10-2026"}
    r = await client.http.post(
        "/api/v1/maandrapportage",
        json={"regels": [{**row, "attended": "12"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = r.json()
    assert r.status_code == 422 and body["uitkomst"] == "fouten" and await HourRecord.count() == 0
    assert body["errors"][0]["veld"] == "regels[0].kind" and REFUSED in body["errors"][0]["detail"]


async def test_after_a_switch_to_the_onderwijsroute_the_map_provider_sees_no_completion_to_make(client, world):
    # Tesfay has a MAP enrollment at the PVT-bureau; put him on the B1-route first
    tesfay = world.people["tesfay"]
    await Inburgeraar.update({Inburgeraar.leerroute: "B1"}).where(Inburgeraar.id == tesfay)
    await client.login(world.users["pvt"])
    overview = await client.get("/portaal")
    row = next(r for r in overview.table_rows("table.people") if "Berhane" in r[0])
    assert "MAP" in row[-1]  # afronding open
    person = await client.get(f"/portaal/inburgeraars/{tesfay}")
    assert "afronding open" in person.text
    assert person.doc.select_one("#mijlpaal-kind option[value=map_eindgesprek]") is not None
    # the regisseur switches him to the onderwijsroute (the dossier's current route)
    await Inburgeraar.update({Inburgeraar.leerroute: "onderwijs"}).where(Inburgeraar.id == tesfay)
    overview = await client.get("/portaal")
    row = next(r for r in overview.table_rows("table.people") if "Berhane" in r[0])
    assert "MAP" not in row[-1]
    person = await client.get(f"/portaal/inburgeraars/{tesfay}")
    assert "afronding open" not in person.text
    offered = [o["value"] for o in person.doc.select("#mijlpaal-kind option") if o["value"]]
    assert "map_eindgesprek" not in offered and {"niet_voltooid", "voortgang", "belemmering"} <= set(offered)
    # and what is not offered is refused on every path, with the same words
    page = await client.submit(
        f"/portaal/inburgeraars/{tesfay}",
        "#afronding form",
        {"kind": "map_eindgesprek", "event_date": "2026-11-02", "enrollment": str(world.enrollments["tesfay_map"])},
    )
    assert page.status == 422 and "onderwijsroute is de MAP niet verplicht" in page.field_error("kind")
    token = await tokens.create(api_actor(world.pvt, "x"), "PVT-systeem")
    r = await client.http.post(
        "/api/v1/maandrapportage",
        json={"regels": [{"bsn": await bsn(tesfay), "milestone": "map_eindgesprek", "event_date": "02-11-2026"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 422 and "onderwijsroute is de MAP niet verplicht" in r.json()["errors"][0]["detail"]
    assert await Milestone.count() == 0
    # the PVT stays required on every route: Amina's PVT is still open
    overview = await client.get("/portaal")
    row = next(r for r in overview.table_rows("table.people") if "Haddad" in r[0])
    assert "PVT" in row[-1]


async def test_a_gezinsmigrants_hours_form_offers_no_language_kinds(client, world):
    await client.login(world.users["school"])
    page = await client.get(f"/portaal/inburgeraars/{world.people['gezin']}")
    assert page.doc.select_one("#uren-kind") is None  # no kind of hours is possible at a language school
    assert "rechtstreeks aan DUO" in page.doc.select_one("#uren").get_text()
    amina = await client.get(f"/portaal/inburgeraars/{world.people['amina']}")
    assert [o["value"] for o in amina.doc.select("#uren-kind option")] == ["taal_knm", "brede_intake"]
    # a gezinsmigrant in a participation trajectory: only participation activities
    from tests.support import make_enrollment, make_person

    olga = await make_person(world.gemeente, doelgroep="gezin_overig", voornamen="Olga", achternaam="Petrenko")
    await make_enrollment(olga, world.volunteers, "participatie")
    await client.login(world.users["volunteers"])
    page = await client.get(f"/portaal/inburgeraars/{olga}")
    assert [o["value"] for o in page.doc.select("#uren-kind option")] == ["participatie_activiteiten"]
    week = await client.get("/portaal/week?week=2026-11-09&soort=participatie_taalles")
    assert week.doc.find(id=f"p{olga}_attended") is None  # not a row of the language-lesson grid
    week = await client.get("/portaal/week?week=2026-11-09&soort=participatie_activiteiten")
    assert week.doc.find(id=f"p{olga}_attended") is not None
