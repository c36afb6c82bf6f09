"""`domain_event.source`: whose work an event is (the reporting provider, else the gemeente), so a round of
inbox processing can share its room fairly over the sources (municipal/inbox/processing.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event source for fair rounds"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    manager.add_column(
        table_class_name="DomainEvent",
        tablename="domain_event",
        column_name="source",
        db_column_name="source",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
