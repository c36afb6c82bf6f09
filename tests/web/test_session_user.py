"""A request reads its session and the session's user in one query (issue 10): the session row names its
user, and what that query finds decides, so a user made inactive is out at the next request."""

from __future__ import annotations

from shared.security import load_session
from shared.tables import AppUser, HttpSession


async def test_the_session_and_its_user_come_back_together(client, world):
    await client.login(world.users["regisseur"])
    row = await HttpSession.select().first()
    user = await AppUser.select().where(AppUser.email == world.users["regisseur"]).first()
    assert row["uid"] == user["id"]
    data, found = await load_session(row["key"])
    assert b'"uid"' in data and found.id == user["id"] and found.org_name == "Gemeente Utrecht"
    assert found.footers and found.footers[0].name == "Utrecht"
    assert (await client.http.get("/inbox")).status_code == 200


async def test_a_user_made_inactive_is_out_at_the_next_request(client, world):
    await client.login(world.users["regisseur"])
    await AppUser.update({AppUser.active: False}).where(AppUser.email == world.users["regisseur"])
    row = await HttpSession.select().first()
    assert (await load_session(row["key"]))[1] is None
    r = await client.http.get("/inbox")
    assert r.status_code == 303 and r.headers["location"].startswith("/inloggen")
