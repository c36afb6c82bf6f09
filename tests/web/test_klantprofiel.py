"""COA's klantprofiel: a versioned dossier section for asylum status holders that only casework (regisseurs and
teamleiders) sees; functioneel beheer and providers never do, not even in the history or the audit log."""

from datetime import timedelta

from municipal.tables import Klantprofiel
from shared import clock
from shared.tables import AuditEvent, DossierChange

TODAY = clock.today()
PROFILE = {
    "ontvangen_op": (TODAY - timedelta(days=3)).isoformat(),
    "moment": "koppeling",
    "opleiding": "Middelbare school in Asmara, 10 jaar",
    "werkervaring": "Vijf jaar monteur",
    "taal": "Tigrinya, Arabisch; Nederlands A1 (voorinburgering)",
    "gezondheid": "Rugklachten: geen zwaar tilwerk",
    "voorinburgering": "Taalles in het azc, 3 maanden",
    "casemanager": "J. de Vries, COA Utrecht",
}


async def save(client, pid, data):
    return await client.submit(f"/gemeente/inburgeraars/{pid}", "#sectie-klantprofiel form", data)


async def test_a_regisseur_records_the_klantprofiel_as_versions_and_no_one_else_sees_it(client, world):
    pid = world.people["amina"]
    await client.login(world.users["regisseur"])
    assert (await save(client, pid, PROFILE)).status == 303
    page = await client.get(f"/gemeente/inburgeraars/{pid}")
    section = page.doc.select_one("#sectie-klantprofiel").get_text(" ", strip=True)
    assert "Vijf jaar monteur" in section and "Bij de koppeling aan de gemeente" in section
    await save(client, pid, {**PROFILE, "moment": "warme_overdracht", "taal": "Nederlands A2"})
    versions = await DossierChange.select().where(DossierChange.section == "klantprofiel").order_by(DossierChange.id)
    assert [v["kind"] for v in versions] == ["register", "change"]
    assert (await Klantprofiel.select().first())["taal"] == "Nederlands A2"
    history = await client.get(f"/gemeente/inburgeraars/{pid}/geschiedenis")
    assert "Klantprofiel COA" in history.text and "Nederlands A2" in history.text
    # The audit log names the fields, never the content.
    details = " ".join(a["detail"] for a in await AuditEvent.select(AuditEvent.detail))
    assert "Rugklachten" not in details and "gezondheid" in details

    await client.login(world.users["teamleider"])
    assert "Rugklachten" in (await client.get(f"/gemeente/inburgeraars/{pid}")).text

    await client.login(world.users["beheer"])  # functioneel beheer reads dossiers, not this
    page = await client.get(f"/gemeente/inburgeraars/{pid}")
    assert page.status == 200 and page.doc.select_one("#sectie-klantprofiel") is None
    assert "Rugklachten" not in page.text and "monteur" not in page.text
    history = await client.get(f"/gemeente/inburgeraars/{pid}/geschiedenis")
    assert "Klantprofiel" not in history.text and "monteur" not in history.text
    assert (await client.post(f"/gemeente/inburgeraars/{pid}/klantprofiel", PROFILE)).status == 404
    audit = await client.get("/beheer/audit")
    assert "Rugklachten" not in audit.text

    await client.login(world.users["school"])
    portal = await client.get(f"/portaal/inburgeraars/{pid}")
    assert portal.status == 200 and "monteur" not in portal.text and "klantprofiel" not in portal.text.lower()


async def test_only_asylum_status_holders_have_a_klantprofiel_and_dates_lie_in_the_past(client, world):
    await client.login(world.users["regisseur"])
    gezin = world.people["gezin"]
    page = await client.get(f"/gemeente/inburgeraars/{gezin}")
    assert page.doc.select_one("#sectie-klantprofiel") is None
    refused = await client.post(f"/gemeente/inburgeraars/{gezin}/klantprofiel", PROFILE)
    assert refused.status == 422 and not await Klantprofiel.exists()
    page = await save(
        client, world.people["amina"], {**PROFILE, "ontvangen_op": (TODAY + timedelta(days=1)).isoformat()}
    )
    assert page.status == 422 and "toekomst" in page.field_error("ontvangen_op")
