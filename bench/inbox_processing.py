"""How fast the inbox keeps up with a big upload (issue 10), on PostgreSQL.

Commits a 100,000-row monthly report for 10,000 people (10 months each; one in ten people has a PIP and an
intensiteit, so their falling behind makes items) through the provider API's path (portal/uploads/:
receive, then check and commit in one transaction), timed. Then times how long the inbox workers take
until every event the commit wrote is processed (municipal/inbox/processing.py), first with one worker
process, then, from the same pending events, with two at once. Each figure is a ratio to the commit's own
time in the same run: goal <= 1.0, and two workers no slower than one. Each measurement runs in its own
process; a worker's clock starts once the process is up and connected.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/inbox_processing.py
    ... bench/inbox_processing.py --rows 20000    (a smaller run: rows/10 people)

A fresh database is made beside TEST_DATABASE_URL's and dropped afterwards.
Last line: processing_ratio_100k=<x> processing_ratio_100k_2workers=<y>  (the label follows --rows)
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE = os.environ.get("TEST_DATABASE_URL")
if not BASE:
    sys.exit("Zet TEST_DATABASE_URL (PostgreSQL).")
DBNAME = os.environ.get("REGIE_BENCH_DB") or f"regie_bench_{uuid.uuid4().hex[:8]}"
os.environ["REGIE_BENCH_DB"] = DBNAME
DSN = urlunsplit(urlsplit(BASE)._replace(path=f"/{DBNAME}"))
os.environ["DATABASE_URL"] = DSN
os.environ.setdefault("SECRET_KEY", "bench")
os.environ["ARGON2_PROFILE"] = "cheapest"
os.environ["REGIE_VAR_DIR"] = "/tmp/regie-bench"

import asyncpg  # noqa: E402

# The report's shape (a school's system: Windows-1252, ';', decimal commas) comes from bench/import.py.
_spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import.py")
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)
FILES = Path("/tmp/regie-bench")
MONTHS = 10


def label(rows: int) -> str:
    return f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


async def setup(rows: int) -> tuple[int, Path]:
    people = rows // MONTHS
    admin = await asyncpg.connect(BASE)
    await admin.execute(f'CREATE DATABASE "{DBNAME}"')
    await admin.close()
    from piccolo.apps.migrations.commands.forwards import run_forwards

    assert (await run_forwards(app_name="all")).success
    conn = await asyncpg.connect(DSN)
    gemeente = await conn.fetchval(
        "INSERT INTO gemeente (cbs_code, name, oin, upload_retention_days) VALUES ('0344', 'Utrecht', $1, 90) "
        "RETURNING id",
        "0" * 20,
    )
    org = await conn.fetchval(
        "INSERT INTO organisation (name, kinds, bow_keurmerk) VALUES ('Taalschool', $1, true) RETURNING id", ["taal"]
    )
    numbers = report.bsns(people, 0)
    periods = report.months(MONTHS)
    pip = periods[0][0] - timedelta(days=200)
    await conn.copy_records_to_table(
        "inburgeraar",
        records=[
            (
                n,
                f"Voornaam{i}",
                f"Achternaam{i}",
                date(1990, 1, 1),
                "asiel",
                gemeente,
                "B1",
                pip if i % 10 == 0 else None,
                1000 if i % 10 == 0 else None,
                datetime.now(UTC),
            )
            for i, n in enumerate(numbers)
        ],
        columns=[
            "bsn",
            "voornamen",
            "achternaam",
            "geboortedatum",
            "doelgroep",
            "gemeente",
            "leerroute",
            "pip_dagtekening",
            "intensiteit_uren",
            "created_at",
        ],
    )
    await conn.execute(
        "INSERT INTO enrollment (inburgeraar, organisation, component, start, created_at) "
        "SELECT id, $1, 'taal', $2, now() FROM inburgeraar",
        org,
        periods[0][0] - timedelta(days=30),
    )
    FILES.mkdir(parents=True, exist_ok=True)
    path = FILES / f"inbox-report-{rows}.csv"
    written = report.write_report(path, numbers, periods)
    print(f"{written} regels voor {people} personen, bestand {path.stat().st_size / 1e6:.1f} MB", flush=True)
    await conn.close()
    return org, path


async def child_commit(org: int, path: str) -> dict:
    from portal.uploads.batches import api_actor
    from portal.uploads.check import receive
    from portal.uploads.commit import check_and_commit
    from shared.db import close_db, open_db

    await open_db()
    content = Path(path).read_bytes()
    started = time.perf_counter()
    batch_id, _ = await receive(api_actor(org, "bench"), content, Path(path).name)
    assert await check_and_commit(api_actor(org, "bench"), batch_id)
    seconds = time.perf_counter() - started
    await close_db()
    return {"seconds": seconds}


async def child_worker() -> dict:
    from municipal.inbox import processing
    from shared.db import close_db, open_db

    await open_db()
    # A server process is warm: the rules' modules loaded (holidays, the calendar), the pool connected.
    from shared import clock
    from shared.calendar import add_working_days

    add_working_days(clock.today(), 10)
    started = time.time()
    done = 0
    while handled := await processing.process_pending():
        done += handled
    ended = time.time()
    await close_db()
    return {"start": started, "end": ended, "events": done}


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(err[-4000:])
    return json.loads(out.strip().splitlines()[-1])


async def pending_again(conn) -> int:
    """Untimed: forget what the previous workers made, so the next ones start from the same pending events."""
    await conn.execute("TRUNCATE inbox_entry, inbox_item CASCADE")
    await conn.execute("UPDATE domain_event SET processed_at = NULL, attempts = 0, last_error = ''")
    await conn.execute("VACUUM ANALYZE domain_event")
    return await conn.fetchval("SELECT count(*) FROM domain_event WHERE processed_at IS NULL")


def workers(n: int) -> tuple[float, int]:
    """Seconds from the first worker's start to the last one's end, and the events they handled."""
    runs = [result(p) for p in [spawn("worker") for _ in range(n)]]
    return max(r["end"] for r in runs) - min(r["start"] for r in runs), sum(r["events"] for r in runs)


async def main(rows: int) -> None:
    org, path = await setup(rows)
    try:
        commit = result(spawn("commit", str(org), str(path)))["seconds"]
        conn = await asyncpg.connect(DSN)
        events = await conn.fetchval("SELECT count(*) FROM domain_event WHERE processed_at IS NULL")
        # Untimed, as autovacuum would: analyse the tables the commit wrote, and only those. Analysing the empty
        # inbox tables too would make PostgreSQL plan their foreign-key checks as scans of an empty table, kept
        # for the life of a connection while the table fills: no database in use looks like that.
        written = await conn.fetch("SELECT relname FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0")
        await conn.execute("VACUUM ANALYZE " + ", ".join(f'"{r["relname"]}"' for r in written))
        print(f"opslaan van {rows} regels: {commit:.2f} s, {events} gebeurtenissen", flush=True)
        times = {}
        for n in (1, 2):
            if n > 1:
                assert await pending_again(conn) == events
            seconds, handled = workers(n)
            items = await conn.fetchval("SELECT count(*) FROM inbox_item")
            left = await conn.fetchval("SELECT count(*) FROM domain_event WHERE processed_at IS NULL")
            assert handled == events and left == 0, (handled, events, left)
            times[n] = seconds
            print(
                f"{n} verwerker(s): {seconds:.2f} s voor {events} gebeurtenissen ({events / seconds:.0f}/s), "
                f"{items} items; ratio {seconds / commit:.2f}",
                flush=True,
            )
        await conn.close()
    finally:
        admin = await asyncpg.connect(BASE)
        await admin.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
        await admin.close()
    size = label(rows)
    print(f"processing_ratio_{size}={times[1] / commit:.2f} processing_ratio_{size}_2workers={times[2] / commit:.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        what = sys.argv[2]
        out = asyncio.run(child_commit(int(sys.argv[3]), sys.argv[4]) if what == "commit" else child_worker())
        print(json.dumps(out))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--rows", type=int, default=100_000, help="rows in the report (people = rows / 10)")
        asyncio.run(main(parser.parse_args().rows))
