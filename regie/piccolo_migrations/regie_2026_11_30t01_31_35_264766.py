from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-30T01:31:35:264766"
VERSION = "1.38.0"
DESCRIPTION = "app_user without failed_logins and locked_until: logins are throttled per source and address (login_throttle, issue 10)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    manager.drop_column(
        table_class_name="AppUser",
        tablename="app_user",
        column_name="failed_logins",
        db_column_name="failed_logins",
        schema=None,
    )

    manager.drop_column(
        table_class_name="AppUser",
        tablename="app_user",
        column_name="locked_until",
        db_column_name="locked_until",
        schema=None,
    )

    return manager
