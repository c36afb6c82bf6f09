"""Inbox page speed against the number of items (issue 5).

Seeds 100,000 inbox items over 20 gemeenten on PostgreSQL (TEST_DATABASE_URL; a fresh database is
made beside it and dropped afterwards) and times a regisseur's inbox page through the real app
(session, guards, counts per filter, the audit line, the template; the server's own time from its
Server-Timing header, so the HTTP client's work is not counted) against a baseline measured in
the same run: the same 50 rows fetched with one raw SQL query and rendered with the same template.
Measured at 10,000 and at 100,000 items, so one sees whether it grows with the total.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/inbox.py
Last line: inbox_ratio_10k=<x> inbox_ratio_100k=<y>
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE = os.environ.get("TEST_DATABASE_URL")
if not BASE:
    sys.exit("Zet TEST_DATABASE_URL (PostgreSQL).")
DBNAME = f"regie_bench_{uuid.uuid4().hex[:8]}"
os.environ["DATABASE_URL"] = urlunsplit(urlsplit(BASE)._replace(path=f"/{DBNAME}"))
os.environ.setdefault("SECRET_KEY", "bench")
os.environ["ARGON2_PROFILE"] = "cheapest"
os.environ["REGIE_VAR_DIR"] = "/tmp/regie-bench"

import asyncpg  # noqa: E402
import httpx  # noqa: E402

GEMEENTEN, PEOPLE_PER_GEMEENTE, REPEAT = 20, 200, 30
KINDS = ["registreer_pvt", "registreer_map", "afschalen", "handhaving_verzuim", "voortgang_achter", "bespreken"]

BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH23"  # base32, the bench's own


async def seed_base(conn) -> dict:
    from shared.security import hash_password

    pw = await hash_password("bench-wachtwoord-lang")
    await conn.executemany(
        "INSERT INTO gemeente (cbs_code, name, oin) VALUES ($1, $2, $3)",
        [(f"{i:04d}", f"Gemeente {i}", "0" * 20) for i in range(1, GEMEENTEN + 1)],
    )
    gemeenten = [r["id"] for r in await conn.fetch("SELECT id FROM gemeente ORDER BY id")]
    await conn.executemany(
        "INSERT INTO app_user (email, name, password_hash, role, gemeente, active, created_at, "
        "totp_secret, totp_since) VALUES ($1, $2, $3, 'regisseur', $4, true, now(), $5, now())",
        [(f"regisseur{g}@bench.nl", f"Regisseur {g}", pw, g, BENCH_TOTP_SECRET) for g in gemeenten],
    )
    users = {r["gemeente"]: r["id"] for r in await conn.fetch("SELECT id, gemeente FROM app_user")}
    people = []
    for g in gemeenten:
        for i in range(PEOPLE_PER_GEMEENTE):
            people.append(
                (
                    f"{100000000 + len(people)}",
                    f"Voornaam{i}",
                    f"Achternaam{i}",
                    date(1990, 1, 1),
                    "asiel",
                    g,
                    users[g],
                    "B1",
                    "",
                )
            )
    await conn.copy_records_to_table(
        "inburgeraar",
        records=people,
        columns=[
            "bsn",
            "voornamen",
            "achternaam",
            "geboortedatum",
            "doelgroep",
            "gemeente",
            "regisseur",
            "leerroute",
            "reden_vertraagde_start",
        ],
    )
    persons: dict[int, list[int]] = {}
    for r in await conn.fetch("SELECT id, gemeente FROM inburgeraar"):
        persons.setdefault(r["gemeente"], []).append(r["id"])
    return {"gemeenten": gemeenten, "users": users, "persons": persons}


async def add_items(conn, base: dict, n: int, offset: int) -> None:
    rng = random.Random(offset)
    today = date.today()
    records = []
    for i in range(offset, offset + n):
        g = base["gemeenten"][i % GEMEENTEN]
        status = rng.choice(["nieuw", "nieuw", "in_behandeling", "afgehandeld", "afgehandeld", "afgehandeld"])
        records.append(
            (
                g,
                rng.choice(base["persons"][g]),
                rng.choice(KINDS),
                f"bench:{i}",
                status,
                base["users"][g],
                today - timedelta(days=rng.randint(0, 60)),
                today + timedelta(days=rng.randint(-30, 30)),
                "B1",
                "{}",
                "Benchmark-item",
                "",
            )
        )
    await conn.copy_records_to_table(
        "inbox_item",
        records=records,
        columns=[
            "gemeente",
            "inburgeraar",
            "kind",
            "key",
            "status",
            "assignee",
            "event_date",
            "deadline",
            "leerroute",
            "refs",
            "detail",
            "outcome_text",
        ],
    )
    await conn.execute("ANALYZE inbox_item")


BASELINE_SQL = """
SELECT i.id, i.kind, i.status, i.deadline, i.event_date, i.detail, i.leerroute, i.inburgeraar,
       p.voornamen, p.achternaam, p.bsn, o.name AS aanbieder, u.name AS assignee_name, t.name AS team_name
