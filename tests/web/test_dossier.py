"""The municipal dossier through the real app and a real database: register, PIP, enrol, the provider's
view, ending, moving out, history and the transfer summary. Every refusal stores nothing."""

import json
from datetime import date, timedelta

import pytest

from shared import clock
from shared.settings import settings
from shared.tables import (
    AuditEvent,
    Contract,
    DomainEvent,
    DossierChange,
    Enrollment,
    HourRecord,
    Inburgeraar,
    Milestone,
)
from tests.support import make_person

TODAY = clock.today()
VALID_BSN = "123456782"


async def contract(world, organisation, component, gemeente=None, start=None, end=None) -> int:
    rows = await Contract.insert(
        Contract(
            gemeente=gemeente or world.gemeente,
            organisation=organisation,
            component=component,
            start=start or TODAY - timedelta(days=400),
            end=end,
        )
    ).returning(Contract.id)
    return rows[0]["id"]


@pytest.fixture
async def contracted(world):
    """The world, with Utrecht contracting the school for language and the PVT bureau for PVT."""
    world.contracts = {
        "school_taal": await contract(world, world.school, "taal"),
        "pvt_pvt": await contract(world, world.pvt, "pvt"),
        "other_school": await contract(world, world.school, "taal", gemeente=world.other_gemeente),
    }
    return world


def register_data(**values):
    data = {
        "bsn": VALID_BSN,
        "voornamen": "Yonas",
        "achternaam": "Tesfaye",
        "geboortedatum": "1994-03-02",
        "doelgroep": "asiel",
        "plicht_start": (TODAY - timedelta(days=200)).isoformat(),
        "regisseur": "",
        "email": "",
        "telefoon": "",
        "adres": "",
    }
    data.update(values)
    return data


async def register(client, **values):
    return await client.submit(
        "/gemeente/inburgeraars/nieuw", "form#registreren", register_data(**values), follow_redirects=True
    )


def pip_data(**values):
    data = {
        "pip_dagtekening": (TODAY - timedelta(days=30)).isoformat(),
        "leerroute": "B1",
        "niveau": "B1",
        "intensiteit_uren": "1200",
        "indicator_alfabetisering": "",
        "soort": "wijziging",
    }
    data.update(values)
    return data


async def person_id(bsn=VALID_BSN) -> int:
    return (await Inburgeraar.select(Inburgeraar.id).where(Inburgeraar.bsn == bsn).first())["id"]


# --- Register ----------------------------------------------------------------------------------------


async def test_a_regisseur_registers_a_person_with_a_first_version_and_an_event(client, world):
    await client.login(world.users["regisseur"])
    page = await register(client, regisseur="")
    assert page.status == 200 and page.h1() == "Yonas Tesfaye"
    assert "Het dossier is aangemaakt." in page.text
    pid = await person_id()
    versions = await DossierChange.select().where(DossierChange.inburgeraar == pid).output(load_json=True)
    assert {v["section"] for v in versions} == {"persoon", "doelgroep"}
    assert all(v["kind"] == "register" for v in versions)
    event = await DomainEvent.select().where(DomainEvent.kind == "person.registered").first()
    assert event["inburgeraar"] == pid and event["gemeente"] == world.gemeente
    assert await AuditEvent.exists().where(
        (AuditEvent.action == "inburgeraar.register") & (AuditEvent.inburgeraar == pid)
    )


async def test_a_bad_bsn_and_missing_fields_are_shown_beside_the_fields_and_nothing_is_stored(client, world):
    await client.login(world.users["regisseur"])
    page = await register(client, bsn="123456789", voornamen="", geboortedatum="31-02-1990")
    assert page.status == 422
    assert "elfproef" in page.field_error("bsn")
    assert page.field_error("voornamen") == "Vul de voornamen in."
    assert "bestaat niet als datum" in page.field_error("geboortedatum")
    assert await Inburgeraar.count() == 4  # the world's people only
    assert await DossierChange.count() == 0


async def test_one_active_dossier_per_bsn_per_gemeente(client, world):
    await client.login(world.users["regisseur"])
    await register(client)
    page = await register(client, voornamen="Dubbel")
    assert page.status == 422
    assert page.field_error("bsn").startswith("Er is al een lopend dossier met dit BSN: Yonas Tesfaye.")
    assert page.doc.find("a", string="Open het bestaande dossier")
    assert await Inburgeraar.count().where(Inburgeraar.bsn == VALID_BSN) == 1
    # Another gemeente may hold its own dossier for the same person.
    await client.login(world.users["other_regisseur"])
    assert (await register(client)).status == 200
    assert await Inburgeraar.count().where(Inburgeraar.bsn == VALID_BSN) == 2


