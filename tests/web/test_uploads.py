"""Monthly report uploads through the real app and a real database: formats, the preview, committing,
corrections, the same file twice, the column mapping, the error file, retention; and every bad input
gets a Dutch message while nothing is stored."""

import io
import json
from datetime import timedelta

import openpyxl
import pytest

from portal.tables import ColumnMapping, UploadFile, UploadIssue
from portal.uploads import batches, files
from portal.uploads.check import receive
from shared import clock, events
from shared.calendar import previous_month
from shared.tables import AuditEvent, DomainEvent, Gemeente, HourRecord, Inburgeraar, Milestone, UploadBatch
from tests.support import FIXTURES, make_enrollment, make_person

MONTH = previous_month(clock.today())
START, END = f"{MONTH.start:%d-%m-%Y}", f"{MONTH.end:%d-%m-%Y}"
HEADER = (
    "BSN;Achternaam;Periode van;Periode tot en met;Aanwezig (uren);Geoorloofd verzuim (uren);"
    "Ongeoorloofd verzuim (uren);Reden verzuim;Toelichting"
)
pytestmark = pytest.mark.anyio
EXAMPLE = FIXTURES / "maandrapportage-taalschool-oktober-2026.csv"


async def bsn(person_id: int) -> str:
    return (await Inburgeraar.select(Inburgeraar.bsn).where(Inburgeraar.id == person_id).first())["bsn"]


def csv_file(*rows: str, header: str = HEADER, encoding="utf-8") -> bytes:
    return "\r\n".join([header, *rows]).encode(encoding) + b"\r\n"


async def upload(client, content: bytes, filename: str = "oktober.csv"):
    """Post the file as the upload form does, wait for the background check, open the batch page."""
    token = await client.csrf_token()
    r = await client.http.post(
        "/portaal/uploads",
        data={"_csrf_token": token},
        files={"bestand": (filename, content, "application/octet-stream")},
    )
    if r.status_code != 303:
        return await client._wrap(r)
    await batches.wait_for_background()
    return await client.get(r.headers["location"])


async def commit(client, page):
    batch_id = page.doc.select_one("form.commit")["action"].split("/")[3]
    await client.post(f"/portaal/uploads/{batch_id}/opslaan")
    await batches.wait_for_background()
    return await client.get(f"/portaal/uploads/{batch_id}")


def totals(page) -> dict[str, str]:
    dl = page.doc.select_one("dl.totals")
    return {
        dt.get_text(strip=True): dd.get_text(strip=True)
        for dt, dd in zip(dl.find_all("dt"), dl.find_all("dd"), strict=True)
    }


def issues(page) -> list[list[str]]:
    return page.table_rows("table.issues")


async def nothing_stored():
    assert await HourRecord.count() == 0 and await Milestone.count() == 0 and await DomainEvent.count() == 0


