"""The spreadsheet reader on its own: formats people send, and every way a file can be wrong."""

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from shared.tabular import (
    Column,
    Limits,
    TabularError,
    cell_is_formula,
    escape_cell,
    formula_problem,
    match_headers,
    normalise_header,
    open_table,
    sheet_names,
    write_csv,
    write_xlsx,
)
from tests.support import FIXTURES

EXAMPLE = FIXTURES / "maandrapportage-taalschool-oktober-2026.csv"


def read(data: bytes, **kw):
    with open_table(io.BytesIO(data), **kw) as table:
        return table, list(table.rows())


def refusal(data: bytes, **kw) -> str:
    with pytest.raises(TabularError) as e:
        read(data, **kw)
    return e.value.message


def xlsx(rows, title="Blad1", more_sheets=()):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for name in more_sheets:
        book.create_sheet(name).append(["alleen", "kop"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_schools_own_export_reads_as_is():
    table, rows = read(EXAMPLE.read_bytes())
    assert (table.format, table.encoding, table.delimiter) == ("csv", "cp1252", ";")
    assert table.header[:3] == ["Cursistnummer", "BSN", "Achternaam"]
    assert len(rows) == 12 and rows[0].number == 2
    assert rows[6].values[3] == "Zeïnab"  # Windows-1252 ï
    assert rows[8].values[3] == "Ay?e"  # already lost by the exporting system; kept as sent
    assert rows[1].values[8] == "1,5" and rows[-1].values[11] is None


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_separator_is_detected(sep):
    table, rows = read(f"BSN{sep}Uren\r\n123456782{sep}7\r\n".encode())
    assert table.delimiter == sep and rows[0].values == ["123456782", "7"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings(encoding):
    table, rows = read("Naam;Uren\nZeïnab Hélène;7,5\n".encode(encoding))
    assert table.header == ["Naam", "Uren"]
    assert rows[0].values == ["Zeïnab Hélène", "7,5"]


def test_quoted_fields_with_separator_and_newline():
    _, rows = read(b'BSN;Toelichting\n123456782;"ziek; later ""beter""\nweer terug"\n')
    assert rows[0].values[1] == 'ziek; later "beter"\nweer terug'


def test_mixed_encodings_are_refused_with_the_line():
    data = "Naam;Uren\nZeïnab;7\n".encode() + "Hélène;8\n".encode("cp1252")
    assert "twee tekensets door elkaar" in refusal(data) and "regel 3" in refusal(data)


def test_bytes_that_are_no_text_in_windows_1252():
    assert "geen tekst" in refusal(b"Naam;Uren\nab\x81c;7\n")


@pytest.mark.parametrize(
    "data,what",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "afbeelding (PNG)"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "afbeelding (JPEG)"),
        (b"%PDF-1.7\n" + b"x" * 100, "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "programma"),
        (b"abc\x00\x01\x02def", "geen tekst"),
        (bytes(range(1, 32)) * 10, "binair"),
    ],
)
def test_binaries_renamed_to_csv_are_refused_by_name(data, what):
    assert what in refusal(data, filename="rapport.csv")


def test_a_zip_that_is_not_a_spreadsheet():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.csv", "BSN;Uren\n")
    assert "ZIP-bestand" in refusal(buf.getvalue())


def test_empty_file_only_blank_lines_and_only_headers():
    assert refusal(b"") == "Het bestand is leeg."
    assert "alleen lege regels" in refusal(b"\r\n;;\r\n\r\n")
    assert "alleen een kopregel" in refusal(b"BSN;Uren\r\n")
    assert "alleen een kopregel" in refusal(xlsx([["BSN", "Uren"]]))


def test_a_header_used_twice():
    message = refusal(b"BSN;Uren;bsn \n1;2;3\n")
    assert "'bsn' staat twee keer in de kopregel" in message and "kolom A en C" in message


def test_rows_with_too_many_or_too_few_fields_carry_an_error():
    _, rows = read(b"BSN;Uren\n1;2;3\n4\n5;6;;\n")
    assert "3 velden, de kopregel 2" in rows[0].error
    assert "1 veld, de kopregel 2" in rows[1].error and rows[1].values == ["4", None]
    assert rows[2].error is None  # trailing empty fields, as Excel writes them


def test_size_row_and_empty_run_limits():
    assert "groter dan 1 MB" in refusal(b"a;b\n" + b"1;2\n" * 300_000, limits=Limits(max_bytes=1024 * 1024))
    assert "meer dan 5 regels" in refusal(b"a;b\n" + b"1;2\n" * 6, limits=Limits(max_rows=5))
    assert "lege regels" in refusal(b"a;b\n1;2\n" + b";\n" * 10_001 + b"3;4\n")


def test_xlsx_sheets_are_listed_and_chosen():
    data = xlsx(
        [["BSN", "Uren"], [123456782, 7.5], [None, None], [12345678.0, 8]], title="Oktober", more_sheets=["Leeg"]
    )
    assert sheet_names(io.BytesIO(data)) == ["Oktober", "Leeg"]
    table, rows = read(data)
    assert table.format == "xlsx" and table.sheet == "Oktober"
    assert [r.values for r in rows] == [[123456782, 7.5], [12345678, 8]]  # integral float → int
    assert [r.number for r in rows] == [2, 4]
    assert "alleen een kopregel" in refusal(data, sheet="Leeg")
    assert "bestaat niet" in refusal(data, sheet="Nergens")


def test_xlsx_dates_stay_dates_and_formulas_stay_text():
    data = xlsx([["Datum", "Uren"], [datetime(2026, 10, 31), "=3+4"]])
    _, rows = read(data)
    assert rows[0].values[0] == datetime(2026, 10, 31)
    assert rows[0].values[1] == "=3+4" and cell_is_formula(rows[0].values[1])


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return buf.getvalue()


def _xlsx_with_sheet_xml(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced."""
    with zipfile.ZipFile(io.BytesIO(xlsx([["a"]]))) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    return _zip(parts)


def test_zip_bomb_is_refused_before_parsing():
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    bomb = _xlsx_with_sheet_xml(head + b" " * (60 * 1024 * 1024) + b"<sheetData/></worksheet>")
    assert len(bomb) < 200_000
    assert "zip-bom" in refusal(bomb)


def test_a_million_empty_rows_are_refused():
    ns = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>BSN</t></is></c></row>'
    rows += b'<row r="2"><c r="A2"><v>123456782</v></c></row>'
    rows += b"".join(b'<row r="%d"><c r="A%d" s="0"/></row>' % (n, n) for n in range(3, 1_000_003))
    data = _xlsx_with_sheet_xml(ns + rows + b"</sheetData></worksheet>")
    assert "lege regels" in refusal(data)


def ods_file(rows: list[list]) -> bytes:
    """A minimal OpenDocument spreadsheet with one sheet 'Uren' (strings and floats)."""

    def cell(v):
        if isinstance(v, (int, float)):
            return (
                f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p>'
                "</table:table-cell>"
            )
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Uren">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    ).encode()
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": content,
            "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest '
            b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        }
    )


def test_ods_is_read():
    table, rows = read(ods_file([["BSN", "Uren"], [123456782, 7.5]]))
    assert (table.format, table.sheets, table.header) == ("ods", ["Uren"], ["BSN", "Uren"])
    assert rows[0].values == [123456782, 7.5]


def test_headers_match_case_space_and_alias_insensitive_and_saved_mapping_wins():
    columns = [
        Column("bsn", "BSN", ("Burgerservicenummer",), required=True),
        Column("attended", "Aanwezig (uren)", ("aanwezig",)),
        Column("period_end", "Periode tot en met", ("periode tot", "einddatum"), required=True),
    ]
    assert normalise_header("  Aanwezig (uren) ") == "aanwezig" == normalise_header("AANWEZIG")
    m = match_headers(["Sofinr", "Cursist", " aanwezig ", "Periode tot"], columns)
    assert m.positions == {"attended": 2, "period_end": 3} and m.unknown == [(0, "Sofinr"), (1, "Cursist")]
    assert [c.key for c in m.missing] == ["bsn"] and not m.ok
    m = match_headers(["Sofinr", "Cursist", "aanwezig", "Periode tot"], columns, saved={"sofinr": "bsn", "cursist": ""})
    assert m.ok and m.positions["bsn"] == 0 and m.ignored == [(1, "Cursist")]
    m = match_headers(["BSN", "Periode tot", "Einddatum"], columns)
    assert m.conflicts == [("period_end", ["Periode tot", "Einddatum"])] and not m.ok


@pytest.mark.parametrize(
    "text,refused",
    [
        ("=1+2", True),
        ("+31 6 1234", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("\r=1", True),
        ("- ziek gemeld", True),
        (" =1", True),
        ("-3", False),
        ("-7,5", False),
        ("+1.234,5", False),
        ("ziek - later beter", False),
        ("e-mail", False),
        (-3, False),
    ],
)
def test_the_owasp_formula_set_is_refused_on_input_and_a_negative_number_is_not(text, refused):
    assert (formula_problem(text) is not None) is refused


def test_exports_never_carry_a_live_formula():
    cells = ["=1+2", "+31 6 1234", "-3+4", "@SUM(A1)", "\t=1", "\r=1", "- ziek", "gewoon", 7, "-3", "-7,5", "+31"]
    assert [escape_cell(v) for v in cells] == [
        "'=1+2",
        "'+31 6 1234",
        "'-3+4",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "'- ziek",
        "gewoon",
        7,
        "-3",  # a negative number is a number, not a formula
        "-7,5",
        "+31",
    ]
    data = write_csv(["Uren", "Fout"], [['=HYPERLINK("http://x")', "-3"]])
    assert data.startswith(b"\xef\xbb\xbf") and b"'=HYPERLINK" in data and b"\r\n" in data
    book = write_xlsx([("Fouten", ["Uren"], [["=1+2"], [7]])])
    ws = openpyxl.load_workbook(io.BytesIO(book)).active
    assert ws["A2"].value == "'=1+2" and ws["A2"].data_type == "s" and ws["A3"].value == 7
    # and the escape is undone when the fixed file comes back
    _, rows = read(data)
    assert rows[0].values == ['=HYPERLINK("http://x")', "-3"]


def test_a_stored_instant_is_exported_in_dutch_time_a_sheets_own_time_as_written():
    from datetime import UTC, datetime

    data = write_csv(["Wanneer"], [[datetime(2026, 11, 30, 23, 30, tzinfo=UTC)], [datetime(2026, 11, 30, 23, 30)]])
    assert data.decode("utf-8-sig").splitlines()[1:] == ["01-12-2026 00:30", "30-11-2026 23:30"]


# --- Issue 9: files as spreadsheets and exports really write them -----------------------------------------


@pytest.mark.parametrize("line", ["sep=;", "sep=,", "sep=\t", '"sep=;"', "sep=|", "sep=;;;"])
def test_excels_sep_line_names_the_separator_and_is_skipped(line):
    sep = line.strip('"')[4]
    table, rows = read(f"{line}\r\nBSN{sep}Uren\r\n123456782{sep}8\r\n".encode())
    assert (table.delimiter, table.header, table.header_row) == (sep, ["BSN", "Uren"], 2)
    assert [(r.number, r.values) for r in rows] == [(3, ["123456782", "8"])]


def test_the_sep_fixture():
    table, rows = read((FIXTURES / "excel-sep-hint.csv").read_bytes())
    assert table.header[0] == "BSN" and table.header_row == 2 and rows[0].values[4] == "36,75"


def test_mac_excel_csv_is_macroman_with_bare_cr():
    table, rows = read((FIXTURES / "mac-excel-macroman-cr.csv").read_bytes())
    assert table.encoding == "mac_roman" and rows[0].number == 2
    assert rows[0].values[4] == "Cursist is één keer te laat, daarna naar café-baan, Noël helpt"


@pytest.mark.parametrize(
    "encoding,text",
    [
        ("cp1252", "zo’n “dag” – €5, Zeïnab Hélène"),  # Windows punctuation is not MacRoman's letters
        ("cp1252", "ÉLODIE ÜNAL, Ça va, Šimun"),
        ("mac_roman", "één keer, café, Noël, Ça va"),
        ("utf-16-le", "één keer, café"),  # UTF-16 without a BOM
        ("utf-16-be", "één keer, café"),
    ],
)
def test_single_byte_and_utf16_files_keep_their_letters(encoding, text):
    sep = "\t" if encoding.startswith("utf-16") else ";"
    table, rows = read(f"Naam{sep}Toelichting\rX{sep}{text}\r".encode(encoding))
    assert rows[0].values == ["X", text], table.encoding


@pytest.mark.parametrize("encoding", ["cp850", "cp437"])
def test_a_dos_code_page_is_refused_not_stored_garbled(encoding):
    assert "CSV UTF-8" in refusal("Naam;Toelichting\r\nX;Élodie, Hélène, één\r\n".encode(encoding))


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n"])
def test_line_numbers_count_cr_lf_and_crlf(end):
    data = end.join([b"Naam;Uren", b"a;1", "één;2".encode(), "café;3".encode("cp1252")]) + end
    assert "regel 4" in refusal(data)


def test_crlf_split_over_two_chunks_is_one_line_end():
    from shared.tabular.detect import CHUNK, _line_of

    data = b"a" * (CHUNK - 1) + b"\r\nb\nc"
    assert _line_of(io.BytesIO(data), len(data) - 1) == 3


@pytest.mark.parametrize(
    "above,header_row",
    [
        ("Maandrapportage oktober\r\n", 2),
        ("Maandrapportage oktober;;;\r\n;;;\r\n", 3),
        ("Taalschool De Brug\r\nOktober 2026, locatie Utrecht\r\n\r\n", 4),
        ("", 1),
    ],
)
def test_title_rows_above_the_header_are_passed_over(above, header_row):
    table, rows = read(f"{above}BSN;Naam;Van;Uren\r\n123456782;X, Y;01-10-2026;7,5\r\n".encode())
    assert (table.delimiter, table.header, table.header_row) == (";", ["BSN", "Naam", "Van", "Uren"], header_row)
    assert rows[0].values == ["123456782", "X, Y", "01-10-2026", "7,5"]
    assert len(table.skipped_above_header) == len([line for line in above.split("\r\n") if line.strip(";")])


def test_prose_with_commas_does_not_change_the_separator():
    table, rows = read(b"Naam;Toelichting\r\nX;ziek, daarna beter, nu weer goed\r\n")
    assert table.delimiter == ";" and rows[0].values[1] == "ziek, daarna beter, nu weer goed"


def test_an_empty_first_sheet_hands_over_to_the_next():
    book = openpyxl.Workbook()
    book.create_sheet("Gegevens").append(["BSN", "Uren"])
    book["Gegevens"].append([123456782, 7.5])
    out = io.BytesIO()
    book.save(out)
    table, rows = read(out.getvalue())
    assert table.sheet == "Gegevens" and "'Sheet' is leeg" in table.note and rows[0].values == [123456782, 7.5]
    assert "werkblad 'Sheet'" in refusal(out.getvalue(), sheet="Sheet")  # a sheet chosen is read as chosen


def test_an_ods_duration_of_a_day_or_more_is_a_timedelta():
    from datetime import timedelta

    data = ods_file([["BSN", "Uren"], [123456782, "PT36H45M00S"]])
    _, rows = read(data)
    assert rows[0].values == [123456782, timedelta(hours=36, minutes=45)]


@pytest.mark.parametrize("seed", range(6))
def test_random_bytes_are_refused_as_no_readable_file(seed):
    import random

    message = refusal(random.Random(seed).randbytes(300))
    assert "geen leesbaar CSV- of Excel-bestand" in message or "geen tekst" in message, message