async def test_search_by_name_bsn_or_regisseur_and_the_caseload(client, world):
    await client.login(world.users["regisseur"])
    page = await client.get("/gemeente")
    regisseur_id = page.doc.select_one("#regisseur option:-soup-contains('Regisseur')")["value"]
    await register(client, regisseur=regisseur_id)
    names = lambda p: [r[0] for r in p.table_rows("table.people")]  # noqa: E731
    assert any("Tesfaye" in n for n in names(await client.get("/gemeente?q=123456")))
    assert any("Tesfaye" in n for n in names(await client.get("/gemeente?q=regisseur")))
    assert names(await client.get("/gemeente?regisseur=mij")) == ["Tesfaye, Yonas"]
    assert len(names(await client.get("/gemeente?regisseur=geen"))) == 3
    caseload = await client.get("/gemeente/caseload")
    rows = {r[0].split()[0]: r[1:] for r in caseload.table_rows()}
    assert rows["Regisseur"][0] == "1" and rows["Zonder"][0] == "3"


# --- PIP ---------------------------------------------------------------------------------------------


async def test_set_a_pip_then_change_it_and_see_both_versions(client, world):
    await client.login(world.users["regisseur"])
    await register(client)
    pid = await person_id()
    url = f"/gemeente/inburgeraars/{pid}"
    page = await client.submit(url, "#sectie-pip form", pip_data(), follow_redirects=True)
    assert page.status == 200
    assert page.doc.select_one("#sectie-pip .notice.ok").get_text(strip=True).startswith("De wijziging is opgeslagen")
    person = await Inburgeraar.select().where(Inburgeraar.id == pid).first()
    assert (person["leerroute"], person["niveau"], person["intensiteit_uren"], person["pip_nummer"]) == (
        "B1",
        "B1",
        1200,
        1,
    )
    assert person["termijn_start"] == person["pip_dagtekening"]
    page = await client.submit(
        url, "#sectie-pip form", pip_data(leerroute="Z", niveau="", intensiteit_uren=""), follow_redirects=True
    )
    person = await Inburgeraar.select().where(Inburgeraar.id == pid).first()
    assert (person["leerroute"], person["intensiteit_uren"], person["pip_nummer"]) == ("Z", 800, 2)
    versions = (
        await DossierChange.select()
        .where((DossierChange.inburgeraar == pid) & (DossierChange.section == "pip"))
        .order_by(DossierChange.id)
        .output(load_json=True)
    )
    assert [(v["data"]["leerroute"], v["data"]["intensiteit_uren"]) for v in versions] == [("B1", 1200), ("Z", 800)]
    kinds = [e["kind"] for e in await DomainEvent.select(DomainEvent.kind).order_by(DomainEvent.id)]
    assert kinds[-2:] == ["pip.set", "pip.changed"]
    changed = json.loads((await DomainEvent.select().where(DomainEvent.kind == "pip.changed").first())["payload"])
    assert changed["leerroute"] == "Z" and changed["previous"]["leerroute"] == "B1"
    history = await client.get(f"{url}/geschiedenis")
    assert history.h1() == "Geschiedenis van Yonas Tesfaye"
    logged = await AuditEvent.select().where(AuditEvent.inburgeraar == pid).order_by(AuditEvent.id)
    assert {"inburgeraar.register", "inburgeraar.view", "dossier.pip", "inburgeraar.history"} <= {
        a["action"] for a in logged
    }
    assert all(a["subject_gemeente"] == world.gemeente and a["origin"] == "198.51.100.7" for a in logged)
    first = history.doc.select_one("table.versions tbody tr")
    assert (
        "PIP" in first.get_text()
        and "B1-route" in first.select_one("del").get_text()
        and "Z-route" in first.select_one("ins").get_text()
    )


