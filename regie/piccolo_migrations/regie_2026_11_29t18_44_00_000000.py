"""One run per periodic job and slot: the database decides which process runs it (shared/jobs.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T18:44:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job run slot unique"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS job_run_name_slot_uniq ON "job_run" ("name", "slot")'
        )

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS job_run_name_slot_uniq")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
