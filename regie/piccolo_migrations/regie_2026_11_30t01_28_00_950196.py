from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz

ID = "2026-11-30T01:28:00:950196"
VERSION = "1.38.0"
DESCRIPTION = "domain_event.processed_at without an index of its own (issue 10: each claim wrote one per event)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="DomainEvent",
        tablename="domain_event",
        column_name="processed_at",
        db_column_name="processed_at",
        params={"index": False},
        old_params={"index": True},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )

    return manager
