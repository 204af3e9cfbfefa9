"""Writing, publishing, scheduling and listing issues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, load_only

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue_at
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing import hooks
from saas.publishing.images import markup as image_markup
from saas.publishing.images import uploads as image_uploads
from saas.publishing.models import (
    AUDIENCE_EVERYONE,
    AUDIENCES,
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    STATUS_SCHEDULED,
    Issue,
    Publication,
)
from saas.publishing.rendering import RenderedBody, render_body, slugify

EDITABLE_FIELDS = (
    "title",
    "subtitle",
    "slug",
    "body_markdown",
    "seo_description",
    "cover_image_url",
    "cover_image_alt",
    "audience",
)


class IssueSlugTaken(ValueError):
    """Another issue of the publication already has this slug."""


@dataclass(frozen=True)
class CoverUpload:
    """An image file sent with the issue form to become its cover."""

    data: bytes
    filename: str
    uploaded_by_id: int | None = None


# Why a cover upload was not taken (the message is for the practitioner); nothing was saved.
CoverRefused = (image_uploads.ImageRefused, image_uploads.QuotaReached)


@dataclass(frozen=True)
class Page:
    """One page of a paginated list."""

    items: list[Issue]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _apply_fields(issue: Issue, fields: dict[str, str]) -> None:
    for name in EDITABLE_FIELDS:
        if name in fields and fields[name] is not None:
            setattr(issue, name, fields[name].strip() if name != "body_markdown" else fields[name])
    if fields.get("show_offerings") is not None:
        issue.show_offerings = bool(fields["show_offerings"])
    if not issue.slug:
        issue.slug = slugify(issue.title) or "issue"
    if issue.audience not in AUDIENCES:
        issue.audience = AUDIENCE_EVERYONE
    store_rendered(issue, render_body(issue.body_markdown))


def store_rendered(issue: Issue, rendered: RenderedBody) -> None:
    """Keep what readers are shown of the body on the issue (saved with it)."""
    issue.body_html = image_markup.web_html(rendered.html)
    issue.preview_html = image_markup.web_html(rendered.preview_html)
    issue.body_text = rendered.text
    issue.preview_text = rendered.preview_text
    issue.read_seconds = rendered.read_seconds
    issue.word_count = rendered.word_count


def _slug_taken(publication: Publication, slug: str, exclude_id: int | None) -> bool:
    query = select(Issue.id).where(Issue.publication_id == publication.id, Issue.slug == slug)
    if exclude_id is not None:
        query = query.where(Issue.id != exclude_id)
    return db.session.scalar(query) is not None


def _commit_or_slug_error(slug: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise IssueSlugTaken(slug) from exc


def _store_cover(publication: Publication, cover: CoverUpload, issue: Issue | None = None) -> str:
    """Store the uploaded cover; return the URL the issue shows it at (raises CoverRefused)."""
    image = image_uploads.store_image(
        publication,
        cover.data,
        cover.filename,
        issue=issue,
        uploaded_by_id=cover.uploaded_by_id,
    )
    return image_markup.variants_of(image).web.url


def create_issue(
    publication: Publication, cover: CoverUpload | None = None, **fields: str
) -> Issue:
    """Save a new draft (with `cover`, an uploaded cover image, stored first)."""
    issue = Issue(publication_id=publication.id, status=STATUS_DRAFT)
    _apply_fields(issue, fields)
    if _slug_taken(publication, issue.slug, None):
        raise IssueSlugTaken(issue.slug)
    if cover is not None:
        issue.cover_image_url = _store_cover(publication, cover)
    db.session.add(issue)
    _commit_or_slug_error(issue.slug)
    return issue


def update_issue(
    publication: Publication, issue: Issue, cover: CoverUpload | None = None, **fields: str
) -> Issue:
    """Save edits to an issue, published or not (with `cover`, an uploaded cover image)."""
    new_slug = (fields.get("slug") or "").strip() or slugify(fields.get("title") or issue.title)
    if _slug_taken(publication, new_slug, issue.id):
        raise IssueSlugTaken(new_slug)
    if cover is not None:
        fields = {**fields, "cover_image_url": _store_cover(publication, cover, issue)}
    _apply_fields(issue, {**fields, "slug": new_slug})
    _commit_or_slug_error(issue.slug)
    return issue


def next_issue_number(publication_id: int) -> int:
    """Take the publication's next issue number, inside the caller's transaction."""
    # One atomic UPDATE ... RETURNING: concurrent publishes queue on the row lock.
    return db.session.execute(
        update(Publication)
        .where(Publication.id == publication_id)
        .values(last_issue_number=Publication.last_issue_number + 1)
        .returning(Publication.last_issue_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def publish_issue(publication: Publication, issue_id: int) -> Issue:
    """Publish an issue, giving it the next number the first time it is published."""
    issue = db.session.scalar(select(Issue).where(Issue.id == issue_id).with_for_update())
    if issue is None:
        raise LookupError(issue_id)
    if issue.number is None:
        issue.number = next_issue_number(publication.id)
    went_public = issue.status != STATUS_PUBLISHED
    issue.status = STATUS_PUBLISHED
    issue.scheduled_at = None
    if issue.published_at is None:
        issue.published_at = utcnow()
    db.session.commit()
    if went_public:
        hooks.issue_published.send(publication, issue=issue)
    return issue


def unpublish_issue(publication: Publication, issue: Issue) -> Issue:
    """Take an issue off the public site; it keeps its number for when it returns."""
    issue.status = STATUS_DRAFT
    issue.scheduled_at = None
    db.session.commit()
    return issue


def schedule_issue(publication: Publication, issue: Issue, when: datetime) -> Issue:
    """Publish automatically at `when` (aware UTC)."""
    if when.tzinfo is None:
        raise ValueError("schedule time must be timezone-aware")
    issue.status = STATUS_SCHEDULED
    issue.scheduled_at = when
    db.session.commit()
    enqueue_at(when, "worker.jobs.publish_due_issues")
    return issue


def delete_issue(publication: Publication, issue: Issue) -> None:
    """Delete an issue; its number is never given to another."""
    db.session.delete(issue)
    db.session.commit()


def publish_due_issues(now: datetime | None = None) -> int:
    """Publish every scheduled issue whose time has come, across publications."""
    now = now or utcnow()
    with cross_tenant():
        due = db.session.execute(
            select(Issue.id, Issue.publication_id).where(
                Issue.status == STATUS_SCHEDULED, Issue.scheduled_at <= now
            )
        ).all()
    published = 0
    for issue_id, publication_id in due:
        publication = db.session.get(Publication, publication_id)
        with bound_to(publication_id):
            publish_issue(publication, issue_id)
        published += 1
    return published


ISSUES_PER_PAGE = 50


def list_issues(
    publication: Publication,
    status: str | None = None,
    search: str | None = None,
    page: int = 1,
    per_page: int = ISSUES_PER_PAGE,
) -> Page:
    """Dashboard list, a page at a time: drafts first, then newest number first, optionally
    filtered by status and a title/body search (a page past the end shows the last one).

    The total comes with the page (a window count), so a search reads the issues' text once.
    """
    query = select(Issue, func.count().over()).where(Issue.publication_id == publication.id)
    if status:
        query = query.where(Issue.status == status)
    if search and search.strip():
        term = search.strip()
        query = query.where(
            or_(
                Issue.title.icontains(term, autoescape=True),
                Issue.subtitle.icontains(term, autoescape=True),
                Issue.body_markdown.icontains(term, autoescape=True),
            )
        )
    query = query.order_by(
        Issue.number.desc().nulls_first(), Issue.updated_at.desc(), Issue.id.desc()
    )
    page = max(1, page)
    rows = db.session.execute(query.offset((page - 1) * per_page).limit(per_page)).all()
    if not rows and page > 1:
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        return list_issues(publication, status, search, max(1, -(-total // per_page)), per_page)
    total = rows[0][1] if rows else 0
    pages = max(1, -(-total // per_page))
    return Page(items=[issue for issue, _ in rows], page=page, pages=pages, total=total)


def status_counts(publication: Publication) -> dict[str, int]:
    """How many issues are in each status."""
    rows = db.session.execute(select(Issue.status, func.count()).group_by(Issue.status)).all()
    counts = {STATUS_DRAFT: 0, STATUS_SCHEDULED: 0, STATUS_PUBLISHED: 0}
    counts.update({status: n for status, n in rows})
    return counts


def get_issue(publication: Publication, issue_id: int) -> Issue | None:
    """An issue of this publication by id."""
    return db.session.scalar(select(Issue).where(Issue.id == issue_id))


# What issue lists show (archive, home, sitemap): never the bodies.
LISTED = load_only(
    Issue.id,
    Issue.publication_id,
    Issue.title,
    Issue.subtitle,
    Issue.slug,
    Issue.number,
    Issue.audience,
    Issue.read_seconds,
    Issue.status,
    Issue.published_at,
    Issue.updated_at,
)


def archive_pages(publication: Publication, per_page: int) -> int:
    """How many pages the public archive has."""
    total = db.session.scalar(
        select(func.count()).select_from(Issue).where(Issue.status == STATUS_PUBLISHED)
    )
    return max(1, -(-total // per_page))


def published_page(publication: Publication, page: int, per_page: int) -> Page:
    """A page of the public archive, newest first (one query: the rows and the total)."""
    page = max(1, page)
    rows = db.session.execute(
        select(Issue, func.count().over().label("total"))
        .options(LISTED)
        .where(Issue.status == STATUS_PUBLISHED)
        .order_by(Issue.published_at.desc(), Issue.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    if not rows and page > 1:
        # Past the end: the last page, as before.
        return published_page(publication, archive_pages(publication, per_page), per_page)
    total = rows[0].total if rows else 0
    pages = max(1, -(-total // per_page))
    return Page(items=[row.Issue for row in rows], page=page, pages=pages, total=total)


def latest_published(publication: Publication, limit: int, bodies: bool = False) -> list[Issue]:
    """The newest published issues (their bodies too only when asked: feeds)."""
    query = select(Issue)
    if not bodies:
        query = query.options(LISTED)
    return list(
        db.session.scalars(
            query.where(Issue.status == STATUS_PUBLISHED)
            .order_by(Issue.published_at.desc(), Issue.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Neighbour:
    """The issue just before or after another, as its page links to it."""

    slug: str
    number: int
    title: str


@dataclass(frozen=True)
class IssuePage:
    """What an issue's public page reads from the database, in one query."""

    issue: Issue
    previous: Neighbour | None
    following: Neighbour | None
    # Values higher features added to the query (`issue_page_column`), by name.
    extras: dict[str, object]


