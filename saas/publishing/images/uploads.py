"""Storing a practitioner's image upload, deleting one, and what a publication's images take up.

An upload is checked and resized by saas.core.images before anything is written: a refused
file leaves no row and no file. The plan's storage quota is asked (publishing.hooks) with the
publication row locked, so two uploads at once cannot both squeeze past it. Files are
written before the row commits and removed again if the commit fails; a file uploaded twice
is the same image (same content hash), stored once.
"""

from __future__ import annotations

import logging
import os
import re

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from saas.core import images as image_processing
from saas.core.extensions import db
from saas.core.storage import StorageError, get_storage
from saas.core.storage.base import content_type
from saas.publishing import hooks
from saas.publishing.images.models import Image
from saas.publishing.models import Issue, Publication

log = logging.getLogger(__name__)

ImageRefused = image_processing.ImageRefused
QuotaReached = hooks.Refused


class StorageUnavailable(RuntimeError):
    """The storage backend did not take or give up the files; nothing changed. Try again."""


def display_filename(filename: str) -> str:
    """An uploaded file's name as it may be shown: no folders, no control characters."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", name).split())[:255]


def get_image(publication: Publication, image_id: int) -> Image | None:
    """One of the publication's images by id (another publication's id finds nothing)."""
    return db.session.scalar(
        select(Image).where(Image.id == image_id, Image.publication_id == publication.id)
    )


def by_digest(publication: Publication, digest: str) -> Image | None:
    """The publication's image with this content hash."""
    return db.session.scalar(
        select(Image).where(Image.digest == digest, Image.publication_id == publication.id)
    )


def list_images(publication: Publication) -> list[Image]:
    """The publication's images, newest first."""
    return list(
        db.session.scalars(
            select(Image)
            .where(Image.publication_id == publication.id)
            .order_by(Image.created_at.desc(), Image.id.desc())
        )
    )


def storage_used(publication: Publication) -> int:
    """Bytes the publication's images take up in storage."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Image.stored_bytes), 0)).where(
                Image.publication_id == publication.id
            )
        )
    )


def storage_quota(publication: Publication) -> int | None:
    """Bytes of images the publication may keep (its plan's quota), None for no limit."""
    return hooks.image_storage_quota(publication)


def _lock_publication(publication: Publication) -> None:
    db.session.execute(
        select(Publication.id).where(Publication.id == publication.id).with_for_update()
    )


def _put(keys_and_data: list[tuple[str, bytes]]) -> None:
    storage = get_storage()
    written: list[str] = []
    try:
        for key, data in keys_and_data:
            storage.put(key, data, content_type(key))
            written.append(key)
    except StorageError as exc:
        _forget(written)
        raise StorageUnavailable(str(exc)) from exc


def _forget(keys: list[str]) -> None:
    if not keys:
        return
    try:
        get_storage().delete(keys)
    except StorageError:
        log.exception("could not remove %d image files after a failed upload", len(keys))


def store_image(
    publication: Publication,
    data: bytes,
    filename: str = "",
    *,
    issue: Issue | None = None,
    uploaded_by_id: int | None = None,
) -> Image:
    """Check, resize and store an upload; return its Image (the existing one for a repeat).

    Raises ImageRefused (not an image Tend takes), QuotaReached (the plan's storage is full)
    or StorageUnavailable (the backend failed; nothing was kept).
    """
    config = current_app.config
    existing = by_digest(publication, image_processing.digest(data))
    if existing is not None:
        return existing
    processed = image_processing.process(
        data, max_bytes=config["IMAGE_MAX_BYTES"], max_pixels=config["IMAGE_MAX_PIXELS"]
    )
    image = Image(
        publication_id=publication.id,
        digest=processed.digest,
        extension=processed.extension,
        variants=[[v.width, v.height, len(v.data)] for v in processed.variants],
        stored_bytes=processed.stored_bytes,
        filename=display_filename(filename),
        issue_id=issue.id if issue is not None else None,
        uploaded_by_id=uploaded_by_id,
    )
    _lock_publication(publication)
    try:
        hooks.check_image_storage(publication, processed.stored_bytes)
    except hooks.Refused:
        db.session.rollback()
        raise
    files = [(image.key(v.width), v.data) for v in processed.variants]
    try:
        _put(files)
    except StorageUnavailable:
        db.session.rollback()  # let go of the publication's lock
        raise
    db.session.add(image)
    try:
        db.session.commit()
    except IntegrityError:
        # The same file, uploaded at the same moment by another request: keep theirs.
        db.session.rollback()
        found = by_digest(publication, processed.digest)
        if found is None:
            raise
        return found
    except BaseException:
        db.session.rollback()
        _forget([key for key, _data in files])
        raise
    return image


def delete_image(publication: Publication, image: Image) -> None:
    """Delete the image's files, then its row (a failure leaves the row to try again)."""
    try:
        get_storage().delete(image.keys)
    except StorageError as exc:
        raise StorageUnavailable(str(exc)) from exc
    db.session.delete(image)
    db.session.commit()


def erase_all(publication: Publication) -> int:
    """Delete every file stored for the publication and every image row; returns the rows.

    For erasing a publication: files are listed by the publication's key prefix, so files
    whose row never committed go too.
    """
    storage = get_storage()
    try:
        storage.delete(storage.keys(f"{publication.id}/"))
    except StorageError as exc:
        raise StorageUnavailable(str(exc)) from exc
    removed = db.session.execute(delete(Image).where(Image.publication_id == publication.id))
    db.session.commit()
    return removed.rowcount or 0
