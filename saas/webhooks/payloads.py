"""The `data` of each event: what a receiver learns about a reader, issue, send, reply, request.

A support request in confidential mode (the publication's support setting, on by default)
gives ids and stages only: never a name, an address, a message or an answer. Outside it, the
request's contact details and what the reader wrote come too, as in the notification email.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from saas.audience.models import Subscriber
from saas.core.links import absolute_public_url
from saas.delivery import upkeep
from saas.delivery.models import Send
from saas.publishing.models import Issue, Publication
from saas.replies.models import Reply
from saas.support.models import SupportRequest


def timestamp(when: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as every time in a payload is written."""
    if when is None:
        return None
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def subscriber(reader: Subscriber) -> dict[str, Any]:
    """A reader of the list."""
    return {
        "id": reader.id,
        "email": reader.email,
        "name": reader.name,
        "status": reader.status,
        "source": reader.source,
        "tags": [tag.name for tag in reader.tags],
        "created_at": timestamp(reader.created_at),
        "confirmed_at": timestamp(reader.confirmed_at),
        "unsubscribed_at": timestamp(reader.unsubscribed_at),
    }


def issue(publication: Publication, item: Issue) -> dict[str, Any]:
    """A published issue, with the address readers read it at."""
    return {
        "id": item.id,
        "number": item.number,
        "title": item.title,
        "subtitle": item.subtitle,
        "audience": item.audience,
        "url": absolute_public_url(publication, "public.publishing.issue", issue_slug=item.slug),
        "published_at": timestamp(item.published_at),
    }


def send(item: Send) -> dict[str, Any]:
    """A finished send, with its deliveries counted by outcome (as the send kept them)."""
    counts = item.final_counts or upkeep.delivery_counts(item)
    return {
        "id": item.id,
        "issue_id": item.issue_id,
        "status": item.status,
        "recipients": item.total,
        "deliveries": {status: counts[status] for status in sorted(counts)},
        "started_at": timestamp(item.started_at),
        "finished_at": timestamp(item.finished_at),
    }


def reply(item: Reply) -> dict[str, Any]:
    """A reader's reply to an issue, on the web or by email."""
    return {
        "id": item.id,
        "issue_id": item.issue_id,
        "subscriber_id": item.subscriber_id,
        "in_reply_to": item.answer_to_id,
        "channel": item.channel,
        "status": item.status,
        "author_name": item.author_name,
        "text": item.body_text,
        "created_at": timestamp(item.created_at),
    }


def support_request(
    request: SupportRequest, confidential: bool, previous: str | None = None
) -> dict[str, Any]:
    """A support request: ids and stage only in confidential mode."""
    data: dict[str, Any] = {"id": request.id, "stage": request.stage}
    if previous is not None:
        data["previous_stage"] = previous
    data["confidential"] = confidential
    if confidential:
        return data
    data.update(
        {
            "created_at": timestamp(request.created_at),
            "channel": request.channel,
            "source_issue_number": request.source_issue_number,
            "name": request.name,
            "email": request.email,
            "phone": request.phone,
            "preferred_contact": request.preferred_contact,
            "message": request.message,
            "answers": request.answers,
        }
    )
    return data
