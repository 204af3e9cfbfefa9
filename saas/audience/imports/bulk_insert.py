"""Writing a checked chunk of imported readers, their history and tags in bulk.

PostgreSQL: each chunk is copied into a temporary table (COPY is not allowed into tables
under row-level security, but this one has none) and one statement inserts the readers,
their history and their tags from it. Addresses already listed are found by the
(publication_id, email) unique index itself: a plain INSERT first, which fails on the first
address already there, then the same INSERT with ON CONFLICT DO NOTHING. A lookup query
would not do: when the statistics have not caught up with a new publication, the planner
probes the publication_id index instead and scans the whole list for every address. A plain
INSERT is a quarter cheaper than ON CONFLICT, and a first import meets no conflicts.
SQLite gets the same result from SQLAlchemy's batched multi-row inserts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from saas.audience.imports.records import Record
from saas.audience.models import SOURCE_IMPORT, Subscriber, SubscriberEvent, SubscriberTag, Tag
from saas.core.extensions import db
from saas.publishing.models import Publication

_COLUMNS = ("email", "name", "status", "created_at", "confirmed_at", "unsubscribed_at")
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


def copy_text(rows: list[tuple]) -> str:
    """Rows to insert in COPY's text format, for `ImportChunk.copy_text` (PostgreSQL)."""
    return "".join(map(_copy_line, rows))


@dataclass
class ImportChunk:
    """Rows checked and ready to write: who to insert, who was rejected and why."""

    rows: int
    rejected: list[list] = field(default_factory=list)  # [line, email as given, reason]
    duplicates: int = 0
    candidates: dict[str, Record] = field(default_factory=dict)  # address -> its first row
    values: list[tuple] = field(default_factory=list)  # a row to insert per candidate
    copy_text: str = ""  # the same rows in COPY's text format (PostgreSQL)
    tag_names: dict[str, str] = field(default_factory=dict)  # lower-cased -> as spelled


class ChunkWriter:
    """Inserts one import's chunks, creating its tags on first use; commits nothing."""

    def __init__(
        self, publication: Publication, *, note: str, event_detail: str, now: datetime
    ) -> None:
        self.publication = publication
        self.note = note
        self.event_detail = event_detail
        self.now = now
        self.tag_ids: dict[str, int] = {}  # lower-cased name -> tag id
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        self.fixed_columns = {
            "publication_id": publication.id,
            "source": SOURCE_IMPORT,
            "consent_note": note,
            "imported": True,
            "hard_bounces": 0,
        }

    def insert(self, chunk: ImportChunk) -> tuple[list[int], set[str]]:
        """Insert the chunk's new readers, their history and tags: (new ids, listed ones)."""
        if self.postgres:
            return self._insert_postgres(chunk)
        return self._insert_portable(chunk)

    def _insert_postgres(self, chunk: ImportChunk) -> tuple[list[int], set[str]]:
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

    def _insert_portable(self, chunk: ImportChunk) -> tuple[list[int], set[str]]:
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

    def _add_tags(self, new_ids: dict[str, int], chunk: ImportChunk) -> None:
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
