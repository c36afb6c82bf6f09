"""E-mail that reaches people: every mail goes through the queue and a real local SMTP server (aiosmtpd), sent by
the mail job, never by the request that caused it."""

import asyncio
import re
from datetime import timedelta

import pytest

from accounts import services as accounts
from municipal.inbox import digest
from municipal.tables import InboxItem, Team
from shared import clock, mail
from shared.db import write_tx
from shared.tables import AuditEvent, OutgoingMail, PasswordReset
from shared.vocab import Role
from tests.support import PASSWORD, SmtpCatcher, make_user
from tests.web.test_dossier import contracted  # noqa: F401  (fixture)

NEW_PASSWORD = "een-nieuw-lang-wachtwoord"


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


async def deliver(smtp_server) -> int:
    """What the background does each tick: turn reset requests into mails, then send the queue."""
    await accounts.prepare_password_resets()
    return await mail.send_pending(smtp_server.config)


# --- The queue and the worker --------------------------------------------------------------------------


async def test_an_invitation_is_mailed_by_the_worker_not_by_the_request(client, world, smtp_server):
    await client.login(world.users["beheer"])
    page = await client.submit(
        "/beheer/gebruikers", "#uitnodigen form", {"name": "Nieuwe Collega", "email": "nieuw@utrecht.nl"}
    )
    assert page.status == 200
    shown = page.doc.select_one("#link")["value"]
    assert smtp_server.received == []  # the request only queued it
    queued = await OutgoingMail.select().first()
    assert queued["kind"] == "invitation" and queued["sent_at"] is None and shown in queued["body"]

    assert await mail.send_pending(smtp_server.config) == 1
    [message] = smtp_server.to("nieuw@utrecht.nl")
    assert message["Subject"] == "Uitnodiging voor Regie"
    body = SmtpCatcher.body(message)
    assert "Beste Nieuwe Collega" in body and "Gemeente Utrecht" in body
    assert links_in(body) == [shown]
    sent = await OutgoingMail.select().first()
    assert sent["sent_at"] is not None and sent["body"] == ""  # the link is not kept after sending
    assert await mail.send_pending(smtp_server.config) == 0  # sent once

    await client.post("/uitloggen")
    token = shown.rsplit("/", 1)[1]
    assert (await client.get(f"/uitnodiging/{token}")).status == 200


async def test_a_refusing_mail_server_gets_the_mail_again_later_and_a_permanent_refusal_ends_it(db, smtp_server):
    async with write_tx():
        await mail.queue("a@voorbeeld.nl", "Eén", "tekst", kind="digest")
        await mail.queue("b@voorbeeld.nl", "Twee", "tekst", kind="digest")
    smtp_server.refuse = ["451 4.3.0 Probeer het later", "550 5.1.1 Onbekende ontvanger"]
    assert await mail.send_pending(smtp_server.config) == 0
    rows = {r["to_address"]: r for r in await OutgoingMail.select()}
    later, refused = rows["a@voorbeeld.nl"], rows["b@voorbeeld.nl"]
    assert later["attempts"] == 1 and later["sent_at"] is None and later["failed_at"] is None
    assert "451" in later["last_error"] and later["send_after"] > clock.now()
    assert refused["failed_at"] is not None and refused["body"] == "" and "550" in refused["last_error"]

    assert await mail.send_pending(smtp_server.config) == 0  # not yet: it waits
    with clock.travel(clock.now() + timedelta(minutes=2)):
        assert await mail.send_pending(smtp_server.config) == 1
    assert [m["To"] for m in smtp_server.received] == ["a@voorbeeld.nl"]
    again = await OutgoingMail.select().where(OutgoingMail.to_address == "a@voorbeeld.nl").first()
    assert again["attempts"] == 2 and again["sent_at"] is not None


