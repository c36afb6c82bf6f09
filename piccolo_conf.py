"""Piccolo's engine, chosen by DATABASE_URL: PostgreSQL when it says so, else SQLite in a file."""

from piccolo.conf.apps import AppRegistry

from shared.settings import settings

if settings.database_url.startswith(("postgres://", "postgresql://")):
    from piccolo.engine.postgres import PostgresEngine

    DB = PostgresEngine(config={"dsn": settings.database_url})
else:
    from piccolo.engine.sqlite import SQLiteEngine

    # Piccolo opens a connection per query; the busy timeout makes writers wait instead of failing.
    DB = SQLiteEngine(path=settings.database_url.removeprefix("sqlite:///"), timeout=30)

APP_REGISTRY = AppRegistry(apps=["regie.piccolo_app"])
