"""The pending events by source (a partial index: only unprocessed events are in it, so it stays small
however long the history): one probe per source finds the sources with work, and each source's oldest."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T21:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "pending events by source"

DDL = (
    'CREATE INDEX IF NOT EXISTS domain_event_pending_source ON "domain_event" ("source", "id") '
    "WHERE processed_at IS NULL"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(DDL)

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS domain_event_pending_source")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