async def test_pip_rules_answer_beside_the_field_and_store_nothing(client, world):
    await client.login(world.users["regisseur"])
    await register(client)
    pid = await person_id()
    before = await DossierChange.count()
    page = await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-pip form",
        pip_data(leerroute="onderwijs", niveau="A2", intensiteit_uren="500"),
    )
    assert page.status == 422
    assert page.field_error("niveau") == "Niveau A2 kan niet op de onderwijsroute."
    assert "hoort niet bij de onderwijsroute" in page.field_error("intensiteit_uren")
    page = await client.submit(f"/gemeente/inburgeraars/{pid}", "#sectie-pip form", pip_data(niveau="A2"))
    assert "eerste PIP op de B1-route kan niet niveau A2" in page.field_error("niveau")
    page = await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-pip form",
        pip_data(pip_dagtekening=(TODAY - timedelta(days=365)).isoformat()),
    )
    assert page.field_error("pip_dagtekening").startswith(
        "De dagtekening ligt vóór het begin van de inburgeringsplicht"
    )
    assert await DossierChange.count() == before
    assert (await Inburgeraar.select().where(Inburgeraar.id == pid).first())["pip_dagtekening"] is None
    assert not await DomainEvent.exists().where(DomainEvent.kind.like("pip.%"))


async def test_htmx_gets_only_the_section_back(client, world):
    await client.login(world.users["regisseur"])
    await register(client)
    pid = await person_id()
    page = await client.post(
        f"/gemeente/inburgeraars/{pid}/pip", pip_data(intensiteit_uren=""), headers={"HX-Request": "true"}
    )
    assert page.status == 422 and "<html" not in page.text
    assert page.doc.select_one("section#sectie-pip") and "verplicht voor een asielstatushouder" in page.text
    # A saved PIP shows elsewhere too (route, offer deadline): htmx loads the whole page.
    page = await client.post(f"/gemeente/inburgeraars/{pid}/pip", pip_data(), headers={"HX-Request": "true"})
    assert page.status == 200 and page.response.headers["hx-redirect"] == f"/gemeente/inburgeraars/{pid}#sectie-pip"
    # The notice comes from the session, once, in the section saved.
    page = await client.get(f"/gemeente/inburgeraars/{pid}")
    assert page.doc.select_one("#sectie-pip .notice.ok")
    assert not (await client.get(f"/gemeente/inburgeraars/{pid}")).doc.select_one("#sectie-pip .notice.ok")
    # A section that stands alone comes back by itself.
    page = await client.post(
        f"/gemeente/inburgeraars/{pid}/ontzorgen", {"ontzorgen_start": "2026-01-05"}, headers={"HX-Request": "true"}
    )
    assert page.status == 200 and "<html" not in page.text and page.doc.select_one("#sectie-ontzorgen .notice.ok")


# --- Enrol and the provider's view ---------------------------------------------------------------------


async def enrol(client, pid, **values):
    data = {"organisation": "", "component": "taal", "start": TODAY.isoformat(), "end": "", "planned_hours": "600"}
    data.update(values)
    return await client.submit(
        f"/gemeente/inburgeraars/{pid}", "#sectie-inschrijvingen form", data, follow_redirects=True
    )


async def test_enrol_and_the_person_appears_in_that_providers_portal_only(client, contracted):
    world = contracted
    await client.login(world.users["regisseur"])
    await register(client)
    pid = await person_id()
    await client.submit(f"/gemeente/inburgeraars/{pid}", "#sectie-pip form", pip_data(), follow_redirects=True)
    page = await enrol(client, pid, organisation=str(world.school))
    assert page.status == 200
    rows = page.table_rows("table.enrollments")
    assert rows[0][:4] == ["Taalschool", "Taal en KNM", TODAY.strftime("%d-%m-%Y"), "–"]
    enrollment = await Enrollment.select().where(Enrollment.inburgeraar == pid).first()
    assert enrollment["planned_hours"] == 600
    assert await DomainEvent.exists().where(DomainEvent.kind == "enrollment.started")

    await client.login(world.users["school"])
    overview = await client.get("/portaal")
    assert any("Tesfaye, Yonas" in r[0] for r in overview.table_rows("table.people"))
    portal_page = await client.get(f"/portaal/inburgeraars/{pid}")
    assert portal_page.status == 200 and "1200 uur" in portal_page.text and "600 uur" in portal_page.text
    for other in ("pvt", "volunteers"):
        await client.login(world.users[other])
        assert not any("Tesfaye" in r[0] for r in (await client.get("/portaal")).table_rows("table.people"))
        assert (await client.get(f"/portaal/inburgeraars/{pid}")).status == 404


