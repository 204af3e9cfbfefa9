"""Finding support requests: the board, the filtered list, search and same-reader lookups.

Names, addresses and messages are encrypted, so SQL can filter only by stage, date and
source issue. Search and "same address" decrypt in Python over the newest SEARCH_CAP rows
that pass those filters: plenty for one practitioner's intake, and the page says when the
cap was reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from saas.core.extensions import db
from saas.publishing.models import Issue, Publication
from saas.support.models import CLOSED, EVENT_NOTE, STAGES, SupportEvent, SupportRequest

SEARCH_CAP = 2_000
LIST_LIMIT = 500
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
    """Requests matching the filters, and whether search stopped at its cap."""

    items: list[SupportRequest]
    capped: bool


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


def notes_by_request(ids: list[int]) -> dict[int, list[str]]:
    notes: dict[int, list[str]] = {}
    if not ids:
        return notes
    rows = db.session.execute(
        select(SupportEvent.request_id, SupportEvent.body).where(
            SupportEvent.request_id.in_(ids), SupportEvent.kind == EVENT_NOTE
        )
    )
    for request_id, body in rows:
        notes.setdefault(request_id, []).append(body or "")
    return notes


def searchable_text(request: SupportRequest, notes: list[str]) -> str:
    """Everything search looks through for one request, case-folded."""
    parts = [request.name or "", request.email, request.phone or "", request.message]
    for answer in request.answers or []:
        value = answer.get("value")
        parts.append(", ".join(value) if isinstance(value, list) else str(value or ""))
    parts.extend(notes)
    return "\n".join(parts).casefold()


def find(publication: Publication, filters: Filters, limit: int | None = LIST_LIMIT) -> Found:
    """Requests matching the filters, newest first (search decrypts; see module doc).

    `limit` bounds what is returned (None: everything, for the export).
    """
    query = _filtered(publication, filters)
    if not filters.search:
        return Found(list(db.session.scalars(query.limit(limit))), False)
    candidates = list(db.session.scalars(query.limit(SEARCH_CAP + 1)))
    capped = len(candidates) > SEARCH_CAP
    candidates = candidates[:SEARCH_CAP]
    notes = notes_by_request([r.id for r in candidates])
    needle = filters.search.casefold()
    matches = [r for r in candidates if needle in searchable_text(r, notes.get(r.id, []))]
    return Found(matches[:limit] if limit else matches, capped)


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
        columns[stage] = list(db.session.scalars(query.limit(BOARD_COLUMN_LIMIT)))
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
