"""Subscribers and tags: list (keyset pages), read, add, tag, unsubscribe, erase."""

from __future__ import annotations

from flask import g

from saas.api import scopes
from saas.api.blueprints import subscribers_bp as bp
from saas.api.schemas.audience import (
    NewSubscriber,
    SubscriberOut,
    SubscriberPage,
    SubscriberQuery,
    TagList,
    TagNames,
    TagOut,
)
from saas.api.spec import operation
from saas.audience import subscriber_queries, subscribers, tags
from saas.audience.models import Subscriber
from saas.core import problems

ID = "<int:subscriber_id>"


def _subscriber_or_404(subscriber_id: int) -> Subscriber:
    subscriber = subscriber_queries.get(g.publication, subscriber_id)
    if subscriber is None:
        raise problems.Problem(404, "No subscriber with this id.")
    return subscriber


def _out(subscriber: Subscriber) -> SubscriberOut:
    return SubscriberOut.model_validate(
        {
            **{name: getattr(subscriber, name) for name in SubscriberOut.model_fields},
            "tags": [TagOut(id=t.id, name=t.name) for t in subscriber.tags],
        }
    )


@bp.get("/subscribers")
@operation(
    "listSubscribers",
    tag="subscribers",
    scope=scopes.SUBSCRIBERS_READ,
    query=SubscriberQuery,
    ok=SubscriberPage,
    errors=(422,),
)
def list_subscribers(query: SubscriberQuery):
    """List subscribers, newest first

    Keyset pagination: each page's `next_cursor` is the `after` of the next page; it stays
    right while readers join or leave. Filter by `status` or `tag_id`.
    """
    page = subscriber_queries.list_page(
        g.publication,
        status=query.status,
        tag_id=query.tag_id,
        sort="newest",
        after=query.after,
        per_page=query.limit,
    )
    return SubscriberPage(data=[_out(s) for s in page.items], next_cursor=page.next_cursor)


@bp.get(f"/subscribers/{ID}")
@operation(
    "getSubscriber",
    tag="subscribers",
    scope=scopes.SUBSCRIBERS_READ,
    ok=SubscriberOut,
    errors=(404,),
)
def get_subscriber(subscriber_id: int):
    """Get a subscriber"""
    return _out(_subscriber_or_404(subscriber_id))


@bp.post("/subscribers")
@operation(
    "createSubscriber",
    tag="subscribers",
    scope=scopes.SUBSCRIBERS_WRITE,
    json=NewSubscriber,
    created=SubscriberOut,
    errors=(409, 422),
)
def create_subscriber(json: NewSubscriber):
    """Add a subscriber

    With `imported_with_consent` false (the default) the reader is emailed a link to
    confirm and stays `pending` until they do (double opt-in). Set it only for readers who
    already agreed elsewhere, and say how in `consent_note`. An address already on the list
    is a 409 and changes nothing.
    """
    subscriber, created = subscribers.add_manually(
        g.publication,
        json.email,
        json.name,
        ask_to_confirm=not json.imported_with_consent,
        note=json.consent_note,
    )
    if not created:
        raise problems.Problem(
            409,
            "This address is already on your list.",
            kind=problems.CONFLICT,
            errors=[problems.field_error("email", "This address is already on your list.")],
        )
    names = tags.parse_tag_names(",".join(json.tags))
    if names:
        tags.add_tags(g.publication, subscriber, names)
    return _out(subscriber), 201


@bp.post(f"/subscribers/{ID}/tags")
@operation(
    "tagSubscriber",
    tag="subscribers",
    scope=scopes.SUBSCRIBERS_WRITE,
    json=TagNames,
    ok=SubscriberOut,
    errors=(404, 422),
)
def tag_subscriber(subscriber_id: int, json: TagNames):
    """Put tags on a subscriber

    Names are matched without regard to case; a new name becomes a new tag.
    """
    subscriber = _subscriber_or_404(subscriber_id)
    tags.add_tags(g.publication, subscriber, tags.parse_tag_names(",".join(json.names)))
    return _out(subscriber)


@bp.delete(f"/subscribers/{ID}/tags/<int:tag_id>")
@operation(
    "untagSubscriber",
    tag="subscribers",
    scope=scopes.SUBSCRIBERS_WRITE,
    ok=SubscriberOut,
    errors=(404,),
)
def untag_subscriber(subscriber_id: int, tag_id: int):
    """Take a tag off a subscriber"""
    subscriber = _subscriber_or_404(subscriber_id)
    if not tags.remove_tag(g.publication, subscriber, tag_id):
        raise problems.Problem(404, "This subscriber does not carry that tag.")
    return _out(subscriber)


@bp.post(f"/subscribers/{ID}/unsubscribe")
@operation(
    "unsubscribeSubscriber",
    tag="subscribers",
    scope=scopes.SUBSCRIBERS_WRITE,
    ok=SubscriberOut,
    errors=(404,),
)
def unsubscribe_subscriber(subscriber_id: int):
    """Unsubscribe a subscriber

    They get no more issues; their history is kept. Doing it twice changes nothing.
    """
    subscriber = _subscriber_or_404(subscriber_id)
    subscribers.unsubscribe(g.publication, subscriber.id, "through the API")
    return _out(subscriber)


@bp.delete(f"/subscribers/{ID}")
@operation(
    "eraseSubscriber",
    tag="subscribers",
    scope=scopes.SUBSCRIBERS_WRITE,
    no_content=True,
    errors=(404,),
)
def erase_subscriber(subscriber_id: int):
    """Erase a subscriber and their personal data

    The right to erasure: the reader, their history, replies' names and words, support
    requests and payments go, as when erased from the dashboard. It cannot be undone.
    """
    subscribers.erase(g.publication, _subscriber_or_404(subscriber_id))
    return "", 204


@bp.get("/tags")
@operation("listTags", tag="subscribers", scope=scopes.SUBSCRIBERS_READ, ok=TagList)
def list_tags():
    """List tags"""
    return TagList(
        data=[TagOut(id=t.id, name=t.name) for t in subscriber_queries.all_tags(g.publication)]
    )
