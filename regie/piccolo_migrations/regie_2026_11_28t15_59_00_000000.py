"""Indexes for uploads (issue 4): page through a batch's issues, find a file sent before."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T15:59:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "upload indexes"

INDEXES = [
    'CREATE INDEX IF NOT EXISTS upload_issue_batch_kind_row ON "upload_issue" ("batch", "kind", "row_number")',
    'CREATE INDEX IF NOT EXISTS upload_batch_org_hash ON "upload_batch" ("organisation", "sha256")',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for ddl in INDEXES:
            await engine.run_ddl(ddl)

    async def run_backwards():
        engine = engine_finder()
        for ddl in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {ddl.split(' ON ')[0].split()[-1]}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
