"""Working a support request: stages, private notes, answers by email, bookings, erasure.

Stage moves are announced (support.signals.stage_changed) once committed.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, func, select

from saas.accounts.models import User
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue
from saas.publishing.models import Publication
from saas.support import signals
from saas.support.mail import new_message_id
from saas.support.models import (
    BOOKED,
    CONTACT_CHOICES,
    CONTACTED,
    EVENT_BOOKED,
    EVENT_EMAILED,
    EVENT_NOTE,
    EVENT_STAGE,
    FINISHED_STAGES,
    NEW,
    SPAM,
    STAGES,
    SupportEvent,
    SupportRequest,
)

NOTE_MAX = 10_000
ANSWER_MAX = 20_000
CONTACT_LABELS = dict(CONTACT_CHOICES)
STAGE_LABELS = {
    "new": "New",
    "contacted": "Contacted",
    "booked": "Booked",
    "closed": "Closed",
    "spam": "Spam",
}


def get_request(publication: Publication, request_id: int) -> SupportRequest | None:
    """One of the publication's requests."""
    request = db.session.get(SupportRequest, request_id)
    if request is None or request.publication_id != publication.id:
        return None
    return request


def timeline(publication: Publication, request: SupportRequest) -> list[SupportEvent]:
    """The request's history, oldest first."""
    return list(
        db.session.scalars(
            select(SupportEvent)
            .where(SupportEvent.request_id == request.id)
            .order_by(SupportEvent.created_at, SupportEvent.id)
        )
    )


def authors(events: list[SupportEvent]) -> dict[int, str]:
    """Names of the practitioners who wrote timeline entries, by user id."""
    ids = {e.author_id for e in events if e.author_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def stage_counts(publication: Publication) -> dict[str, int]:
    """Requests per stage (every stage present, zero when empty)."""
    rows = db.session.execute(
        select(SupportRequest.stage, func.count())
        .where(SupportRequest.publication_id == publication.id)
        .group_by(SupportRequest.stage)
    ).all()
    counts = dict.fromkeys(STAGES, 0)
    counts.update({stage: n for stage, n in rows})
    return counts


def new_count(publication: Publication) -> int:
    """Requests nobody has answered yet (the number in the navigation)."""
    return db.session.scalar(
        select(func.count())
        .select_from(SupportRequest)
        .where(SupportRequest.publication_id == publication.id, SupportRequest.stage == NEW)
    )


def _event(request: SupportRequest, kind: str, author: User | None, **values) -> SupportEvent:
    event = SupportEvent(
        publication_id=request.publication_id,
        request_id=request.id,
        kind=kind,
        author_id=author.id if author else None,
        **values,
    )
    db.session.add(event)
    return event


def _set_stage(request: SupportRequest, stage: str, author: User | None) -> bool:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    if stage == request.stage:
        return False
    detail = f"{STAGE_LABELS[request.stage]} → {STAGE_LABELS[stage]}"
    request.stage = stage
    request.updated_at = utcnow()
    request.closed_at = utcnow() if stage in FINISHED_STAGES else None
    _event(request, EVENT_STAGE, author, detail=detail)
    return True


def move(
    publication: Publication, request: SupportRequest, stage: str, author: User | None
) -> bool:
    """Move a request to another stage; False when it already was there."""
    previous = request.stage
    changed = _set_stage(request, stage, author)
    db.session.commit()
    if changed:
        signals.stage_changed.send(publication, request=request, previous=previous)
    return changed


def add_note(
    publication: Publication, request: SupportRequest, text: str, author: User | None
) -> SupportEvent:
    """Add a private note (stored encrypted, never sent to the reader)."""
    event = _event(request, EVENT_NOTE, author, detail="Private note", body=text)
    request.updated_at = utcnow()
    db.session.commit()
    return event


def answer_by_email(
    publication: Publication, request: SupportRequest, text: str, author: User | None
) -> SupportEvent:
    """Queue the practitioner's answer to the reader; a new request becomes contacted."""
    event = _event(
        request,
        EVENT_EMAILED,
        author,
        detail="Answered by email",
        body=text,
        message_id=new_message_id("answer"),
    )
    previous = request.stage
    moved = previous == NEW and _set_stage(request, CONTACTED, author)
    request.updated_at = utcnow()
    db.session.commit()
    enqueue("worker.jobs.send_support_answer", publication.id, event.id, queue="mail")
    current_app.logger.info("support request %s: answer %s queued", request.id, event.id)
    if moved:
        signals.stage_changed.send(publication, request=request, previous=previous)
    return event


def record_booking(publication: Publication, request: SupportRequest, detail: str) -> bool:
    """A booking came in for the request: note it in the timeline and move it to booked.

    `detail` says when and through what, never who. A request marked spam stays there.
    Returns whether the stage moved.
    """
    _event(request, EVENT_BOOKED, None, detail=detail[:300])
    previous = request.stage
    moved = previous != SPAM and _set_stage(request, BOOKED, None)
    request.updated_at = utcnow()
    db.session.commit()
    if moved:
        signals.stage_changed.send(publication, request=request, previous=previous)
    return moved


def erase(publication: Publication, requests: list[SupportRequest]) -> int:
    """Delete requests and their timelines: the reader's data is gone from Tend's database."""
    ids = [r.id for r in requests if r.publication_id == publication.id]
    if not ids:
        return 0
    delete_requests(ids)
    db.session.commit()
    current_app.logger.info(
        "support requests erased for publication %s: %s", publication.id, len(ids)
    )
    return len(ids)


def delete_requests(ids: list[int]) -> None:
    """Delete requests and their timelines by id (the caller commits)."""
    publication_ids = db.session.scalars(
        select(SupportRequest.publication_id).where(SupportRequest.id.in_(ids)).distinct()
    ).all()
    for publication_id in publication_ids:
        signals.requests_erasing.send(publication_id, ids=list(ids))
    db.session.execute(
        delete(SupportEvent)
        .where(SupportEvent.request_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(SupportRequest)
        .where(SupportRequest.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
