"""The demo publication's past: readers joining over months, a finished send, replies and
support requests in several stages.

Every part checks what is already there and adds only what is missing, so `flask demo` can run
on every `make run`; readers and deliveries go in as bulk inserts to keep that quick.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from saas.accounts.models import User
from saas.audience.models import (
    ACTIVE,
    BOUNCED,
    PENDING,
    UNSUBSCRIBED,
    Subscriber,
    SubscriberEvent,
)
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.delivery import sending
from saas.delivery.models import BOUNCED as DELIVERY_BOUNCED
from saas.delivery.models import FAILED, SEND_DONE, SENT, Delivery, Send
from saas.insights import counting
from saas.insights.models import IssueDaily
from saas.publishing.models import Invitation, Issue, Publication
from saas.replies.models import CHANNEL_EMAIL, CHANNEL_WEB, PRIVATE, PUBLIC, Reply
from saas.replies.text import render_reply
from saas.site import demo_content as content
from saas.support import form_settings as support_forms
from saas.support import intake as support_intake
from saas.support import pipeline, queries

READER_COUNT = 340
HISTORY_DAYS = 270  # about nine months of sign-ups
# Same readers every run: the list is generated, not random, between runs.
_SEED = 1207


def reader_rows(publication: Publication, now: datetime) -> list[dict]:
    """Every demo reader as a row: more joining in recent months, a few who left or bounced."""
    rng = random.Random(_SEED)
    rows = []
    for n in range(READER_COUNT):
        first = content.FIRST_NAMES[n % len(content.FIRST_NAMES)]
        last = content.LAST_NAMES[(n * 7 + n // len(content.FIRST_NAMES)) % len(content.LAST_NAMES)]
        local = f"{first}.{last}".lower().replace("'", "")
        email = f"{local}@example.org" if n < 40 else f"{local}{n}@example.org"
        # sqrt skews the spread towards recent days: a list that grows faster as word spreads.
        days_ago = HISTORY_DAYS * (1 - rng.random() ** 0.5)
        if n < 12:  # the readers who reply and ask for help were there from the start
            days_ago = HISTORY_DAYS - n * 3
        joined = now - timedelta(days=days_ago, minutes=rng.randrange(1440))
        roll = rng.random()
        status = ACTIVE
        if n >= 12 and roll < 0.09:
            status = UNSUBSCRIBED
        elif n >= 12 and roll < 0.11:
            status = BOUNCED
        elif n >= 12 and days_ago < 4 and roll < 0.4:
            status = PENDING
        left = None
        if status == UNSUBSCRIBED:
            left = joined + timedelta(days=(now - joined).days * rng.random())
        rows.append(
            {
                "publication_id": publication.id,
                "email": email,
                "name": f"{first} {last}",
                "status": status,
                "source": "form" if rng.random() < 0.8 else "embed",
                "consent_note": "Demo reader",
                "hard_bounces": 1 if status == BOUNCED else 0,
                "created_at": joined,
                "confirmed_at": None if status == PENDING else joined + timedelta(minutes=7),
                "unsubscribed_at": left,
            }
        )
    return rows


def seed_readers(publication: Publication) -> list[Subscriber]:
    """Add the readers not there yet (one bulk insert); all demo readers, oldest first."""
    rows = reader_rows(publication, utcnow())
    present = set(db.session.scalars(select(Subscriber.email)))
    missing = [row for row in rows if row["email"] not in present]
    if missing:
        db.session.execute(insert(Subscriber), missing)
        db.session.commit()
    wanted = [row["email"] for row in rows]
    by_email = {s.email: s for s in db.session.scalars(select(Subscriber))}
    if missing:
        history = [line for row in missing for line in _history(by_email[row["email"]])]
        db.session.execute(insert(SubscriberEvent), history)
        db.session.commit()
    return [by_email[email] for email in wanted]


def _history(reader: Subscriber) -> list[dict]:
    """A demo reader's history lines: the growth chart is counted from these."""
    lines = [(reader.created_at, "subscribed", f"via {reader.source}")]
    if reader.confirmed_at:
        lines.append((reader.confirmed_at, "confirmed", ""))
    if reader.status == UNSUBSCRIBED and reader.unsubscribed_at:
        lines.append((reader.unsubscribed_at, "unsubscribed", "unsubscribe page"))
    if reader.status == BOUNCED:
        lines.append((reader.confirmed_at + timedelta(days=20), "bounced", "demo bounce"))
    return [
        {
            "publication_id": reader.publication_id,
            "subscriber_id": reader.id,
            "kind": kind,
            "detail": detail,
            "created_at": when,
        }
        for when, kind, detail in lines
        if when <= utcnow()
    ]


