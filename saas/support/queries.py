"""Finding support requests: the board, the filtered list, search and same-reader lookups.

Names, addresses and messages are encrypted, so SQL can filter only by stage, date and
source issue. Search and "same address" decrypt in Python over the newest SEARCH_CAP rows
that pass those filters: plenty for one practitioner's intake, and the page says when the
cap was reached. Search reads only the encrypted columns it looks in, and the list shows
PER_PAGE requests a page, so a page decrypts and renders a bounded number of rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Text, func, select, type_coerce
from sqlalchemy.orm import defer

from saas.core import crypto
from saas.core.extensions import db
from saas.publishing.models import Issue, Publication
from saas.support.models import CLOSED, EVENT_NOTE, STAGES, SupportEvent, SupportRequest

SEARCH_CAP = 2_000
PER_PAGE = 50
BOARD_COLUMN_LIMIT = 50
BOARD_CLOSED_DAYS = 30
NO_ISSUE = "none"


@dataclass(frozen=True)
class Filters:
    """What the practitioner narrowed the list to."""

    stage: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None  # an issue number, NO_ISSUE, or None for any
    search: str = ""

    @property
    def active(self) -> bool:
        """Whether anything narrows the list."""
        return bool(self.stage or self.date_from or self.date_to or self.source or self.search)


@dataclass(frozen=True)
class Found:
    """Requests matching the filters (a page of them, for the list), and whether search
    stopped at its cap."""

    items: list[SupportRequest]
    capped: bool
    page: int = 1
    pages: int = 1
    total: int = 0


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def _filtered(publication: Publication, filters: Filters) -> Select:
    query = select(SupportRequest).where(SupportRequest.publication_id == publication.id)
    if filters.stage in STAGES:
        query = query.where(SupportRequest.stage == filters.stage)
    if filters.date_from:
        start = _local_midnight(filters.date_from, publication.timezone)
        query = query.where(SupportRequest.created_at >= start)
    if filters.date_to:
        end = _local_midnight(filters.date_to + timedelta(days=1), publication.timezone)
        query = query.where(SupportRequest.created_at < end)
    if filters.source == NO_ISSUE:
        query = query.where(SupportRequest.source_issue_number.is_(None))
    elif filters.source and filters.source.isdigit():
        query = query.where(SupportRequest.source_issue_number == int(filters.source))
    return query.order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc())


def notes_by_request(ids: list[int] | Select) -> dict[int, list[str]]:
    """Private notes per request, for requests with these ids (a list, or a query of them:
    thousands of ids go to the database as a subquery, not as thousands of parameters)."""
    notes: dict[int, list[str]] = {}
    if isinstance(ids, list) and not ids:
        return notes
    rows = db.session.execute(
        select(SupportEvent.request_id, SupportEvent.body).where(
            SupportEvent.request_id.in_(ids), SupportEvent.kind == EVENT_NOTE
        )
    )
    for request_id, body in rows:
        notes.setdefault(request_id, []).append(body or "")
    return notes


# What search reads, still encrypted: each value is decrypted only until one matches.
_SEARCHED = (
    SupportRequest.id,
    *(
        type_coerce(column, Text).label(column.key)
        for column in (
            SupportRequest.name,
            SupportRequest.email,
            SupportRequest.phone,
            SupportRequest.message,
            SupportRequest.answers,
        )
    ),
)


def _holds(row, notes: list[str], needle: str, decrypt) -> bool:
    """Whether the request's name, address, phone, message, answers or notes hold `needle`
    (`needle` case-folded, each text case-folded)."""
    for token in (row.name, row.email, row.phone, row.message):
        if needle in decrypt(token).casefold():
            return True
    for answer in json.loads(decrypt(row.answers) or "[]"):
        value = answer.get("value")
        text = ", ".join(value) if isinstance(value, list) else str(value or "")
        if needle in text.casefold():
            return True
    return any(needle in note.casefold() for note in notes)


def _search(publication: Publication, filters: Filters) -> tuple[list[int], bool]:
    """Ids of the requests whose text holds the search, newest first, and whether the
    window was full (reads the searched columns only: no whole rows for a window)."""
    query = _filtered(publication, filters)
    rows = db.session.execute(query.with_only_columns(*_SEARCHED).limit(SEARCH_CAP + 1)).all()
    capped = len(rows) > SEARCH_CAP
    rows = rows[:SEARCH_CAP]
    notes = notes_by_request(query.with_only_columns(SupportRequest.id).limit(SEARCH_CAP))
    needle, decrypt = filters.search.casefold(), crypto.decryptor()
    matches = [row.id for row in rows if _holds(row, notes.get(row.id, []), needle, decrypt)]
    return matches, capped


# The list and the board show who and when, never what was written: leave the message and
# answers encrypted in the database (they load, and decrypt, only if something reads them).
_LISTED = (defer(SupportRequest.message), defer(SupportRequest.answers))


def _in_order(ids: list[int]) -> list[SupportRequest]:
    query = select(SupportRequest).where(SupportRequest.id.in_(ids)).options(*_LISTED)
    found = {r.id: r for r in db.session.scalars(query)}
    return [found[i] for i in ids if i in found]


def find(publication: Publication, filters: Filters) -> Found:
    """Every request matching the filters, newest first (for the export)."""
    if not filters.search:
        return Found(list(db.session.scalars(_filtered(publication, filters))), False)
    ids, capped = _search(publication, filters)
    return Found(_in_order(ids), capped, total=len(ids))


def find_page(
    publication: Publication, filters: Filters, page: int = 1, per_page: int = PER_PAGE
) -> Found:
    """One page of the requests matching the filters, newest first (past the end: the last)."""
    query = _filtered(publication, filters).options(*_LISTED)
    if filters.search:
        ids, capped = _search(publication, filters)
        total = len(ids)
    else:
        capped = False
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    if filters.search:
        items = _in_order(ids[start : start + per_page])
    else:
        items = list(db.session.scalars(query.offset(start).limit(per_page)))
    return Found(items, capped, page, pages, total)


def board(publication: Publication) -> dict[str, list[SupportRequest]]:
    """Open requests by stage, oldest waiting first; recently closed ones last."""
    columns: dict[str, list[SupportRequest]] = {}
    since = datetime.now(ZoneInfo("UTC")) - timedelta(days=BOARD_CLOSED_DAYS)
    for stage in STAGES:
        query = select(SupportRequest).where(
            SupportRequest.publication_id == publication.id, SupportRequest.stage == stage
        )
        if stage == CLOSED:
            query = query.where(SupportRequest.closed_at >= since).order_by(
                SupportRequest.closed_at.desc()
            )
        else:
            query = query.order_by(SupportRequest.created_at, SupportRequest.id)
        columns[stage] = list(db.session.scalars(query.options(*_LISTED).limit(BOARD_COLUMN_LIMIT)))
    return columns


def same_address(publication: Publication, request: SupportRequest) -> list[SupportRequest]:
    """The reader's other requests (matched on the decrypted address, newest first)."""
    query = (
        select(SupportRequest)
        .where(SupportRequest.publication_id == publication.id, SupportRequest.id != request.id)
        .order_by(SupportRequest.created_at.desc())
        .limit(SEARCH_CAP)
    )
    address = request.email.casefold()
    return [r for r in db.session.scalars(query) if r.email.casefold() == address]