async def test_enrolment_refusals(client, contracted):
    world = contracted
    await client.login(world.users["regisseur"])
    pid = world.people["amina"]
    before = await Enrollment.count()
    page = await enrol(client, pid, organisation=str(world.pvt), component="taal")
    assert page.status == 422
    assert "Blik op Werk-keurmerk" in page.field_error(
        "organisation"
    ) or "geen contract voor Taal en KNM" in page.field_error("organisation")
    page = await enrol(client, pid, organisation=str(world.volunteers), component="participatie")
    assert page.field_error("organisation") == "De gemeente heeft met deze aanbieder geen contract voor Participatie."
    page = await enrol(client, world.people["gezin"], organisation=str(world.school), component="taal")
    assert "koopt de taalcursus zelf" in page.field_error("component")
    page = await enrol(
        client, pid, organisation=str(world.school), component="taal", end=(TODAY - timedelta(days=1)).isoformat()
    )
    assert page.field_error("end") == "De einddatum ligt vóór de begindatum."
    assert await Enrollment.count() == before


async def test_language_enrolment_needs_bow_even_with_a_contract(client, contracted):
    world = contracted
    await contract(world, world.pvt, "taal")
    await client.login(world.users["regisseur"])
    page = await enrol(client, world.people["amina"], organisation=str(world.pvt), component="taal")
    assert page.status == 422 and "Blik op Werk-keurmerk" in page.field_error("organisation")


async def test_ending_an_enrollment_ends_access_after_the_grace_days(client, contracted):
    world = contracted
    pid = world.people["amina"]
    eid = world.enrollments["amina_taal"]
    await client.login(world.users["regisseur"])
    # Ended today: the school still sees Amina during the grace period.
    page = await client.submit(
        f"/gemeente/inschrijvingen/{eid}",
        "form[action$='/beeindigen']",
        {"end": TODAY.isoformat(), "toelichting": "Cursus afgerond"},
        follow_redirects=True,
    )
    assert page.status == 200
    assert (await Enrollment.select().where(Enrollment.id == eid).first())["end"] == TODAY
    assert await DomainEvent.exists().where(DomainEvent.kind == "enrollment.ended")
    await client.login(world.users["school"])
    assert (await client.get(f"/portaal/inburgeraars/{pid}")).status == 200
    # Ended longer ago than the grace period: gone from the school's portal.
    await client.login(world.users["regisseur"])
    old_end = TODAY - timedelta(days=settings.report_grace_days + 1)
    page = await client.submit(
        f"/gemeente/inschrijvingen/{eid}",
        "form[action$='/beeindigen']",
        {"end": old_end.isoformat()},
        follow_redirects=True,
    )
    assert page.status == 200
    await client.login(world.users["school"])
    assert (await client.get(f"/portaal/inburgeraars/{pid}")).status == 404
    assert not any("Haddad" in r[0] for r in (await client.get("/portaal")).table_rows("table.people"))
    # Both versions are kept.
    versions = (
        await DossierChange.select()
        .where((DossierChange.object_type == "enrollment") & (DossierChange.object_id == eid))
        .output(load_json=True)
    )
    assert [v["data"]["end"] for v in versions] == [None, TODAY.isoformat(), old_end.isoformat()]
    assert versions[0]["kind"] == "baseline"


async def test_an_enrollment_cannot_end_before_hours_already_reported(client, contracted):
    world = contracted
    eid = world.enrollments["amina_taal"]
    start = TODAY - timedelta(days=100)
    await HourRecord.insert(
        HourRecord(
            enrollment=eid,
            inburgeraar=world.people["amina"],
            organisation=world.school,
            kind="taal_knm",
            period_start=start,
            period_end=start + timedelta(days=30),
            attended_minutes=600,
            source="form",
        )
    )
    await client.login(world.users["regisseur"])
    page = await client.submit(
        f"/gemeente/inschrijvingen/{eid}",
        "form[action$='/beeindigen']",
        {"end": (start + timedelta(days=10)).isoformat()},
    )
    assert page.status == 422 and "Er zijn al uren gemeld tot en met" in page.text
    assert (await Enrollment.select().where(Enrollment.id == eid).first())["end"] is None


# --- Moving out -------------------------------------------------------------------------------------


