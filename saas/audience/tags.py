"""Tags on readers: create on first use, attach, detach."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from saas.audience.models import Subscriber, SubscriberTag, Tag
from saas.core.extensions import db
from saas.publishing.models import Publication


def parse_tag_names(raw: str) -> list[str]:
    """Comma- or semicolon-separated names, trimmed, de-duplicated, at most 60 characters."""
    names: list[str] = []
    for piece in raw.replace(";", ",").split(","):
        name = " ".join(piece.split())[:60]
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def get_or_create(publication: Publication, name: str) -> Tag:
    """The publication's tag with this name (case-insensitive), created if new."""
    tag = db.session.scalar(select(Tag).where(func.lower(Tag.name) == name.lower()))
    if tag is not None:
        return tag
    tag = Tag(publication_id=publication.id, name=name)
    db.session.add(tag)
    db.session.flush()
    return tag


def add_tags(publication: Publication, subscriber: Subscriber, names: list[str]) -> None:
    """Attach tags to a reader."""
    current = {t.id for t in subscriber.tags}
    for name in names:
        tag = get_or_create(publication, name)
        if tag.id not in current:
            db.session.add(
                SubscriberTag(
                    publication_id=publication.id, subscriber_id=subscriber.id, tag_id=tag.id
                )
            )
            current.add(tag.id)
    db.session.commit()
    db.session.refresh(subscriber)


def remove_tag(publication: Publication, subscriber: Subscriber, tag_id: int) -> bool:
    """Detach one tag from a reader; False if it was not on them."""
    result = db.session.execute(
        delete(SubscriberTag)
        .where(SubscriberTag.subscriber_id == subscriber.id, SubscriberTag.tag_id == tag_id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(subscriber)
    return bool(result.rowcount)
