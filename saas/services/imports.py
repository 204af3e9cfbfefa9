"""Subscriber CSV imports: accept an upload, run it as a job in chunks, account for every row.

`start_import` checks the file, stores it and enqueues `worker.jobs.run_import`. The job
reads the file in chunks; each chunk's inserts, counters and rejections commit together, so
the progress bar moves and a retried job resumes after the last committed chunk instead of
counting its own rows as "already on your list". Imported readers keep the status their old
platform gave them (an unsubscribed reader never becomes active) and get a confirmation email
only when the practitioner asks for one.
"""

from __future__ import annotations

import os
import re
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError
from flask import current_app
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from saas.extensions import db
from saas.models.base import utcnow
from saas.models.imports import (
    IMPORT_DONE,
    IMPORT_FAILED,
    IMPORT_RUNNING,
    SubscriberImport,
)
from saas.models.publications import Publication
from saas.models.subscribers import (
    ACTIVE,
    PENDING,
    SOURCE_IMPORT,
    UNSUBSCRIBED,
    Subscriber,
    SubscriberEvent,
    SubscriberTag,
    Tag,
)
from saas.queue import enqueue
from saas.services import billing_limits
from saas.services.csv_formats import (
    FORMAT_LABELS,
    CsvFile,
    CsvFileError,
    Record,
    normalize_address,
    parse_tags,
    read_csv_file,
)
from saas.services.subscribers import send_confirmation
from saas.tenancy import cross_tenant

CHUNK_ROWS = 10_000
# Uploads are stored compressed (a CSV shrinks to about a third): less to write, log and read.
_PACKED = b"\x00tend:zlib\x00"
ALREADY_LISTED = "already on your list"
INTERRUPTED = "The import stopped unexpectedly. It is retried automatically."


_COLUMNS = ("email", "name", "status", "created_at", "confirmed_at", "unsubscribed_at")
# PostgreSQL: each chunk is copied into a temporary table (COPY is not allowed into tables
# under row-level security, but this one has none) and one statement inserts the readers,
# their history and their tags from it. Addresses already listed are found by the
# (publication_id, email) unique index itself: a plain INSERT first, which fails on the first
# address already there, then the same INSERT with ON CONFLICT DO NOTHING. A lookup query
# would not do: when the statistics have not caught up with a new publication, the planner
# probes the publication_id index instead and scans the whole list for every address. A plain
# INSERT is a quarter cheaper than ON CONFLICT, and a first import meets no conflicts.
_PG_STAGE = (
    # A chunk lost in a crash is rolled back whole, counters included, and the retried job
    # writes it again: no need to wait for each chunk to reach the disk.
    "SET LOCAL synchronous_commit TO OFF; "
    "CREATE TEMPORARY TABLE IF NOT EXISTS tend_import_stage (email text, name text, "
    "status text, created_at timestamptz, confirmed_at timestamptz, "
    "unsubscribed_at timestamptz, tags text) ON COMMIT DELETE ROWS"
)
_PG_STAGE_COPY = "COPY tend_import_stage FROM STDIN"
_PG_INSERT = """
    WITH inserted AS (
        INSERT INTO subscribers (publication_id, email, name, status, source, consent_note,
            imported, hard_bounces, created_at, confirmed_at, unsubscribed_at)
        SELECT :pid, email, name, status, 'import', :note, true, 0,
            created_at, confirmed_at, unsubscribed_at
        FROM tend_import_stage
        {on_conflict}
        RETURNING id, email
    ), history AS (
        INSERT INTO subscriber_events (publication_id, subscriber_id, kind, detail, created_at)
        SELECT :pid, id, 'imported', :detail, :now FROM inserted
    ), tagged AS (
        INSERT INTO subscriber_tags (publication_id, subscriber_id, tag_id)
        SELECT :pid, inserted.id, known.id
        FROM inserted JOIN tend_import_stage AS stage USING (email)
        CROSS JOIN LATERAL unnest(string_to_array(stage.tags, E'\\x1f')) AS wanted(tag)
        JOIN unnest(CAST(:tag_keys AS text[]), CAST(:tag_ids AS integer[])) AS known(tag, id)
            USING (tag)
    )
    SELECT {result} FROM inserted
"""
_PG_INSERT_NEW = text(_PG_INSERT.format(on_conflict="", result="id"))
_PG_INSERT_SKIPPING_LISTED = text(
    _PG_INSERT.format(
        on_conflict="ON CONFLICT (publication_id, email) DO NOTHING", result="email, id"
    )
)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy_line(row: tuple) -> str:
    """One row in COPY's text format: tab-separated, backslash escapes, \\N for NULL."""
    return "\t".join(map(_copy_field, row)) + "\n"


