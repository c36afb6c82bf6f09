"""Two-factor login with TOTP (issue 10, BIO 5.17) on a fixed clock: setting it up at the first login, the code
after the password, no replay, recovery codes stored hashed and usable once, providers per organisation,
re-authentication before switching it off."""

from datetime import timedelta

import pyotp
import pytest

from accounts import mfa
from shared import clock
from shared.tables import AppUser, Organisation, RecoveryCode
from shared.vocab import Role
from tests.support import PASSWORD, TOTP_SECRET

pytestmark = pytest.mark.clock("2026-11-18T10:00:10")


def code(secret: str, seconds_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=seconds_from_now))


async def password_step(client, email):
    return await client.submit("/inloggen", "form[action='/inloggen']", {"email": email, "password": PASSWORD})


async def test_a_new_regisseur_sets_up_the_app_at_the_first_login(client, world):
    from shared.security import create_user

    await create_user("nieuw@test.nl", "Nieuw", PASSWORD, Role.REGISSEUR, gemeente_id=world.gemeente)
    page = await password_step(client, "nieuw@test.nl")
    assert page.response.headers["location"] == "/inloggen/code-instellen"
    page = await client.get("/inloggen/code-instellen")
    assert page.status == 200, (page.status, page.response.headers)
    img = page.doc.select_one("img.qr")
    assert img["src"].startswith("data:image/svg+xml") and img["alt"]
    secret = page.doc.select_one("#sleutel").get_text().replace(" ", "")
    page = await client.post("/inloggen/code-instellen", {"code": "123456"})
    assert page.status == 422 and "klopt niet" in page.errors()[0]
    page = await client.post("/inloggen/code-instellen", {"code": code(secret)})
    assert page.status == 200
    codes = [c.get_text() for c in page.doc.select(".recovery-codes code")]
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = await RecoveryCode.select(RecoveryCode.code_hash)
    assert len(stored) == 10 and all(r["code_hash"].startswith("$argon2id$") for r in stored)
    assert not any(c.replace("-", "") in r["code_hash"] for c in codes for r in stored)
    assert (await client.get("/inbox")).status == 200
    row = await AppUser.select(AppUser.totp_secret).where(AppUser.email == "nieuw@test.nl").first()
    assert row["totp_secret"] == secret


async def test_the_code_after_the_password_once_and_only_near_now(client, world):
    email = world.users["regisseur"]
    page = await password_step(client, email)
    assert page.response.headers["location"] == "/inloggen/code"
    for wrong in ("000000", code(TOTP_SECRET, -65), code(TOTP_SECRET, 65)):  # (a 4th would have to wait)
        if wrong != code(TOTP_SECRET):
            page = await client.post("/inloggen/code", {"code": wrong})
            assert page.status == 422, wrong
    page = await client.post("/inloggen/code", {"code": code(TOTP_SECRET, -30)})  # a phone a little behind
    assert page.status == 303 and page.response.headers["location"] == "/inbox"
    assert (await client.get("/inbox")).status == 200
    # The same code again (someone who watched it being typed): refused.
    await client.post("/uitloggen", {})
    await password_step(client, email)
    assert (await client.post("/inloggen/code", {"code": code(TOTP_SECRET, -30)})).status == 422
    # The password alone gets nobody in: a page that needs a login ends the halfway login.
    assert (await client.get("/inbox")).status == 303
    assert (await client.get("/inloggen/code")).response.headers["location"].startswith("/inloggen")
    assert (await client.post("/inloggen/code", {"code": code(TOTP_SECRET)})).status == 422


async def test_a_halfway_login_expires(client, world):
    await password_step(client, world.users["beheer"])
    with clock.travel(clock.now() + timedelta(minutes=6)):
        page = await client.post("/inloggen/code", {"code": code(TOTP_SECRET)})
        assert page.status == 422 and "duurde te lang" in page.errors()[0]


async def test_a_recovery_code_works_once(client, world):
    from shared.security import create_user

    user_id = await create_user("herstel@test.nl", "Herstel", PASSWORD, Role.TEAMLEIDER, gemeente_id=world.gemeente)
    await password_step(client, "herstel@test.nl")
    page = await client.get("/inloggen/code-instellen")
    secret = page.doc.select_one("#sleutel").get_text().replace(" ", "")
    page = await client.post("/inloggen/code-instellen", {"code": code(secret)})
    recovery = page.doc.select_one(".recovery-codes code").get_text()
    await client.post("/uitloggen", {})
    await password_step(client, "herstel@test.nl")
    page = await client.post("/inloggen/code", {"code": recovery.upper()})
    assert page.status == 303
    assert "herstelcode" in (await client.get("/account/tweestaps")).notice()
    assert await mfa.recovery_codes_left(user_id) == 9
    await client.post("/uitloggen", {})
    await password_step(client, "herstel@test.nl")
    assert (await client.post("/inloggen/code", {"code": recovery})).status == 422


async def test_providers_switch_it_on_for_their_organisation(client, world):
    assert (await client.login(world.users["school"])).response.headers["location"] == "/portaal"
    await client.post("/uitloggen", {})
    await client.login(world.users["school_beheer"])
    page = await client.get("/beheer/gebruikers")
    assert "Verplicht voor iedereen" in page.doc.select_one("#tweestaps").get_text()
    await client.submit("/beheer/gebruikers", "form[action='/beheer/tweestaps']", {})
    assert (await Organisation.select(Organisation.mfa_required).where(Organisation.id == world.school).first())[
        "mfa_required"
    ]
    await client.post("/uitloggen", {})
    page = await password_step(client, world.users["school"])
    assert page.response.headers["location"] == "/inloggen/code-instellen"
    # Other organisations are not affected.
    await client.post("/uitloggen", {})
    assert (await client.login(world.users["pvt"])).response.headers["location"] == "/portaal"


async def test_switching_it_off_needs_password_and_code_and_is_only_for_who_may(client, world):
    email = world.users["pvt"]
    await AppUser.update({AppUser.totp_secret: TOTP_SECRET, AppUser.totp_since: clock.now()}).where(
        AppUser.email == email
    )
    await client.login(email)
    page = await client.post("/account/tweestaps/uitzetten", {"password": PASSWORD, "code": "000000"})
    assert page.status == 422 and "niets veranderd" in page.errors()[0]
    page = await client.post("/account/tweestaps/uitzetten", {"password": "fout", "code": code(TOTP_SECRET, 30)})
    assert page.status == 422
    assert (await AppUser.select(AppUser.totp_secret).where(AppUser.email == email).first())["totp_secret"]
    page = await client.post("/account/tweestaps/uitzetten", {"password": PASSWORD, "code": code(TOTP_SECRET, 30)})
    assert page.status == 303
    assert (await AppUser.select(AppUser.totp_secret).where(AppUser.email == email).first())["totp_secret"] == ""
    # A regisseur must keep it: there is no switch, and the address answers 404.
    await client.post("/uitloggen", {})
    await client.login(world.users["regisseur"])
    assert "Uitzetten" not in (await client.get("/account/tweestaps")).text
    page = await client.post("/account/tweestaps/uitzetten", {"password": PASSWORD, "code": code(TOTP_SECRET, 30)})
    assert page.status == 404
