"""CSV downloads that are safe to open in a spreadsheet: the reader list and import rejections.

Every cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
return) gets a leading apostrophe, per OWASP's CSV-injection guidance, and every cell is
quoted. Files start with a UTF-8 byte-order mark so Excel reads accents correctly. The list
streams without being held in memory: on PostgreSQL straight from one COPY
(export_copy), elsewhere in keyset pages written here; its rows end in a line feed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import select, tuple_

from saas.audience.imports import export_copy
from saas.audience.models import Subscriber, SubscriberImport, SubscriberTag, Tag
from saas.core.extensions import db
from saas.publishing.models import Publication

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUBSCRIBER_COLUMNS = ("email", "name", "status", "tags", "source", "created_at", "confirmed_at")
PAGE_ROWS = 1_000


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with an apostrophe in front if a spreadsheet would evaluate it."""
    if value is None:
        return ""
    text = value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _lines(rows: Iterable[Iterable[object]], lineterminator: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator=lineterminator)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _tag_names(subscriber_ids: list[int]) -> dict[int, list[str]]:
    """Tag names of one page of readers (ids already scoped to the publication)."""
    rows = db.session.execute(
        select(SubscriberTag.subscriber_id, Tag.name)
        .join(Tag, Tag.id == SubscriberTag.tag_id)
        .where(SubscriberTag.subscriber_id.in_(subscriber_ids))
        .order_by(Tag.name)
    )
    names: dict[int, list[str]] = {}
    for subscriber_id, name in rows:
        names.setdefault(subscriber_id, []).append(name)
    return names


def subscriber_csv(publication: Publication, status: str | None = None) -> Iterator[str]:
    """The publication's readers (optionally of one status), oldest first, as CSV text."""
    yield BOM + _lines([SUBSCRIBER_COLUMNS], lineterminator="\n")
    if db.session.get_bind().dialect.name == "postgresql":
        yield from export_copy.subscriber_rows(publication, status, FORMULA_STARTS)
    else:
        yield from keyset_rows(publication, status)


def keyset_rows(publication: Publication, status: str | None = None) -> Iterator[str]:
    """The list's CSV rows written here, read in keyset pages (any database)."""
    columns = (
        Subscriber.id,
        Subscriber.email,
        Subscriber.name,
        Subscriber.status,
        Subscriber.source,
        Subscriber.created_at,
        Subscriber.confirmed_at,
    )
    after: tuple[datetime, int] | None = None
    while True:
        query = select(*columns).where(Subscriber.publication_id == publication.id)
        if status:
            query = query.where(Subscriber.status == status)
        if after is not None:
            query = query.where(tuple_(Subscriber.created_at, Subscriber.id) > after)
        page = db.session.execute(
            query.order_by(Subscriber.created_at, Subscriber.id).limit(PAGE_ROWS)
        ).all()
        if not page:
            return
        tags = _tag_names([row.id for row in page])
        cells = (
            (
                row.email,
                row.name,
                row.status,
                ", ".join(tags.get(row.id, ())),
                row.source,
                row.created_at,
                row.confirmed_at,
            )
            for row in page
        )
        yield _lines(cells, lineterminator="\n")
        after = (page[-1].created_at, page[-1].id)


def rejections_csv(import_: SubscriberImport) -> Iterator[str]:
    """Every row an import rejected: line number, the email cell as given, and why."""
    yield BOM + _lines([("line", "email", "reason")])
    rejections = import_.rejections or []
    for start in range(0, len(rejections), PAGE_ROWS):
        yield _lines(rejections[start : start + PAGE_ROWS])
