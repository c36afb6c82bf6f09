"""Privacy by construction: walk every route that takes an id, as every role, with ids that are not
theirs. Each must answer 404 and change nothing; the same route with their own id must work."""

import re
from datetime import UTC, date

from litestar.routes import HTTPRoute

from shared import clock
from shared.tables import DomainEvent, HourRecord, Milestone
from tests.support import make_person

PARAM = re.compile(r"{(\w+):\w+}")
PROVIDERS = {"school", "pvt", "volunteers"}


def id_routes(app, known: set[str]) -> list[tuple[str, str, str]]:
    """(method, path, parameter) for every route with a path parameter."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        params = set(PARAM.findall(route.path))
        if not params or route.path.startswith("/static/"):  # public files: no one's data
            continue
        if route.path.startswith("/api/"):  # tokens, not sessions: walked in test_api.py
            continue
        assert len(params) == 1 and params <= known, f"{route.path}: leer de isolatietest welke ids hier vreemd zijn"
        param = next(iter(params))
        found += [
            (method, route.path, param) for method in route.route_handler_map if method not in {"HEAD", "OPTIONS"}
        ]
    return found


async def counts():
    from municipal.tables import InboxEntry, InboxItem
    from shared.tables import (
        AppUser,
        Contract,
        DossierChange,
        DossierImport,
        Enrollment,
        Inburgeraar,
        Invitation,
        Organisation,
    )

    return (
        await HourRecord.count(),
        await Milestone.count(),
        await DomainEvent.count(),
        await InboxItem.count(),
        await InboxEntry.count(),
        await DossierChange.count(),
        await Inburgeraar.count(),
        await Enrollment.select().order_by(Enrollment.id),
        await Contract.select().order_by(Contract.id),
        await Organisation.select().order_by(Organisation.id),
        await AppUser.select(AppUser.id, AppUser.role, AppUser.active).order_by(AppUser.id),
        await Invitation.select(Invitation.id, Invitation.used_at, Invitation.revoked_at).order_by(Invitation.id),
        await DossierImport.select(DossierImport.id, DossierImport.status).order_by(DossierImport.id),
        await _accountability_state(),
    )


async def _accountability_state():
    from municipal.tables import CbsDelivery, HandhavingCase
    from shared.tables import OutgoingMail, PasswordReset

    return (
        await HandhavingCase.select(HandhavingCase.id, HandhavingCase.besluit).order_by(HandhavingCase.id),
        await CbsDelivery.select(CbsDelivery.id, CbsDelivery.status).order_by(CbsDelivery.id),
        await OutgoingMail.count(),
        await PasswordReset.count(),
    )


async def inbox_items(world) -> tuple[int, int]:
    """One item in each gemeente."""
    from municipal.tables import InboxItem

    ids = []
    for gemeente, person in ((world.gemeente, world.people["amina"]), (world.other_gemeente, world.people["omar"])):
        rows = await InboxItem.insert(
            InboxItem(
                gemeente=gemeente,
                inburgeraar=person,
                kind="registreer_pvt",
                key=f"test:{person}",
                event_date=clock.today(),
                deadline=clock.today(),
            )
        ).returning(InboxItem.id)
        ids.append(rows[0]["id"])
    return ids[0], ids[1]


async def dossier_ids(world, people) -> dict:
    """Enrollments and contracts are foreign outside their gemeente; organisations (one record for all
    gemeenten) are reachable only by a gemeente's functioneel beheer."""
    from shared.tables import Contract

    here, there = world.enrollments["amina_taal"], world.enrollments["omar_pvt"]
    gemeente_roles = {"regisseur", "teamleider", "beheer"}
    enrollments = {
        role: (here, [there])
        if role in gemeente_roles
        else (there, [here])
        if role == "other_regisseur"
        else (None, [here, there])
        for role in people
    }
    contract_here, contract_there = [
        (
            await Contract.insert(
                Contract(gemeente=g, organisation=world.school, component="taal", start=date(2025, 1, 1))
            ).returning(Contract.id)
        )[0]["id"]
        for g in (world.gemeente, world.other_gemeente)
    ]
    contracts = {
        role: (contract_here, [contract_there]) if role == "beheer" else (None, [contract_here, contract_there])
        for role in people
    }
    organisations = {role: (world.school, []) if role == "beheer" else (None, [world.school]) for role in people}
    return {
        "enrollment_id": enrollments,
        "contract_id": contracts,
        "organisation_id": organisations,
        **await account_ids(world, people),
    }


