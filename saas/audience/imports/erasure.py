"""An erased reader taken out of stored imports: rejected rows, and files not yet imported.

A finished import keeps no file (saas.audience.imports.run empties it), only the rows it
rejected with their reasons, and a rejected row can hold the reader's address. An import
that is queued, running or failed still holds the uploaded file; the reader's rows in it
become one "erased" cell, so the file keeps its row count (a resumed import carries on at
the same row) and an import that runs later cannot add the reader again. Runs in the
erasing transaction; the caller commits. Connected to audience's own hooks (like the
features above it), so the list's services need not know about imports.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from saas.audience import hooks
from saas.audience.imports.formats import CsvFileError, pack, read_csv_file, unpack
from saas.audience.models import SubscriberImport
from saas.core.extensions import db

ERASED_CELL = "erased"


def forget_address(address: str) -> None:
    """Take `address` out of every import of the bound publication."""
    wanted = address.casefold()
    for import_ in db.session.scalars(select(SubscriberImport)):
        kept = [row for row in import_.rejections or [] if not _holds(row, wanted)]
        if len(kept) != len(import_.rejections or []):
            import_.rejections = kept
        if import_.content:
            scrubbed = _scrubbed_file(import_.content, wanted)
            if scrubbed is not None:
                import_.content = scrubbed


def rejected_rows_of(address: str) -> list[list[str]]:
    """The rejected import rows that hold `address`, for the reader's data export."""
    wanted = address.casefold()
    rows = db.session.scalars(select(SubscriberImport.rejections))
    return [row for rejections in rows for row in rejections or [] if _holds(row, wanted)]


def _holds(row, address: str) -> bool:
    return any(isinstance(cell, str) and address in cell.casefold() for cell in row)


def _scrubbed_file(stored: bytes, address: str) -> bytes | None:
    """The stored file with the reader's rows blanked, or None if it has none."""
    content = unpack(stored)
    try:
        parsed = read_csv_file(content)
    except CsvFileError:
        # Unreadable, so never imported: it fails as it is, and only its bytes can hold them.
        return None if address.encode() not in content.lower() else pack(b"")
    if address not in parsed.text.casefold():
        return None
    out = io.StringIO()
    writer = csv.writer(out, delimiter=parsed.delimiter, lineterminator="\n")
    for cells in csv.reader(io.StringIO(parsed.text, newline=""), delimiter=parsed.delimiter):
        writer.writerow([ERASED_CELL] if _holds(cells, address) else cells)
    return pack(out.getvalue().encode("utf-8-sig"))


def _erase(publication, subscriber) -> None:
    forget_address(subscriber.email)


def _export(publication, subscriber) -> dict:
    return {"import_rejections": rejected_rows_of(subscriber.email)}


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per function)."""
    hooks.reader_erasing.connect(_erase, weak=False)
    hooks.reader_data.connect(_export, weak=False)
