"""Issue page views: counted in Redis as pages are served, added to the rollups in batches.

An issue page kept by publishing costs no database query; counting its view must not add
one. A view is one HINCRBY on a Redis hash (fakeredis in the embedded default), its field
naming the day, publication and issue: never a reader. A view the public page cache answers
(Flask never sees it) is counted by its path, and resolved to the issue when flushed.
`flush` moves the counts into IssueDaily: the dashboard pages flush before they read, and
`flask serve`'s periodic work (or `flask flush-page-views` from cron) flushes in between.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask import current_app
from redis.exceptions import RedisError, ResponseError
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import get_connection
from saas.core.tenancy import bound_to
from saas.insights import counting
from saas.publishing.models import Issue, Publication

KEY = "tend:insights:page-views"
# Views answered by the public page cache, which knows the path only: field day:slug:issue-slug.
PATH_KEY = "tend:insights:page-views-by-path"
ISSUE_PATH = re.compile(r"^/p/([^/]+)/issues/([^/]+)$")


def note_view(publication_id: int, issue_id: int) -> None:
    """Count one view of the issue's page today (a Redis failure loses the view, not the page)."""
    field = f"{utcnow().date().isoformat()}:{publication_id}:{issue_id}"
    try:
        get_connection().hincrby(KEY, field, 1)
    except RedisError:
        current_app.logger.info("an issue page view was not counted: Redis is away")


def note_cached_view(path: str) -> None:
    """Count one view of the issue page at `path`, answered by the public page cache."""
    found = ISSUE_PATH.match(path)
    if found is None:
        return
    field = f"{utcnow().date().isoformat()}:{found[1]}:{found[2]}"
    try:
        get_connection().hincrby(PATH_KEY, field, 1)
    except RedisError:
        current_app.logger.info("an issue page view was not counted: Redis is away")


def _resolve_paths() -> None:
    """Turn the cache's per-path counts into per-issue ones (a few queries per flush)."""
    connection = get_connection()
    taken = f"{PATH_KEY}:{uuid.uuid4().hex}"
    try:
        connection.rename(PATH_KEY, taken)
    except ResponseError:
        return
    try:
        for field, views in connection.hgetall(taken).items():
            text = field.decode() if isinstance(field, bytes) else field
            day, slug, issue_slug = text.split(":", 2)
            ids = _issue_ids(slug, issue_slug)
            if ids is not None:
                connection.hincrby(KEY, f"{day}:{ids[0]}:{ids[1]}", int(views))
    finally:
        connection.delete(taken)


def _issue_ids(slug: str, issue_slug: str) -> tuple[int, int] | None:
    publication_id = db.session.scalar(select(Publication.id).where(Publication.slug == slug))
    if publication_id is None:
        return None
    with bound_to(publication_id):
        issue_id = db.session.scalar(select(Issue.id).where(Issue.slug == issue_slug))
    return None if issue_id is None else (publication_id, issue_id)


def _parse(field: bytes | str) -> tuple[date, int, int]:
    text = field.decode() if isinstance(field, bytes) else field
    day, publication_id, issue_id = text.split(":")
    return date.fromisoformat(day), int(publication_id), int(issue_id)


def flush() -> int:
    """Move every counted view into the rollups; returns how many views were moved.

    RENAME takes the hash whole, so views counted meanwhile start a new one. If the
    database refuses, the counts go back into Redis for the next flush. With Redis away
    nothing moves (the dashboard still opens, showing the views counted so far).
    """
    try:
        return _flush()
    except RedisError:
        current_app.logger.info("issue page views were not moved: Redis is away")
        return 0


def _flush() -> int:
    _resolve_paths()
    connection = get_connection()
    taken = f"{KEY}:{uuid.uuid4().hex}"
    try:
        connection.rename(KEY, taken)
    except ResponseError:
        return 0  # nothing counted since the last flush
    counts = {field: int(value) for field, value in connection.hgetall(taken).items()}
    try:
        for field, views in sorted(counts.items()):
            day, publication_id, issue_id = _parse(field)
            with bound_to(publication_id):
                counting.add_issue(publication_id, issue_id, day, web_views=views)
        db.session.commit()
    except Exception:
        db.session.rollback()
        for field, views in counts.items():
            connection.hincrby(KEY, field, views)
        raise
    finally:
        connection.delete(taken)
    return sum(counts.values())
