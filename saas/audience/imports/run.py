"""One pass of an import job over its file: read and check chunks ahead, write, count.

A reader thread checks the next chunk while the database writes this one. Each chunk's
inserts, counters and rejections commit together, so a retried job resumes after the last
committed chunk; counts start from what is committed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from saas.audience import hooks
from saas.audience.imports.addresses import AddressCheck
from saas.audience.imports.bulk_insert import ChunkWriter, ImportChunk, copy_text
from saas.audience.imports.formats import CsvFile
from saas.audience.imports.progress import format_label, save_progress
from saas.audience.imports.records import Record
from saas.audience.models import (
    ACTIVE,
    IMPORT_DONE,
    IMPORT_RUNNING,
    PENDING,
    UNSUBSCRIBED,
    Subscriber,
    SubscriberImport,
)
from saas.audience.subscribers import send_confirmation
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.publishing.models import Publication

CHUNK_ROWS = 10_000
ALREADY_LISTED = "already on your list"


class ImportRun:
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
        self.addresses = AddressCheck()
        self.now = utcnow()
        label = format_label(import_)
        self.writer = ChunkWriter(
            publication,
            note=f"Imported from {import_.filename} ({label}) on {self.now:%Y-%m-%d}"[:300],
            event_detail=f"import #{import_.id}: {import_.filename} ({label})",
            now=self.now,
        )

    def run(self) -> None:
        """Write every chunk not yet committed, then mark the import done."""
        estimate = self.parsed.text.count("\n") - self.parsed.header_line + 1
        total = self.shown_total or max(estimate, 1)
        save_progress(self.import_id, status=IMPORT_RUNNING, error="", total_rows=total)
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
        save_progress(self.import_id, content=b"", **done)

    def _chunks(self) -> Iterator[ImportChunk]:
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
                self.addresses.check(record)
                continue
            batch.append(record)
            if len(batch) == size:
                yield self._check(batch)
                if self.total is None and size == CHUNK_ROWS:
                    self.total = self.parsed.count_rows()  # while the writer is busy
                batch, size = [], CHUNK_ROWS
        if batch:
            yield self._check(batch)

    def _check(self, batch: list[Record]) -> ImportChunk:
        chunk = ImportChunk(rows=len(batch))
        for record in batch:
            address, reason = self.addresses.check(record)
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
        if self.writer.postgres:
            chunk.copy_text = copy_text(chunk.values)
        return chunk

    def _write(self, chunk: ImportChunk) -> None:
        rejected, duplicates = chunk.rejected, chunk.duplicates
        new_ids: list[int] = []
        listed: set[str] = set()  # on the list already, or added while this chunk ran
        if chunk.values:
            new_ids, listed = self.writer.insert(chunk)
        for address in listed:
            record = chunk.candidates[address]
            rejected.append([record.line, record.email[:254], ALREADY_LISTED])
            duplicates += 1
        # Billing puts readers past the plan's limit on its waiting list (never dropped).
        hooks.imported(self.publication, new_ids)
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
        save_progress(self.import_id, **progress)
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

    def _send_confirmations(self, subscriber_ids: list[int]) -> None:
        readers = db.session.scalars(
            select(Subscriber).where(
                Subscriber.id.in_(subscriber_ids), Subscriber.status == PENDING
            )
        )
        for reader in readers:
            send_confirmation(self.publication, reader)
