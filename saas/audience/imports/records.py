"""One subscriber CSV row as a Record: cells mapped through a layout, values normalised.

Names are cleaned and shortened, tags split and de-duplicated, timestamps read as aware
UTC, vendor status words mapped to Tend's statuses. A row that cannot be taken as it is
gets a `problem`, the reason the practitioner sees. Pure functions, no database.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from saas.audience.imports.layouts import Layout
from saas.audience.models import ACTIVE, BOUNCED, COMPLAINED, PENDING, UNSUBSCRIBED

NAME_MAX = 120  # longer names are shortened, not rejected
TAG_MAX = 60
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
# Control characters other than tab and line breaks: stripped from names; in bulk they
# also tell a binary file from text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NUL_IN_LINE = "the line holds a NUL byte (an invisible character a damaged file may carry)"


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
    return " ".join(CONTROL_CHARACTERS.sub(" ", raw).split())[:NAME_MAX]


def parse_row(layout: Layout, width: int, line: int, cells: list[str]) -> Record:
    """The Record for one data row of a file whose header has `width` columns."""
    cols = layout.columns
    if layout.unescape:
        cells = [_ESCAPED_FORMULA.sub("", c, count=1) if c[:1] == "'" else c for c in cells]
    record = Record(line=line, email=_cell(cells, cols.email))
    if any("\x00" in cell for cell in cells):
        record.email = record.email.replace("\x00", "\ufffd")  # shown, never stored
        record.problem = NUL_IN_LINE
        return record
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
