"""What a file is before any row is read: its kind by content (CSV/TXT, XLSX, ODS, or something we refuse
by name), its size and SHA-256, the encoding of a text file (UTF-8, UTF-16 with BOM or Windows-1252, in
chunks), and for XLSX/ODS every zip entry decompressed under a cap so a zip bomb stops here. Also the
`Limits` every check keeps and `TabularError`, the Dutch reason a file cannot be read.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
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


def count_line_ends(data: bytes, after_cr: bool = False) -> int:
    """Line ends in `data`, each of CR, LF and CRLF counted once (Mac Excel writes bare CR). `after_cr`:
    the byte before `data` was a CR, so an LF at its start ends no new line."""
    ends = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    if after_cr and data[:1] == b"\n":
        ends -= 1
    return ends


def _line_of(file: IO[bytes], offset: int) -> int:
    """The line (1-based) of byte `offset`, counting CR, LF and CRLF as line ends."""
    _rewind(file)
    line, pos, after_cr = 1, 0, False
    while pos < offset and (chunk := file.read(min(CHUNK, offset - pos))):
        line += count_line_ends(chunk, after_cr)
        after_cr = chunk[-1:] == b"\r"
        pos += len(chunk)
    _rewind(file)
    return line


_NOT_READABLE = (
    "Dit bestand is geen leesbaar CSV- of Excel-bestand ({}). Sla uw gegevens in Excel op als "
    "'CSV UTF-8 (door komma's gescheiden)' of als 'Excel-werkmap (.xlsx)' en stuur dat bestand."
)


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte of mostly-ASCII text is a nul byte."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if odd >= 0.9 * pairs and even < 0.1 * pairs:
        return "utf-16-le"
    if even >= 0.9 * pairs and odd < 0.1 * pairs:
        return "utf-16-be"
    return None


def detect_encoding(file: IO[bytes], head: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 (with BOM, or without as every other byte nul), Windows-1252 or MacRoman;
    in chunks, bounded memory. Text that would only be stored garbled is refused ("sla op als CSV UTF-8")."""
    if head.startswith(codecs.BOM_UTF8):
        candidate = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidate = "utf-16"
    else:
        candidate = _utf16_without_bom(head) or "utf-8"
    utf16 = candidate.startswith("utf-16")
    if not utf16 and b"\x00" in head:
        raise TabularError(_NOT_READABLE.format("het bevat nul-bytes, dus het is geen tekst"))
    if not utf16 and len(_BINARY_CONTROL.findall(head)) > max(2, len(head) // 200):
        raise TabularError(_NOT_READABLE.format("het is geen tekst maar een binair bestand"))
    decoder = codecs.getincrementaldecoder(candidate)()
    _rewind(file)
    offset = 0
    multibyte = 0
    bad_at: int | None = None
    cp1252_bad_at: int | None = None
    while chunk := file.read(CHUNK):
        if not utf16:
            if (nul := chunk.find(b"\x00")) >= 0:
                line = _line_of(file, offset + nul)
                raise TabularError(_NOT_READABLE.format(f"een nul-byte op regel {line}, dus het is geen tekst"))
            if not multibyte and _UTF8_MULTIBYTE.search(chunk):
                multibyte = 1
            if cp1252_bad_at is None and (m := _CP1252_UNDEFINED.search(chunk)):
                cp1252_bad_at = offset + m.start()
        if bad_at is None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                bad_at = offset + e.start
                if utf16:
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
    if utf16:
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
    encoding, plausible = single_byte_encoding(file)
    if encoding == "cp1252" or not plausible:
        encoding = "cp1252"
        if cp1252_bad_at is None and not plausible:
            raise TabularError(
                "De letters met accenten in dit bestand (zoals é of ë) zijn niet te lezen: de tekenset is "
                "onbekend, en opslaan zou verminkte tekst geven. Open het bestand in Excel en sla het opnieuw "
                "op als 'CSV UTF-8 (door komma's gescheiden)'."
            )
    if encoding == "cp1252" and cp1252_bad_at is not None:
        raise TabularError(
            f"Dit bestand bevat op regel {_line_of(file, cp1252_bad_at)} tekens die geen tekst "
            "zijn. Sla het opnieuw op als 'CSV UTF-8'."
        )
    return encoding


# Characters that a single-byte file holds by mistake far more often than on purpose: symbols of the
# other code page (MacRoman's maths signs, Windows-1252's Ž/ƒ/ˆ), C1 controls, and the like.
_UNLIKELY = set("ƒˆ˜‰†‡‹›¬√∫≈∆◊Ωπ∑∏∂∞≠≤≥ı˘˙˚¸˝˛ˇ¯⁄ﬁﬂµ¶¢¥ªº¿¡÷Œœ") | {chr(c) for c in range(0x80, 0xA0)}
_SLAVIC = set("ŠšŽž")  # real in a name's first letter (Šimić), a sign of MacRoman é/ä inside a word
_IN_WORD_OK = set("’'-·")
_TYPOGRAPHIC = set("‘’“”„–—…€•°«»·\u00a0")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SAMPLE_BYTES = CHUNK  # judged on the first MB that holds non-ASCII bytes ...
_SAMPLE_CHARS = 20_000  # ... and at most this many non-ASCII characters in it


def _plausibility(text: str) -> int:
    """How much `text` looks like what people write: + for a letter or a typographic sign in its place,
    - for a sign inside or against a word and for a letter of the wrong case inside a word ("cafŽ",
    "No‘l", "cafÈ", "êLODIE" are what another code page makes of "café", "Noël", "ÉLODIE"); a symbol
    people hardly ever type (∏, ‰, C1 controls) weighs most."""
    score = 0
    for m in itertools.islice(_NON_ASCII.finditer(text), _SAMPLE_CHARS):
        i, char = m.start(), m.group()
        before = text[i - 1] if i else ""
        after = text[i + 1 : i + 2]
        if char in _UNLIKELY:
            score -= 5
        elif char in _SLAVIC:
            score -= 2 if before.isalpha() else 0
        elif char.isalpha():
            odd_case = (char.isupper() and (before.islower() or (before.isalpha() and after.islower()))) or (
                char.islower() and after.isupper() and not before.islower()
            )
            score += -3 if odd_case else 1
        elif char in _TYPOGRAPHIC:
            score += -2 if (before.isalpha() and after.isalpha() and char not in _IN_WORD_OK) else 2
        elif before.isalpha() or after.isalpha():
            score -= 2  # another sign glued to a word ("¦imun")
    return score


def single_byte_encoding(file: IO[bytes]) -> tuple[str, bool]:
    """('cp1252' or 'mac_roman', plausible): whichever reads more like text ("CSV (Macintosh)" from Mac
    Excel is MacRoman with bare CR line ends), and whether it does at all. Judged on the first MB that holds
    non-ASCII bytes (at most 20,000 such characters)."""
    _rewind(file)
    sample = bytearray()
    cr_only = None
    while (chunk := file.read(CHUNK)) and len(sample) < _SAMPLE_BYTES:
        if cr_only is None:
            crlf = chunk.count(b"\r\n")
            cr_only = chunk.count(b"\r") > crlf and chunk.count(b"\n") == crlf
        if max(chunk, default=0) >= 0x80:
            sample += chunk
    _rewind(file)
    data = bytes(sample)
    windows = _plausibility(data.decode("cp1252", errors="replace"))
    mac = _plausibility(data.decode("mac_roman"))
    if mac > windows or (cr_only and mac == windows and mac > 0):
        chosen, score = "mac_roman", mac
    else:
        chosen, score = "cp1252", windows
    return chosen, score >= 0


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
