"""Bulk onboarding of existing dossiers: preview with errors per row, then all or nothing."""

import io
from datetime import date

import openpyxl

from shared.tables import AuditEvent, DomainEvent, DossierChange, DossierImport, Inburgeraar

HEADER = (
    "BSN;Voornaam;Achternaam;Geboortedatum;Doelgroep;Inburgeringsplichtig sinds;Regisseur;Dagtekening PIP;"
    "Leerroute;Niveau;Intensiteit (uren);Onbekende kolom"
)
GOOD = [
    "123456782;Yonas;Tesfaye;02-03-1994;asielstatushouder;10-01-2026;regisseur@test.nl;01-03-2026;B1;B1;1200;x",
    "23456784;Olena;Kovalenko;1988-07-21;gezinsmigrant;01-02-2026;;;;;;",
    "345678904;Meron;Ghebremedhin;14-11-2001;statushouder;05-01-2026;;15-02-2026;Z;;;",
]


async def upload(client, text: str | bytes, filename="dossiers.csv"):
    content = text.encode("cp1252") if isinstance(text, str) else text
    token = await client.csrf_token()
    r = await client.http.post(
        "/gemeente/import", data={"_csrf_token": token}, files={"bestand": (filename, content, "text/csv")}
    )
    if r.status_code == 303:
        return await client.get(r.headers["location"])
    return await client._wrap(r)


async def test_a_clean_file_shows_a_preview_and_imports_everything(client, world):
    await client.login(world.users["regisseur"])
    page = await upload(client, "\r\n".join([HEADER, *GOOD]))
    assert page.status == 200 and page.h1() == "Import: dossiers.csv"
    assert "Deze kolommen gebruiken we niet: Onbekende kolom." in page.text
    assert [r[0] for r in page.table_rows("table.import-rows")] == ["2", "3", "4"]
    assert await Inburgeraar.count() == 4  # nothing imported yet
    page = await client.submit(page.response.url.path, "form[action$='/bevestigen']", {}, follow_redirects=True)
    assert page.notice() == "3 dossiers zijn geïmporteerd."
    yonas = await Inburgeraar.select().where(Inburgeraar.bsn == "123456782").first()
    assert (yonas["leerroute"], yonas["niveau"], yonas["intensiteit_uren"], yonas["pip_nummer"]) == (
        "B1",
        "B1",
        1200,
        1,
    )
    assert yonas["regisseur"] is not None and yonas["plicht_start"] == date(2026, 1, 10)
    olena = await Inburgeraar.select().where(Inburgeraar.bsn == "023456784").first()  # leading zero restored
    assert olena["doelgroep"] == "gezin_overig" and olena["leerroute"] is None
    meron = await Inburgeraar.select().where(Inburgeraar.bsn == "345678904").first()
    assert meron["intensiteit_uren"] == 800  # Z-route default
    kinds = {v["kind"] for v in await DossierChange.select(DossierChange.kind)}
    assert kinds == {"import"}
    assert await DomainEvent.count().where(DomainEvent.kind == "person.registered") == 3
    imp = await DossierImport.select().first()
    assert imp["status"] == "imported" and "Yonas" not in str(imp["rows"])  # the staging rows are emptied
    assert await AuditEvent.exists().where(AuditEvent.action == "import.confirm")
    # imported people are found by their names like any other (shared/search.py)
    from shared.search import search_name

    for person in await Inburgeraar.select(Inburgeraar.voornamen, Inburgeraar.achternaam, Inburgeraar.zoeknaam):
        assert person["zoeknaam"] == search_name(person["voornamen"], person["achternaam"])