async def account_ids(world, people) -> dict:
    """Users and invitations are managed by their own side's beheerder only; an unknown invitation link
    is absent for everyone."""
    from datetime import datetime

    from shared.tables import AppUser, Invitation

    users = {r["email"]: r["id"] for r in await AppUser.select(AppUser.id, AppUser.email)}
    regisseur, other, staff = (
        users[world.users["regisseur"]],
        users[world.users["other_regisseur"]],
        users[world.users["school"]],
    )
    user_ids = {
        role: (None, [other, staff])
        if role == "beheer"
        else (None, [regisseur, other, users[world.users["pvt"]]])
        if role == "school_beheer"
        else (None, [regisseur, staff])
        for role in people
    }
    invitations = {}
    for key, kw in (("here", {"gemeente": world.gemeente}), ("there", {"organisation": world.pvt})):
        invitations[key] = (
            await Invitation.insert(
                Invitation(
                    token_hash=(key * 64)[:64],
                    email=f"{key}@uitnodiging.nl",
                    name=key,
                    role="provider",
                    expires_at=datetime(2100, 1, 1, tzinfo=UTC),
                    **kw,
                )
            ).returning(Invitation.id)
        )[0]["id"]
    invitation_ids = {
        role: (None, [invitations["there"]]) if role == "beheer" else (None, list(invitations.values()))
        for role in people
    }
    tokens = {role: (None, ["onbekende-uitnodiging-" + "x" * 30]) for role in people}
    from shared.tables import DossierImport

    imports = [
        (await DossierImport.insert(DossierImport(gemeente=g, filename="x.csv")).returning(DossierImport.id))[0]["id"]
        for g in (world.gemeente, world.other_gemeente)
    ]
    casework = {"regisseur", "teamleider"}
    import_ids = {
        role: (imports[0], [imports[1]])
        if role in casework
        else (imports[1], [imports[0]])
        if role == "other_regisseur"
        else (None, imports)
        for role in people
    }
    return {"user_id": user_ids, "invitation_id": invitation_ids, "token": tokens, "import_id": import_ids}


async def accountability_ids(world, people) -> dict:
    """Handhaving cases and CBS deliveries belong to one gemeente: its regisseurs, teamleiders and functioneel
    beheer reach them (beheer only reads), everyone else meets a 404."""
    from municipal.tables import CbsDelivery, HandhavingCase

    cases, deliveries = [], []
    for gemeente, person in ((world.gemeente, world.people["amina"]), (world.other_gemeente, world.people["omar"])):
        cases.append(
            (
                await HandhavingCase.insert(
                    HandhavingCase(
                        gemeente=gemeente, inburgeraar=person, overtreding="overig", overtreding_datum=clock.today()
                    )
                ).returning(HandhavingCase.id)
            )[0]["id"]
        )
        deliveries.append(
            (
                await CbsDelivery.insert(
                    CbsDelivery(gemeente=gemeente, jaar=2026, kwartaal=3, xml=b"<x/>", sha256="0" * 64)
                ).returning(CbsDelivery.id)
            )[0]["id"]
        )
    gemeente_roles = {"regisseur", "teamleider", "beheer"}

    def mine(pair):
        here, there = pair
        return {
            role: (here, [there])
            if role in gemeente_roles
            else (there, [here])
            if role == "other_regisseur"
            else (None, [here, there])
            for role in people
        }

    return {"case_id": mine(cases), "delivery_id": mine(deliveries)}


