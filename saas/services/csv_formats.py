"""Reading subscriber CSV files: decoding, delimiter, which vendor's layout, one record per row.

Pure functions, no database. A file is decoded (UTF-8 with or without BOM, UTF-16, or
Windows-1252), its delimiter found, and its header row matched against the layouts of
Tend's own export, Substack, Mailchimp (subscribed, unsubscribed and cleaned files), beehiiv
and a generic "has an email column" file. Records carry the spreadsheet line number (the
header is line 1), so a practitioner can find every rejected row in the file they uploaded.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from saas.models.subscribers import ACTIVE, BOUNCED, COMPLAINED, PENDING, UNSUBSCRIBED

NAME_MAX = 120  # longer names are shortened, not rejected
TAG_MAX = 60
_SAMPLE = 16_384
_STATUS_WORDS = {
    "active": ACTIVE,
    "subscribed": ACTIVE,
    "confirmed": ACTIVE,
    "pending": PENDING,
    "unconfirmed": PENDING,
    "validating": PENDING,
    "unsubscribed": UNSUBSCRIBED,
    "inactive": UNSUBSCRIBED,
    "opted out": UNSUBSCRIBED,
    "bounced": BOUNCED,
    "cleaned": BOUNCED,
    "invalid": BOUNCED,
    "complained": COMPLAINED,
}
_TRUE = {"true", "yes", "1", "y", "t"}
# Tend's export puts an apostrophe before cells a spreadsheet would run as a formula.
_ESCAPED_FORMULA = re.compile(r"'(?=[=+\-@\t\r])")
_CONTENT = re.compile(r"[^ ,;\t\r\n]")  # the first character of the header row
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CsvFileError(ValueError):
    """The upload cannot be read as a subscriber CSV; the message says why, for people."""


@dataclass(slots=True)
class Record:
    """One non-blank data row, mapped to Tend's fields; `problem` set means reject it."""

    line: int
    email: str
    name: str = ""
    tags: tuple[str, ...] = ()
    status: str = ACTIVE
    created_at: datetime | None = None
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None
    problem: str = ""


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
            yield _record(layout, width, line, cells)


# --- layouts -------------------------------------------------------------------------------

FORMAT_LABELS = {
    "tend": "Tend export",
    "substack": "Substack",
    "mailchimp": "Mailchimp (subscribed)",
    "mailchimp_unsubscribed": "Mailchimp (unsubscribed)",
    "mailchimp_cleaned": "Mailchimp (cleaned)",
    "beehiiv": "beehiiv",
    "generic": "CSV",
}
_EMAIL = ("email", "email address", "e mail", "e mail address", "emailaddress", "mail")
_NAME = ("name", "full name", "fullname", "display name")
_FIRST = ("first name", "firstname", "first", "fname", "given name")
_LAST = ("last name", "lastname", "last", "lname", "surname", "family name")
_CREATED = ("created", "created at", "created on", "subscribed", "subscribed at", "joined")
_CREATED += ("date subscribed", "subscription date", "signup date", "date added", "date")
_SUBSTACK_HINTS = ("active subscription", "expiry", "plan", "email disabled", "first payment at")
_BEEHIIV_HINTS = ("tier", "free tier", "premium tier", "stripe customer id", "unsubscribed at")
_BEEHIIV_HINTS += ("utm source", "utm medium", "utm campaign", "referring site", "referral code")
_TEND_HEADER = ("email", "name", "status", "tags", "source", "created at", "confirmed at")
# Per format: Tend field -> the header names it may have, first match wins.
_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "tend": {
        "name": ("name",),
        "tags": ("tags",),
        "created": ("created at",),
        "confirmed": ("confirmed at",),
        "status": ("status",),
    },
    "mailchimp": {
        "first": ("first name",),
        "last": ("last name",),
        "tags": ("tags",),
        "created": ("optin time", "confirm time"),
        "confirmed": ("confirm time",),
        "unsubscribed": ("unsub time",),
    },
    "substack": {"name": _NAME, "created": ("created at",), "email_disabled": ("email disabled",)},
    "beehiiv": {
        "name": _NAME,
        "first": _FIRST,
        "last": _LAST,
        "created": ("created at",),
        "unsubscribed": ("unsubscribed at",),
        "status": ("status",),
    },
    "generic": {
        "name": _NAME,
        "first": _FIRST,
        "last": _LAST,
        "tags": ("tags", "tag", "labels"),
        "created": _CREATED,
        "confirmed": ("confirmed at",),
        "unsubscribed": ("unsubscribed at",),
        "status": ("status", "subscription status"),
    },
}


@dataclass(frozen=True)
class Columns:
    """Where each field sits in a row (column index), None when the file lacks it."""

    email: int
    name: int | None = None
    first: int | None = None
    last: int | None = None
    tags: int | None = None
    created: int | None = None
    confirmed: int | None = None
    unsubscribed: int | None = None
    status: int | None = None
    email_disabled: int | None = None


@dataclass(frozen=True)
class Layout:
    """A recognised header: its format key, columns, and a status every row shares."""

    format: str
    columns: Columns
    file_status: str = ""
    unescape: bool = False


