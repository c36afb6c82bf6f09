"""What a file is before any row is read: its kind by content (CSV/TXT, XLSX, ODS, or something we refuse
by name), its size and SHA-256, the encoding of a text file (UTF-8, UTF-16 with BOM or Windows-1252, in
chunks), and for XLSX/ODS every zip entry decompressed under a cap so a zip bomb stops here. Also the
`Limits` every check keeps and `TabularError`, the Dutch reason a file cannot be read.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import zipfile
from dataclasses import dataclass
from typing import IO

CHUNK = 1 << 20


class TabularError(ValueError):
    """A file we cannot read as a table, with the Dutch reason."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024  # the upload itself
    max_rows: int = 200_000  # data rows (empty rows not counted)
    max_columns: int = 100
    max_empty_run: int = 10_000  # empty rows in a row before we stop believing the file
    max_cell_chars: int = 10_000
    max_unpacked_bytes: int = 400 * 1024 * 1024  # all zip entries of an XLSX/ODS together, decompressed
    max_zip_ratio: int = 200  # decompressed / compressed, for entries over 1 MB
    max_zip_entries: int = 2_000


# --- What is this file? ---------------------------------------------------------------------------

_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG", "een afbeelding (PNG)"),
    (b"\xff\xd8\xff", "een afbeelding (JPEG)"),
    (b"GIF87a", "een afbeelding (GIF)"),
    (b"GIF89a", "een afbeelding (GIF)"),
    (b"%PDF", "een PDF-document"),
    (b"\xd0\xcf\x11\xe0", "een oud Office-bestand (bijvoorbeeld .xls)"),
    (b"\x1f\x8b", "een gecomprimeerd bestand (gzip)"),
    (b"7z\xbc\xaf", "een gecomprimeerd bestand (7z)"),
    (b"Rar!", "een gecomprimeerd bestand (rar)"),
    (b"\x7fELF", "een programma"),
    (b"MZ", "een programma"),
    (b"II*\x00", "een afbeelding (TIFF)"),
    (b"MM\x00*", "een afbeelding (TIFF)"),
    (b"{\\rtf", "een Word-/RTF-document"),
]
_WHAT_TO_SEND = "Stuur een CSV-bestand of een Excel-bestand (.xlsx)."