FROM inbox_item i JOIN inburgeraar p ON p.id = i.inburgeraar
LEFT JOIN organisation o ON o.id = i.organisation LEFT JOIN app_user u ON u.id = i.assignee
LEFT JOIN team t ON t.id = i.team
WHERE i.gemeente = $1 AND i.assignee = $2 AND i.status <> 'afgehandeld'
ORDER BY i.deadline, i.id LIMIT 50"""


async def measure(app, client, conn, gemeente: int, user_id: int) -> tuple[float, float]:
    from litestar.template.base import TemplateEngineProtocol  # noqa: F401

    from municipal.inbox import services
    from municipal.inbox.rules import ItemKind, Status
    from shared import clock
    from shared.calendar import deadline_text
    from shared.vocab import Leerroute

    engine = app.template_engine
    template = engine.get_template("municipal/inbox.html")

    async def page() -> float:
        """The server's own time for the page (Server-Timing), without this client's overhead."""
        r = await client.get("/inbox")
        assert r.status_code == 200 and '<table class="inbox' in r.text, r.status_code
        return float(r.headers["server-timing"].split("dur=")[1]) / 1000

    async def baseline():
        rows = [dict(r) for r in await conn.fetch(BASELINE_SQL, gemeente, user_id)]
        data = services.InboxPage(rows, len(rows), 1, 1, {"status": {}, "kind": {}})
        template.render(
            f=services.Filters(),
            data=data,
            kinds=list(ItemKind),
            kinds_by_value={k.value: k for k in ItemKind},
            statuses=list(Status),
            saved=[],
            today=clock.today(),
            deadline_text=deadline_text,
            notice="",
            colleagues=[],
            teams=[],
            leerroutes=list(Leerroute),
            user=None,
            csrf_input="",
            csrf_token=lambda: "",
        )

    for fn in (page, baseline):  # warm up caches and the pool
        for _ in range(5):
            await fn()
    times = {"page": [], "baseline": []}
    for _ in range(REPEAT):  # interleaved, so machine noise hits both alike
        times["page"].append(await page())
        t0 = time.perf_counter()
        await baseline()
        times["baseline"].append(time.perf_counter() - t0)
    return statistics.median(times["page"]), statistics.median(times["baseline"])


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    admin = await asyncpg.connect(BASE)
    await admin.execute(f'CREATE DATABASE "{DBNAME}"')
    try:
        from piccolo.apps.migrations.commands.forwards import run_forwards

        assert (await run_forwards(app_name="all")).success
        from regie.app import create_app
        from shared.db import close_db, open_db

        await open_db()
        app = create_app()
        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        base = await seed_base(conn)
        gemeente = base["gemeenten"][0]
        user_id = base["users"][gemeente]
        ratios = {}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            login = await client.get("/inloggen")
            token = client.cookies.get("regie_csrf")
            r = await client.post(
                "/inloggen",
                data={
                    "_csrf_token": token,
                    "email": f"regisseur{gemeente}@bench.nl",
                    "password": "bench-wachtwoord-lang",
                },
            )
            assert r.status_code == 303, (login.status_code, r.status_code)
            # A regisseur logs in with a second factor (issue 10): the code the app would show now.
            from accounts import mfa

            r = await client.post(
                "/inloggen/code",
                data={"_csrf_token": token, "code": mfa.code_at(BENCH_TOTP_SECRET, mfa.current_step())},
            )
            assert r.status_code == 303 and "/inloggen" not in r.headers["location"], r.status_code
            done = 0
            for total in (10_000, 100_000):
                await add_items(conn, base, total - done, done)
                done = total
                page, baseline = await measure(app, client, conn, gemeente, user_id)
                ratios[total] = page / baseline
                print(
                    f"{total:>7} items: page {page * 1000:.1f} ms, baseline {baseline * 1000:.1f} ms, "
                    f"ratio {ratios[total]:.2f}"
                )
        await conn.close()
        await close_db()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
        await admin.close()
    print(f"inbox_ratio_10k={ratios[10_000]:.2f} inbox_ratio_100k={ratios[100_000]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