async def test_errors_are_listed_per_row_and_nothing_can_be_imported(client, world):
    await client.login(world.users["regisseur"])
    bad = [
        "123456789;Fout;Bsn;02-03-1994;asiel;10-01-2026;;;;;;",
        "23456784;;Kovalenko;31-02-1988;marsbewoner;;;;;;;",
        "345678904;Meron;Ghebremedhin;14-11-2001;asiel;05-01-2026;niemand@test.nl;15-02-2026;onderwijs;A2;500;",
        "123456782;Dubbel;Tesfaye;02-03-1994;asiel;;;;;;;",
    ]
    page = await upload(client, "\r\n".join([HEADER, GOOD[0], *bad]))
    assert page.status == 200
    assert "4 van de 5 regels hebben een fout" in page.text
    rows = {r[0]: r[-1] for r in page.table_rows("table.import-rows")}
    assert set(rows) == {"3", "4", "5", "6"}
    assert "elfproef" in rows["3"]
    assert (
        "Vul de voornamen in" in rows["4"] and "bestaat niet als datum" in rows["4"] and "geen doelgroep" in rows["4"]
    )
    assert "geen regisseur" in rows["5"] and "Niveau A2 kan niet op de onderwijsroute" in rows["5"]
    assert "ook op regel 2" in rows["6"]
    assert not page.doc.select("form[action$='/bevestigen']")
    imp = (await DossierImport.select().first())["id"]
    assert (await client.post(f"/gemeente/import/{imp}/bevestigen")).status == 422
    assert await Inburgeraar.count() == 4 and await DossierChange.count() == 0


async def test_all_or_nothing_when_a_row_was_registered_meanwhile(client, world):
    await client.login(world.users["regisseur"])
    page = await upload(client, "\r\n".join([HEADER, *GOOD]))
    url = page.response.url.path
    await client.submit(
        "/gemeente/inburgeraars/nieuw",
        "form#registreren",
        {
            "bsn": "345678904",
            "voornamen": "Meron",
            "achternaam": "Ghebremedhin",
            "geboortedatum": "2001-11-14",
            "doelgroep": "asiel",
        },
    )
    assert await Inburgeraar.count() == 5
    page = await client.submit(url, "form[action$='/bevestigen']", {})
    assert page.status == 422 and "Er is niets geïmporteerd" in page.text
    assert "Er is al een lopend dossier met dit BSN" in page.text
    assert await Inburgeraar.count() == 5
    assert not await Inburgeraar.exists().where(Inburgeraar.bsn == "123456782")


async def test_an_xlsx_with_other_header_names_and_real_dates(client, world):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "Burgerservicenummer",
            "Voornamen",
            "Naam",
            "Geboren",
            "Status",
            "Leerroute",
            "Dagtekening PIP",
            "Plicht sinds",
            "Intensiteit",
        ]
    )
    ws.append(
        [
            123456782,
            "Yonas",
            "Tesfaye",
            date(1994, 3, 2),
            "Asielstatushouder",
            "B1-route",
            date(2026, 3, 1),
            date(2026, 1, 10),
            1000,
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    await client.login(world.users["teamleider"])
    page = await upload(client, buf.getvalue(), "dossiers.xlsx")
    assert page.status == 200, page.text[:500]
    assert page.table_rows("table.import-rows")[0][-1] == "in orde"  # an empty niveau on the B1-route is B1
    await client.submit(page.response.url.path, "form[action$='/bevestigen']", {}, follow_redirects=True)
    yonas = await Inburgeraar.select().where(Inburgeraar.bsn == "123456782").first()
    assert yonas["geboortedatum"] == date(1994, 3, 2) and yonas["intensiteit_uren"] == 1000
    assert yonas["niveau"] == "B1"


async def test_a_file_that_is_not_a_table_or_lacks_columns_is_refused_whole(client, world):
    await client.login(world.users["regisseur"])
    page = await upload(client, b"%PDF-1.4 nep", "dossiers.pdf")
    assert page.status == 422 and "Er is niets ingelezen" in page.text
    page = await upload(client, "BSN;Voornamen\r\n123456782;Yonas")
    assert page.status == 422 and "Deze kolommen ontbreken: Achternaam, Geboortedatum, Doelgroep" in page.text
    assert await DossierImport.count() == 0
    # Discarding a preview empties its rows.
    page = await upload(client, "\r\n".join([HEADER, *GOOD]))
    await client.submit(page.response.url.path, "form[action$='/verwijderen']", {})
    imp = await DossierImport.select().first()
    assert imp["status"] == "discarded" and "Yonas" not in str(imp["rows"])


async def test_the_example_file_reads_back_cleanly(client, world):
    await client.login(world.users["regisseur"])
    r = await client.http.get("/gemeente/import/voorbeeld.csv")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    page = await upload(client, r.content, "voorbeeld.csv")
    assert page.status == 200 and "fout" not in " ".join(r[-1] for r in page.table_rows("table.import-rows"))
