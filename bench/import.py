"""Monthly report import speed and memory (issue 4).

Generates a 10,000-row and a 100,000-row report as a school's system writes them (Windows-1252, ';',
decimal commas, dd-mm-jjjj; 1,000 and 10,000 people × 10 months) and imports each end to end on
PostgreSQL the way the provider API does (portal/uploads/): keep the file as a batch, read it, then
inside one transaction judge every row, store the preview (counts, findings), and write the records,
the domain events and the audit entries. Baseline, measured in the same run on the same rows: the csv
module parses the file, one query looks up the enrollments, and one INSERT … SELECT FROM unnest(…)
statement writes all rows into the same table (also timed: one COPY; the faster of the two is the
baseline). Each measurement runs in its own process after one small untimed run (a server is warm),
best of three; the import's peak memory is that process's peak resident size, interpreter and app
included.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import.py

A fresh database is made beside TEST_DATABASE_URL's and dropped afterwards.
Last line: import_ratio_10k=<x> import_ratio_100k=<y> peak_mb_100k=<z>
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import resource
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
CHILD = len(sys.argv) > 1 and sys.argv[1] == "--child"
DBNAME = os.environ.get("REGIE_BENCH_DB") or f"regie_bench_{uuid.uuid4().hex[:8]}"
os.environ["REGIE_BENCH_DB"] = DBNAME
DSN = urlunsplit(urlsplit(BASE)._replace(path=f"/{DBNAME}"))
os.environ["DATABASE_URL"] = DSN
os.environ.setdefault("SECRET_KEY", "bench")
os.environ["ARGON2_PROFILE"] = "cheapest"
os.environ["REGIE_VAR_DIR"] = "/tmp/regie-bench"

import asyncpg  # noqa: E402

SIZES = {"10k": (1_000, 10), "100k": (10_000, 10)}  # people × months
FILES = Path("/tmp/regie-bench")
HEADER = [
    "Cursistnummer",
    "BSN",
    "Achternaam",
    "Voornaam",
    "Periode van",
    "Periode tot",
    "Aanwezig (uren)",
    "Geoorloofd afwezig (uren)",
    "Ongeoorloofd afwezig (uren)",
    "Reden afwezigheid",
    "Opmerking",
]
REASONS = ["Ziek", "Werk", "Zonder bericht afwezig", "Familieomstandigheden"]


def bsns(count: int, offset: int) -> list[str]:
    from shared.rules import bsn_is_valid

    out, n = [], 100_000_000 + offset
    while len(out) < count:
        if bsn_is_valid(str(n)):
            out.append(str(n))
        n += 1
    return out


def months(count: int) -> list[tuple[date, date]]:
    from shared.calendar import month_of, previous_month

    found, day = [], previous_month(date.today()).start
    for _ in range(count):
        m = month_of(day)
        found.append((m.start, m.end))
        day = m.start - timedelta(days=1)
    return list(reversed(found))


def write_report(path: Path, numbers: list[str], periods: list[tuple[date, date]]) -> int:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(HEADER)
    rows = 0
    for i, number in enumerate(numbers):
        for j, (start, end) in enumerate(periods):
            quarter = 4 + (i * 7 + j * 3) % 160
            absent = (i + j) % 5
            w.writerow(
                [
                    f"C{i:06d}",
                    number,
                    f"Achternaam{i}",
                    "Zeïnab" if i % 9 == 0 else f"Voornaam{i}",
                    f"{start:%d-%m-%Y}",
                    f"{end:%d-%m-%Y}",
                    f"{quarter // 4},{(quarter % 4) * 25:02d}".replace(",00", ""),
                    "1,5" if absent == 1 else "0",
                    "2" if absent == 2 else "0",
                    REASONS[(i + j) % 4] if absent in (1, 2) else "",
                    "",
                ]
            )
            rows += 1
    path.write_bytes(out.getvalue().encode("cp1252"))
    return rows


async def setup() -> None:
    admin = await asyncpg.connect(BASE)
    await admin.execute(f'CREATE DATABASE "{DBNAME}"')
    await admin.close()
    from piccolo.apps.migrations.commands.forwards import run_forwards

    assert (await run_forwards(app_name="all")).success
    conn = await asyncpg.connect(DSN)
    gemeente = await conn.fetchval(
        "INSERT INTO gemeente (cbs_code, name, oin, upload_retention_days) "
        "VALUES ('0344', 'Utrecht', $1, 90) RETURNING id",
        "0" * 20,
    )
    FILES.mkdir(parents=True, exist_ok=True)
    periods = months(10)
    offset = 0
    for size, (people, _) in SIZES.items():
        org = await conn.fetchval(
            "INSERT INTO organisation (name, kinds, bow_keurmerk) VALUES ($1, $2, true) RETURNING id",
            f"Taalschool {size}",
            ["taal"],
        )
        numbers = bsns(people, offset)
        offset = int(numbers[-1]) - 100_000_000 + 1
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
                "created_at",
            ],
        )
        await conn.execute(
            "INSERT INTO enrollment (inburgeraar, organisation, component, start, created_at) "
            "SELECT id, $1, 'taal', $2, now() FROM inburgeraar WHERE bsn = ANY($3::text[])",
            org,
            periods[0][0] - timedelta(days=30),
            numbers,
        )
        rows = write_report(FILES / f"report-{size}.csv", numbers, periods)
        print(
            f"{size}: {rows} regels, {people} personen, bestand "
            f"{(FILES / f'report-{size}.csv').stat().st_size / 1e6:.1f} MB",
            flush=True,
        )
    await conn.close()


async def clean(conn, org: int) -> None:
    """Untimed: forget what a previous measurement wrote (one size is measured at a time)."""
    # The audit log refuses TRUNCATE (a trigger, issue 10); the bench database is emptied past it.
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(
            "TRUNCATE hour_record, milestone, domain_event, audit_event, upload_issue, upload_file, upload_batch "
            "CASCADE"
        )


BASE_COLUMNS = [
    "enrollment",
    "inburgeraar",
    "organisation",
    "kind",
    "period_start",
    "period_end",
    "attended_minutes",
    "geoorloofd_minutes",
    "ongeoorloofd_minutes",
    "verzuim_reden",
    "toelichting",
    "formal",
    "source",
    "entered_at",
]
PG_TYPES = [
    "int",
    "int",
    "int",
    "text",
    "date",
    "date",
    "int",
    "int",
    "int",
    "text",
    "text",
    "bool",
    "text",
    "timestamptz",
]


def day(text: str) -> date:
    return date(int(text[6:10]), int(text[3:5]), int(text[0:2]))


def minutes(text: str) -> int:
    return round(float(text.replace(",", ".") or 0) * 60)


async def baseline(size: str, org: int, how: str, path: Path) -> float:
    conn = await asyncpg.connect(DSN)
    await clean(conn, org)
    started = time.perf_counter()
    lookup = {
        r["bsn"]: (r["enrollment"], r["inburgeraar"])
        for r in await conn.fetch(
            "SELECT e.id AS enrollment, p.id AS inburgeraar, p.bsn FROM enrollment e JOIN inburgeraar p "
            "ON p.id = e.inburgeraar WHERE e.organisation = $1",
            org,
        )
    }
    now = datetime.now(UTC)
    records = []
    with open(path, encoding="cp1252", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        for row in reader:
            enrollment, person = lookup[row[1]]
            records.append(
                (
                    enrollment,
                    person,
                    org,
                    "taal_knm",
                    day(row[4]),
                    day(row[5]),
                    minutes(row[6]),
                    minutes(row[7]),
                    minutes(row[8]),
                    row[9] or None,
                    row[10],
                    True,
                    "upload",
                    now,
                )
            )
    if how == "insert":
        columns = list(zip(*records, strict=True))
        await conn.execute(
            f"INSERT INTO hour_record ({', '.join(BASE_COLUMNS)}) SELECT * FROM unnest("
            + ", ".join(f"${i + 1}::{t}[]" for i, t in enumerate(PG_TYPES))
            + ")",
            *columns,
        )
    else:
        await conn.copy_records_to_table("hour_record", records=records, columns=BASE_COLUMNS)
    elapsed = time.perf_counter() - started
    await clean(conn, org)
    await conn.close()
    return elapsed


async def ours(size: str, org: int, path: Path) -> float:
    from portal.uploads.batches import api_actor
    from portal.uploads.check import receive
    from portal.uploads.commit import check_and_commit
    from shared.db import close_db, open_db

    conn = await asyncpg.connect(DSN)
    await clean(conn, org)
    await open_db()
    actor = api_actor(org, "bench")  # as the provider API calls it
    content = path.read_bytes()
    started = time.perf_counter()
    batch_id, _ = await receive(actor, content, f"report-{size}.csv")
    assert await check_and_commit(actor, batch_id)
    stored = await conn.fetchval("SELECT rows_new FROM upload_batch WHERE id = $1", batch_id)
    elapsed = time.perf_counter() - started
    counts = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM hour_record WHERE organisation = $1) AS records, "
        "(SELECT count(*) FROM domain_event WHERE (payload::jsonb ->> 'organisation_id')::int = $1) AS events",
        org,
    )
    assert stored == counts["records"] == counts["events"] == content.count(b"\n") - 1
    await close_db()
    await clean(conn, org)
    await conn.close()
    return elapsed


def child(what: str, size: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, size], capture_output=True, text=True, env=os.environ
    )
    if out.returncode:
        sys.exit(out.stderr[-4000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


async def child_main(what: str, size: str) -> None:
    conn = await asyncpg.connect(DSN)
    org = await conn.fetchval("SELECT id FROM organisation WHERE name = $1", f"Taalschool {size}")
    await conn.close()
    # A server process is warm: one small run first (untimed) for both, then the measured one.
    report = FILES / f"report-{size}.csv"
    warm = FILES / f"warm-{size}.csv"
    warm.write_bytes(b"".join(report.read_bytes().splitlines(keepends=True)[:21]))
    for path in (warm, report):
        seconds = await (ours(size, org, path) if what == "ours" else baseline(size, org, what, path))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def main() -> None:
    if CHILD:
        asyncio.run(child_main(sys.argv[2], sys.argv[3]))
        return
    asyncio.run(setup())
    try:
        ratios, peak = {}, 0.0
        for size in SIZES:
            best = {"insert": [], "copy": [], "ours": []}
            for _ in range(3):
                for what in best:
                    best[what].append(child(what, size))
            base = min(r["seconds"] for what in ("insert", "copy") for r in best[what])
            mine = min(r["seconds"] for r in best["ours"])
            peak = max(r["peak_mb"] for r in best["ours"])
            ratios[size] = mine / base
            print(
                f"{size}: baseline INSERT…unnest {min(r['seconds'] for r in best['insert']):.2f} s, "
                f"COPY {min(r['seconds'] for r in best['copy']):.2f} s; import {mine:.2f} s "
                f"(ratio {ratios[size]:.2f}), piek {peak:.0f} MB",
                flush=True,
            )
    finally:

        async def drop():
            admin = await asyncpg.connect(BASE)
            await admin.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
            await admin.close()

        asyncio.run(drop())
    print(f"import_ratio_10k={ratios['10k']:.2f} import_ratio_100k={ratios['100k']:.2f} peak_mb_100k={peak:.0f}")


if __name__ == "__main__":
    main()