async def test_an_unreachable_mail_server_keeps_the_mail_and_tries_with_growing_waits(db, smtp_server):
    async with write_tx():
        await mail.queue("a@voorbeeld.nl", "Eén", "tekst", kind="digest")
    down = mail.SmtpConfig("127.0.0.1", 9, timeout=2)  # nothing listens on the discard port
    waits = []
    for _ in range(3):
        row = await OutgoingMail.select().first()
        with clock.travel(row["send_after"] + timedelta(seconds=1)):
            assert await mail.send_pending(down) == 0
            waits.append((await OutgoingMail.select().first())["send_after"] - clock.now())
    assert waits[0] < waits[1] < waits[2]  # 1, 2, 4 minutes
    assert mail.retry_wait(30) == timedelta(hours=6)
    row = await OutgoingMail.select().first()
    assert row["attempts"] == 3 and row["failed_at"] is None and row["body"] == "tekst"
    with clock.travel(row["send_after"] + timedelta(seconds=1)):
        assert await mail.send_pending(smtp_server.config) == 1


def test_smtp_settings_read_every_form():
    assert mail.parse_smtp_url("") is None
    assert mail.parse_smtp_url("smtp://127.0.0.1:1025") == mail.SmtpConfig("127.0.0.1", 1025, "none")
    tls = mail.parse_smtp_url("smtp+starttls://noreply%40gemeente.nl:ge%2Fheim@smtp.gemeente.nl")
    assert (tls.host, tls.port, tls.security, tls.username, tls.password) == (
        "smtp.gemeente.nl",
        587,
        "starttls",
        "noreply@gemeente.nl",
        "ge/heim",
    )
    assert mail.parse_smtp_url("smtps://smtp.gemeente.nl").port == 465
    with pytest.raises(ValueError):
        mail.parse_smtp_url("http://smtp.gemeente.nl")


@pytest.mark.postgres_only
async def test_two_workers_send_each_mail_once(db, smtp_server):
    async with write_tx():
        for i in range(15):
            await mail.queue(f"p{i}@voorbeeld.nl", f"Mail {i}", "tekst", kind="digest")
    for _ in range(3):
        await asyncio.gather(mail.send_pending(smtp_server.config), mail.send_pending(smtp_server.config))
    assert sorted(m["To"] for m in smtp_server.received) == sorted(f"p{i}@voorbeeld.nl" for i in range(15))


# --- Forgotten password ----------------------------------------------------------------------------------------


async def ask_link(client, email):
    return await client.submit("/wachtwoord-vergeten", "form", {"email": email})