async def test_a_moved_person_leaves_every_providers_list(client, contracted):
    world = contracted
    pid = world.people["amina"]
    await client.login(world.users["regisseur"])
    page = await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-verhuizing form",
        {"verhuisd_op": TODAY.isoformat(), "verhuisd_naar": "Amersfoort"},
        follow_redirects=True,
    )
    assert page.status == 200 and "Aanbieders zien deze persoon niet meer" in page.text
    for role in ("school", "pvt"):
        await client.login(world.users[role])
        assert not any("Haddad" in r[0] for r in (await client.get("/portaal")).table_rows("table.people"))
        assert (await client.get(f"/portaal/inburgeraars/{pid}")).status == 404
    ended = await Enrollment.select().where(Enrollment.inburgeraar == pid)
    assert {e["end"] for e in ended} == {TODAY}
    event = await DomainEvent.select().where(DomainEvent.kind == "person.moved").first()
    assert json.loads(event["payload"])["verhuisd_naar"] == "Amersfoort"
    # The gemeente's list shows moved people under "Verhuisd", not among the running dossiers.
    await client.login(world.users["regisseur"])
    assert not any("Haddad" in r[0] for r in (await client.get("/gemeente")).table_rows("table.people"))
    assert any("Haddad" in r[0] for r in (await client.get("/gemeente?status=verhuisd")).table_rows("table.people"))


async def test_a_planned_move_keeps_access_until_the_day(client, contracted):
    world = contracted
    pid = world.people["amina"]
    await client.login(world.users["regisseur"])
    later = TODAY + timedelta(days=14)
    await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-verhuizing form",
        {"verhuisd_op": later.isoformat(), "verhuisd_naar": "Zeist"},
        follow_redirects=True,
    )
    await client.login(world.users["school"])
    assert (await client.get(f"/portaal/inburgeraars/{pid}")).status == 200


async def test_the_transfer_summary_is_a_file_with_pip_hours_milestones_and_open_items(client, contracted):
    world = contracted
    pid = world.people["amina"]
    eid = world.enrollments["amina_taal"]
    start = TODAY - timedelta(days=60)
    await HourRecord.insert(
        HourRecord(
            enrollment=eid,
            inburgeraar=pid,
            organisation=world.school,
            kind="taal_knm",
            period_start=start,
            period_end=start + timedelta(days=29),
            attended_minutes=2205,
            geoorloofd_minutes=90,
            source="form",
        )
    )
    await Milestone.insert(
        Milestone(
            enrollment=world.enrollments["amina_pvt"],
            inburgeraar=pid,
            organisation=world.pvt,
            kind="pvt_ondertekening",
            event_date=start,
            source="form",
        )
    )
    await client.login(world.users["regisseur"])
    r = await client.http.get(f"/gemeente/inburgeraars/{pid}/overdracht")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert r.headers["content-disposition"].startswith('attachment; filename="warme-overdracht-')
    text = r.text
    assert "WARME OVERDRACHT" in text and "Amina Haddad" in text
    assert "B1-route" in text and "800 uur" in text
    assert "Taal en KNM" in text and "36,75" in text and "38,25" in text  # attended and followed
    assert "PVT ondertekend (PVT-bureau)" in text
    assert "OPEN PUNTEN\n  Geen open punten." in text
    assert await AuditEvent.exists().where(AuditEvent.action == "transfer.download")


# --- Other sections and what a provider never sees ----------------------------------------------------


async def test_private_sections_are_kept_and_never_shown_to_a_provider(client, contracted):
    world = contracted
    pid = world.people["amina"]
    url = f"/gemeente/inburgeraars/{pid}"
    await client.login(world.users["regisseur"])
    await client.submit(url, "#sectie-ontzorgen form", {"ontzorgen_start": "2026-01-05"}, follow_redirects=True)
    await client.submit(
        url, "#sectie-aantekeningen form", {"aantekeningen": "Geheime-notitie-xyz"}, follow_redirects=True
    )
    await client.submit(
        url,
        "#sectie-begeleiding form",
        {"begeleiding_indicatie": "ja", "begeleiding_start": "2026-02-03"},
        follow_redirects=True,
    )
    await client.submit(url, "#sectie-voortgang details form", {"datum": "2026-03-04"}, follow_redirects=True)
    await client.submit(url, "#sectie-voortgang details form", {"datum": "2026-03-11"}, follow_redirects=True)
    page = await client.submit(url, "#sectie-voortgang form.inline-remove", {}, follow_redirects=True)  # newest first
    assert [li.get_text(" ", strip=True).split()[0] for li in page.doc.select("ul.dates li")] == ["04-03-2026"]
    await client.submit(
        url, "#sectie-persoon form", {"telefoon": "06-99887766", "email": "amina@voorbeeld.nl"}, follow_redirects=True
    )
    person = await Inburgeraar.select().where(Inburgeraar.id == pid).first()
    assert person["ontzorgen_start"] == date(2026, 1, 5) and person["aantekeningen"] == "Geheime-notitie-xyz"
    assert person["begeleiding_indicatie"] is True and person["telefoon"] == "06-99887766"
    await client.login(world.users["school"])
    page = await client.get(f"/portaal/inburgeraars/{pid}")
    assert page.status == 200
    for secret in (
        "Geheime-notitie-xyz",
        "05-01-2026",
        "03-02-2026",
        "04-03-2026",
        "06-99887766",
        "amina@voorbeeld",
        "Ontzorgen",
        "begeleiding",
    ):
        assert secret not in page.text


