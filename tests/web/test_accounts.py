"""Users managed by their own side, invited by a one-time link that expires."""

import re
from datetime import timedelta

from shared import clock
from shared.tables import AppUser, AuditEvent, Invitation


async def invite(client, name="Nieuwe Regisseur", email="nieuw@utrecht.nl", role="regisseur"):
    return await client.submit("/beheer/gebruikers", "#uitnodigen form", {"name": name, "email": email, "role": role})


def link_of(page) -> str:
    return page.doc.select_one("#link")["value"]


async def test_gemeente_beheer_invites_a_regisseur_who_sets_a_password_once(client, world):
    await client.login(world.users["beheer"])
    page = await invite(client)
    assert page.status == 200
    assert page.response.headers["cache-control"] == "no-store"
    link = link_of(page)
    token = link.rsplit("/", 1)[1]
    assert re.fullmatch(r"http://testserver/uitnodiging/[\w-]{40,}", link)
    stored = await Invitation.select().first()
    assert stored["token_hash"] != token and len(stored["token_hash"]) == 64  # only the hash is kept
    assert stored["expires_at"] - clock.now() > timedelta(days=6)

    await client.post("/uitloggen")
    page = await client.get(f"/uitnodiging/{token}")
    assert page.status == 200 and "Nieuwe Regisseur (nieuw@utrecht.nl)" in page.text
    page = await client.submit(f"/uitnodiging/{token}", "form", {"password": "kort", "password_repeat": "kort"})
    assert page.status == 422 and "minstens 12 tekens" in page.field_error("password")
    assert not await AppUser.exists().where(AppUser.email == "nieuw@utrecht.nl")
    page = await client.submit(
        f"/uitnodiging/{token}",
        "form",
        {"password": "een-heel-goed-wachtwoord", "password_repeat": "een-heel-goed-wachtwoord"},
        follow_redirects=True,
    )
    assert page.status == 200 and "Uitloggen" in page.text and "Nieuwe Regisseur" in page.text  # logged in
    user = await AppUser.select().where(AppUser.email == "nieuw@utrecht.nl").first()
    assert user["role"] == "regisseur" and user["gemeente"] == world.gemeente
    assert user["password_hash"].startswith("$argon2id$")
    # The link works once.
    await client.post("/uitloggen")
    page = await client.get(f"/uitnodiging/{token}")
    assert page.status == 410 and "gebruikt" in page.text
    again = await client.post(
        f"/uitnodiging/{token}", {"password": "nog-een-wachtwoord!", "password_repeat": "nog-een-wachtwoord!"}
    )
    assert again.status == 410
    assert await AppUser.count().where(AppUser.email == "nieuw@utrecht.nl") == 1
    assert (await client.login("nieuw@utrecht.nl", "een-heel-goed-wachtwoord")).status == 303
    actions = [a["action"] for a in await AuditEvent.select(AuditEvent.action)]
    assert "invitation.create" in actions and "invitation.accept" in actions


async def test_an_expired_or_withdrawn_link_does_not_work(client, world):
    await client.login(world.users["beheer"])
    token = link_of(await invite(client)).rsplit("/", 1)[1]
    await Invitation.update({Invitation.expires_at: clock.now() - timedelta(minutes=1)}, force=True)
    page = await client.get(f"/uitnodiging/{token}")
    assert page.status == 410 and "verlopen" in page.text
    token2 = link_of(await invite(client, email="ander@utrecht.nl")).rsplit("/", 1)[1]
    page = await client.get("/beheer/gebruikers")
    await client.submit("/beheer/gebruikers", "table.invitations form", {})
    assert (await client.get(f"/uitnodiging/{token2}")).status == 410
    assert (await client.get("/uitnodiging/bestaat-niet")).status == 404
    assert not await AppUser.exists().where(AppUser.email.is_in(["nieuw@utrecht.nl", "ander@utrecht.nl"]))


async def test_each_beheerder_manages_only_its_own_side(client, world):
    await client.login(world.users["beheer"])
    page = await client.get("/beheer/gebruikers")
    emails = {r[1] for r in page.table_rows("table.users")}
    assert emails == {"regisseur@test.nl", "teamleider@test.nl"}
    assert [o["value"] for o in page.doc.select("#nieuw-role option")] == ["regisseur", "teamleider"]
    page = await invite(client, role="provider")
    assert page.status == 422 and page.field_error("role") == "Kies een rol uit de lijst."
    page = await invite(client, email="regisseur@test.nl")
    assert page.field_error("email") == "Er is al een account met dit e-mailadres."

    await client.login(world.users["school_beheer"])
    page = await client.get("/beheer/gebruikers")
    assert {r[1] for r in page.table_rows("table.users")} == {"school@test.nl"}
    assert [o["value"] for o in page.doc.select("#nieuw-role option")] == ["provider"]
    page = await invite(client, name="Docent", email="docent@school.nl", role="provider")
    token = link_of(page).rsplit("/", 1)[1]
    await client.post("/uitloggen")
    await client.submit(
        f"/uitnodiging/{token}", "form", {"password": "docent-wachtwoord-1", "password_repeat": "docent-wachtwoord-1"}
    )
    docent = await AppUser.select().where(AppUser.email == "docent@school.nl").first()
    assert (docent["role"], docent["organisation"], docent["gemeente"]) == ("provider", world.school, None)

    for role in ("regisseur", "school", "teamleider", "admin"):
        await client.login(world.users[role])
        assert (await client.get("/beheer/gebruikers")).status == 404


async def test_a_switched_off_account_is_logged_out_and_cannot_log_in(client, world):
    import httpx

    from tests.support import HtmlClient

    await client.login(world.users["regisseur"])
    assert (await client.get("/gemeente")).status == 200
    async with httpx.AsyncClient(transport=client.http._transport, base_url="http://testserver") as other:
        beheer = HtmlClient(other)
        await beheer.login(world.users["beheer"])
        regisseur = await AppUser.select().where(AppUser.email == world.users["regisseur"]).first()
        page = await beheer.post(
            f"/beheer/gebruikers/{regisseur['id']}/actief", {"active": "nee"}, follow_redirects=True
        )
        assert page.notice() == "De wijziging is opgeslagen."
        assert "Uitgeschakeld" in " ".join(" ".join(r) for r in page.table_rows("table.users"))
    r = await client.http.get("/gemeente")
    assert r.status_code == 303 and r.headers["location"].startswith("/inloggen")
    assert (await client.login(world.users["regisseur"])).status == 422


async def test_a_role_changes_between_regisseur_and_teamleider(client, world):
    await client.login(world.users["beheer"])
    target = await AppUser.select().where(AppUser.email == world.users["regisseur"]).first()
    page = await client.post(f"/beheer/gebruikers/{target['id']}/rol", {"role": "teamleider"}, follow_redirects=True)
    assert page.status == 200
    assert (await AppUser.select(AppUser.role).where(AppUser.id == target["id"]).first())["role"] == "teamleider"
    page = await client.post(f"/beheer/gebruikers/{target['id']}/rol", {"role": "beheerder"})
    assert page.status == 422
