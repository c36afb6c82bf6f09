"""Dossier indexes Piccolo's column API cannot express portably (stack-notes §3).

- One active dossier per BSN per gemeente: a partial unique index over the people who have not moved
  out. A person who moves back later gets a new dossier; the old one stays, closed, with its history.
- One organisation record per KvK number: every gemeente finds and contracts the same provider.
- Versions are read per object and section, newest last.
"""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T15:56:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "dossier indexes"

INDEXES = [
    'CREATE UNIQUE INDEX IF NOT EXISTS inburgeraar_active_bsn_uniq ON "inburgeraar" ("gemeente", "bsn") '
    'WHERE "verhuisd_op" IS NULL',
    'CREATE UNIQUE INDEX IF NOT EXISTS organisation_kvk_uniq ON "organisation" ("kvk") WHERE "kvk" IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS dossier_change_object ON "dossier_change" ("object_type", "object_id", "section", "id")',
    'CREATE INDEX IF NOT EXISTS inburgeraar_regisseur ON "inburgeraar" ("regisseur")',
    'CREATE INDEX IF NOT EXISTS contract_organisation ON "contract" ("organisation", "component")',
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
            name = ddl.split(" ON ")[0].split()[-1]
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