async def test_upload_preview_and_commit_with_the_same_events_as_typed_in(client, world):
    await client.login(world.users["school"])
    amina, tesfay = await bsn(world.people["amina"]), await bsn(world.people["tesfay"])
    page = await upload(
        client,
        csv_file(
            f"{amina};Haddad;{START};{END};36,75;1,5;;Ziek;",
            f"{tesfay};Berhane;{START};{END};40;;2;zonder bericht;te laat",
        ),
    )
    assert page.status == 200 and page.h1() == "Upload: oktober.csv"
    assert "Gecontroleerd, nog niet opgeslagen" in page.text
    t = totals(page)
    assert (t["Regels"], t["Personen"], t["Nieuw"], t["Met een fout"]) == ("2", "2", "2", "0")
    assert t["Uren (aanwezig en verzuim)"] == "80,25"
    assert page.doc.select_one("p.by-kind").get_text(" ", strip=True) == "Per soort uren: Taal en KNM 80,25 uur."
    assert [r[1] for r in page.table_rows("table.new")] == ["Haddad, Amina", "Berhane, Tesfay"]
    assert await HourRecord.count() == 0  # the preview stores nothing
    page = await commit(client, page)
    assert "Opgeslagen op" in page.text
    records = await HourRecord.select().order_by(HourRecord.id)
    assert [
        (r["attended_minutes"], r["geoorloofd_minutes"], r["ongeoorloofd_minutes"], r["verzuim_reden"]) for r in records
    ] == [(2205, 90, 0, "ziek"), (2400, 0, 120, "zonder_bericht")]
    assert {r["source"] for r in records} == {"upload"} and all(r["upload_batch"] for r in records)
    events = await DomainEvent.select().order_by(DomainEvent.id)
    assert [e["kind"] for e in events] == ["hours.reported", "hours.reported"]
    payload = json.loads(events[0]["payload"])
    assert payload["record_id"] == records[0]["id"] and payload["attended_minutes"] == 2205
    assert set(payload) >= {
        "record_id",
        "enrollment_id",
        "organisation_id",
        "component",
        "kind",
        "period_start",
        "period_end",
        "geoorloofd_minutes",
        "ongeoorloofd_minutes",
        "supersedes",
        "source",
    }
    logged = await AuditEvent.select().where(AuditEvent.action == "upload.stored").order_by(AuditEvent.inburgeraar)
    assert [a["inburgeraar"] for a in logged] == [world.people["amina"], world.people["tesfay"]]
    assert f"hours.reported hour_record {records[0]['id']} (regel 2)" in logged[0]["detail"]
    assert "upload.committed" in [a["action"] for a in await AuditEvent.select(AuditEvent.action)]
    listing = await client.get("/portaal/uploads")
    assert listing.table_rows("table.uploads")[0][3] == "Opgeslagen"
    # the municipal inbox takes these events as it takes typed-in ones
    from municipal.inbox import services as inbox

    assert await inbox.process_pending() == 2
    assert all(e["processed_at"] and not e["last_error"] for e in await DomainEvent.select())


