"""Segments: which active readers a send goes to, stored with the send as checked JSON.

A `Segment` is the whole definition (paid or free, tags any/all/none of, joined on or after /
before a date in the publication's time zone, how they joined); every part left out matches
everyone, so the empty segment is the whole list. `conditions` turns it into SQL over the
subscribers table, used alike by the count the send page shows and by the fan-out, so the
count is exactly who gets the issue. Tags are named, as the practitioner sees them; a name
must exist when the segment is chosen (`check`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from sqlalchemy import and_, func, select, true
from sqlalchemy.sql.elements import ColumnElement
from werkzeug.datastructures import MultiDict

from saas.audience.models import (
    ACTIVE,
    SOURCE_EMBED,
    SOURCE_FORM,
    SOURCE_IMPORT,
    SOURCE_MANUAL,
    Subscriber,
    SubscriberTag,
    Tag,
)
from saas.billing.paid.access_filter import has_paid_access
from saas.billing.paid.reader_sync import SOURCE_CHECKOUT
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.delivery import suppression
from saas.publishing.models import Publication

# How a reader joined, as the send page names it.
SOURCES = {
    SOURCE_FORM: "Subscribe page",
    SOURCE_EMBED: "Embedded form",
    SOURCE_IMPORT: "Import",
    SOURCE_MANUAL: "Added by you",
    SOURCE_CHECKOUT: "Paid checkout",
}
PAID_CHOICES = {"any": "Paid and free", "paid": "Paid readers", "free": "Free readers"}
TAG_RULES = {"tags_any": "any of", "tags_all": "all of", "tags_none": "none of"}
MAX_TAGS = 50

TagName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Source = Literal["form", "embed", "import", "manual", "checkout"]


class SegmentError(ValueError):
    """The segment cannot be used; the message says why, for the practitioner."""


class Segment(BaseModel):
    """Who among the active readers: every rule left out matches everyone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paid: Literal["any", "paid", "free"] = Field(
        default="any", description="Paid readers only, free readers only, or both."
    )
    tags_any: list[TagName] = Field(
        default_factory=list, max_length=MAX_TAGS, description="Readers with any of these tags."
    )
    tags_all: list[TagName] = Field(
        default_factory=list, max_length=MAX_TAGS, description="Readers with all of these tags."
    )
    tags_none: list[TagName] = Field(
        default_factory=list, max_length=MAX_TAGS, description="Readers with none of these tags."
    )
    joined_after: date | None = Field(
        default=None, description="Joined on or after this day (the publication's time zone)."
    )
    joined_before: date | None = Field(
        default=None, description="Joined before this day (the publication's time zone)."
    )
    sources: list[Source] = Field(
        default_factory=list,
        max_length=len(SOURCES),
        description="Joined through one of these: form, embed, import, manual, checkout.",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> Segment:
        if self.joined_after and self.joined_before and self.joined_after >= self.joined_before:
            raise ValueError("The “before” day must come after the “on or after” day.")
        return self

    def is_everyone(self) -> bool:
        """True when no rule narrows the list."""
        return self == Segment()

    def stored(self) -> dict | None:
        """The JSON kept on the send (None: every active reader)."""
        if self.is_everyone():
            return None
        return self.model_dump(mode="json", exclude_defaults=True)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return str(error["msg"]).removeprefix("Value error, ")


def from_stored(data: dict | None) -> Segment:
    """The segment a send was made for (None or {}: everyone)."""
    try:
        return Segment.model_validate(data or {})
    except ValidationError as exc:
        raise SegmentError(_first_error(exc)) from exc


def from_form(form: MultiDict) -> Segment:
    """The segment chosen in the send form (or the same fields in a query string)."""
    fields: dict = {"paid": form.get("paid") or "any"}
    for name in (*TAG_RULES, "sources"):
        fields[name] = [value for value in form.getlist(name) if value.strip()]
    for name in ("joined_after", "joined_before"):
        if (form.get(name) or "").strip():
            fields[name] = form.get(name).strip()
    try:
        return Segment.model_validate(fields)
    except ValidationError as exc:
        raise SegmentError(_first_error(exc)) from exc


def _tag_ids(names: list[str]) -> dict[str, int]:
    """Lower-cased name -> id for the tags of the bound publication that exist."""
    if not names:
        return {}
    rows = db.session.execute(
        select(Tag.name, Tag.id).where(func.lower(Tag.name).in_([n.lower() for n in names]))
    )
    return {name.lower(): tag_id for name, tag_id in rows}


def check(publication: Publication, segment: Segment) -> Segment:
    """The segment, if every tag it names exists; SegmentError otherwise."""
    names = [*segment.tags_any, *segment.tags_all, *segment.tags_none]
    known = _tag_ids(names)
    missing = [name for name in names if name.lower() not in known]
    if missing:
        raise SegmentError(f"There is no tag named “{missing[0]}”.")
    return segment


def _midnight(publication: Publication, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(publication.timezone))


def conditions(
    publication: Publication, segment: Segment, now: datetime | None = None
) -> list[ColumnElement[bool]]:
    """SQL conditions on the subscribers table: the segment's active, unsuppressed readers."""
    readers = Subscriber.__table__.c
    found = [
        readers.publication_id == publication.id,
        readers.status == ACTIVE,
        # Complaints and role addresses on the platform's list are never sent to.
        suppression.excluded_from_sends(readers.email, readers.email_domain),
    ]
    known = _tag_ids([*segment.tags_any, *segment.tags_all, *segment.tags_none])
    links = SubscriberTag.__table__.c

    def tagged(tag_ids: list[int]) -> ColumnElement[bool]:
        return (
            select(links.tag_id)
            .where(
                links.publication_id == publication.id,
                links.subscriber_id == readers.id,
                links.tag_id.in_(tag_ids),
            )
            .exists()
        )

    if segment.tags_any:
        found.append(tagged([known[n.lower()] for n in segment.tags_any if n.lower() in known]))
    for name in segment.tags_all:
        # A tag deleted since the segment was chosen: nobody carries it.
        found.append(tagged([known[name.lower()]]) if name.lower() in known else ~true())
    excluded = [known[n.lower()] for n in segment.tags_none if n.lower() in known]
    if excluded:
        found.append(~tagged(excluded))
    if segment.paid != "any":
        paid = has_paid_access(publication.id, readers.id, now or utcnow())
        found.append(paid if segment.paid == "paid" else ~paid)
    if segment.joined_after:
        found.append(readers.created_at >= _midnight(publication, segment.joined_after))
    if segment.joined_before:
        found.append(readers.created_at < _midnight(publication, segment.joined_before))
    if segment.sources:
        found.append(readers.source.in_(segment.sources))
    return found


def count(publication: Publication, segment: Segment) -> int:
    """How many active readers the segment holds right now."""
    readers = Subscriber.__table__
    return db.session.scalar(
        select(func.count()).select_from(readers).where(and_(*conditions(publication, segment)))
    )


def describe(segment: Segment) -> str:
    """The segment in a line, for the send's record: 'Paid readers · tagged any of: a, b'."""
    if segment.is_everyone():
        return "All active readers"
    parts = [PAID_CHOICES[segment.paid] if segment.paid != "any" else "Active readers"]
    for name, words in TAG_RULES.items():
        tags = getattr(segment, name)
        if tags:
            parts.append(f"tagged {words}: {', '.join(tags)}")
    if segment.joined_after:
        parts.append(f"joined on or after {segment.joined_after:%-d %b %Y}")
    if segment.joined_before:
        parts.append(f"joined before {segment.joined_before:%-d %b %Y}")
    if segment.sources:
        parts.append("joined through " + ", ".join(SOURCES[s].lower() for s in segment.sources))
    return " · ".join(parts)
