"""Failed logins counted per source, address and pair (shared/security.py, issue 10), replacing the lock on the
account. `app_user.failed_logins` and `locked_until` stay (no longer read) so an older version can still run."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T21:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "login throttle"


def _params(**extra):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)
    manager.add_table(class_name="LoginThrottle", tablename="login_throttle", schema=None, columns=None)
    for name, cls, params in (
        ("key", Varchar, _params(length=400, default="", unique=True)),
        ("failures", Integer, _params(default=0)),
        ("last_failure_at", Timestamptz, _params(default=TimestamptzNow())),
    ):
        manager.add_column(
            table_class_name="LoginThrottle",
            tablename="login_throttle",
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params=params,
            schema=None,
        )
    return manager
