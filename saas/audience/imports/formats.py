"""Opening a subscriber CSV upload: decoding, delimiter, header row, the rows as Records.

Pure functions, no database. Uploads are stored compressed (`pack`, `unpack`: a CSV
shrinks to about a third, so less to write and read). A file is decoded (UTF-8 with or
without BOM, UTF-16, or Windows-1252), its delimiter found and its header row handed to
`csv_layouts` to recognise the export it came from; `csv_records` turns each data row into
a Record. Records carry the spreadsheet line number (the header is line 1), so a
practitioner can find every rejected row in the file they uploaded.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from saas.audience.imports.layouts import Layout, detect_layout
from saas.audience.imports.records import CONTROL_CHARACTERS, Record, parse_row

_SAMPLE = 16_384
PACKED = b"\x00tend:zlib\x00"
_STRAY_CONTROLS = 8  # control characters a short text file may hold and still be text
_CONTENT = re.compile(r"[^ ,;\t\r\n]")  # the first character of the header row


class CsvFileError(ValueError):
    """The upload cannot be read as a subscriber CSV; the message says why, for people."""


@dataclass
class CsvFile:
    """A decoded upload with its delimiter and detected layout."""

    text: str
    delimiter: str
    layout: Layout
    header_line: int
    header: list[str] = field(default_factory=list)

    @property
    def format(self) -> str:
        """The detected format's key, stored on the import."""
        return self.layout.format

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        for line, cells in enumerate(reader, start=1):
            if line > self.header_line and any(cell.strip() for cell in cells):
                yield line, cells

    def count_rows(self) -> int:
        """Data rows in the file, blank lines not counted."""
        text, delimiter = self.text, self.delimiter
        if '"' not in text and "\r" not in text.replace("\r\n", "\n"):
            # Nothing quoted and plain line breaks: each line is a row, so skip the parser.
            lines = text.split("\n")[self.header_line :]
            return sum(1 for line in lines if line.replace(delimiter, "").strip())
        return sum(1 for _ in self._rows())

    def records(self) -> Iterator[Record]:
        """Every non-blank data row as a Record, in file order."""
        layout, width = self.layout, len(self.header)
        for line, cells in self._rows():
            yield parse_row(layout, width, line, cells)


_SIGNATURES = {
    b"PK\x03\x04": "This looks like an Excel workbook or a ZIP archive. Save it as CSV first.",
    b"%PDF": "This is a PDF. Export your list as a CSV file and upload that.",
    b"\xd0\xcf\x11\xe0": "This looks like an old Excel workbook. Save it as CSV first.",
}


def _mostly_nul(sample: bytes) -> bool:
    return sample.count(0) * 2 > len(sample)


def _decode(content: bytes) -> str:
    for signature, message in _SIGNATURES.items():
        if content.startswith(signature):
            raise CsvFileError(message)
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif content.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif _mostly_nul(content[1:400:2]) and not _mostly_nul(content[0:400:2]):
        encodings = ("utf-16-le",)  # UTF-16 without a byte-order mark
    elif _mostly_nul(content[0:400:2]) and not _mostly_nul(content[1:400:2]):
        encodings = ("utf-16-be",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        head = text[:4096]
        # A binary file is full of control characters; a stray one (even a NUL) only spoils
        # its own line, which is rejected with the reason (saas.audience.imports.records).
        if len(CONTROL_CHARACTERS.findall(head)) <= max(_STRAY_CONTROLS, len(head) // 100):
            return text.lstrip("\ufeff")
    raise CsvFileError("This file is not a CSV file (it does not contain readable text).")


def _delimiter(text: str, header_text: str) -> str:
    counts = {d: header_text.count(d) for d in (",", ";", "\t")}
    busiest = max(counts, key=lambda d: counts[d])
    try:
        sniffed = csv.Sniffer().sniff(text[:_SAMPLE], delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and counts.get(sniffed, 0) >= counts[busiest]:
        return sniffed
    return busiest if counts[busiest] else ","


def pack(content: bytes) -> bytes:
    """An uploaded file as it is stored (compressed, marked as such)."""
    return PACKED + zlib.compress(content, 1)


def unpack(stored: bytes) -> bytes:
    """A stored upload's bytes as they were uploaded."""
    return zlib.decompress(stored[len(PACKED) :]) if stored.startswith(PACKED) else stored


def read_csv_file(content: bytes) -> CsvFile:
    """Decode an upload and recognise its layout; raises CsvFileError with a clear reason."""
    if not content.strip():
        raise CsvFileError("The file is empty.")
    text = _decode(content)
    found = _CONTENT.search(text)
    if found is None:
        raise CsvFileError("The file is empty.")
    start, end = text.rfind("\n", 0, found.start()) + 1, text.find("\n", found.start())
    delimiter = _delimiter(text, text[start : end if end >= 0 else len(text)])
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header_line, header = next(
            (n, row) for n, row in enumerate(reader, start=1) if any(c.strip() for c in row)
        )
    except (csv.Error, StopIteration) as exc:
        raise CsvFileError(f"The file could not be read as CSV ({exc}).") from exc
    layout = detect_layout([CONTROL_CHARACTERS.sub("", cell) for cell in header])
    if layout is None:
        if any("@" in cell for cell in header):
            raise CsvFileError(
                "The first row should name the columns (for example email, name, tags), "
                "but it holds an address. Add a header row and upload again."
            )
        raise CsvFileError(
            "No email column found. The first row must name the columns, with one called "
            "“email” (or “Email Address”, “e-mail”)."
        )
    parsed = CsvFile(text, delimiter, layout, header_line, header)
    try:
        has_rows = next(parsed._rows(), None) is not None
    except csv.Error as exc:
        raise CsvFileError(f"The file could not be read as CSV ({exc}).") from exc
    if not has_rows:
        raise CsvFileError("The file has a header row but no readers below it.")
    return parsed