def _key(heading: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", heading.lower()).split())


def _format_of(index: dict[str, int]) -> tuple[str, str | None]:
    """(format, the email column's header) for a header's normalised names."""
    if all(name in index for name in _TEND_HEADER):
        return "tend", "email"
    mailchimp = ("member rating", "optin time", "confirm time", "leid")
    if "email address" in index and any(name in index for name in mailchimp):
        return "mailchimp", "email address"
    if "email" in index and sum(name in index for name in _SUBSTACK_HINTS) >= 2:
        return "substack", "email"
    if "email" in index and "status" in index and any(n in index for n in _BEEHIIV_HINTS):
        return "beehiiv", "email"
    email = next((n for n in _EMAIL if n in index), None)
    return "generic", email or next((n for n in index if "email" in n.split()), None)


def detect_layout(header: list[str]) -> Layout | None:
    """Match a header row to a known export layout; None when it has no email column."""
    index: dict[str, int] = {}
    for position, heading in enumerate(header):
        index.setdefault(_key(heading), position)
    fmt, email = _format_of(index)
    if email is None:
        return None
    found = {
        field: next((index[n] for n in names if n in index), None)
        for field, names in _FIELDS[fmt].items()
    }
    columns = Columns(index[email], **found)
    if fmt == "mailchimp" and "unsub time" in index:
        return Layout("mailchimp_unsubscribed", columns, file_status=UNSUBSCRIBED)
    if fmt == "mailchimp" and "clean time" in index:
        return Layout("mailchimp_cleaned", columns, file_status=BOUNCED)
    return Layout(fmt, columns, unescape=fmt == "tend")


# --- decoding ------------------------------------------------------------------------------

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
        if "\x00" not in head and len(_CONTROL.findall(head)) <= len(head) // 100:
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
    layout = detect_layout(header)
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


# --- one row -------------------------------------------------------------------------------


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def parse_timestamp(raw: str) -> datetime | None:
    """A date or time from an export, as aware UTC; None when absent or unreadable."""
    raw = raw.strip()
    if not raw:
        return None
    if raw.endswith(" UTC"):
        raw = raw[:-4]
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
        for pattern in ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S"):
            try:
                value = datetime.strptime(raw, pattern)  # noqa: DTZ007  (UTC applied below)
                break
            except ValueError:
                continue
        if value is None:
            return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value if value <= datetime.now(UTC) else None


def parse_tags(raw: str) -> tuple[str, ...]:
    """Tag names from one cell: `a, b; c` or Mailchimp's `"a","b"`; trimmed, de-duplicated."""
    if not raw:
        return ()
    if '"' in raw:
        pieces = [p for row in csv.reader([raw], skipinitialspace=True) for p in row]
    else:
        pieces = [raw]
    names: list[str] = []
    seen: set[str] = set()
    for piece in pieces:
        for part in piece.replace(";", ",").split(","):
            name = " ".join(part.split())[:TAG_MAX]
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
    return tuple(names)


def _clean_name(raw: str) -> str:
    return " ".join(_CONTROL.sub(" ", raw).split())[:NAME_MAX]


def _record(layout: Layout, width: int, line: int, cells: list[str]) -> Record:
    cols = layout.columns
    if layout.unescape:
        cells = [_ESCAPED_FORMULA.sub("", c, count=1) if c[:1] == "'" else c for c in cells]
    record = Record(line=line, email=_cell(cells, cols.email))
    extra = [c for c in cells[width:] if c.strip()]
    if extra:
        record.problem = f"{width + len(extra)} columns where the header has {width}"
        return record
    if cols.name is not None:
        record.name = _clean_name(_cell(cells, cols.name))
    if not record.name and (cols.first is not None or cols.last is not None):
        record.name = _clean_name(f"{_cell(cells, cols.first)} {_cell(cells, cols.last)}")
    record.tags = parse_tags(_cell(cells, cols.tags))
    record.created_at = parse_timestamp(_cell(cells, cols.created))
    record.confirmed_at = parse_timestamp(_cell(cells, cols.confirmed))
    record.unsubscribed_at = parse_timestamp(_cell(cells, cols.unsubscribed))
    if layout.file_status:
        record.status = layout.file_status
    elif cols.email_disabled is not None:
        disabled = _cell(cells, cols.email_disabled).lower() in _TRUE
        record.status = UNSUBSCRIBED if disabled else ACTIVE
    elif cols.status is not None:
        word = " ".join(_cell(cells, cols.status).lower().replace("_", " ").split())
        if word and word not in _STATUS_WORDS:
            record.problem = (
                f"unknown status “{word[:40]}” (use active, pending, unsubscribed or bounced)"
            )
        record.status = _STATUS_WORDS.get(word, ACTIVE)
    return record


# --- addresses -----------------------------------------------------------------------------

# RFC 5322 dot-atom: every such ASCII local part is valid as written, so only the domain
# needs email-validator's checks, and a list has far fewer domains than addresses.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


@lru_cache(maxsize=65_536)
def _normalized_domain(domain: str) -> str | None:
    try:
        return validate_email("postmaster@" + domain, check_deliverability=False).domain
    except EmailNotValidError:
        return None


def normalize_address(raw: str) -> str:
    """The address email-validator accepts, lower-cased; raises EmailNotValidError if none.

    Gives exactly what ``validate_email(raw, check_deliverability=False).normalized.lower()``
    gives, with a fast path for plain ASCII local parts.
    """
    local, at, domain = raw.rpartition("@")
    if at and len(local) <= 64 and _DOT_ATOM.match(local):
        normalized = _normalized_domain(domain)
        if normalized is not None and normalized.isascii():
            address = f"{local}@{normalized}"
            if len(address) <= 254:
                return address.lower()
    return validate_email(raw, check_deliverability=False).normalized.lower()
