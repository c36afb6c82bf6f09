"""The audit log is append-only in the database itself, not only in the code (issue 10, BIO 8.15.01): a trigger
refuses every UPDATE and DELETE of an `audit_event` row on both engines, and TRUNCATE on PostgreSQL. No code of
the app changes or removes audit rows (shared/audit.py only inserts); a correction is a new row.

Only a database owner who drops the trigger can change the log, and that is a deliberate act outside the app.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T21:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit log append-only"

MESSAGE = "audit_event is append-only: rows cannot be changed or removed"

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON "audit_event"
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON "audit_event"
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]
SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON "audit_event"
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON "audit_event"
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for ddl in POSTGRES if engine.engine_type == "postgres" else SQLITE:
            await engine.run_ddl(ddl)

    async def run_backwards():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl('DROP TRIGGER IF EXISTS audit_event_no_update_delete ON "audit_event"')
            await engine.run_ddl('DROP TRIGGER IF EXISTS audit_event_no_truncate ON "audit_event"')
            await engine.run_ddl("DROP FUNCTION IF EXISTS audit_event_append_only()")
        else:
            await engine.run_ddl("DROP TRIGGER IF EXISTS audit_event_no_update")
            await engine.run_ddl("DROP TRIGGER IF EXISTS audit_event_no_delete")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