async def upload_ids(world, people) -> dict:
    """Upload batches and API tokens belong to one organisation: a batch of the school is foreign to the PVT
    provider and to everyone else, a token only reachable by its organisation's beheerder."""
    from portal.tables import UploadFile
    from shared.tables import ApiToken, UploadBatch

    batches, tokens = {}, {}
    for org in (world.school, world.pvt):
        batches[org] = (
            await UploadBatch.insert(
                UploadBatch(
                    organisation=org,
                    source="upload",
                    filename="x.csv",
                    file_format="csv",
                    sha256=str(org) * 8,
                    status="checked",
                    summary="{}",
                )
            ).returning(UploadBatch.id)
        )[0]["id"]
        await UploadFile.insert(UploadFile(batch=batches[org], content=b"BSN;Aanwezig (uren)\r\n"))
        tokens[org] = (
            await ApiToken.insert(
                ApiToken(organisation=org, name="t", token_hash=str(org) * 16, prefix="rgi_")
            ).returning(ApiToken.id)
        )[0]["id"]
    own_batch = {"school": world.school, "pvt": world.pvt}
    batch_ids = {
        role: (batches[own_batch[role]], [b for o, b in batches.items() if o != own_batch[role]])
        if role in own_batch
        else (None, list(batches.values()))
        for role in people
    }
    token_ids = {
        role: (None, [tokens[world.pvt]]) if role == "school_beheer" else (None, list(tokens.values()))
        for role in people
    }
    return {"batch_id": batch_ids, "token_id": token_ids}


async def upload_state():
    from portal.tables import ColumnMapping, UploadFile
    from shared.tables import ApiToken, UploadBatch

    return (
        await UploadBatch.select(UploadBatch.id, UploadBatch.status, UploadBatch.sheet).order_by(UploadBatch.id),
        await ApiToken.select(ApiToken.id, ApiToken.revoked_at).order_by(ApiToken.id),
        await ColumnMapping.count(),
        await UploadFile.count(),
    )