def from_address(publication: Publication, address: str) -> list[SupportRequest]:
    """Every request sent from `address`, oldest first (the address is decrypted to compare)."""
    query = (
        select(SupportRequest)
        .where(SupportRequest.publication_id == publication.id)
        .order_by(SupportRequest.created_at)
    )
    wanted = address.casefold()
    return [r for r in db.session.scalars(query) if r.email.casefold() == wanted]


def source_issue_choices(publication: Publication) -> list[tuple[int, str]]:
    """Issues readers have come from, newest first: (number, "Issue 3: title")."""
    numbers = db.session.scalars(
        select(SupportRequest.source_issue_number)
        .where(
            SupportRequest.publication_id == publication.id,
            SupportRequest.source_issue_number.is_not(None),
        )
        .group_by(SupportRequest.source_issue_number)
    ).all()
    titles = issue_titles(publication, list(numbers))
    return [
        (n, f"Issue {n}: {titles[n]}" if n in titles else f"Issue {n}")
        for n in sorted(numbers, reverse=True)
    ]


def issue_titles(publication: Publication, numbers: list[int]) -> dict[int, str]:
    """Titles of the publication's issues with these numbers."""
    if not numbers:
        return {}
    rows = db.session.execute(
        select(Issue.number, Issue.title).where(
            Issue.publication_id == publication.id, Issue.number.in_(numbers)
        )
    )
    return {number: title for number, title in rows}


def total(publication: Publication) -> int:
    """How many requests the publication holds."""
    return db.session.scalar(
        select(func.count())
        .select_from(SupportRequest)
        .where(SupportRequest.publication_id == publication.id)
    )