class ImportRefused(ValueError):
    """The upload was not stored; the message tells the practitioner why."""


def format_label(import_: SubscriberImport) -> str:
    """Human name of the detected format."""
    return FORMAT_LABELS.get(import_.detected_format, import_.detected_format or "CSV")


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
        content=_PACKED + zlib.compress(content, 1),
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


def progress(import_: SubscriberImport) -> dict[str, Any]:
    """What the progress bar polls."""
    total = import_.total_rows
    percent = int(100 * import_.processed_rows / total) if total else 0
    return {
        "status": import_.status,
        "finished": import_.status in (IMPORT_DONE, IMPORT_FAILED),
        "total_rows": total,
        "processed_rows": import_.processed_rows,
        "imported_count": import_.imported_count,
        "rejected_count": import_.rejected_count,
        "duplicate_count": import_.duplicate_count,
        "percent": 100 if import_.status == IMPORT_DONE else percent,
        "error": import_.error,
    }


def run_import(publication: Publication, import_id: int) -> SubscriberImport | None:
    """The job's body: process the file from the last committed chunk; safe to run twice."""
    import_ = get_import(publication, import_id, rejections=True)
    if import_ is None or import_.status == IMPORT_DONE:
        return import_
    stored = db.session.scalar(
        select(SubscriberImport.content).where(SubscriberImport.id == import_id)
    )
    if stored.startswith(_PACKED):
        stored = zlib.decompress(stored[len(_PACKED) :])
    try:
        parsed = read_csv_file(stored)
    except CsvFileError as exc:
        _save(import_id, status=IMPORT_FAILED, error=str(exc)[:500], finished_at=utcnow())
        return get_import(publication, import_id)
    run = _ImportRun(publication, import_, parsed)
    try:
        run.run()
    except Exception:
        db.session.rollback()
        _save(import_id, status=IMPORT_FAILED, error=INTERRUPTED)
        raise
    return get_import(publication, import_id)


def _save(import_id: int, **values: Any) -> None:
    """Write an import's progress and commit, without reloading the row (and its file)."""
    db.session.execute(
        update(SubscriberImport).where(SubscriberImport.id == import_id).values(**values)
    )
    db.session.commit()


@dataclass
class _Chunk:
    """Rows checked and ready to write: who to insert, who was rejected and why."""

    rows: int
    rejected: list[list] = field(default_factory=list)  # [line, email as given, reason]
    duplicates: int = 0
    candidates: dict[str, Record] = field(default_factory=dict)  # address -> its first row
    values: list[tuple] = field(default_factory=list)  # a row to insert per candidate
    copy_text: str = ""  # the same rows in COPY's text format (PostgreSQL)
    tag_names: dict[str, str] = field(default_factory=dict)  # lower-cased -> as spelled