def seed_finished_send(publication: Publication, issue: Issue, readers: list[Subscriber]) -> None:
    """The issue went to every reader active when it was published: most sent, a few not."""
    if sending.send_for_issue(publication, issue.id) is not None:
        return
    started = issue.published_at + timedelta(minutes=2)
    audience = [
        r
        for r in readers
        if r.created_at <= issue.published_at
        and (r.status == ACTIVE or (r.unsubscribed_at and r.unsubscribed_at > started))
    ]
    send = Send(
        publication_id=publication.id,
        issue_id=issue.id,
        status=SEND_DONE,
        started_at=started,
        finished_at=started + timedelta(seconds=len(audience) // 20 + 30),
        total=len(audience),
        created_at=started,
    )
    db.session.add(send)
    db.session.flush()
    rows = []
    for n, reader in enumerate(audience):
        status, error, response = SENT, "", "250 2.0.0 OK queued"
        if n % 97 == 13:
            status, error, response = DELIVERY_BOUNCED, "550 5.1.1 Mailbox does not exist", ""
        elif n % 131 == 50:
            status, error, response = FAILED, "421 4.7.0 Try again later (gave up after 5)", ""
        rows.append(
            {
                "publication_id": publication.id,
                "send_id": send.id,
                "issue_id": issue.id,
                "subscriber_id": reader.id,
                "email": reader.email,
                "status": status,
                "attempts": 5 if status == FAILED else 1,
                "sent_at": started + timedelta(seconds=n // 20) if status == SENT else None,
                "message_id": f"<demo-{issue.id}-{reader.id}@tend.localhost>",
                "smtp_response": response,
                "error": error,
                "updated_at": started + timedelta(seconds=n // 20),
            }
        )
    db.session.execute(insert(Delivery), rows)
    db.session.commit()


def seed_replies(
    publication: Publication, issues: list[Issue], readers: list[Subscriber], author: User
) -> None:
    """Public replies (one answered by the practitioner) and private replies by email."""
    have = {(r.issue_id, r.subscriber_id) for r in db.session.scalars(select(Reply))}
    planned = [(i, r, "", text, CHANNEL_WEB, PUBLIC) for i, r, text in content.PUBLIC_REPLIES]
    planned += [
        (i, r, subject, text, CHANNEL_EMAIL, PRIVATE)
        for i, r, subject, text in content.PRIVATE_REPLIES
    ]
    for issue_index, reader_index, subject, text, channel, status in planned:
        issue, reader = issues[issue_index], readers[reader_index]
        if (issue.id, reader.id) in have or issue.published_at is None:
            continue
        reply = Reply(
            publication_id=publication.id,
            issue_id=issue.id,
            subscriber_id=reader.id,
            author_name=reader.name,
            channel=channel,
            status=status,
            body_text=text,
            body_html=render_reply(text),
            subject=subject,
            created_at=issue.published_at + timedelta(hours=5 + reader_index),
            read_at=None if reader_index % 2 else issue.published_at + timedelta(days=1),
        )
        db.session.add(reply)
        if reader_index == 4:  # the practitioner answers Lena on the thread
            db.session.flush()
            db.session.add(
                Reply(
                    publication_id=publication.id,
                    issue_id=issue.id,
                    parent_id=reply.id,
                    answer_to_id=reply.id,
                    author_user_id=author.id,
                    is_author=True,
                    author_name=publication.author_name,
                    status=PUBLIC,
                    body_text=content.PRACTITIONER_ANSWER,
                    body_html=render_reply(content.PRACTITIONER_ANSWER),
                    created_at=reply.created_at + timedelta(hours=20),
                    read_at=reply.created_at + timedelta(hours=20),
                )
            )
    db.session.commit()


def seed_support_requests(
    publication: Publication, readers: list[Subscriber], author: User
) -> None:
    """Requests for help at each stage of the pipeline, with the practitioner's notes."""
    form = support_forms.get_form(publication)
    for reader_index, stage, contact, message, note in content.SUPPORT_REQUESTS:
        reader = readers[reader_index]
        if queries.from_address(publication, reader.email):
            continue
        request = support_intake.submit(
            publication,
            form,
            support_intake.Submission(
                email=reader.email,
                name=reader.name,
                message=message,
                preferred_contact=contact,
                source_issue_number=1,
            ),
        )
        if note:
            pipeline.add_note(publication, request, note, author)
        if stage != request.stage:
            pipeline.move(publication, request, stage, author)


def seed_setup(publication: Publication, owner: User) -> None:
    """What a practitioner sets up in the first week: the support form and an editor invited."""
    if support_forms.saved_form(publication) is None:
        defaults = support_forms.get_form(publication)
        values = {name: getattr(defaults, name) for name in support_forms.SETTINGS_FIELDS}
        values["intro"] = content.SUPPORT_INTRO
        support_forms.save_settings(publication, [], **values)
    if (
        db.session.scalar(select(Invitation.id).where(Invitation.publication_id == publication.id))
        is None
    ):
        db.session.add(
            Invitation(
                publication_id=publication.id,
                email=content.EDITOR_EMAIL,
                invited_by_id=owner.id,
                accepted_at=None,
            )
        )
        db.session.commit()


def seed_page_views(publication: Publication, issues: list[Issue]) -> None:
    """Web views of each published issue, tapering off over the days after it went out."""
    if db.session.scalar(select(IssueDaily.id).limit(1)) is not None:
        return
    rng = random.Random(_SEED)
    today = utcnow().date()
    for issue in issues:
        if issue.published_at is None:
            continue
        first = issue.published_at.date()
        for offset in range(min(21, (today - first).days + 1)):
            views = int(60 / (offset + 1)) + rng.randrange(4)
            counting.add_issue(publication.id, issue.id, first + timedelta(days=offset), views)
    db.session.commit()
