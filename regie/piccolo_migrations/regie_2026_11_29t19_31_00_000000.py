"""Fill `inburgeraar.zoeknaam` (the folded names people are searched by, shared/search.py) for the people
that were there before the column. The app writes it with the names from then on."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Serial, Text, Varchar
from piccolo.table import Table

ID = "2026-11-29T19:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "backfill folded names"


class Inburgeraar(Table, tablename="inburgeraar"):
    id = Serial(primary_key=True)
    voornamen = Varchar(length=200)
    achternaam = Varchar(length=200)
    zoeknaam = Text(default="")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="regie", description=DESCRIPTION)

    async def run():
        from shared.search import search_name

        for row in await Inburgeraar.select(Inburgeraar.id, Inburgeraar.voornamen, Inburgeraar.achternaam):
            await Inburgeraar.update({Inburgeraar.zoeknaam: search_name(row["voornamen"], row["achternaam"])}).where(
                Inburgeraar.id == row["id"]
            )

    async def run_backwards():
        await Inburgeraar.update({Inburgeraar.zoeknaam: ""}, force=True)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