def sniff_kind(head: bytes) -> str:
    """'zip', 'text', or a refusal."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise TabularError("Dit bestand is een leeg of gesplitst ZIP-bestand. " + _WHAT_TO_SEND)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            if magic == b"\xd0\xcf\x11\xe0":
                raise TabularError(
                    "Dit is een oud Excel- of Office-bestand (.xls). Sla het in Excel op als "
                    "'Excel-werkmap (.xlsx)' of als 'CSV (gescheiden door lijstscheidingsteken)'."
                )
            raise TabularError(
                f"Dit bestand is geen tabel maar {what}, ook al eindigt de naam misschien op .csv. " + _WHAT_TO_SEND
            )
    if head[:4] == b"RIFF" and head[8:12] in {b"WEBP", b"WAVE", b"AVI "}:
        raise TabularError("Dit bestand is geen tabel maar een afbeelding of geluid. " + _WHAT_TO_SEND)
    return "text"


def _rewind(file: IO[bytes]) -> None:
    file.seek(0)


def scan_bytes(file: IO[bytes], limits: Limits) -> tuple[str, int, bytes]:
    _rewind(file)
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := file.read(CHUNK):
        if not head:
            head = chunk[:4096]
        digest.update(chunk)
        size += len(chunk)
        if size > limits.max_bytes:
            raise TabularError(
                f"Het bestand is groter dan {limits.max_bytes // (1024 * 1024)} MB. "
                "Splits het in kleinere bestanden, bijvoorbeeld per maand of per groep."
            )
    _rewind(file)
    if size == 0:
        raise TabularError("Het bestand is leeg.")
    return digest.hexdigest(), size, head


# Valid UTF-8 sequences of two or more bytes: in a Windows-1252 file they (almost) never occur.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _line_of(file: IO[bytes], offset: int) -> int:
    _rewind(file)
    line, pos = 1, 0
    while pos < offset and (chunk := file.read(min(CHUNK, offset - pos))):
        line += chunk.count(b"\n")
        pos += len(chunk)
    _rewind(file)
    return line


def detect_encoding(file: IO[bytes], head: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, or Windows-1252; one pass in chunks, bounded memory."""
    if head.startswith(codecs.BOM_UTF8):
        candidate = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidate = "utf-16"
    else:
        candidate = "utf-8"
    if candidate != "utf-16" and b"\x00" in head:
        raise TabularError("Dit bestand is geen tekst (het bevat nul-bytes): het is geen CSV. " + _WHAT_TO_SEND)
    if candidate != "utf-16" and len(_BINARY_CONTROL.findall(head)) > 8:
        raise TabularError("Dit bestand is geen tekst maar een binair bestand: het is geen CSV. " + _WHAT_TO_SEND)
    decoder = codecs.getincrementaldecoder(candidate)()
    _rewind(file)
    offset = 0
    multibyte = 0
    bad_at: int | None = None
    cp1252_bad_at: int | None = None
    while chunk := file.read(CHUNK):
        if candidate != "utf-16":
            if (nul := chunk.find(b"\x00")) >= 0:
                line = _line_of(file, offset + nul)
                raise TabularError(
                    f"Dit bestand is geen tekst (een nul-byte op regel {line}): het is geen CSV. " + _WHAT_TO_SEND
                )
            if not multibyte and _UTF8_MULTIBYTE.search(chunk):
                multibyte = 1
            if cp1252_bad_at is None and (m := _CP1252_UNDEFINED.search(chunk)):
                cp1252_bad_at = offset + m.start()
        if bad_at is None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                bad_at = offset + e.start
                if candidate == "utf-16":
                    break
        offset += len(chunk)
    if bad_at is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_at = offset
    _rewind(file)
    if bad_at is None:
        return candidate
    if candidate == "utf-16":
        raise TabularError(
            "Dit bestand is als UTF-16 opgeslagen maar bevat tekens die niet kloppen. "
            "Sla het opnieuw op als 'CSV UTF-8'."
        )
    if multibyte or candidate == "utf-8-sig":
        raise TabularError(
            f"Dit bestand gebruikt twee tekensets door elkaar (UTF-8 en Windows-1252; de eerste afwijking staat "
            f"op regel {_line_of(file, bad_at)}). Letters als ë of é kunnen dan niet goed worden gelezen. "
            "Open het bestand in Excel en sla het opnieuw op als 'CSV UTF-8 (door komma's gescheiden)'."
        )
    if cp1252_bad_at is not None:
        raise TabularError(
            f"Dit bestand bevat op regel {_line_of(file, cp1252_bad_at)} tekens die geen tekst "
            "zijn. Sla het opnieuw op als 'CSV UTF-8'."
        )
    return "cp1252"


def check_zip(file: IO[bytes], limits: Limits) -> str:
    """'xlsx' or 'ods', after decompressing every entry under caps (a zip bomb stops here)."""
    _rewind(file)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise TabularError(
            "Dit bestand lijkt op een Excel-bestand maar is beschadigd of onvolledig. "
            "Sla het opnieuw op en probeer het nog eens."
        ) from None
    with archive:
        names = archive.namelist()
        if len(names) > limits.max_zip_entries:
            raise TabularError("Dit bestand bevat veel te veel onderdelen om een gewone spreadsheet te zijn.")
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "mimetype" in names and archive.read("mimetype")[:100].startswith(
            b"application/vnd.oasis.opendocument.spreadsheet"
        ):
            kind = "ods"
        elif any(n.startswith("word/") for n in names):
            raise TabularError("Dit is een Word-document, geen tabel. " + _WHAT_TO_SEND)
        elif "mimetype" in names:
            raise TabularError("Dit is een OpenDocument-bestand maar geen spreadsheet. " + _WHAT_TO_SEND)
        else:
            raise TabularError(
                "Dit is een ZIP-bestand, geen tabel. Pak het uit en stuur het CSV- of Excel-bestand zelf."
            )
        total = 0
        bomb = TabularError(
            "Dit Excel-bestand pakt uit tot iets veel groters dan een gewone spreadsheet "
            "(een zogenaamde zip-bom). Het is niet gelezen. Sla de gegevens op in een nieuw bestand."
        )
        for info in archive.infolist():
            if info.file_size > limits.max_unpacked_bytes:
                raise bomb
            unpacked = 0
            try:
                with archive.open(info) as entry:
                    while block := entry.read(CHUNK):
                        unpacked += len(block)
                        total += len(block)
                        if total > limits.max_unpacked_bytes or (
                            unpacked > CHUNK and unpacked > limits.max_zip_ratio * max(info.compress_size, 1)
                        ):
                            raise bomb
            except TabularError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
                raise TabularError(
                    "Dit Excel-bestand is beschadigd of versleuteld. Sla het opnieuw op zonder "
                    "wachtwoord en probeer het nog eens."
                ) from None
    _rewind(file)
    return kind