async def test_a_correction_shows_old_and_new_and_keeps_history(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    await commit(client, await upload(client, csv_file(f"{amina};Haddad;{START};{END};36,75;;;;")))
    page = await upload(client, csv_file(f"{amina};Haddad;{START};{END};40;1,5;;Ziek;"), "oktober-v2.csv")
    assert totals(page)["Correcties"] == "1"
    row = issues(page)[0]
    assert row[0] == "2" and "aanwezig 36,75 → 40 uur" in row[3] and "reden geen → Ziek" in row[3]
    await commit(client, page)
    current = await HourRecord.select().where(HourRecord.superseded_by.is_null())
    old = await HourRecord.select().where(HourRecord.superseded_by.is_not_null()).first()
    assert [r["attended_minutes"] for r in current] == [2400] and old["superseded_by"] == current[0]["id"]
    kinds = [e["kind"] for e in await DomainEvent.select(DomainEvent.kind).order_by(DomainEvent.id)]
    assert kinds == ["hours.reported", "hours.corrected"]
    assert (
        json.loads((await DomainEvent.select().order_by(DomainEvent.id, ascending=False).first())["payload"])[
            "supersedes"
        ]
        == old["id"]
    )


async def test_the_same_file_twice_changes_nothing(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    content = csv_file(f"{amina};Haddad;{START};{END};36,75;;;;")
    await commit(client, await upload(client, content))
    counts = (await HourRecord.count(), await DomainEvent.count(), await UploadBatch.count())
    page = await upload(client, content, "nog-eens.csv")
    assert "al eerder ingestuurd en opgeslagen. Er is niets veranderd." in page.notice()
    assert (await HourRecord.count(), await DomainEvent.count(), await UploadBatch.count()) == counts
    # the same rows in another file are recognised row by row: unchanged, nothing to store
    page = await upload(client, content.replace(b"\r\n", b"\n"), "zelfde-regels.csv")
    assert totals(page)["Al zo gemeld (verandert niets)"] == "1" and page.doc.select_one("form.commit") is None
    assert "Er is niets nieuws om op te slaan" in page.text


async def test_typed_in_and_uploaded_reports_are_one_history(client, world):
    """A typed-in report of the same period is corrected by the upload; an overlapping one is refused."""
    await client.login(world.users["school"])
    await client.submit(
        f"/portaal/inburgeraars/{world.people['amina']}",
        "#uren form",
        {
            "enrollment": str(world.enrollments["amina_taal"]),
            "kind": "taal_knm",
            "period_start": MONTH.start.isoformat(),
            "period_end": MONTH.end.isoformat(),
            "attended": "10",
        },
    )
    amina = await bsn(world.people["amina"])
    mid = MONTH.start + timedelta(days=10)
    page = await upload(
        client, csv_file(f"{amina};Haddad;{START};{END};12;;;;", f"{amina};Haddad;{mid:%d-%m-%Y};{END};3;;;;")
    )
    rows = issues(page)
    assert any("overlapt met regel 2 in dit bestand" in r[3] for r in rows)
    page = await upload(client, csv_file(f"{amina};Haddad;{START};{END};12;;;;"), "alleen-correctie.csv")
    assert totals(page)["Correcties"] == "1"
    page = await upload(client, csv_file(f"{amina};Haddad;{mid:%d-%m-%Y};{END};3;;;;"), "overlap.csv")
    assert "overlapt met een eerdere melding" in issues(page)[0][3] and issues(page)[0][1] == "Periode van"


async def test_the_schools_own_export_after_one_mapping(client, world):
    """The example file as the school's system writes it: Windows-1252, ';', its own column names and reasons."""
    text = EXAMPLE.read_bytes().decode("cp1252")
    lines = text.split("\r\n")
    # Put our people's BSNs in the first three rows (the file's own BSNs are of fictional people).
    people = [await bsn(world.people[k]) for k in ("amina", "tesfay", "gezin")]
    for i, number in enumerate(people, start=1):
        cells = lines[i].split(";")
        cells[1] = number
        cells[5], cells[6] = START, END
        lines[i] = ";".join(cells)
    content = "\r\n".join(lines).encode("cp1252")
    await client.login(world.users["school"])
    page = await upload(client, content, "maandrapportage-taalschool-oktober-2026.csv")
    assert "Cursistnummer" in page.text and "Groep" in page.text  # columns we leave alone, named
    assert "Huisartsbezoek" in page.text  # a word we do not know yet
    mapping = await client.get(page.doc.find("a", string="Koppel ze één keer aan onze lijst")["href"])
    form = {s["name"]: "" for s in mapping.doc.select("form.mapping select")}
    for select in mapping.doc.select("form.mapping select"):
        chosen = select.find("option", selected=True)
        form[select["name"]] = chosen["value"] if chosen else ""
    labels = {lab["for"]: lab.get_text(strip=True) for lab in mapping.doc.select("form.mapping label")}
    for name, text in labels.items():
        if text == "Huisartsbezoek":
            form[name] = "medisch"
        if text == "Afspraak IND":
            form[name] = "instantie"
    url = mapping.doc.select_one("form.mapping")["action"]
    page = await client.post(url, form, follow_redirects=True)
    await batches.wait_for_background()
    page = await client.get(str(page.response.url))
    rows = issues(page)
    assert "Huisartsbezoek" not in " ".join(r[3] for r in rows)
    # Rows 2-4 are ours: amina and tesfay stored; the gezinsmigrant's language hours refused as typed in.
    assert any(r[0] == "4" and "rechtstreeks aan DUO" in r[3] for r in rows)
    assert sum("hoort niet bij iemand die nu bij uw organisatie" in r[3] for r in rows) == 9
    await commit(client, page)
    stored = await HourRecord.select().order_by(HourRecord.id)
    assert [r["verzuim_reden"] for r in stored] == ["werk", "werk"]
    # next month the same export needs no mapping: the words are remembered
    assert await ColumnMapping.count() == 1
    page = await upload(client, content.replace(b"Werk", b"Huisartsbezoek"), "november.csv")
    assert "Koppel ze één keer" not in page.text and totals(page)["Correcties"] == "2"


async def test_xlsx_with_sheets_dates_and_decimals(client, world):
    amina = await bsn(world.people["amina"])
    book = openpyxl.Workbook()
    book.active.title = "Toelichting"
    book.active.append(["Dit blad is uitleg"])
    ws = book.create_sheet("Oktober")
    ws.append(["BSN", "Periode van", "Periode tot en met", "Aanwezig (uren)", "Geoorloofd verzuim (uren)", "Reden"])
    ws.append([int(amina), MONTH.start, MONTH.end, 36.75, "1½", "ziek"])
    out = io.BytesIO()
    book.save(out)
    await client.login(world.users["school"])
    page = await upload(client, out.getvalue(), "oktober.xlsx")
    assert "alleen een kopregel" in page.text and "werkblad 'Toelichting'" in page.text  # the explanation sheet
    page = await client.submit(
        str(page.response.url), "form[action$='/werkblad']", {"werkblad": "Oktober"}, follow_redirects=True
    )
    await batches.wait_for_background()
    page = await client.get(str(page.response.url))
    assert totals(page)["Nieuw"] == "1"
    page = await commit(client, page)
    record = await HourRecord.select().first()
    assert (record["attended_minutes"], record["geoorloofd_minutes"]) == (2205, 90)


@pytest.mark.parametrize("encoding,sep", [("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", ","), ("utf-8", "\t")])
async def test_csv_as_dutch_spreadsheets_write_it(client, world, encoding, sep):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    hours = '"7,5"' if sep == "," else "7,5"
    content = csv_file(
        sep.join([amina, "Müller-Zeïnab", START, END, hours, "", "", "", "Één keer"]),
        header=HEADER.replace(";", sep),
        encoding=encoding,
    )
    page = await upload(client, content)
    assert totals(page)["Nieuw"] == "1", page.errors()
    await commit(client, page)
    assert (await HourRecord.select().first())["toelichting"] == "Één keer"


async def test_ods(client, world):
    from tests.unit.test_tabular import ods_file

    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await upload(
        client,
        ods_file([["BSN", "Periode van", "Periode tot en met", "Aanwezig (uren)"], [int(amina), START, END, 7.5]]),
        "oktober.ods",
    )
    assert totals(page)["Nieuw"] == "1", page.errors()
    await commit(client, page)
    assert (await HourRecord.select().first())["attended_minutes"] == 450


async def test_template_downloads(client, world):
    await client.login(world.users["school"])
    r = await client.http.get("/portaal/uploads/sjabloon.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["Rapportage", "Uitleg"]
    assert [c.value for c in book["Rapportage"][1]][:4] == ["BSN", "Achternaam", "Voornamen", "Periode van"]
    assert "Reden verzuim" in [c.value for c in book["Uitleg"]["A"]]
    r = await client.http.get("/portaal/uploads/sjabloon.csv")
    assert r.content.startswith(b"\xef\xbb\xbfBSN;") and "attachment" in r.headers["content-disposition"]
    # the template, filled in, is read as is
    amina = await bsn(world.people["amina"])
    ws = book["Rapportage"]
    ws.append([amina, "Haddad", "Amina", START, END, "Taal en KNM", "12", "", "", "", "", "", "", "", ""])
    out = io.BytesIO()
    book.save(out)
    page = await upload(client, out.getvalue(), "sjabloon-ingevuld.xlsx")
    assert totals(page)["Nieuw"] == "1"


async def test_completions_in_a_file(client, world):
    await client.login(world.users["pvt"])
    amina, gezin = await bsn(world.people["amina"]), await bsn(world.people["gezin"])
    day = clock.today() - timedelta(days=3)
    header = "BSN;Afronding;Datum afronding;Verwijtbaar;Toelichting"
    page = await upload(
        client,
        csv_file(f"{amina};PVT ondertekend;{day:%d-%m-%Y};;", f"{gezin};niet voltooid;{day:%d-%m-%Y};;", header=header),
    )
    rows = issues(page)
    assert rows[0][0] == "3" and "verwijtbaar" in rows[0][3]
    await commit(client, page)
    m = await Milestone.select().first()
    assert (m["kind"], m["event_date"], m["source"]) == ("pvt_ondertekening", day, "upload")
    assert [e["kind"] for e in await DomainEvent.select(DomainEvent.kind)] == ["milestone.reported"]


# --- Bad input: a clear Dutch message, and nothing stored ---------------------------------------------------

BAD_FILES = [
    (b"", "leeg.csv", "Het bestand is leeg."),
    (csv_file(), "alleen-kop.csv", "alleen een kopregel"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "foto.csv", "afbeelding (PNG)"),
    (b"%PDF-1.4\n" + b"x" * 200, "brief.csv", "PDF"),
    ("BSN;Aanwezig\nZeïnab;1\n".encode() + "Hélène;2\n".encode("cp1252"), "gemengd.csv", "twee tekensets"),
    (b"BSN;Periode van;BSN\n1;2;3\n", "dubbel.csv", "staat twee keer in de kopregel"),
]


@pytest.mark.parametrize("content,filename,message", BAD_FILES, ids=[b[1] for b in BAD_FILES])
async def test_unreadable_files_are_refused_by_name(client, world, content, filename, message):
    await client.login(world.users["school"])
    page = await upload(client, content, filename)
    if page.status == 422:  # refused before anything was kept
        assert message in " ".join(page.errors())
    else:
        assert "Niet gelezen" in page.text and message in " ".join(page.errors()), page.errors()
        assert page.doc.select_one("form.commit") is None
    await nothing_stored()


async def test_zip_bomb_and_a_million_empty_rows(client, world):
    from tests.unit.test_tabular import _xlsx_with_sheet_xml

    await client.login(world.users["school"])
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    bomb = _xlsx_with_sheet_xml(head + b" " * (60 * 1024 * 1024) + b"<sheetData/></worksheet>")
    page = await upload(client, bomb, "bom.xlsx")
    assert "zip-bom" in " ".join(page.errors())
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>BSN</t></is></c></row>'
    rows += b"".join(b'<row r="%d"><c r="A%d" s="0"/></row>' % (n, n) for n in range(2, 1_000_002))
    page = await upload(
        client, _xlsx_with_sheet_xml(head + b"<sheetData>" + rows + b"</sheetData></worksheet>"), "leeg.xlsx"
    )
    assert "lege regels" in " ".join(page.errors())
    await nothing_stored()


async def test_too_large_a_file(client, world, monkeypatch):
    monkeypatch.setattr(files, "LIMITS", files.Limits(max_bytes=1024, max_rows=10))
    await client.login(world.users["school"])
    page = await upload(client, csv_file(*["123456782;x;01-01-2026;31-01-2026;1;;;;"] * 40))
    assert page.status == 422 and "Het bestand is groter dan 1 kB" in " ".join(page.errors())
    monkeypatch.setattr(files, "LIMITS", files.Limits(max_rows=3))
    page = await upload(client, csv_file(*[f"12345678{i};x;01-01-2026;31-01-2026;1;;;;" for i in range(4)]))
    assert "meer dan 3 regels" in " ".join(page.errors())
    assert await UploadBatch.count() == 1 and await UploadIssue.count() == 0
    await nothing_stored()


async def test_bad_rows_each_get_row_column_and_a_dutch_explanation(client, world):
    await client.login(world.users["school"])
    amina, gezin = await bsn(world.people["amina"]), await bsn(world.people["gezin"])
    omar = await bsn(world.people["omar"])  # enrolled elsewhere, not at the school
    stranger = "999999990"  # passes the elfproef, nobody has it
    future = clock.today() + timedelta(days=40)
    rows = [
        f"{amina};A;31-02-2026;{END};7;;;;",  # 2 a date that does not exist
        f"{amina};A;{START};{END};-7;;;;",  # 3 negative hours
        f"{amina};A;{START};{END};7,1;;;;",  # 4 not in quarter hours
        f"{amina};A;{START};{END};1.000;;;;",  # 5 ambiguous thousands
        f"{amina};A;{START};{END};7;2;;vakantie;",  # 6 reason not on the list
        f"{amina};A;{START};{END};7;2;;;",  # 7 verzuim without a reason
        f"{amina};A;{START};{END};=3+4;;;;",  # 8 a formula
        f"{gezin};K;{START};{END};7;;;;",  # 9 gezinsmigrant language hours
        f"{omar};D;{START};{END};7;;;;",  # 10 another organisation's person
        f"{stranger};X;{START};{END};7;;;;",  # 11 somebody unknown
        f"123456789;X;{START};{END};7;;;;",  # 12 fails the elfproef
        f"{amina};A;{MONTH.start:%d-%m-%Y};{future:%d-%m-%Y};7;;;;",  # 13 period not over
        f"{amina};A;01-01-2000;31-01-2000;7;;;;",  # 14 before the enrollment
        f"{amina};A;{START};{END};800;;;;",  # 15 more than the period holds
        f"{amina};A;{START};{END};7;;;;;extra;meer",  # 16 too many fields
        f"{amina};A;{START}",  # 17 too few fields
    ]
    page = await upload(client, csv_file(*rows))
    found = {int(r[0]): (r[1], r[3]) for r in issues(page)}
    expect = {
        2: ("Periode van", "bestaat niet als datum"),
        3: ("Aanwezig (uren)", "negatief"),
        4: ("Aanwezig (uren)", "kwartieren"),
        5: ("Aanwezig (uren)", "niet eenduidig"),
        6: ("Reden verzuim", "staat niet in de lijst"),
        7: ("Reden verzuim", "Kies een reden"),
        8: ("Aanwezig (uren)", "formule"),
        9: ("Achternaam", "rechtstreeks aan DUO"),
        10: ("BSN", "hoort niet bij iemand"),
        11: ("BSN", "hoort niet bij iemand"),
        12: ("BSN", "elfproef"),
        13: ("Periode tot en met", "toekomst"),
        14: ("Periode van", "vóór de inschrijving"),
        15: ("Aanwezig (uren)", "past niet"),
        16: ("", "velden, de kopregel 9"),
        17: ("", "velden, de kopregel 9"),
    }
    for row, (column, text) in expect.items():
        assert row in found, (row, found)
        if row != 9:
            assert found[row][0] == column, (row, found[row])
        assert text in found[row][1], (row, found[row])
    # another organisation's person and an unknown BSN get the same words: the answer reveals nothing
    assert found[10][1] == found[11][1]
    assert totals(page)["Met een fout"] == str(len(rows)) and page.doc.select_one("form.commit") is None
    await nothing_stored()


async def test_duplicates_inside_the_file(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await upload(client, csv_file(f"{amina};A;{START};{END};7;;;;", f"{amina};A;{START};{END};8;;;;"))
    found = {r[0]: r[3] for r in issues(page)}
    assert "regel 3" in found["2"] and "regel 2" in found["3"] and "Dubbel" in found["2"]
    await nothing_stored()


async def test_hours_written_three_ways_mean_the_same(client, world):
    await client.login(world.users["school"])
    people = [world.people["amina"], world.people["tesfay"]]
    extra = await make_person(world.gemeente, voornamen="Derde", achternaam="Persoon")
    await make_enrollment(extra, world.school, "taal")
    people.append(extra)
    numbers = [await bsn(p) for p in people]
    page = await upload(
        client,
        csv_file(*[f"{n};X;{START};{END};{h};;;;" for n, h in zip(numbers, ['"7.5"', "7,5", "7½"], strict=True)]),
    )
    assert totals(page)["Nieuw"] == "3"
    await commit(client, page)
    assert {r["attended_minutes"] for r in await HourRecord.select(HourRecord.attended_minutes)} == {450}


async def test_error_rows_download_with_a_reason_and_no_live_formula(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await upload(
        client,
        csv_file(
            f"{amina};A;{START};{END};7;;;;",
            f'{amina};=HYPERLINK("http://x");{START};{END};-3;;;;',
            f"{amina};@SUM(A1);31-02-2026;{END};2;;;;",
        ),
    )
    link = page.doc.find("a", string="CSV")["href"]
    r = await client.http.get(link)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].endswith(";Wat is er mis") and len(lines) == 3
    assert "'=HYPERLINK" in lines[1] and ";-3;" in lines[1] and "negatief" in lines[1]  # -3 is a number
    assert "'@SUM(A1)" in lines[2] and "bestaat niet als datum" in lines[2]
    r = await client.http.get(link.replace(".csv", ".xlsx"))
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    values = [c.value for c in ws[2]]
    assert '\'=HYPERLINK("http://x")' in values and all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    # fixed and sent back, the file is read like any other (our escape undone)
    fixed = text.replace("-3", "3").replace("31-02-2026", START)
    page = await upload(client, fixed.encode("utf-8-sig"), "fouten-verbeterd.csv")
    assert (totals(page)["Nieuw"], totals(page)["Met een fout"]) == ("0", "2")
    # still formulas (= and @ alike, OWASP's set): refused, each by name
    assert [(row[1], "formule" in row[3]) for row in issues(page)] == [("Achternaam", True), ("Achternaam", True)]


async def test_committing_skips_error_rows_and_stores_the_rest_at_once(client, world):
    await client.login(world.users["school"])
    amina, tesfay = await bsn(world.people["amina"]), await bsn(world.people["tesfay"])
    page = await upload(client, csv_file(f"{amina};A;{START};{END};7;;;;", f"{tesfay};B;{START};{END};-1;;;;"))
    assert "De regel met een fout slaan we niet op" in page.text
    page = await commit(client, page)
    assert await HourRecord.count() == 1 and "1 regel met een fout is niet opgeslagen" in page.text


async def test_commit_is_all_or_nothing(client, world, monkeypatch):
    await client.login(world.users["school"])
    amina, tesfay = await bsn(world.people["amina"]), await bsn(world.people["tesfay"])
    page = await upload(client, csv_file(f"{amina};A;{START};{END};7;;;;", f"{tesfay};B;{START};{END};8;;;;"))

    async def broken(*args, **kwargs):
        raise RuntimeError("de schijf is vol")

    monkeypatch.setattr(events, "emit_many", broken)  # fails after the records were written
    page = await commit(client, page)
    assert "Er is niets opgeslagen" in " ".join(page.errors())
    await nothing_stored()
    assert (await UploadBatch.select(UploadBatch.status).first())["status"] == "checked"


async def test_a_change_between_preview_and_commit_is_noticed(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await upload(client, csv_file(f"{amina};A;{START};{END};7;;;;"))
    await client.submit(
        f"/portaal/inburgeraars/{world.people['amina']}",
        "#uren form",
        {
            "enrollment": str(world.enrollments["amina_taal"]),
            "kind": "taal_knm",
            "period_start": MONTH.start.isoformat(),
            "period_end": MONTH.end.isoformat(),
            "attended": "9",
        },
    )
    page = await commit(client, page)
    assert "Sinds de controle is er iets veranderd" in " ".join(page.errors())
    assert totals(page)["Correcties"] == "1"
    assert await HourRecord.count() == 1


async def test_retention_purges_the_original_only(client, world):
    await client.login(world.users["beheer"])
    page = await client.submit("/beheer/bewaartermijn", "form[action='/beheer/bewaartermijn']", {"days": "3"})
    assert page.status == 422 and "tussen 7 en 3650" in page.field_error("days")
    page = await client.submit(
        "/beheer/bewaartermijn", "form[action='/beheer/bewaartermijn']", {"days": "30"}, follow_redirects=True
    )
    assert page.notice() == "De bewaartermijn is opgeslagen."
    assert (await Gemeente.select(Gemeente.upload_retention_days).where(Gemeente.id == world.gemeente).first())[
        "upload_retention_days"
    ] == 30
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await commit(client, await upload(client, csv_file(f"{amina};A;{START};{END};7;;;;")))
    batch = await UploadBatch.select().first()
    assert (
        batch["keep_until"] == batch["created_at"].date() + timedelta(days=30)
        or abs((batch["keep_until"] - clock.today()).days - 30) <= 1
    )
    assert await files.purge_files(clock.today() + timedelta(days=29)) == 0
    assert await files.purge_files(clock.today() + timedelta(days=32)) == 1
    assert await UploadFile.count() == 0 and await HourRecord.count() == 1
    page = await client.get(f"/portaal/uploads/{batch['id']}")
    assert "het origineel is verwijderd" in page.text


async def test_only_providers_upload_and_pages_are_their_own(client, world):
    await client.login(world.users["regisseur"])
    assert (await client.get("/portaal/uploads")).status == 404


async def test_purge_uploads_command(db, capsys):
    from regie import cli

    await cli.purge_uploads()
    assert "0 originele uploadbestanden verwijderd" in capsys.readouterr().out


async def test_progress_while_checking_and_a_stalled_check_is_resumed(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    content = csv_file(f"{amina};A;{START};{END};7;;;;")
    batch_id, _ = await receive(batches.api_actor(world.school, "x"), content, "groot.csv")
    await UploadBatch.update({UploadBatch.progress: 40, UploadBatch.heartbeat_at: clock.now()}).where(
        UploadBatch.id == batch_id
    )
    page = await client.get(f"/portaal/uploads/{batch_id}")
    status = page.doc.find(id="upload-status")
    assert "Wordt gecontroleerd" in status.h2.get_text() and page.doc.find("progress")["value"] == "40"
    assert status["hx-trigger"] == "load delay:1s" and status["hx-get"] == f"/portaal/uploads/{batch_id}"
    assert page.doc.select_one("noscript meta[http-equiv=refresh]") is not None  # without JavaScript too
    fragment = await client.get(f"/portaal/uploads/{batch_id}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="upload-status"' in fragment.text
    # the worker went away (a restart): the next look starts the check again
    await UploadBatch.update({UploadBatch.heartbeat_at: clock.now() - timedelta(minutes=5)}).where(
        UploadBatch.id == batch_id
    )
    await client.get(f"/portaal/uploads/{batch_id}")
    await batches.wait_for_background()
    page = await client.get(f"/portaal/uploads/{batch_id}")
    assert totals(page)["Nieuw"] == "1" and page.doc.find(id="upload-status").get("hx-trigger") is None
    # the same file again before it is stored: back to this upload, no second batch
    page = await upload(client, content, "groot-nog-eens.csv")
    assert "net al geüpload" in page.notice() and await UploadBatch.count() == 1


async def test_cancelling_stores_nothing(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await upload(client, csv_file(f"{amina};A;{START};{END};7;;;;"))
    url = page.doc.select_one("form[action$='/afbreken']")["action"]
    page = await client.post(url, follow_redirects=True)
    assert "afgebroken. Er is niets opgeslagen" in page.notice() and page.doc.select_one("form.commit") is None
    assert (await client.post(url.replace("afbreken", "opslaan"), follow_redirects=True)).status == 200
    await batches.wait_for_background()
    await nothing_stored()


async def test_a_stored_upload_stays_stored_when_mapping_or_sheet_changes(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    await commit(client, await upload(client, csv_file(f"{amina};A;{START};{END};7;;;;")))
    batch_id = (await UploadBatch.select(UploadBatch.id).first())["id"]
    mapping = await client.get(f"/portaal/uploads/{batch_id}/koppelen")
    form = {
        s["name"]: (s.find("option", selected=True) or {}).get("value", "")
        for s in mapping.doc.select("form.mapping select")
    }
    await client.post(f"/portaal/uploads/{batch_id}/koppelen", form)
    await client.post(f"/portaal/uploads/{batch_id}/werkblad", {"werkblad": "Blad2"})
    await batches.wait_for_background()
    assert (await UploadBatch.select(UploadBatch.status).first())["status"] == "committed"
    assert await ColumnMapping.count() == 1 and await HourRecord.count() == 1