async def test_every_route_answers_404_to_a_foreign_id_for_every_role(app, client, world):
    stranger = await make_person(world.other_gemeente, voornamen="Niet", achternaam="Ingeschreven")
    item_here, item_there = await inbox_items(world)
    people = {  # role → an id this role may use (positive control), ids that are not theirs
        "school": (world.people["amina"], [world.people["omar"], stranger]),
        "pvt": (world.people["amina"], [stranger]),
        "volunteers": (world.people["omar"], [world.people["amina"], stranger]),
        "regisseur": (world.people["amina"], [world.people["omar"], stranger]),
        "teamleider": (world.people["amina"], [world.people["omar"], stranger]),
        "beheer": (world.people["amina"], [world.people["omar"], stranger]),
        "school_beheer": (None, [world.people["amina"], world.people["omar"], stranger]),
        "other_regisseur": (world.people["omar"], [world.people["amina"]]),
        "admin": (None, [world.people["amina"], world.people["omar"]]),
    }
    gemeente_roles = {"regisseur", "teamleider", "beheer"}
    items = {
        role: (
            item_here if role in gemeente_roles else item_there if role == "other_regisseur" else None,
            [item_there]
            if role in gemeente_roles
            else [item_here]
            if role == "other_regisseur"
            else [item_here, item_there],
        )
        for role in people
    }
    from municipal.tables import RoutingRule, Team

    team_there = (await Team.insert(Team(gemeente=world.other_gemeente, name="Elders")).returning(Team.id))[0]["id"]
    rule_there = (
        await RoutingRule.insert(RoutingRule(gemeente=world.other_gemeente, name="Elders", team=team_there)).returning(
            RoutingRule.id
        )
    )[0]["id"]
    rules = {role: (None, [rule_there]) for role in people}
    ids = {
        "inburgeraar_id": people,
        "item_id": items,
        "rule_id": rules,
        **await dossier_ids(world, people),
        **await upload_ids(world, people),
        **await accountability_ids(world, people),
    }
    routes = id_routes(app, set(ids))
    assert {p for _, p, _ in routes} >= {
        "/portaal/inburgeraars/{inburgeraar_id:int}",
        "/portaal/inburgeraars/{inburgeraar_id:int}/uren",
        "/portaal/inburgeraars/{inburgeraar_id:int}/mijlpalen",
        "/portaal/inburgeraars/{inburgeraar_id:int}/geschiedenis",
        "/gemeente/inburgeraars/{inburgeraar_id:int}",
        "/inbox/items/{item_id:int}",
        "/inbox/items/{item_id:int}/status",
    }
    assert {p for _, p, _ in routes} >= {
        "/gemeente/inschrijvingen/{enrollment_id:int}",
        "/gemeente/aanbieders/{organisation_id:int}",
        "/gemeente/contracten/{contract_id:int}/beeindigen",
        "/gemeente/inburgeraars/{inburgeraar_id:int}/pip",
        "/beheer/gebruikers/{user_id:int}/actief",
        "/beheer/uitnodigingen/{invitation_id:int}/intrekken",
        "/uitnodiging/{token:str}",
        "/gemeente/import/{import_id:int}",
        "/gemeente/handhaving/{case_id:int}",
        "/gemeente/handhaving/{case_id:int}/besluit",
        "/gemeente/cbs/{delivery_id:int}",
        "/gemeente/cbs/{delivery_id:int}/bestand.xml",
        "/gemeente/cbs/{delivery_id:int}/vrijgeven",
        "/wachtwoord-herstellen/{token:str}",
    }
    before = await counts(), await upload_state()
    probes = controls = 0
    for role in people:
        await client.login(world.users[role])
        for method, path, param in routes:
            own_id, foreign_ids = ids[param][role]
            for foreign in [*foreign_ids, 987654]:
                url = PARAM.sub(str(foreign), path)
                if method == "GET":
                    page = await client.get(url)
                else:
                    page = await client.post(
                        url,
                        {
                            "enrollment": "1",
                            "kind": "taal_knm",
                            "attended": "8",
                            "period_start": "2026-01-01",
                            "period_end": "2026-01-31",
                            "status": "in_behandeling",
                            "text": "x",
                            "medewerker": "",
                        },
                    )
                assert page.status == 404, f"{role} {method} {url} gaf {page.status}"
                assert "Niet gevonden" in page.text
                probes += 1
            area = "/portaal" if role in PROVIDERS else ("/gemeente", "/inbox")
            if own_id is not None and method == "GET" and path.startswith(area):
                assert (await client.get(PARAM.sub(str(own_id), path))).status == 200, (role, path)
                controls += 1
    assert (await counts(), await upload_state()) == before
    expected = sum(len(ids[param][role][1]) + 1 for role in people for _, _, param in routes)
    assert probes == expected and probes >= 200
    assert controls >= 15
    print(f"isolation walk: {probes} probes over {len(routes)} routes and {len(people)} roles, {controls} controls")


async def test_pvt_provider_cannot_write_language_hours_through_its_own_enrollment(client, world):
    """Even for a person it may see, a provider writes only the components of its enrollment."""
    await client.login(world.users["pvt"])
    page = await client.post(
        f"/portaal/inburgeraars/{world.people['amina']}/uren",
        {
            "enrollment": str(world.enrollments["amina_taal"]),
            "kind": "taal_knm",
            "attended": "8",
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
        },
    )
    assert page.status == 422 and "inschrijving bij uw organisatie" in page.text
    assert await HourRecord.count() == 0


async def test_role_areas_are_closed_to_other_roles(client, world):
    await client.login(world.users["school"])
    for url in ["/gemeente", "/beheer/audit"]:
        assert (await client.get(url)).status == 404
    await client.login(world.users["regisseur"])
    for url in ["/portaal", "/portaal/week", "/portaal/inzendingen", "/beheer/audit"]:
        assert (await client.get(url)).status == 404
    assert (await client.post("/portaal/week", {"kind": "taal_knm", "week": "2026-01-05"})).status == 404


async def test_gemeente_list_shows_only_its_own_people(client, world):
    await client.login(world.users["regisseur"])
    page = await client.get("/gemeente")
    names = " ".join(r[0] for r in page.table_rows())
    assert "Haddad" in names and "Darwish" not in names
    await client.login(world.users["other_regisseur"])
    names = " ".join(r[0] for r in (await client.get("/gemeente")).table_rows())
    assert "Darwish" in names and "Haddad" not in names
