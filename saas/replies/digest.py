"""The daily digest of new replies, for practitioners who chose it over one email per reply.

Once a day, from DIGEST_HOUR in the publication's time zone, the owners get one email with
every reply not yet notified (of the last week). The run walks every publication that chose
the digest, on purpose (publications are not tenant rows; replies are read bound to each).
In production an RQ job runs hourly and schedules its next run; in the embedded default the
scheduler thread of `flask serve` calls it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from saas.core import queue
from saas.core.extensions import db
from saas.core.links import external_url
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.mail.compose import compose
from saas.mail.transport import send
from saas.publishing.models import Issue, Publication
from saas.replies.mail import conversation_url, owner_addresses
from saas.replies.models import NOTIFY_DAILY, Reply

DIGEST_HOUR = 8
LOOKBACK = timedelta(days=7)
DIGEST_JOB = "worker.jobs.send_reply_digests"
DIGEST_JOB_ID_PREFIX = "tend-reply-digest-"


def _zone(publication: Publication) -> ZoneInfo:
    try:
        return ZoneInfo(publication.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def digest_due(publication: Publication, now: datetime) -> bool:
    """Whether today's digest (local time) may go out now and has not gone yet."""
    zone = _zone(publication)
    local_now = now.astimezone(zone)
    if local_now.hour < DIGEST_HOUR:
        return False
    last = publication.reply_digest_sent_at
    return last is None or last.astimezone(zone).date() < local_now.date()


def _waiting(publication: Publication, now: datetime) -> list[tuple[Reply, Issue]]:
    rows = db.session.execute(
        select(Reply, Issue)
        .join(Issue, Issue.id == Reply.issue_id)
        .where(
            Reply.publication_id == publication.id,
            Reply.is_author.is_(False),
            Reply.deleted_at.is_(None),
            Reply.notified_at.is_(None),
            Reply.created_at >= now - LOOKBACK,
        )
        .order_by(Reply.created_at)
    ).all()
    return [(reply, issue) for reply, issue in rows]


def send_digest(publication: Publication, now: datetime | None = None) -> int:
    """Send the publication's digest if it is due and has replies; returns replies included."""
    now = now or utcnow()
    if publication.reply_notifications != NOTIFY_DAILY or not digest_due(publication, now):
        return 0
    waiting = _waiting(publication, now)
    if not waiting:
        return 0
    items = [
        {"reply": reply, "issue": issue, "url": conversation_url(publication, reply)}
        for reply, issue in waiting
    ]
    inbox = external_url("dashboard.replies.inbox", pub_slug=publication.slug)
    for address in owner_addresses(publication):
        send(
            compose(
                "reply_digest", to=address, publication=publication, items=items, inbox_url=inbox
            )
        )
    for reply, _ in waiting:
        reply.notified_at = now
    publication.reply_digest_sent_at = now
    db.session.commit()
    current_app.logger.info(
        "reply digest of publication %s: %s reply(ies)", publication.id, len(waiting)
    )
    return len(waiting)


def send_reply_digests(now: datetime | None = None) -> int:
    """Send every due digest; returns how many digests went out."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(Publication.id).where(
            Publication.reply_notifications == NOTIFY_DAILY, Publication.suspended_at.is_(None)
        )
    ).all()
    sent = 0
    for publication_id in ids:
        with bound_to(publication_id):
            publication = db.session.get(Publication, publication_id)
            try:
                sent += 1 if send_digest(publication, now) else 0
            except Exception:  # one publication's failure must not stop the others
                db.session.rollback()
                current_app.logger.exception("reply digest of %s failed", publication_id)
    return sent


def schedule_next_run(after: timedelta = timedelta(hours=1)) -> str | None:
    """Put the next hourly run on RQ's scheduler; returns its job id (None when embedded)."""
    return queue.schedule_next_run(DIGEST_JOB, DIGEST_JOB_ID_PREFIX, after, "%Y-%m-%dT%H")