async def test_forgotten_password_mails_a_one_time_link_and_the_answer_never_tells_whether_the_account_exists(
    client, world, smtp_server
):
    login = await client.get("/inloggen")
    assert login.doc.select_one("#wachtwoord-vergeten a")["href"] == "/wachtwoord-vergeten"
    known = await ask_link(client, world.users["regisseur"])
    unknown = await ask_link(client, "niemand@utrecht.nl")
    assert known.status == unknown.status == 200
    assert known.notice() == unknown.notice() and "Als er een account is" in known.notice()
    assert smtp_server.received == []  # nothing sent from the request

    await deliver(smtp_server)
    assert [m["To"] for m in smtp_server.received] == [world.users["regisseur"]]
    [link] = links_in(SmtpCatcher.body(smtp_server.received[0]))
    path = link.removeprefix(mail.link(""))
    token = path.rsplit("/", 1)[1]
    assert path.startswith("/wachtwoord-herstellen/")
    resets = await PasswordReset.select()
    assert {r["status"] for r in resets} == {"sent", "no_account"}
    assert all(r["token_hash"] != token for r in resets)  # only the hash is stored
    assert not await OutgoingMail.exists().where(OutgoingMail.body.like(f"%{token}%"))  # the mail is gone too

    page = await client.submit(path, "form", {"password": "kort", "password_repeat": "kort"})
    assert page.status == 422 and "minstens 12 tekens" in page.field_error("password")
    page = await client.submit(path, "form", {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert page.status == 200 and "Uw wachtwoord is gewijzigd" in page.notice()
    assert page.response.headers["cache-control"] == "no-store"
    # Not logged in by the link: the normal login (with its second factor, where set) comes next.
    assert (await client.get("/inbox")).status == 303
    assert (await client.login(world.users["regisseur"], PASSWORD)).status == 422
    assert (await client.login(world.users["regisseur"], NEW_PASSWORD)).status == 303
    await client.post("/uitloggen")
    again = await client.get(path)
    assert again.status == 410 and "gebruikt" in again.text
    actions = [a["action"] for a in await AuditEvent.select(AuditEvent.action)]
    assert actions.count("password.reset_request") == 2 and "password.reset" in actions


async def test_a_reset_link_expires_and_a_new_password_lets_the_owner_in_at_once(app, client, world, smtp_server):
    """Issue 10: the owner who mistyped and was slowed down by an attacker's failures on the same address gets
    in at once after a new password by the link; the attacker's own source stays slowed; whoever was logged in
    with the old password is logged out."""
    from tests.web.test_security import client_from

    email = world.users["teamleider"]
    attacker = client_from(app, "203.0.113.66")
    elsewhere = client_from(app, "198.51.100.20")  # the owner's other browser, logged in with the old password
    assert (await elsewhere.login(email)).status == 303 and (await elsewhere.get("/inbox")).status == 200
    for _ in range(15):
        await attacker.login(email, "geraden")
    for _ in range(4):
        await client.login(email, "vergeten")
    assert (await client.login(email)).status == 429  # the owner too must wait now
    await ask_link(client, email)
    await ask_link(client, email)
    await deliver(smtp_server)
    first, second = (links_in(SmtpCatcher.body(m))[0].removeprefix(mail.link("")) for m in smtp_server.received)
    with clock.travel(clock.now() + timedelta(minutes=31)):
        assert (await client.get(first)).status == 410  # 30 minutes
    page = await client.submit(second, "form", {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert page.status == 200
    assert (await client.get(first)).status == 410  # a new password ends every other link
    assert (await client.login(email, NEW_PASSWORD)).status == 303
    assert (await attacker.login(email, NEW_PASSWORD)).status == 429
    # Every session that came in with the old password has ended.
    assert (await elsewhere.get("/inbox")).status == 303
    for c in (attacker, elsewhere):
        await c.http.aclose()


async def test_no_more_than_three_reset_mails_an_hour_reach_one_account(client, world, smtp_server):
    for _ in range(5):
        await ask_link(client, world.users["regisseur"])
    await deliver(smtp_server)
    assert len(smtp_server.to(world.users["regisseur"])) == 3
    assert await PasswordReset.count().where(PasswordReset.status == "throttled") == 2
    page = await client.submit("/wachtwoord-vergeten", "form", {"email": "geen-adres"})
    assert page.status == 422 and "geen e-mailadres" in page.field_error("email")


# --- The daily digest and the provider's notice ---------------------------------------------------------------


async def test_the_daily_digest_reaches_the_team_mailbox_with_counts_and_no_names(client, world, smtp_server):
    from tests.web.test_inbox import seed_items

    await seed_items(world)
    from municipal.inbox import services

    await services.process_pending()
    team = (await Team.insert(Team(gemeente=world.gemeente, name="Inburgering")).returning(Team.id))[0]["id"]
    await client.login(world.users["teamleider"])
    page = await client.submit(
        "/inbox/instellingen", "form[action='/inbox/instellingen/teammailbox']", {"mailbox": "geen adres"}
    )
    assert page.status == 422 and "geen e-mailadres" in page.field_error("mailbox")
    await client.submit(
        "/inbox/instellingen",
        "form[action='/inbox/instellingen/teammailbox']",
        {"mailbox": "Inburgering@Utrecht.nl", "mailbox_team": str(team)},
    )
    assert (await Team.select(Team.mailbox).first())["mailbox"] == "inburgering@utrecht.nl"
    await InboxItem.update({InboxItem.team: team}, force=True)
    items = await InboxItem.select()
    await InboxItem.update({InboxItem.deadline: clock.today() - timedelta(days=2)}).where(
        InboxItem.id == items[0]["id"]
    )
    await InboxItem.update({InboxItem.created_at: clock.now() - timedelta(days=1)}, force=True)

    assert await digest.send_daily_digests() == 1
    assert await digest.send_daily_digests() == 0  # once a day
    await mail.send_pending(smtp_server.config)
    [message] = smtp_server.to("inburgering@utrecht.nl")
    body = SmtpCatcher.body(message)
    assert f"Nieuw binnengekomen gisteren: {len(items)}" in body and "Over de termijn en nog open: 1" in body
    assert mail.link("/inbox?bereik=team") in body
    for person in ("Amina", "Haddad", "Olena", "Kovalenko"):
        assert person not in body and person not in message["Subject"]
    bsns = [p["bsn"] for p in await InboxItem.select(InboxItem.inburgeraar.bsn.as_alias("bsn"))]
    assert not any(b in body for b in bsns)


async def test_a_provider_hears_when_an_enrollment_it_reports_on_ends(client, contracted, smtp_server):  # noqa: F811
    world = contracted
    enrollment = world.enrollments["amina_taal"]
    await client.login(world.users["regisseur"])
    end = clock.today() + timedelta(days=10)
    page = await client.submit(
        f"/gemeente/inschrijvingen/{enrollment}",
        f"form[action='/gemeente/inschrijvingen/{enrollment}/beeindigen']",
        {"end": end.isoformat()},
    )
    assert page.status == 303
    assert smtp_server.received == []
    await mail.send_pending(smtp_server.config)
    # The school has a beheerder: the notice goes there, not to every member of staff.
    [message] = smtp_server.received
    assert message["To"] == world.users["school_beheer"]
    body = SmtpCatcher.body(message)
    assert f"Laatste dag: {end:%d-%m-%Y}" in body and "Taal en KNM" in body and "Gemeente Utrecht" in body
    assert "Amina" not in body and "Haddad" not in body
    assert mail.link(f"/portaal/inburgeraars/{world.people['amina']}") in body
    # An organisation without a beheerder: its staff hear it.
    pvt_enrollment = world.enrollments["amina_pvt"]
    await client.submit(
        f"/gemeente/inschrijvingen/{pvt_enrollment}",
        f"form[action='/gemeente/inschrijvingen/{pvt_enrollment}/beeindigen']",
        {"end": end.isoformat()},
    )
    await make_user("tweede@pvt.nl", Role.PROVIDER, organisation=world.pvt)  # joins later: not mailed
    await mail.send_pending(smtp_server.config)
    assert [m["To"] for m in smtp_server.received[1:]] == [world.users["pvt"]]


async def test_the_digest_waits_for_the_morning_and_runs_once_a_day(db, world, smtp_server):
    from regie import background

    team = (
        await Team.insert(Team(gemeente=world.gemeente, name="Inburgering", mailbox="team@utrecht.nl")).returning(
            Team.id
        )
    )[0]["id"]
    from tests.web.test_inbox import seed_items

    await seed_items(world)
    await InboxItem.update({InboxItem.team: team, InboxItem.deadline: clock.today() - timedelta(days=1)}, force=True)
    job = next(j for j in background.JOBS if j.name == "inbox.digest")
    with clock.travel(f"{clock.today().isoformat()}T05:30"):
        assert not await background.run_job(job)  # too early: nobody reads it at half past five
    with clock.travel(f"{clock.today().isoformat()}T07:05"):
        assert await background.run_job(job)
        assert not await background.run_job(job)  # the day is taken
    await mail.send_pending(smtp_server.config)
    assert len(smtp_server.to("team@utrecht.nl")) == 1
