"""The `regie` command: serve, migrate, demo, create-user, purge-sessions, purge-uploads, duo-stub."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from shared.settings import VAR_DIR, settings


def _is_sqlite() -> bool:
    return not settings.database_url.startswith(("postgres://", "postgresql://"))


async def _applied_migrations() -> int:
    from piccolo.apps.migrations.tables import Migration

    return await Migration.count() if await Migration.table_exists() else 0


async def migrate() -> None:
    """Bring the database schema up to date, saying in one line what happened. Piccolo's own report
    (which counts the same migrations as both "already complete" and "not yet run" on an empty database)
    is kept for when something fails."""
    import contextlib
    import io

    from piccolo.apps.migrations.commands.forwards import run_forwards

    from shared.db import set_sqlite_wal

    if _is_sqlite():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    before = await _applied_migrations()
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        result = await run_forwards(app_name="all")
    if not result.success:
        print(report.getvalue(), file=sys.stderr)
        raise SystemExit(f"Migraties mislukt: {result.message}")
    after = await _applied_migrations()
    if after > before:
        print(f"Database bijgewerkt: {after - before} migratie(s) uitgevoerd, {after} in totaal.")
    else:
        print(f"Database is al bijgewerkt ({after} migraties).")
    if _is_sqlite():
        set_sqlite_wal(settings.database_url.removeprefix("sqlite:///"))


async def demo(only_if_empty: bool) -> None:
    from regie import demo as demo_data
    from shared.tables import Gemeente

    if only_if_empty and await Gemeente.count() > 0:
        print("De database bevat al gegevens; demo-gegevens niet opnieuw geladen.")
    else:
        await demo_data.load()
        # The composition root may reach the municipal side: the inbox shows what the demo's reports raise.
        from municipal.inbox import demo as inbox_demo

        await inbox_demo.seed()
    demo_data.print_logins()


async def create_user(args: argparse.Namespace) -> None:
    from shared.security import create_user as create
    from shared.tables import Gemeente, Organisation
    from shared.vocab import Role

    gemeente_id = organisation_id = None
    if args.gemeente:
        row = await Gemeente.select(Gemeente.id).where(Gemeente.cbs_code == args.gemeente).first()
        if row is None:
            raise SystemExit(f"Gemeente met CBS-code {args.gemeente} bestaat niet.")
        gemeente_id = row["id"]
    if args.organisation:
        row = await Organisation.select(Organisation.id).where(Organisation.id == args.organisation).first()
        if row is None:
            raise SystemExit(f"Organisatie {args.organisation} bestaat niet.")
        organisation_id = row["id"]
    password = args.password or os.environ.get("REGIE_PASSWORD") or getpass.getpass("Wachtwoord: ")
    if len(password) < 12:
        raise SystemExit("Kies een wachtwoord van minstens 12 tekens.")
    try:
        user_id = await create(
            args.email, args.name, password, Role(args.role), gemeente_id=gemeente_id, organisation_id=organisation_id
        )
    except ValueError as e:
        raise SystemExit(str(e)) from None
    print(f"Gebruiker {args.email} aangemaakt (id {user_id}).")


async def purge_sessions() -> None:
    from shared.security import DatabaseSessionStore

    print(f"{await DatabaseSessionStore().delete_expired()} verlopen sessies verwijderd.")


async def purge_uploads() -> None:
    from portal.uploads.files import purge_files

    print(f"{await purge_files()} originele uploadbestanden verwijderd (bewaartermijn voorbij).")


def demo_code() -> None:
    """The six digits a demo account's authenticator app shows now (regie.demo.DEMO_TOTP_SECRET)."""
    from accounts import mfa
    from regie.demo import DEMO_TOTP_SECRET

    step = mfa.current_step()
    print(f"{mfa.code_at(DEMO_TOTP_SECRET, step)}  (nog {30 - int(mfa.clock.now().timestamp()) % 30} s geldig)")


def serve(host: str, port: int, workers: int) -> None:
    if _is_sqlite() and workers != 1:
        print("SQLite: één worker (schrijvers worden binnen één proces in de rij gezet).", file=sys.stderr)
        workers = 1
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "regie.app:app",
        ],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="regie", description="Regie: portaal en inbox voor de Wet inburgering")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="start de webserver")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    sub.add_parser("migrate", help="voer databasemigraties uit")
    p = sub.add_parser("demo", help="laad demo-gegevens")
    p.add_argument("--if-empty", action="store_true", help="alleen als de database leeg is")
    p = sub.add_parser("create-user", help="maak een gebruiker aan")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=["provider", "regisseur", "teamleider", "beheerder", "admin"])
    p.add_argument("--gemeente", help="CBS-code van de gemeente")
    p.add_argument("--organisation", type=int, help="nummer van de organisatie")
    p.add_argument("--password", help="anders gevraagd (of REGIE_PASSWORD)")
    sub.add_parser("demo-code", help="toon de inlogcode van nu voor de demo-accounts (tweestapsverificatie)")
    sub.add_parser("purge-sessions", help="verwijder verlopen sessies")
    sub.add_parser("purge-uploads", help="verwijder originele uploadbestanden na de bewaartermijn van de gemeente")
    p = sub.add_parser("duo-stub", help="start een nagebootste DUO (DUO-testomgeving) voor ontwikkeling en demo")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("DUO_STUB_PORT", "8099")))
    p = sub.add_parser("duo-notify", help="laat de nagebootste DUO een notificatie aan de app sturen")
    p.add_argument("code", help="gebeurtenisId, bijvoorbeeld SS101")
    p.add_argument("bsn")
    p.add_argument("--doel", required=True, help="OIN van de gemeente")
    p.add_argument("--app", default=f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
    args = parser.parse_args(argv)

    if args.command == "serve":
        serve(args.host, args.port, args.workers)
    elif args.command == "migrate":
        asyncio.run(migrate())
    elif args.command == "demo":
        asyncio.run(_with_db(demo(args.if_empty)))
    elif args.command == "create-user":
        asyncio.run(_with_db(create_user(args)))
    elif args.command == "demo-code":
        demo_code()
    elif args.command == "purge-sessions":
        asyncio.run(_with_db(purge_sessions()))
    elif args.command == "purge-uploads":
        asyncio.run(_with_db(purge_uploads()))
    elif args.command == "duo-stub":
        from municipal.duo.stub import main as duo_stub

        duo_stub(args.host, args.port)
    elif args.command == "duo-notify":
        from municipal.duo.stub import DuoStub
        from shared.settings import settings

        status = DuoStub().notify(
            args.app,
            args.code,
            bsn=args.bsn,
            doel=args.doel,
            bron=settings.duo_oin,
            proxy_token=settings.duo_proxy_token,
        )
        print(f"De app antwoordde {status}.")


async def _with_db(coro):
    from shared.db import close_db, open_db

    await open_db()
    try:
        return await coro
    finally:
        await close_db()


if __name__ == "__main__":
    main()
