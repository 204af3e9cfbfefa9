"""The offerings a publication lists, kept in order; the block's heading and introduction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from saas.core.extensions import db
from saas.publishing.models import Publication
from saas.publishing.offerings.models import TARGET_LINK, TARGET_SUPPORT, TARGETS, Offering

DEFAULT_HEADING = "Need more support?"
MAX_OFFERINGS = 12


class TooMany(ValueError):
    """The publication already lists as many offerings as a block can hold."""


@dataclass(frozen=True)
class OfferingFields:
    """What the practitioner writes for one offering."""

    title: str
    description: str
    button_label: str
    target: str
    url: str = ""

    def checked(self) -> OfferingFields:
        if self.target not in TARGETS:
            raise ValueError(f"Unknown target {self.target!r}")
        return OfferingFields(
            title=self.title.strip(),
            description=self.description.strip(),
            button_label=self.button_label.strip(),
            target=self.target,
            url=self.url.strip() if self.target == TARGET_LINK else "",
        )


def list_offerings(publication: Publication) -> list[Offering]:
    """The publication's offerings, in the order readers see them."""
    return list(
        db.session.scalars(
            select(Offering)
            .where(Offering.publication_id == publication.id)
            .order_by(Offering.position, Offering.id)
        )
    )


def get_offering(publication: Publication, offering_id: int) -> Offering | None:
    """One of the publication's offerings, or None."""
    return db.session.scalar(
        select(Offering).where(
            Offering.publication_id == publication.id, Offering.id == offering_id
        )
    )


def add(publication: Publication, fields: OfferingFields) -> Offering:
    """List a new offering last."""
    fields = fields.checked()
    count, last = db.session.execute(
        select(func.count(Offering.id), func.max(Offering.position)).where(
            Offering.publication_id == publication.id
        )
    ).one()
    if count >= MAX_OFFERINGS:
        raise TooMany(f"A publication lists at most {MAX_OFFERINGS} offerings.")
    offering = Offering(publication_id=publication.id, position=(last or 0) + 1, **fields.__dict__)
    db.session.add(offering)
    db.session.commit()
    return offering


def change(offering: Offering, fields: OfferingFields) -> None:
    """Rewrite an offering."""
    for name, value in fields.checked().__dict__.items():
        setattr(offering, name, value)
    db.session.commit()


def remove(offering: Offering) -> None:
    """Take an offering off the list."""
    db.session.delete(offering)
    db.session.commit()


def reorder(publication: Publication, ids: list[int]) -> bool:
    """Put the offerings in the order of `ids`; False (no change) unless it names each once."""
    offerings = {offering.id: offering for offering in list_offerings(publication)}
    if sorted(ids) != sorted(offerings):
        return False
    for position, offering_id in enumerate(ids, start=1):
        offerings[offering_id].position = position
    db.session.commit()
    return True


def move(publication: Publication, offering_id: int, step: int) -> bool:
    """Move one offering up (-1) or down (+1) the list; False when it cannot go further."""
    ids = [offering.id for offering in list_offerings(publication)]
    if offering_id not in ids:
        return False
    at = ids.index(offering_id)
    to = at + step
    if not 0 <= to < len(ids):
        return False
    ids[at], ids[to] = ids[to], ids[at]
    return reorder(publication, ids)


def save_block(publication: Publication, heading: str, intro: str) -> None:
    """The block's heading (empty: the default) and the practitioner's introducing sentence."""
    publication.offerings_heading = heading.strip()
    publication.offerings_intro = intro.strip()
    db.session.commit()


def heading_of(publication: Publication) -> str:
    """The heading readers see over the offerings."""
    return publication.offerings_heading or DEFAULT_HEADING


def points_at_support(offering: Offering) -> bool:
    """Whether the offering's button opens the publication's support form."""
    return offering.target == TARGET_SUPPORT
