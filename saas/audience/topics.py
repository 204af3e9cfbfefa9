"""Topics: what readers may choose to hear about, each one a tag they set on themselves.

A practitioner makes a topic from a tag (made if new); a reader's choices are that tag on
them or not. Only topic tags ever change here: the practitioner's other tags on a reader are
left alone. Sends reach a topic's readers through a segment on its tag.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from saas.audience import tags
from saas.audience.models import Subscriber, SubscriberTag, Topic
from saas.core.extensions import db
from saas.publishing.models import Publication

MAX_TOPICS = 20


class TopicError(ValueError):
    """The topic cannot be saved; the message says why, for the practitioner."""


def list_topics(publication: Publication) -> list[Topic]:
    """The publication's topics, oldest first (the order readers see them in)."""
    return list(db.session.scalars(select(Topic).order_by(Topic.id)))


def add_topic(publication: Publication, name: str, description: str = "") -> Topic:
    """A new topic on the tag with this name (made if new)."""
    name = " ".join(name.split())[:60]
    if not name:
        raise TopicError("Name the topic.")
    if len(list_topics(publication)) >= MAX_TOPICS:
        raise TopicError(f"A publication can offer up to {MAX_TOPICS} topics.")
    tag = tags.get_or_create(publication, name)
    if db.session.scalar(select(Topic.id).where(Topic.tag_id == tag.id)) is not None:
        db.session.rollback()
        raise TopicError(f"“{tag.name}” is already a topic.")
    topic = Topic(publication_id=publication.id, tag_id=tag.id, description=description[:200])
    db.session.add(topic)
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same topic added twice at once
        db.session.rollback()
        raise TopicError(f"“{name}” is already a topic.") from exc
    return topic


def remove_topic(publication: Publication, topic_id: int) -> bool:
    """Stop offering a topic; its tag and the readers carrying it stay."""
    removed = db.session.execute(
        delete(Topic).where(Topic.id == topic_id).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(removed)


def chosen_topic_ids(publication: Publication, subscriber: Subscriber) -> set[int]:
    """The topics the reader has (their tag is on them)."""
    carried = {tag.id for tag in subscriber.tags}
    return {topic.id for topic in list_topics(publication) if topic.tag_id in carried}


def _known(publication: Publication, topic_ids: Iterable[int]) -> list[Topic]:
    wanted = set(topic_ids)
    return [topic for topic in list_topics(publication) if topic.id in wanted]


def set_topics(publication: Publication, subscriber: Subscriber, topic_ids: Iterable[int]) -> None:
    """Make the reader's topics exactly these (ids of other publications' topics are ignored)."""
    chosen = {topic.tag_id for topic in _known(publication, topic_ids)}
    offered = {topic.tag_id for topic in list_topics(publication)}
    carried = {tag.id for tag in subscriber.tags}
    for tag_id in chosen - carried:
        db.session.add(
            SubscriberTag(publication_id=publication.id, subscriber_id=subscriber.id, tag_id=tag_id)
        )
    dropped = (offered - chosen) & carried
    if dropped:
        db.session.execute(
            delete(SubscriberTag)
            .where(SubscriberTag.subscriber_id == subscriber.id, SubscriberTag.tag_id.in_(dropped))
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    db.session.refresh(subscriber)


def add_topics(publication: Publication, subscriber_id: int, topic_ids: Iterable[int]) -> None:
    """Put the chosen topics on a reader who just asked to subscribe (adds, never removes)."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        return
    carried = {tag.id for tag in subscriber.tags}
    for topic in _known(publication, topic_ids):
        if topic.tag_id not in carried:
            db.session.add(
                SubscriberTag(
                    publication_id=publication.id, subscriber_id=subscriber.id, tag_id=topic.tag_id
                )
            )
            carried.add(topic.tag_id)
    db.session.commit()


def parse_ids(values: Iterable[str]) -> list[int]:
    """Topic ids from form values, ignoring anything that is not a plain small number."""
    return [int(v) for v in values if v.isdigit() and len(v) < 10]
