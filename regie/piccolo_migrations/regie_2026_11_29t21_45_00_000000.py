"""`http_session.uid`: the session's user beside its data, so a request reads the session and its user in
one query (shared/security.py, load_session)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T21:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "session user column"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    manager.add_column(
        table_class_name="HttpSession",
        tablename="http_session",
        column_name="uid",
        db_column_name="uid",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
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
