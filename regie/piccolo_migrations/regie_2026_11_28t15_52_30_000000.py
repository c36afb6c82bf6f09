"""Inbox indexes: one item per gemeente and key (an event never makes two), and the list orders."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T15:52:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "inbox indexes"

INDEXES = [
    'CREATE UNIQUE INDEX IF NOT EXISTS inbox_item_key_uniq ON "inbox_item" ("gemeente", "key")',
    'CREATE INDEX IF NOT EXISTS inbox_item_gemeente_open ON "inbox_item" ("gemeente", "status", "deadline")',
    'CREATE INDEX IF NOT EXISTS inbox_item_assignee_open ON "inbox_item" ("assignee", "status", "deadline")',
    'CREATE INDEX IF NOT EXISTS inbox_item_team_open ON "inbox_item" ("team", "status", "deadline")',
    'CREATE INDEX IF NOT EXISTS inbox_item_person ON "inbox_item" ("inburgeraar")',
    'CREATE INDEX IF NOT EXISTS routing_rule_order ON "routing_rule" ("gemeente", "position")',
    'CREATE INDEX IF NOT EXISTS absence_user ON "absence" ("user", "start")',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    async def run():
        for ddl in INDEXES:
            await engine_finder().run_ddl(ddl)

    async def run_backwards():
        for ddl in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {ddl.split(' ON ')[0].split()[-1]}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
