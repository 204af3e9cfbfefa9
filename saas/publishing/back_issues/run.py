"""Back-issue imports: store an export for its preview, queue it, and the job that writes it.

`store_export` reads the file once (a file that cannot be read is refused and nothing is
stored), `queue_import` enqueues `worker.jobs.run_back_issue_import` after the practitioner
saw the preview, and `run_import` (the job) writes one issue per post in original order.
Each issue commits with its link to the source and the import's counters, so a retried job
carries on after the last post it wrote, and the same post is never written twice (the
link's unique source key). Imported issues are published quietly: they are not emailed
and not announced to webhooks, being old news.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue
from saas.core.tenancy import cross_tenant
from saas.publishing.back_issues import bodies, feeds, plan, progress
from saas.publishing.back_issues.formats import read_posts
from saas.publishing.back_issues.images import Rehosting
from saas.publishing.back_issues.models import (
    DONE,
    FAILED,
    PREVIEW,
    QUEUED,
    RUNNING,
    BackIssueImport,
    BackIssueLink,
)
from saas.publishing.back_issues.sources import FEED, Post, SourceRefused, detect
from saas.publishing.images.uploads import display_filename
from saas.publishing.issues import next_issue_number, store_rendered
from saas.publishing.models import (
    AUDIENCE_EVERYONE,
    AUDIENCE_PAID,
    STATUS_PUBLISHED,
    Issue,
    Publication,
)
from saas.publishing.rendering import render_body, slugify

INTERRUPTED = "The import stopped unexpectedly. It is retried automatically."


def store_export(
    publication: Publication,
    filename: str,
    content: bytes,
    *,
    fetch_images: bool = True,
    source_format: str | None = None,
    display_name: str = "",
) -> BackIssueImport:
    """Check an export and keep it for its preview; raises SourceRefused (nothing stored)."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if len(content) > limit:
        raise SourceRefused(f"The file is larger than {limit / 1_048_576:g} MB.")
    source_format = source_format or detect(filename, content)
    posts = read_posts(source_format, content, publication)
    import_ = BackIssueImport(
        publication_id=publication.id,
        filename=display_name or display_filename(filename) or "export",
        source_format=source_format,
        content=content,
        fetch_images=fetch_images,
        status=PREVIEW,
        total_posts=len(posts),
    )
    db.session.add(import_)
    db.session.commit()
    return import_


def store_feed(publication: Publication, url: str, *, fetch_images: bool = True):
    """Fetch a feed (SSRF-safe, capped) and keep it for its preview; raises SourceRefused."""
    content = feeds.fetch(url, int(current_app.config["IMPORT_MAX_BYTES"]))
    return store_export(
        publication,
        url,
        content,
        fetch_images=fetch_images,
        source_format=FEED,
        display_name=url.strip()[:255],
    )


def get_import(publication: Publication, import_id: int, *, content: bool = False):
    """One of the publication's imports (its stored file only when asked)."""
    query = select(BackIssueImport).where(
        BackIssueImport.id == import_id, BackIssueImport.publication_id == publication.id
    )
    if not content:
        query = query.options(defer(BackIssueImport.content))
    return db.session.scalar(query)


def recent_imports(publication: Publication, limit: int = 10) -> list[BackIssueImport]:
    """The publication's latest imports, newest first."""
    return list(
        db.session.scalars(
            select(BackIssueImport)
            .options(defer(BackIssueImport.content))
            .where(BackIssueImport.publication_id == publication.id)
            .order_by(BackIssueImport.id.desc())
            .limit(limit)
        )
    )


def publication_id_of(import_id: int) -> int | None:
    """The publication an import belongs to: the one lookup a job makes before binding."""
    with cross_tenant():
        return db.session.scalar(
            select(BackIssueImport.publication_id).where(BackIssueImport.id == import_id)
        )


def queue_import(publication: Publication, import_: BackIssueImport) -> None:
    """Start a previewed import (a second click changes nothing)."""
    if import_.status != PREVIEW:
        return
    progress.save(import_.id, status=QUEUED)
    enqueue("worker.jobs.run_back_issue_import", import_.id, queue="default")


