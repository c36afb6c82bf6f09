"""Indexes and checks Piccolo's column API cannot express portably (stack-notes §3).

The partial unique index is the database's own guard against counting hours twice: one current
record per enrollment, kind and period, whatever two concurrent requests try.
"""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes and checks"

INDEXES = [
    'CREATE UNIQUE INDEX IF NOT EXISTS hour_record_current_uniq ON "hour_record" '
    '("enrollment", "kind", "period_start", "period_end") WHERE "superseded_by" IS NULL',
    'CREATE INDEX IF NOT EXISTS hour_record_enrollment_kind ON "hour_record" ("enrollment", "kind", "period_start")',
    'CREATE INDEX IF NOT EXISTS enrollment_organisation ON "enrollment" ("organisation", "inburgeraar")',
    'CREATE INDEX IF NOT EXISTS enrollment_inburgeraar ON "enrollment" ("inburgeraar")',
    'CREATE INDEX IF NOT EXISTS inburgeraar_gemeente ON "inburgeraar" ("gemeente")',
    'CREATE INDEX IF NOT EXISTS milestone_enrollment ON "milestone" ("enrollment", "kind")',
    'CREATE INDEX IF NOT EXISTS contract_gemeente_org ON "contract" ("gemeente", "organisation")',
    'CREATE INDEX IF NOT EXISTS domain_event_pending ON "domain_event" ("id") WHERE "processed_at" IS NULL',
]
PG_CHECKS = [
    'ALTER TABLE "hour_record" ADD CONSTRAINT hour_record_minutes_non_negative CHECK '
    '("attended_minutes" >= 0 AND "geoorloofd_minutes" >= 0 AND "ongeoorloofd_minutes" >= 0)',
    'ALTER TABLE "hour_record" ADD CONSTRAINT hour_record_period_order CHECK ("period_start" <= "period_end")',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for ddl in INDEXES:
            await engine.run_ddl(ddl)
        if engine.engine_type == "postgres":
            for ddl in PG_CHECKS:
                await engine.run_ddl(ddl)

    async def run_backwards():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            for name in ("hour_record_minutes_non_negative", "hour_record_period_order"):
                await engine.run_ddl(f'ALTER TABLE "hour_record" DROP CONSTRAINT IF EXISTS {name}')
        for ddl in INDEXES:
            name = ddl.split(" ON ")[0].split()[-1]
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
