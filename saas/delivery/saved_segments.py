"""Segments saved by name, to send to again: save (or replace) one, list them, forget one."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from saas.core.extensions import db
from saas.delivery import segments
from saas.delivery.models import SavedSegment
from saas.publishing.models import Publication

MAX_SAVED = 50


def list_saved(publication: Publication) -> list[SavedSegment]:
    """The publication's saved segments by name."""
    return list(db.session.scalars(select(SavedSegment).order_by(SavedSegment.name)))


def get_saved(publication: Publication, segment_id: int) -> SavedSegment | None:
    """One of the publication's saved segments."""
    return db.session.scalar(select(SavedSegment).where(SavedSegment.id == segment_id))


def segment_of(saved: SavedSegment) -> segments.Segment:
    """The segment a saved one holds."""
    return segments.from_stored(saved.definition)


def save(publication: Publication, name: str, segment: segments.Segment) -> SavedSegment:
    """Keep the segment under this name, replacing one saved under it before."""
    name = " ".join(name.split())[:60]
    if not name:
        raise segments.SegmentError("Name the segment to save it.")
    segments.check(publication, segment)
    saved = db.session.scalar(select(SavedSegment).where(SavedSegment.name == name))
    if saved is None:
        if len(list_saved(publication)) >= MAX_SAVED:
            raise segments.SegmentError(f"Up to {MAX_SAVED} segments can be saved.")
        saved = SavedSegment(publication_id=publication.id, name=name)
        db.session.add(saved)
    saved.definition = segment.model_dump(mode="json", exclude_defaults=True)
    try:
        db.session.commit()
    except IntegrityError as exc:  # saved under the same name at the same moment
        db.session.rollback()
        raise segments.SegmentError(f"“{name}” was just saved; try again.") from exc
    return saved


def forget(publication: Publication, segment_id: int) -> bool:
    """Delete a saved segment (sends made with it keep their own copy)."""
    removed = db.session.execute(
        delete(SavedSegment)
        .where(SavedSegment.id == segment_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(removed)
