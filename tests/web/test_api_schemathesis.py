"""The provider API against its own published OpenAPI, with Schemathesis (every check, every phase):
the app in its own process on the test database, dry runs only, a bounded number of examples so the run
stays short. It must find nothing: no server error, no answer its schema does not document, every refusal
a problem-details document, 405 with Allow, no ignored authentication, no resource that vanishes.

The figures of the run (test cases, time) are printed; run with -s to see them.
"""

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from portal.uploads import tokens
from portal.uploads.batches import api_actor
from shared.tables import HourRecord, Inburgeraar, Milestone
from tests.e2e.test_browser import server  # noqa: F401  (the fixture: the app in its own process)

HERE = Path(__file__).resolve().parent
MAX_EXAMPLES = 100  # per operation and phase
SEED = 20261118


def dry_runs_only(schema: dict) -> dict:
    """The test's copy of the schema: the report endpoints take only `proef: true`."""
    schema = copy.deepcopy(schema)
    for name in ("ReportRequest", "FileRequest"):
        component = schema["components"]["schemas"][name]
        component["properties"]["proef"] = {"type": "boolean", "const": True}
        component["required"] = sorted({*component.get("required", []), "proef"})
    return schema


async def test_schemathesis_finds_nothing(server, world, tmp_path):  # noqa: F811
    token = await tokens.create(api_actor(world.school, "schemathesis"), "Schemathesis")
    published = httpx.get(server + "/api/schema/openapi.json").json()
    schema_file = tmp_path / "openapi.json"
    schema_file.write_text(json.dumps(dry_runs_only(published)))
    report = tmp_path / "report.json"
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.web.schemathesis_hooks", "PYTHONPATH": str(HERE.parents[1])}
    # Schemathesis is the client, not the product: under libfaketime (CI's odd-date run) its faked monotonic
    # clock makes every timed wait in a thread hang for good, so it runs on the real clock. The app under test
    # keeps whatever clock the machine gives it.
    env.pop("LD_PRELOAD", None)
    started = time.monotonic()
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "--config-file",
            str(HERE / "schemathesis.toml"),
            "run",
            str(schema_file),
            "--url",
            server,
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--mode",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--request-timeout",
            "20",
            "--no-color",
            "--report",
            "json",
            "--report-json-path",
            str(report),
        ],
        env=env,
        cwd=tmp_path,  # Schemathesis keeps a cache of what it found in the working directory
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    print(run.stdout[-6000:])
    summary = json.loads(report.read_text()) if report.exists() else {}
    print(f"schemathesis: {seconds:.1f} s", json.dumps(summary.get("summary", summary), default=str)[:2000])
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
    # dry runs only: nothing was stored for any person
    assert await HourRecord.count() == 0 and await Milestone.count() == 0
    assert await Inburgeraar.count() == 4
