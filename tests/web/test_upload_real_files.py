"""Spreadsheets and exports as they really are (issue 9): Excel's "sep=;" line, Mac encodings and bare CR,
title rows above the header, hours as durations, dates and numbers the way spreadsheets keep them, clearer
refusals and formula-like text. Each fixture in tests/fixtures is one real failing input; the other tests
are other members of the same kind. Through the real app and database, both engines."""

import io
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest

from shared.tables import HourRecord, Milestone
from tests.support import FIXTURES
from tests.web.test_uploads import END, HEADER, START, bsn, commit, csv_file, issues, nothing_stored, totals, upload

pytestmark = pytest.mark.anyio

# The fixtures' made-up people; each test puts the BSN of a person in the test world in their place.
FIXTURE_BSNS = (b"123456782", b"123456794")


async def with_world_bsns(world, content: bytes, *names: str) -> bytes:
    for fake, name in zip(FIXTURE_BSNS, names, strict=False):
        content = content.replace(fake, (await bsn(world.people[name])).encode())
    return content


def header_row_text(page) -> str:
    found = page.doc.select_one("p.header-row")
    return found.get_text(" ", strip=True) if found else ""


# --- 1. Excel's separator line --------------------------------------------------------------------------


async def test_excel_sep_line_is_used_and_skipped(client, world):
    await client.login(world.users["school"])
    content = await with_world_bsns(world, (FIXTURES / "excel-sep-hint.csv").read_bytes(), "amina", "tesfay")
    page = await upload(client, content, "excel-sep-hint.csv")
    assert totals(page)["Nieuw"] == "2", page.errors()
    assert header_row_text(page) == "We lazen regel 2 als kopregel."
    await commit(client, page)
    rows = await HourRecord.select(HourRecord.attended_minutes, HourRecord.geoorloofd_minutes).order_by(HourRecord.id)
    assert [(r["attended_minutes"], r["geoorloofd_minutes"]) for r in rows] == [(2205, 0), (2400, 90)]


@pytest.mark.parametrize(
    "sep_line,sep",
    [("sep=,", ","), ("sep=\t", "\t"), ('"sep=;"', ";"), ("SEP=;", ";"), ("sep=\\t", "\t")],
    ids=["comma", "tab", "quoted", "upper", "backslash-t"],
)
async def test_every_sep_line_excel_writes(client, world, sep_line, sep):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    content = "\r\n".join([sep_line, HEADER.replace(";", sep), sep.join([amina, "X", START, END, "7", "", "", "", ""])])
    page = await upload(client, content.encode())
    assert totals(page)["Nieuw"] == "1", page.errors()


# --- 2. Encodings and line ends -------------------------------------------------------------------------


@pytest.mark.clock("2026-11-30T10:00")
async def test_mac_excel_csv_is_stored_as_written(client, world):
    await client.login(world.users["school"])
    content = (FIXTURES / "mac-excel-macroman-cr.csv").read_bytes()
    content = content.replace(b"232785533", (await bsn(world.people["amina"])).encode())
    page = await upload(client, content, "mac-excel-macroman-cr.csv")
    assert totals(page)["Nieuw"] == "1", page.errors()
    await commit(client, page)
    note = (await Milestone.select(Milestone.toelichting).first())["toelichting"]
    assert note == "Cursist is één keer te laat, daarna naar café-baan, Noël helpt"


@pytest.mark.parametrize(
    "encoding,line_end",
    [("mac_roman", "\r"), ("utf-16", "\r\n"), ("utf-16-le", "\r\n"), ("cp1252", "\n"), ("utf-8-sig", "\r")],
    ids=["macroman-cr", "utf16-bom", "utf16-no-bom", "windows1252-lf", "utf8-cr"],
)
async def test_other_encodings_and_line_ends_keep_the_letters(client, world, encoding, line_end):
    await client.login(world.users["school"])
    amina, tesfay = await bsn(world.people["amina"]), await bsn(world.people["tesfay"])
    sep = "\t" if encoding.startswith("utf-16") else ";"
    rows = [
        HEADER.replace(";", sep),
        sep.join([amina, "Zeïnab", START, END, "7,5", "", "", "", "één keer, café, Noël, Ça va"]),
        sep.join([tesfay, "Hélène", START, END, "8", "", "", "", "geen"]),
    ]
    page = await upload(client, (line_end.join(rows) + line_end).encode(encoding))
    assert totals(page)["Nieuw"] == "2", page.errors()
    await commit(client, page)
    notes = [r["toelichting"] for r in await HourRecord.select(HourRecord.toelichting).order_by(HourRecord.id)]
    assert notes == ["één keer, café, Noël, Ça va", "geen"]