def _free_slug(publication: Publication, wanted: str) -> str:
    base = slugify(wanted)[:110] or "issue"
    taken = set(
        db.session.scalars(
            select(Issue.slug).where(
                Issue.publication_id == publication.id, Issue.slug.like(f"{base}%")
            )
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


class _Writer:
    """Writes one post at a time; counters start from what earlier attempts committed."""

    def __init__(self, publication: Publication, import_: BackIssueImport) -> None:
        self.publication = publication
        # Plain values: the row expires at each commit, and reloading it would drag the file.
        self.import_id = import_.id
        self.images_before = import_.images_rehosted
        self.images = Rehosting(publication) if import_.fetch_images else None
        self.counts = {
            "processed_posts": import_.processed_posts,
            "imported_count": import_.imported_count,
            "skipped_count": import_.skipped_count,
            "images_rehosted": import_.images_rehosted,
        }
        self.skipped = list(import_.skipped or [])
        self.image_failures = list(import_.image_failures or [])

    def _rehost(self, post: Post, source: str) -> tuple[str, str]:
        absolute = post.cover_url.startswith(("http://", "https://"))
        if self.images is None:
            return source, post.cover_url if absolute else ""
        for url in bodies.image_urls(source):
            new = self.images.new_url(url)
            if new is None:
                self.image_failures.append([post.title[:200], url[:500], self.images.failed[url]])
            else:
                source = bodies.replace_image(source, url, new)
        cover = post.cover_url
        if cover:
            new = self.images.new_url(cover)
            if new is None:
                self.image_failures.append(
                    [post.title[:200], cover[:500], self.images.failed[cover]]
                )
            # A cover at no full address would show broken: the issue goes without one.
            cover = new or (cover if absolute else "")
        self.counts["images_rehosted"] = self.images_before + self.images.stored
        return source, cover

    def write(self, post: Post, known: dict[str, int | None]) -> None:
        """Write `post` as a published issue (or record why not), with the counters."""
        self.counts["processed_posts"] += 1
        if post.skip_reason or post.source_key in known:
            reason = post.skip_reason or plan.already_reason(known[post.source_key])
            self._skip(post, reason)
            return
        source, cover = self._rehost(post, bodies.stored_source(post.html))
        issue = Issue(
            publication_id=self.publication.id,
            title=post.title[:200],
            subtitle=post.subtitle[:300],
            slug=_free_slug(self.publication, post.slug or post.title),
            body_markdown=source,
            cover_image_url=cover[:500],
            status=STATUS_PUBLISHED,
            audience=AUDIENCE_PAID if post.paid else AUDIENCE_EVERYONE,
            published_at=post.published_at or utcnow(),
            feed_guid=post.feed_guid[:500],
        )
        store_rendered(issue, render_body(source))
        issue.number = next_issue_number(self.publication.id)
        db.session.add(issue)
        db.session.flush()
        db.session.add(
            BackIssueLink(
                publication_id=self.publication.id,
                issue_id=issue.id,
                source_key=post.source_key,
                old_path=post.old_path[:500],
            )
        )
        self.counts["imported_count"] += 1
        known[post.source_key] = issue.number
        try:
            self._commit()
        except IntegrityError:
            # Written meanwhile by another run of this import: that copy stands.
            db.session.rollback()
            self.counts["imported_count"] -= 1
            self._skip(post, plan.ALREADY)

    def _skip(self, post: Post, reason: str) -> None:
        self.counts["skipped_count"] += 1
        self.skipped.append([post.title[:200], reason])
        self._commit()

    def _commit(self) -> None:
        progress.record(
            self.import_id,
            skipped=self.skipped,
            image_failures=self.image_failures,
            **self.counts,
        )
        db.session.commit()


def run_import(publication: Publication, import_id: int) -> BackIssueImport | None:
    """The job's body: write every post not yet written, in original order; safe to rerun."""
    import_ = get_import(publication, import_id, content=True)
    if import_ is None or import_.status in (DONE, PREVIEW):
        return import_
    try:
        posts = read_posts(import_.source_format, import_.content, publication)
    except SourceRefused as exc:
        progress.save(import_id, status=FAILED, error=str(exc)[:500], finished_at=utcnow())
        return get_import(publication, import_id)
    progress.save(import_id, status=RUNNING, error="", total_posts=len(posts))
    done = import_.processed_posts
    writer = _Writer(publication, import_)
    known = plan.imported_keys(publication)
    try:
        for post in posts[done:]:
            writer.write(post, known)
    except Exception:
        db.session.rollback()
        progress.save(import_id, status=FAILED, error=INTERRUPTED)
        raise
    progress.save(import_id, status=DONE, finished_at=utcnow(), content=b"")
    return get_import(publication, import_id)