# name -> f(Issue) -> a scalar subquery correlated to the issue: what higher features read
# with the page.
_page_columns: dict[str, Callable[[Any], Any]] = {}


def issue_page_column(name: str, column: Callable[[Any], Any]) -> None:
    """Add a scalar subquery (given the Issue entity to correlate to) to the page's query."""
    _page_columns[name] = column


def _neighbour_columns(direction: str) -> list:
    other = aliased(Issue)
    before = direction == "previous"
    nearest = (
        select(other.id)
        .where(
            other.publication_id == Issue.publication_id,
            other.status == STATUS_PUBLISHED,
            other.number < Issue.number if before else other.number > Issue.number,
        )
        .order_by(other.number.desc() if before else other.number.asc())
        .limit(1)
        .correlate(Issue)
        .scalar_subquery()
    )
    found = aliased(Issue)
    return [
        select(getattr(found, name))
        .where(found.id == nearest)
        .scalar_subquery()
        .label(f"{direction}_{name}")
        for name in ("slug", "number", "title")
    ]


def issue_page(publication: Publication, slug: str) -> IssuePage | None:
    """A published issue by slug with its neighbours and what higher features add."""
    extras = [column(Issue).label(name) for name, column in _page_columns.items()]
    row = db.session.execute(
        select(Issue, *_neighbour_columns("previous"), *_neighbour_columns("following"), *extras)
        .where(Issue.slug == slug, Issue.status == STATUS_PUBLISHED)
        .limit(1)
    ).first()
    if row is None:
        return None
    values = row._mapping

    def neighbour(direction: str) -> Neighbour | None:
        if values[f"{direction}_slug"] is None:
            return None
        return Neighbour(*(values[f"{direction}_{name}"] for name in ("slug", "number", "title")))

    return IssuePage(
        row.Issue,
        neighbour("previous"),
        neighbour("following"),
        {name: values[name] for name in _page_columns},
    )


def published_by_slug(publication: Publication, slug: str) -> Issue | None:
    """A published issue by its slug."""
    return db.session.scalar(
        select(Issue).where(Issue.slug == slug, Issue.status == STATUS_PUBLISHED)
    )