@pytest.mark.parametrize("line_end", ["\r", "\n", "\r\n"], ids=["cr", "lf", "crlf"])
async def test_line_numbers_count_every_kind_of_line_end(client, world, line_end):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    good = f"{amina};X;{START};{END};7;;;;"
    # a file in two encodings: the first odd byte is on line 4
    content = (HEADER + line_end + good + line_end + "één" + line_end).encode() + "café".encode("cp1252")
    page = await upload(client, content)
    assert "regel 4" in " ".join(page.errors()), page.errors()
    # a row with a field too many is named by its own line
    page = await upload(client, line_end.join([HEADER, good, good + ";extra;meer"]).encode())
    assert issues(page)[0][0] == "3"
    await nothing_stored()


async def test_text_we_cannot_read_is_refused_not_stored_garbled(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    # an old DOS code page (cp850): neither Windows-1252 nor MacRoman reads its é and ë as letters in words
    content = f"{HEADER}\r\n{amina};X;{START};{END};7;;;;".encode() + "ÉLODIE ÜNAL, Hélène, één\r\n".encode("cp850")
    page = await upload(client, content)
    assert "CSV UTF-8" in " ".join(page.errors()), page.errors()
    await nothing_stored()


# --- 3. Title rows above the header ---------------------------------------------------------------------


def _xlsx(rows, merge: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER_CELLS = HEADER.split(";")


@pytest.mark.parametrize(
    "layout,expected_row",
    [("title", 2), ("title-blank", 3), ("two-titles-blank", 4), ("merged", 2)],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
async def test_title_rows_above_the_header(client, world, layout, expected_row, fmt):
    from tests.unit.test_tabular import ods_file

    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    title = "Maandrapportage taalschool oktober 2026"
    above = {
        "title": [[title]],
        "title-blank": [[title], []],
        "two-titles-blank": [[title], ["Locatie Utrecht"], []],
        "merged": [[title] + [None] * (len(HEADER_CELLS) - 1)],
    }[layout]
    rows = [*above, HEADER_CELLS, [int(amina), "X", START, END, 7.5, None, None, None, None]]
    if fmt == "csv":
        content = "\r\n".join(";".join("" if v is None else str(v) for v in r) for r in rows).encode() + b"\r\n"
        content = content.replace(b"7.5", b"7,5")
    elif fmt == "xlsx":
        content = _xlsx(rows, merge="A1:I1" if layout == "merged" else None)
    else:
        content = ods_file([[("" if v is None else v) for v in r] or [""] for r in rows])
    page = await upload(client, content, f"oktober.{fmt}")
    assert totals(page)["Nieuw"] == "1", page.errors()
    said = header_row_text(page)
    assert said.startswith(f"We lazen regel {expected_row} als kopregel.") and title in said
    await commit(client, page)
    assert (await HourRecord.select(HourRecord.attended_minutes).first())["attended_minutes"] == 450


async def test_the_mapping_page_says_which_row_is_the_header(client, world):
    await client.login(world.users["school"])
    content = b"Export leerlingvolgsysteem\r\n\r\nNummer;Naam;Van;Tot;Uren\r\n1;X;01-10-2026;31-10-2026;7\r\n"
    page = await upload(client, content)
    assert "Kolommen koppelen" in page.text
    assert header_row_text(page).startswith("We lazen regel 3 als kopregel.")
    batch_id = str(page.response.url).rstrip("/").split("/")[-1]
    mapping = await client.get(f"/portaal/uploads/{batch_id}/koppelen")
    assert header_row_text(mapping).startswith("We lazen regel 3 als kopregel.")
    assert [label.get_text() for label in mapping.doc.select("form.mapping td label")] == [
        "Nummer",
        "Naam",
        "Van",
        "Tot",
        "Uren",
    ]


# --- 4 and 5. Hours as durations; numbers and dates whatever the cell format ----------------------------


async def test_hours_as_excel_durations(client, world):
    await client.login(world.users["school"])
    content = (FIXTURES / "hours-as-excel-durations.xlsx").read_bytes()
    # the fixture's BSNs are stored as numbers in the sheet: put the world's people in their place
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book.active
    ws["A2"].value, ws["A3"].value = int(await bsn(world.people["amina"])), int(await bsn(world.people["tesfay"]))
    out = io.BytesIO()
    book.save(out)
    page = await upload(client, out.getvalue(), "hours-as-excel-durations.xlsx")
    assert totals(page)["Nieuw"] == "2", page.errors()
    await commit(client, page)
    rows = await HourRecord.select(HourRecord.attended_minutes, HourRecord.geoorloofd_minutes).order_by(HourRecord.id)
    assert [(r["attended_minutes"], r["geoorloofd_minutes"]) for r in rows] == [(36 * 60 + 45, 0), (450, 90)]


async def test_the_same_values_from_csv_xlsx_and_ods_whatever_the_cell_format(client, world):
    from tests.unit.test_tabular import ods_file

    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    serial1, serial31 = (oct1 - date(1899, 12, 30)).days, (oct31 - date(1899, 12, 30)).days
    header = ["BSN", "Periode van", "Periode tot en met", "Aanwezig (uren)", "Geoorloofd verzuim (uren)", "Reden"]
    variants = {
        "csv-text": ("csv", [amina, "01-10-2026", "31-10-2026", "36:45:00", "1,5"]),
        "csv-bi-export": ("csv", [amina, "2026-10-01 00:00:00", "2026-10-31 00:00:00", "36.75", "1.50"]),
        "csv-serials": ("csv", [amina, str(serial1), str(serial31), "36,75", "1:30"]),
        "xlsx-dates-floats": ("xlsx", [int(amina), datetime(2026, 10, 1), oct31, 36.75, 1.5]),
        "xlsx-serials-durations": (
            "xlsx",
            [float(amina), serial1, float(serial31), timedelta(hours=36.75), time(1, 30)],
        ),
        "xlsx-text": ("xlsx", [amina, "1-10-2026", "31-10-2026", "36,75", "1½"]),
        "ods-text": ("ods", [amina, "01-10-2026", "31-10-2026", "36,75", "1,5"]),
        "ods-numbers": ("ods", [int(amina), serial1, serial31, 36.75, 1.5]),
    }
    for name, (fmt, row) in variants.items():
        row = [*row, "Ziek"]
        if fmt == "csv":
            content = ("\r\n".join([";".join(header), ";".join(row)]) + "\r\n").encode()
        elif fmt == "xlsx":
            content = _xlsx([header, row])
        else:
            content = ods_file([header, row])
        page = await upload(client, content, f"{name}.{fmt}")
        assert totals(page)["Nieuw"] == "1", (name, page.errors(), issues(page))
        rows = page.table_rows("table.new")
        assert "01-10-2026 t/m 31-10-2026: aanwezig 36,75, verzuim 1,5 uur" in rows[0][2], (name, rows)


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("7:30:15", "'7:30:15' heeft seconden"),
        ("7:20", "'7:20' is geen heel aantal kwartieren"),
        ("zeven", "Schrijf bijvoorbeeld 7,5 of 7:30"),
        ("01-10-2026", "is geen aantal uren"),
    ],
)
async def test_an_unreadable_hours_cell_says_what_it_saw_and_what_it_expects(client, world, cell, expected):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await upload(client, csv_file(f"{amina};X;{START};{END};{cell};;;;"))
    assert expected in issues(page)[0][3], issues(page)


async def test_a_date_in_an_hours_cell_and_a_time_in_a_date_cell_are_named(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    header = ["BSN", "Periode van", "Periode tot en met", "Aanwezig (uren)"]
    page = await upload(client, _xlsx([header, [int(amina), time(7, 30), date(2026, 10, 31), datetime(2026, 10, 1)]]))
    found = " ".join(row[3] for row in issues(page))
    assert "'07:30:00' is een tijd, geen datum" in found
    assert "'01-10-2026' is een datum, geen aantal uren" in found


# --- 6. Clearer refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 9])
@pytest.mark.parametrize("size", [64, 700, 5000])
async def test_random_bytes_are_no_readable_file(client, world, seed, size):
    import random

    await client.login(world.users["school"])
    content = random.Random(seed).randbytes(size)
    page = await upload(client, content, "export.csv")
    said = " ".join(page.errors())
    assert "alleen een kopregel" not in said
    assert "geen leesbaar CSV- of Excel-bestand" in said or "tekens die geen tekst" in said, said
    await nothing_stored()


async def test_an_empty_first_sheet_the_sheet_with_data_is_read_and_named(client, world):
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    book = openpyxl.Workbook()
    book.active.title = "Blad1"
    ws = book.create_sheet("Blad2")
    ws.append(HEADER_CELLS)
    ws.append([int(amina), "X", START, END, 7.5])
    out = io.BytesIO()
    book.save(out)
    page = await upload(client, out.getvalue(), "oktober.xlsx")
    assert totals(page)["Nieuw"] == "1", page.errors()
    note = page.doc.select_one("#upload-status p.notice").get_text(" ", strip=True)
    assert note.startswith("Werkblad 'Blad1' is leeg; we lezen werkblad 'Blad2'.")
    assert "werkblad 'Blad2'" in page.text  # the facts of the upload name the sheet read


async def test_a_workbook_with_only_empty_sheets_says_so(client, world):
    await client.login(world.users["school"])
    book = openpyxl.Workbook()
    book.create_sheet("Blad2")
    out = io.BytesIO()
    book.save(out)
    page = await upload(client, out.getvalue(), "leeg.xlsx")
    assert "geen kopregel en geen gegevens in de werkbladen" in " ".join(page.errors()), page.errors()


# --- 6. Broken JSON on the API, and 8. multipart as clients send it --------------------------------------


@pytest.mark.parametrize(
    "body,named",
    [
        ('{"regels": [{"bsn": "1"', "afgebroken"),
        ('{"regels": []} {"regels": []}', "Na het einde van de JSON staat nog iets (bij byte"),
        ('{"regels": []}\nxyz', "Na het einde van de JSON staat nog iets"),
        ('[{"bsn": "1"}]', "De JSON is een lijst, geen object"),
        ('"regels"', "De JSON is tekst, geen object"),
        ("42", "De JSON is een getal, geen object"),
        ("null", "De JSON is null, geen object"),
        ('{"regels": [],}', "een komma te veel"),
        ("{'regels': []}", "dubbele aanhalingstekens"),
    ],
    ids=["truncated", "two-objects", "trailing-garbage", "array", "string", "number", "null", "comma", "quotes"],
)
async def test_broken_json_is_a_400_that_names_the_problem(client, world, body, named):
    from tests.web.test_api import PROBLEM, auth, new_token

    token = await new_token(client, world)
    r = await client.http.post(
        "/api/v1/maandrapportage", content=body, headers={**auth(token), "Content-Type": "application/json"}
    )
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == 400 and problem["title"] and named in problem["detail"], problem
    assert "Probeer het opnieuw" not in problem["detail"]


def _report_csv(amina: str) -> bytes:
    return f"{HEADER}\r\n{amina};X;{START};{END};7,5;;;;\r\n".encode()


@pytest.mark.parametrize("field", ["bestand", "file", "upload", "data", "rapportage-oktober"])
async def test_the_ways_clients_name_a_file_part_are_accepted(client, world, field):
    from tests.web.test_api import auth, new_token

    token = await new_token(client, world)
    amina = await bsn(world.people["amina"])
    r = await client.http.post(
        "/api/v1/maandrapportage/bestand",
        headers=auth(token),
        files={field: ("oktober.csv", _report_csv(amina), "text/csv")},
        data={"proef": "true"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "proef" and r.json()["nieuw"] == 1


@pytest.mark.parametrize(
    "send,field,named",
    [
        ("text-field", "bestand", "als tekstveld meegestuurd"),
        ("no-filename", "bestand", "als tekstveld meegestuurd"),
        ("text-as-file", "file", "als tekstveld meegestuurd"),
        ("two-files", "bestand", "we weten niet welk de rapportage is"),
        ("nothing", "bestand", "er is geen bestand meegestuurd"),
    ],
)
async def test_a_part_that_is_no_file_gets_a_message_that_says_so(client, world, send, field, named):
    from tests.web.test_api import PROBLEM, auth, new_token

    token = await new_token(client, world)
    content = _report_csv(await bsn(world.people["amina"]))
    kwargs = {
        "text-field": {"data": {"bestand": content.decode(), "proef": "true"}, "files": {"x": ("", b"", "")}},
        "no-filename": {"files": {"bestand": (None, content, "text/csv")}, "data": {"proef": "true"}},
        "text-as-file": {"data": {"file": content.decode(), "proef": "true"}, "files": {"x": ("", b"", "")}},
        "two-files": {"files": [("a", ("a.csv", content, "text/csv")), ("b", ("b.csv", content, "text/csv"))]},
        "nothing": {"data": {"proef": "true"}, "files": {"x": ("", b"", "")}},
    }[send]
    r = await client.http.post("/api/v1/maandrapportage/bestand", headers=auth(token), **kwargs)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    problem = r.json()
    assert problem["errors"][0]["veld"] == field and named in problem["errors"][0]["detail"], problem
    assert "Probeer het opnieuw" not in problem["detail"]
    await nothing_stored()


# --- 7. Formula-like text ------------------------------------------------------------------------------

FORMULAS = ["=1+2", "+31 6 1234", "-2+3", "@SUM(A1)", "- ziek gemeld", '=HYPERLINK("http://x")']


async def test_formula_like_text_is_refused_in_every_file_and_a_negative_number_is_a_number(client, world):
    from tests.unit.test_tabular import ods_file

    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    for fmt in ("csv", "xlsx", "ods"):
        rows = [HEADER_CELLS] + [[amina, "X", START, END, "7", None, None, None, text] for text in FORMULAS]
        rows.append([amina, "X", START, END, "-3", None, None, None, "negatief"])
        if fmt == "csv":
            content = "\r\n".join(";".join('"' + (v or "").replace('"', '""') + '"' for v in r) for r in rows).encode()
        elif fmt == "xlsx":
            content = _xlsx(rows)
        else:
            content = ods_file([[v or "" for v in r] for r in rows])
        page = await upload(client, content, f"formules.{fmt}")
        found = issues(page)
        assert [row[0] for row in found] == [str(n) for n in range(2, 2 + len(FORMULAS) + 1)], (fmt, found)
        for row in found[: len(FORMULAS)]:
            assert row[1] == "Toelichting" and ("formule" in row[3]), (fmt, row)
        assert "negatief" in found[-1][3] and found[-1][1] == "Aanwezig (uren)"  # -3 read as a number
    await nothing_stored()


async def test_formula_like_text_is_refused_on_the_api_and_the_forms(client, world):
    from tests.web.test_api import dry, new_token
    from tests.web.test_portal import post_hours

    token = await new_token(client, world)
    amina = await bsn(world.people["amina"])
    rows = [
        {"bsn": amina, "period_start": START, "period_end": END, "attended": "7", "toelichting": text}
        for text in FORMULAS
    ]
    body = (await dry(client, token, rows)).json()
    assert body["fouten"] == len(FORMULAS)
    assert all("formule" in f["melding"] for f in body["foutmeldingen"]), body["foutmeldingen"]
    await client.login(world.users["school"])
    for text in ("@SUM(A1)", "- ziek gemeld", "=1+2"):
        page = await post_hours(client, world, toelichting=text)
        assert page.status == 422 and "formule" in page.field_error("toelichting"), page.errors()
    assert await HourRecord.count() == 0
    page = await post_hours(client, world, toelichting="ziek - later beter")
    assert page.status == 200 and await HourRecord.count() == 1