async def test_saving_the_same_again_stores_nothing(client, world):
    pid = world.people["amina"]
    await client.login(world.users["regisseur"])
    await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-ontzorgen form",
        {"ontzorgen_start": "2026-01-05"},
        follow_redirects=True,
    )
    n = await DossierChange.count()
    page = await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-ontzorgen form",
        {"ontzorgen_start": "2026-01-05"},
        headers={"HX-Request": "true"},
    )
    assert "Er is niets veranderd" in page.text
    assert await DossierChange.count() == n


async def test_the_offer_after_three_months_needs_a_reason(client, world):
    pid = await make_person(world.gemeente, plicht_start=TODAY - timedelta(days=500))
    pip_day = (await Inburgeraar.select().where(Inburgeraar.id == pid).first())["pip_dagtekening"]
    await client.login(world.users["regisseur"])
    page = await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-aanbod form",
        {"datum_inburgeringsaanbod": (pip_day + timedelta(days=120)).isoformat()},
    )
    assert page.status == 422 and "Schrijf de reden van de vertraagde start op" in page.field_error(
        "reden_vertraagde_start"
    )
    page = await client.submit(
        f"/gemeente/inburgeraars/{pid}",
        "#sectie-aanbod form",
        {
            "datum_inburgeringsaanbod": (pip_day + timedelta(days=120)).isoformat(),
            "reden_vertraagde_start": "Wachtlijst bij de taalschool",
        },
        follow_redirects=True,
    )
    assert page.status == 200
    event = json.loads((await DomainEvent.select().where(DomainEvent.kind == "aanbod.set").first())["payload"])
    assert event["vertraagd"] is True


async def test_doelgroep_change_keeps_asylum_rights_unless_given_up_once(client, world):
    pid = world.people["amina"]
    url = f"/gemeente/inburgeraars/{pid}"
    await client.login(world.users["regisseur"])
    await client.submit(
        url, "#sectie-doelgroep form", {"status": "gezin_overig", "datum": TODAY.isoformat()}, follow_redirects=True
    )
    person = await Inburgeraar.select().where(Inburgeraar.id == pid).first()
    assert (person["doelgroep"], person["doelgroep_status"]) == ("asiel", "gezin_overig")
    await client.submit(
        url,
        "#sectie-doelgroep form",
        {"status": "gezin_overig", "keuze": "afstand", "datum": TODAY.isoformat()},
        follow_redirects=True,
    )
    person = await Inburgeraar.select().where(Inburgeraar.id == pid).first()
    assert (person["doelgroep"], person["doelgroep_keuze"]) == ("gezin_overig", "afstand")
    page = await client.submit(
        url, "#sectie-doelgroep form", {"status": "gezin_overig", "keuze": "behouden", "datum": TODAY.isoformat()}
    )
    assert page.status == 422 and "al eenmalig gemaakt" in page.field_error("keuze")
    assert await DomainEvent.count().where(DomainEvent.kind == "doelgroep.changed") == 2


async def test_functioneel_beheer_reads_dossiers_but_does_not_change_them(client, world):
    await client.login(world.users["beheer"])
    page = await client.get(f"/gemeente/inburgeraars/{world.people['amina']}")
    assert page.status == 200 and not page.doc.select("#sectie-pip form")
    assert (await client.post(f"/gemeente/inburgeraars/{world.people['amina']}/pip", pip_data())).status == 404
    assert (await client.get("/gemeente/inburgeraars/nieuw")).status == 404
