"""Test support: clean tables per test, factories for the dossier, and a client that reads pages like a
user and checks every HTML page it gets (GOV.UK Notify's `client_request` idea)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import html5lib
import httpx
import pytest
from bs4 import BeautifulSoup

__all__ = [
    "DEFAULT_NOW",
    "FIXTURES",
    "named_clock",
    "db",
    "app",
    "client",
    "world",
    "HtmlClient",
    "World",
    "check_html",
    "soup",
    "make_person",
    "make_enrollment",
    "make_user",
    "totp_code",
    "TOTP_SECRET",
    "smtp_server",
    "SmtpCatcher",
]

PASSWORD = "een-lang-test-wachtwoord"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


# --- The clock: every test runs on a named instant ----------------------------------------------------

# A plain Wednesday in the middle of a month, mid-morning in the Netherlands: no weekend, month end, year
# end, leap day or DST change near it. A test about a day boundary names its own day with
# @pytest.mark.clock("2026-11-29T15:00") (Dutch local time when no offset is given; see shared.clock).
DEFAULT_NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture(autouse=True)
def named_clock(request):
    """Puts the app's clock (shared.clock) on the test's named instant; it keeps running from there."""
    from shared import clock

    marker = request.node.get_closest_marker("clock")
    with clock.travel(marker.args[0] if marker else DEFAULT_NOW) as start:
        yield start


# --- Database ----------------------------------------------------------------------------------------


def _tables():
    """Every table of the app (the Piccolo app's own list), so a new table is emptied without being named
    here. Order does not matter: PostgreSQL truncates with CASCADE, SQLite deletes with foreign keys off."""
    from regie.piccolo_app import APP_CONFIG

    return list(APP_CONFIG.table_classes)


@pytest.fixture
async def db(test_database):
    """A real, empty database for this test (tables emptied after it)."""
    yield
    from shared.db import engine

    db = engine()
    if db.engine_type == "postgres":
        names = ", ".join(f'"{t._meta.tablename}"' for t in _tables())
        # The audit log refuses TRUNCATE (append-only, issue 10); a test database is emptied past its trigger.
        conn = await db.get_new_connection()
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()
    else:
        # A plain connection has foreign keys off: self-references (corrections) need no ordering.
        import sqlite3

        with sqlite3.connect(db.path) as conn:
            # The audit log refuses DELETE (append-only, issue 10): its triggers step aside while a test's
            # rows are removed, and come back as they were.
            triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
            for name, _ in triggers:
                conn.execute(f'DROP TRIGGER "{name}"')
            for t in _tables():
                conn.execute(f'DELETE FROM "{t._meta.tablename}"')
            for _, sql in triggers:
                conn.execute(sql)


@pytest.fixture
async def app(db):
    from regie.app import create_app

    return create_app()


@pytest.fixture
async def client(app, db):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("198.51.100.7", 4321)), base_url="http://testserver"
    ) as c:
        yield HtmlClient(c)


# --- HTML checks ----------------------------------------------------------------------------------


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html5lib")


def check_html(text: str) -> BeautifulSoup:
    """The page parses without errors, a full page has a title, ids are unique, forms have an action
    and (when they post) a CSRF field, every label points at a field that exists."""
    parser = html5lib.HTMLParser(strict=False)
    is_full = "<html" in text[:500].lower()
    parser.parse(text) if is_full else parser.parseFragment(text)
    serious = [
        e for e in parser.errors if e[1] not in {"expected-doctype-but-got-start-tag", "expected-doctype-but-got-chars"}
    ]
    assert not serious, f"HTML-fouten: {serious[:5]}"
    doc = soup(text)
    if is_full:
        assert doc.title and doc.title.string and doc.title.string.strip(), "pagina zonder <title>"
    ids = Counter(el["id"] for el in doc.find_all(id=True))
    dupes = [i for i, n in ids.items() if n > 1]
    assert not dupes, f"dubbele ids: {dupes}"
    for form in doc.find_all("form"):
        assert form.get("action"), f"formulier zonder action: {str(form)[:120]}"
        if form.get("method", "get").lower() == "post":
            assert form.find("input", attrs={"name": "_csrf_token"}), f"formulier zonder CSRF-veld: {form['action']}"
    for label in doc.find_all("label", attrs={"for": True}):
        assert label["for"] in ids, f"label wijst naar niets: for={label['for']}"
    return doc


@dataclass
class Page:
    response: httpx.Response
    doc: BeautifulSoup | None

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.text

    def h1(self) -> str:
        return self.doc.h1.get_text(" ", strip=True) if self.doc and self.doc.h1 else ""

    def errors(self) -> list[str]:
        return [e.get_text(" ", strip=True) for e in self.doc.select(".field-error, .notice.error")] if self.doc else []

    def field_error(self, name_or_id: str) -> str:
        el = self.doc.find(id=f"{name_or_id}-fout")
        return el.get_text(" ", strip=True) if el else ""

    def notice(self) -> str:
        el = self.doc.select_one(".notice.ok") if self.doc else None
        return el.get_text(" ", strip=True) if el else ""

    def table_rows(self, selector: str = "table") -> list[list[str]]:
        table = self.doc.select_one(selector)
        return [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")]


class HtmlClient:
    """Reads pages as a browser would and checks each HTML page; posts forms with their CSRF token."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http

    async def _wrap(self, response: httpx.Response) -> Page:
        doc = None
        if response.headers.get("content-type", "").startswith("text/html") and response.text:
            doc = check_html(response.text)
        return Page(response, doc)

    async def get(self, url: str, **kw) -> Page:
        return await self._wrap(await self.http.get(url, **kw))

    async def post(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
        **kw,
    ) -> Page:
        data = dict(data or {})
        if csrf:
            data.setdefault("_csrf_token", await self.csrf_token())
        return await self._wrap(await self.http.post(url, data=data, headers=headers, **kw))

    async def csrf_token(self) -> str:
        token = self.http.cookies.get("regie_csrf")
        if not token:
            await self.http.get("/inloggen")
            token = self.http.cookies.get("regie_csrf")
        # The form field carries the masked token the page would have; the cookie value is accepted too.
        return token

    async def submit(self, page_url: str, form_selector: str, data: dict[str, Any], **kw) -> Page:
        """Open the page, take the form's own fields (hidden CSRF token included), fill in, send."""
        page = await self.get(page_url)
        assert page.status == 200, page.status
        form = page.doc.select_one(form_selector)
        assert form is not None, f"geen formulier {form_selector} op {page_url}"
        values: dict[str, Any] = {}
        for el in form.find_all(["input", "select", "textarea"]):
            name = el.get("name")
            if not name or el.get("type") in {"submit", "radio", "checkbox"}:
                continue
            if el.name == "select":
                chosen = el.find("option", selected=True) or el.find("option")
                values[name] = chosen.get("value", "") if chosen else ""
            elif el.name == "textarea":
                values[name] = el.get_text()
            else:
                values[name] = el.get("value", "")
        values.update({k: v for k, v in data.items()})
        return await self._wrap(await self.http.post(form["action"], data=values, **kw))

    async def login(self, email: str, password: str = PASSWORD) -> Page:
        """Log in; for an account with two-factor login the code from its app comes next (`totp_code`)."""
        page = await self.submit("/inloggen", "form[action='/inloggen']", {"email": email, "password": password})
        if page.status == 303 and page.response.headers["location"] == "/inloggen/code":
            page = await self.post("/inloggen/code", {"code": await totp_code(email)})
        return page


# --- The dossier: factories and a standard world ------------------------------------------------------


# The authenticator app of every test account that needs two-factor login (accounts/mfa.py).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def make_user(email: str, role, *, gemeente=None, organisation=None) -> int:
    """A user with PASSWORD; gemeente staff, beheerders and admins with two-factor login set up (TOTP_SECRET)."""
    from shared import clock
    from shared.security import create_user
    from shared.tables import AppUser
    from shared.vocab import Role

    user_id = await create_user(
        email, email.split("@")[0].title(), PASSWORD, role, gemeente_id=gemeente, organisation_id=organisation
    )
    if role is not Role.PROVIDER:
        await AppUser.update({AppUser.totp_secret: TOTP_SECRET, AppUser.totp_since: clock.now()}).where(
            AppUser.id == user_id
        )
    return user_id


async def totp_code(email: str) -> str:
    """What the account's app shows now: the code of the current 30-second step, or of the next one when the
    current one was used already (a test logs in again within seconds); the app accepts one step either side."""
    from accounts import mfa
    from shared.tables import AppUser

    row = await AppUser.select(AppUser.totp_secret, AppUser.totp_last_step).where(AppUser.email == email).first()
    step = max(mfa.current_step(), row["totp_last_step"] + 1)
    if step > mfa.current_step() + 1:
        pytest.fail(f"{email} logged in three times within 30 seconds: its app has no unused code left")
    return mfa.code_at(row["totp_secret"], step)


def _today() -> date:
    from shared import clock

    return clock.today()


_bsn_counter = iter(range(100000000, 999999999))


def next_bsn() -> str:
    from shared.rules import bsn_is_valid

    for n in _bsn_counter:
        if bsn_is_valid(str(n)):
            return str(n)
    raise RuntimeError


async def make_person(
    gemeente: int,
    *,
    doelgroep="asiel",
    leerroute="B1",
    intensiteit=800,
    voornamen="Test",
    achternaam="Persoon",
    **extra,
) -> int:
    from shared.search import search_name
    from shared.tables import Inburgeraar

    rows = await Inburgeraar.insert(
        Inburgeraar(
            bsn=next_bsn(),
            voornamen=voornamen,
            achternaam=achternaam,
            zoeknaam=search_name(voornamen, achternaam),
            geboortedatum=date(1990, 5, 17),
            doelgroep=doelgroep,
            gemeente=gemeente,
            leerroute=leerroute,
            intensiteit_uren=intensiteit,
            pip_dagtekening=_today() - timedelta(days=400),
            **extra,
        )
    ).returning(Inburgeraar.id)
    return rows[0]["id"]


async def make_enrollment(
    person: int,
    organisation: int,
    component: str,
    *,
    start: date | None = None,
    end: date | None = None,
    planned_hours: int | None = None,
) -> int:
    from shared.tables import Enrollment

    rows = await Enrollment.insert(
        Enrollment(
            inburgeraar=person,
            organisation=organisation,
            component=component,
            start=start or _today() - timedelta(days=365),
            end=end,
            planned_hours=planned_hours,
        )
    ).returning(Enrollment.id)
    return rows[0]["id"]


@dataclass
class World:
    """Two gemeenten, a language school working for both, a PVT provider, a volunteer organisation,
    users of every role, and people enrolled with them."""

    gemeente: int
    other_gemeente: int
    school: int
    pvt: int
    volunteers: int
    users: dict[str, str] = field(default_factory=dict)  # role key → e-mail
    people: dict[str, int] = field(default_factory=dict)
    enrollments: dict[str, int] = field(default_factory=dict)


@pytest.fixture
async def world(db) -> World:
    from shared.tables import Gemeente, Organisation
    from shared.vocab import Role

    async def gemeente(code, name):
        return (await Gemeente.insert(Gemeente(cbs_code=code, name=name, oin="0" * 20)).returning(Gemeente.id))[0]["id"]

    async def org(name, kinds, bow):
        return (
            await Organisation.insert(Organisation(name=name, kinds=kinds, bow_keurmerk=bow)).returning(Organisation.id)
        )[0]["id"]

    w = World(
        gemeente=await gemeente("0344", "Utrecht"),
        other_gemeente=await gemeente("0307", "Amersfoort"),
        school=await org("Taalschool", ["taal"], True),
        pvt=await org("PVT-bureau", ["pvt"], False),
        volunteers=await org("Taalmaatjes", ["vrijwilligers"], False),
    )
    for key, email, role, kw in [
        ("school", "school@test.nl", Role.PROVIDER, {"organisation": w.school}),
        ("pvt", "pvt@test.nl", Role.PROVIDER, {"organisation": w.pvt}),
        ("volunteers", "vrijwilliger@test.nl", Role.PROVIDER, {"organisation": w.volunteers}),
        ("regisseur", "regisseur@test.nl", Role.REGISSEUR, {"gemeente": w.gemeente}),
        ("teamleider", "teamleider@test.nl", Role.TEAMLEIDER, {"gemeente": w.gemeente}),
        ("beheer", "beheer@test.nl", Role.BEHEERDER, {"gemeente": w.gemeente}),
        ("school_beheer", "beheer@school.nl", Role.BEHEERDER, {"organisation": w.school}),
        ("other_regisseur", "regisseur@amersfoort.nl", Role.REGISSEUR, {"gemeente": w.other_gemeente}),
        ("admin", "admin@test.nl", Role.ADMIN, {}),
    ]:
        await make_user(email, role, **kw)
        w.users[key] = email
    w.people["amina"] = await make_person(w.gemeente, voornamen="Amina", achternaam="Haddad")
    w.enrollments["amina_taal"] = await make_enrollment(w.people["amina"], w.school, "taal", planned_hours=800)
    w.enrollments["amina_pvt"] = await make_enrollment(w.people["amina"], w.pvt, "pvt")
    w.people["gezin"] = await make_person(
        w.gemeente, doelgroep="gezin_overig", intensiteit=None, voornamen="Olena", achternaam="Kovalenko"
    )
    w.enrollments["gezin_taal"] = await make_enrollment(w.people["gezin"], w.school, "taal")
    w.enrollments["gezin_pvt"] = await make_enrollment(w.people["gezin"], w.pvt, "pvt")
    w.people["omar"] = await make_person(w.other_gemeente, voornamen="Omar", achternaam="Darwish", leerroute="Z")
    w.enrollments["omar_pvt"] = await make_enrollment(w.people["omar"], w.pvt, "pvt")
    w.enrollments["omar_participatie"] = await make_enrollment(w.people["omar"], w.volunteers, "participatie")
    w.people["tesfay"] = await make_person(
        w.gemeente, voornamen="Tesfay", achternaam="Berhane", leerroute="onderwijs", intensiteit=None
    )
    w.enrollments["tesfay_taal"] = await make_enrollment(w.people["tesfay"], w.school, "taal")
    w.enrollments["tesfay_map"] = await make_enrollment(w.people["tesfay"], w.pvt, "map")
    return w


# --- Mail: a real local SMTP server (aiosmtpd) that keeps what it receives ---------------------------


class SmtpCatcher:
    """The handler of a local SMTP server: keeps each message it accepts; `refuse` holds replies to give
    instead (e.g. "451 4.3.0 Probeer later", "550 5.1.1 Onbekend"), one per next message."""

    def __init__(self):
        self.received: list = []
        self.refuse: list[str] = []
        self.config = None

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        if self.refuse:
            return self.refuse.pop(0)
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.received if m["To"] == address]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port; `.config` is what the mail job sends to."""
    import socket

    from aiosmtpd.controller import Controller

    from shared.mail import SmtpConfig

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = SmtpCatcher()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.config = SmtpConfig("127.0.0.1", port, timeout=5)
    yield handler
    controller.stop()
