"""One suite, two engines: SQLite by default, PostgreSQL with TEST_ENGINE=postgres (and TEST_DATABASE_URL).

The engine is chosen before anything of the app is imported. Each run gets a fresh database with the
real migrations; each test starts from empty tables (TRUNCATE/DELETE after it: Litestar's test client
sees only committed data, stack-notes §5).

The clock too: the app's clock (shared.clock) starts on the named default instant, so whatever a test
module computes at import (e.g. "last month") agrees with the day its tests run on; the autouse fixture
`named_clock` (tests/support.py) then puts each test on that instant or on the day the test names.
The machine's own date never matters.
"""

from __future__ import annotations

import inspect
import os
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENGINE = os.environ.get("TEST_ENGINE", "sqlite")
_tmp = Path(tempfile.mkdtemp(prefix="regie-test-"))
os.environ["REGIE_VAR_DIR"] = str(_tmp)
os.environ["SECRET_KEY"] = "test-secret-" + uuid.uuid4().hex
os.environ["ARGON2_PROFILE"] = "cheapest"
# DUO's OIN for the tests (a made-up one): notifications are accepted only from it (municipal/duo/inbound.py).
os.environ["DUO_OIN"] = "00000009990000000001"
os.environ["DUO_PROXY_TOKEN"] = "test-proxy-token"
# Sending to DUO is switched on, towards a port where nothing listens; sender tests give the stand-in's address.
os.environ["DUO_M2M_URL"] = "http://127.0.0.1:9/v1"
os.environ.pop("PICCOLO_CONF", None)
from tests.support import DEFAULT_NOW  # noqa: E402  (imports nothing of the app)

os.environ["REGIE_CLOCK_START"] = DEFAULT_NOW.isoformat()
if ENGINE == "postgres":
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        raise pytest.UsageError("TEST_ENGINE=postgres needs TEST_DATABASE_URL")
    parts = urlsplit(base)
    TEST_DB = f"regie_test_{uuid.uuid4().hex[:10]}"
    ADMIN_DSN = base
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{TEST_DB}"))
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp / 'test.sqlite'}"

from tests.support import *  # noqa: E402,F401,F403  (fixtures and the HTML-checking client)


def pytest_report_header(config):
    return f"regie engine: {ENGINE} ({os.environ['DATABASE_URL']})"


def pytest_collection_modifyitems(items):
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.anyio)


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """Tests marked postgres_only (row locks, concurrent transactions) skip on SQLite. A fixture, not a
    skip mark added at collection: anyio's plugin runs marked-later async tests past such a mark."""
    if ENGINE != "postgres" and request.node.get_closest_marker("postgres_only"):
        pytest.skip("alleen op PostgreSQL")


@pytest.fixture(scope="session")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
async def test_database():
    import asyncpg
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from shared.db import close_db, open_db

    if ENGINE == "postgres":
        admin = await asyncpg.connect(ADMIN_DSN)
        await admin.execute(f'CREATE DATABASE "{TEST_DB}"')
        await admin.close()
    result = await run_forwards(app_name="all")
    assert result.success, result.message
    await open_db()
    yield
    await close_db()
    if ENGINE == "postgres":
        admin = await asyncpg.connect(ADMIN_DSN)
        await admin.execute(f'DROP DATABASE "{TEST_DB}" WITH (FORCE)')
        await admin.close()