class _ImportRun:
    """One pass over a file, writing chunk by chunk; counts start from what is committed."""

    def __init__(self, publication: Publication, import_: SubscriberImport, parsed: CsvFile):
        self.publication = publication
        self.parsed = parsed
        self.import_id = import_.id
        self.ask_to_confirm = import_.send_confirmation
        self.tag_name = import_.tag_name
        # The exact row count comes from the reader thread once the writer is busy; until
        # then the progress bar shows what an earlier attempt counted, or an estimate.
        self.total: int | None = None
        self.shown_total = import_.total_rows
        self.processed = import_.processed_rows
        self.imported = import_.imported_count
        self.duplicates = import_.duplicate_count
        self.rejections: list[list] = list(import_.rejections or [])
        self.seen: dict[str, int] = {}  # address -> line of its first valid row in the file
        self.tag_ids: dict[str, int] = {}  # lower-cased name -> tag id
        self.now = utcnow()
        label = format_label(import_)
        self.note = f"Imported from {import_.filename} ({label}) on {self.now:%Y-%m-%d}"[:300]
        self.event_detail = f"import #{import_.id}: {import_.filename} ({label})"
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        self.fixed_columns = {
            "publication_id": publication.id,
            "source": SOURCE_IMPORT,
            "consent_note": self.note,
            "imported": True,
            "hard_bounces": 0,
        }

    def run(self) -> None:
        """Write every chunk not yet committed, then mark the import done."""
        estimate = self.parsed.text.count("\n") - self.parsed.header_line + 1
        total = self.shown_total or max(estimate, 1)
        _save(self.import_id, status=IMPORT_RUNNING, error="", total_rows=total)
        # Reading and checking the next chunk (pure Python, no session) overlaps with the
        # database writing this one, which keeps both CPU cores busy on a large file.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read") as ahead:
            chunks = self._chunks()
            pending = ahead.submit(next, chunks, None)
            while (chunk := pending.result()) is not None:
                pending = ahead.submit(next, chunks, None)
                self._write(chunk)
        # Every row has been read now, so the count is exact. The list is in the database;
        # keep no second copy of it.
        done = {"status": IMPORT_DONE, "finished_at": utcnow(), "total_rows": self.processed}
        _save(self.import_id, content=b"", **done)

    def _chunks(self) -> Iterator[_Chunk]:
        """Checked chunks of the rows after the last commit; earlier addresses are remembered."""
        done = self.processed  # fixed now: the writer moves self.processed on meanwhile
        batch: list[Record] = []
        # A short first chunk gets the database to work while the rest is still being read.
        size = max(1, CHUNK_ROWS // 5)
        for position, record in enumerate(self.parsed.records()):
            if position % 64 == 0:
                # Hand the interpreter lock back now and then, so the writer thread carries
                # on as soon as the database answers instead of waiting out a switch interval.
                time.sleep(0)
            if position < done:
                self._address(record)
                continue
            batch.append(record)
            if len(batch) == size:
                yield self._check(batch)
                if self.total is None and size == CHUNK_ROWS:
                    self.total = self.parsed.count_rows()  # while the writer is busy
                batch, size = [], CHUNK_ROWS
        if batch:
            yield self._check(batch)

    def _check(self, batch: list[Record]) -> _Chunk:
        chunk = _Chunk(rows=len(batch))
        for record in batch:
            address, reason = self._address(record)
            if address is None:
                chunk.rejected.append([record.line, record.email[:254], reason])
                chunk.duplicates += reason.startswith("duplicate of line")
            else:
                chunk.candidates[address] = record
                names = {n.lower(): n for n in (*record.tags, self.tag_name) if n}
                for key, name in names.items():
                    chunk.tag_names.setdefault(key, name)
                # Tag names never hold \x1f: parse_tags splits on whitespace, which includes it.
                chunk.values.append((*self._values(address, record), "\x1f".join(names)))
        if self.postgres:
            chunk.copy_text = "".join(map(_copy_line, chunk.values))
        return chunk

    def _address(self, record: Record) -> tuple[str | None, str]:
        """(normalised address, "") for a row to insert, or (None, reason) to reject it."""
        if record.problem:
            return None, record.problem
        if not record.email:
            return None, "missing email"
        try:
            address = normalize_address(record.email)
        except EmailNotValidError as exc:
            return None, f"invalid email address ({exc})"
        first = self.seen.setdefault(address, record.line)
        if first != record.line:
            return None, f"duplicate of line {first}"
        return address, ""

    def _write(self, chunk: _Chunk) -> None:
        rejected, duplicates = chunk.rejected, chunk.duplicates
        new_ids: list[int] = []
        listed: set[str] = set()  # on the list already, or added while this chunk ran
        if chunk.values:
            insert_chunk = self._insert_postgres if self.postgres else self._insert_portable
            new_ids, listed = insert_chunk(chunk)
        for address in listed:
            record = chunk.candidates[address]
            rejected.append([record.line, record.email[:254], ALREADY_LISTED])
            duplicates += 1
        # Readers past the plan's limit wait on its waiting list, pending (never dropped).
        billing_limits.hold_over_limit(self.publication, new_ids)
        self.processed += chunk.rows
        self.imported += len(new_ids)
        self.duplicates += duplicates
        progress = {
            "processed_rows": self.processed,
            "imported_count": self.imported,
            "rejected_count": len(self.rejections) + len(rejected),
            "duplicate_count": self.duplicates,
        }
        if self.total is not None:
            progress["total_rows"] = self.total
        if rejected:
            self.rejections.extend(sorted(rejected))
            progress["rejections"] = self.rejections
        _save(self.import_id, **progress)
        if self.ask_to_confirm and new_ids:
            self._send_confirmations(new_ids)

    def _values(self, address: str, record: Record) -> tuple:
        """(email, name, status, created_at, confirmed_at, unsubscribed_at) to insert."""
        status = record.status
        if status == ACTIVE and self.ask_to_confirm:
            status = PENDING
        created = record.created_at or self.now
        confirmed = (record.confirmed_at or created) if status == ACTIVE else None
        unsubscribed = (record.unsubscribed_at or self.now) if status == UNSUBSCRIBED else None
        return address, record.name, status, created, confirmed, unsubscribed

    def _insert_postgres(self, chunk: _Chunk) -> tuple[list[int], set[str]]:
        """Insert the chunk's new readers, their history and tags: (new ids, listed ones)."""
        session, pid = db.session, self.publication.id
        tag_ids = self._tag_ids(chunk.tag_names) if chunk.tag_names else []
        driver = session.connection().connection.driver_connection
        with driver.cursor() as cursor:
            cursor.execute(_PG_STAGE)
            with cursor.copy(_PG_STAGE_COPY) as copy:
                copy.write(chunk.copy_text)
        params = {"pid": pid, "note": self.note, "now": self.now}
        params.update(detail=self.event_detail, tag_ids=tag_ids)
        params["tag_keys"] = list(chunk.tag_names)
        try:
            with session.begin_nested():
                return list(session.execute(_PG_INSERT_NEW, params).scalars()), set()
        except IntegrityError:
            inserted = dict(session.execute(_PG_INSERT_SKIPPING_LISTED, params).all())
            return list(inserted.values()), chunk.candidates.keys() - inserted.keys()

    def _insert_portable(self, chunk: _Chunk) -> tuple[list[int], set[str]]:
        """The same for SQLite, with SQLAlchemy's batched multi-row inserts."""
        query = select(Subscriber.email).where(Subscriber.email.in_(list(chunk.candidates)))
        listed = set(db.session.scalars(query))
        rows = [row for row in chunk.values if row[0] not in listed]
        if not rows:
            return [], listed
        table = Subscriber.__table__
        statement = (
            sqlite.insert(table)
            .on_conflict_do_nothing(index_elements=["publication_id", "email"])
            .returning(table.c.email, table.c.id)
        )
        params = [dict(zip(_COLUMNS, row[:6], strict=True), **self.fixed_columns) for row in rows]
        new_ids = dict(db.session.execute(statement, params).all())
        history = [
            {
                "publication_id": self.publication.id,
                "subscriber_id": subscriber_id,
                "kind": "imported",
                "detail": self.event_detail,
                "created_at": self.now,
            }
            for subscriber_id in new_ids.values()
        ]
        if history:
            db.session.execute(insert(SubscriberEvent.__table__), history)
        self._add_tags(new_ids, chunk)
        return list(new_ids.values()), chunk.candidates.keys() - new_ids.keys()

    def _add_tags(self, new_ids: dict[str, int], chunk: _Chunk) -> None:
        """Tag each new reader with their row's tags and the file's tag (SQLite path)."""
        if not chunk.tag_names:
            return
        tag_ids = dict(zip(chunk.tag_names, self._tag_ids(chunk.tag_names), strict=True))
        links = [
            {
                "publication_id": self.publication.id,
                "subscriber_id": new_ids[row[0]],
                "tag_id": tag_ids[key],
            }
            for row in chunk.values
            if row[6] and row[0] in new_ids
            for key in row[6].split("\x1f")
        ]
        if links:
            db.session.execute(insert(SubscriberTag.__table__), links)

    def _tag_ids(self, names: dict[str, str]) -> list[int]:
        """Ids for tag names (lower-cased key -> spelling), creating tags on first use."""
        missing = [key for key in names if key not in self.tag_ids]
        if missing:
            for tag_id, name in db.session.execute(
                select(Tag.id, Tag.name).where(func.lower(Tag.name).in_(missing))
            ):
                self.tag_ids.setdefault(name.lower(), tag_id)
            for key in missing:
                if key not in self.tag_ids:
                    tag = Tag(publication_id=self.publication.id, name=names[key])
                    db.session.add(tag)
                    db.session.flush()
                    self.tag_ids[key] = tag.id
        return [self.tag_ids[key] for key in names]

    def _send_confirmations(self, subscriber_ids: list[int]) -> None:
        readers = db.session.scalars(
            select(Subscriber).where(
                Subscriber.id.in_(subscriber_ids), Subscriber.status == PENDING
            )
        )
        for reader in readers:
            send_confirmation(self.publication, reader)
