"""Subscriber CSV imports: accept an upload, queue it as a job, find and run it.

`start_import` checks the file, stores it and enqueues `worker.jobs.run_import`. The job
(`run_import`) hands the file to `import_run`, which reads it in chunks; each chunk's
inserts, counters and rejections commit together, so the progress bar moves and a retried
job resumes after the last committed chunk instead of counting its own rows as "already on
your list". Imported readers keep the status their old platform gave them (an unsubscribed
reader never becomes active) and get a confirmation email only when the practitioner asks
for one.
"""

from __future__ import annotations

import os
import re

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import defer

from saas.audience.imports.formats import CsvFileError, pack, read_csv_file, unpack
from saas.audience.imports.progress import save_progress
from saas.audience.imports.records import parse_tags
from saas.audience.imports.run import ImportRun
from saas.audience.models import IMPORT_DONE, IMPORT_FAILED, SubscriberImport
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import enqueue
from saas.core.tenancy import cross_tenant
from saas.publishing.models import Publication

INTERRUPTED = "The import stopped unexpectedly. It is retried automatically."


class ImportRefused(ValueError):
    """The upload was not stored; the message tells the practitioner why."""


def _display_filename(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/"))
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", name).split())[:255] or "upload.csv"


def start_import(
    publication: Publication,
    filename: str,
    content: bytes,
    *,
    ask_to_confirm: bool = False,
    tag_name: str = "",
) -> SubscriberImport:
    """Check an uploaded file, store it and queue the import; raises ImportRefused."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if len(content) > limit:
        raise ImportRefused(f"The file is larger than {limit / 1_048_576:g} MB. Split it up.")
    try:
        parsed = read_csv_file(content)
    except CsvFileError as exc:
        raise ImportRefused(str(exc)) from exc
    tags = parse_tags(tag_name)
    import_ = SubscriberImport(
        publication_id=publication.id,
        filename=_display_filename(filename),
        content=pack(content),
        detected_format=parsed.format,
        send_confirmation=ask_to_confirm,
        tag_name=tags[0] if tags else "",
    )
    db.session.add(import_)
    db.session.commit()
    import_id = import_.id
    # The job reloads the row without the file; this copy would drag it along on each reload.
    db.session.expunge(import_)
    enqueue("worker.jobs.run_import", import_id, queue="default")
    return get_import(publication, import_id)


def publication_id_of(import_id: int) -> int | None:
    """The publication an import belongs to: the one lookup a job makes before binding."""
    with cross_tenant():
        return db.session.scalar(
            select(SubscriberImport.publication_id).where(SubscriberImport.id == import_id)
        )


def get_import(
    publication: Publication, import_id: int, *, rejections: bool = False
) -> SubscriberImport | None:
    """One of the publication's imports, without the stored file (and rejections unless asked)."""
    options = [defer(SubscriberImport.content)]
    if not rejections:
        options.append(defer(SubscriberImport.rejections))
    return db.session.scalar(
        select(SubscriberImport)
        .where(SubscriberImport.id == import_id, SubscriberImport.publication_id == publication.id)
        .options(*options)
    )


def recent_imports(publication: Publication, limit: int = 10) -> list[SubscriberImport]:
    """The publication's latest imports, newest first."""
    return list(
        db.session.scalars(
            select(SubscriberImport)
            .where(SubscriberImport.publication_id == publication.id)
            .options(defer(SubscriberImport.content), defer(SubscriberImport.rejections))
            .order_by(SubscriberImport.id.desc())
            .limit(limit)
        )
    )


def run_import(publication: Publication, import_id: int) -> SubscriberImport | None:
    """The job's body: process the file from the last committed chunk; safe to run twice."""
    import_ = get_import(publication, import_id, rejections=True)
    if import_ is None or import_.status == IMPORT_DONE:
        return import_
    stored = db.session.scalar(
        select(SubscriberImport.content).where(SubscriberImport.id == import_id)
    )
    stored = unpack(stored)
    try:
        parsed = read_csv_file(stored)
    except CsvFileError as exc:
        save_progress(import_id, status=IMPORT_FAILED, error=str(exc)[:500], finished_at=utcnow())
        return get_import(publication, import_id)
    run = ImportRun(publication, import_, parsed)
    try:
        run.run()
    except Exception:
        db.session.rollback()
        save_progress(import_id, status=IMPORT_FAILED, error=INTERRUPTED)
        raise
    return get_import(publication, import_id)
