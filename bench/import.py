"""Subscriber CSV import time against PostgreSQL COPY of the same rows.

Creates a throwaway PostgreSQL database, migrates it and writes a 100,000-row CSV of readers
(email, name, tags, created; a realistic spread of mail domains, some addresses in capitals,
a third of the rows tagged). Then it times:

  COPY          the same rows, already normalised, into `subscribers` with one COPY FROM STDIN
                (the floor: no parsing, no validation, no history, no tags)
  tend import   the file through `imports.start_import`, as the upload view calls it: header
                check, storing the file, and the whole job (decode, validate every address with
                email-validator, dedupe, insert readers, their history lines and tags, commit
                progress every chunk)
  re-import     the same file again, every row rejected as already on the list
  big list      with --existing N: the file imported into a publication that already has N
                readers (a tenth of the file's addresses among them), then that whole list
                exported as CSV

COPY and tend runs alternate (--repeat), each into a publication of its own, and the best
of each counts. Prints each figure; the last line is ``ratio: X (tend import/COPY)``.
Target: ratio <= 3.

Needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL names the server, default
postgresql://postgres@127.0.0.1:5432/postgres). The database is dropped at the end, always.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RATIO_TARGET = 3.0
BIG_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me")
FIRST = ("ada", "grace", "maya", "lee", "sam", "noor", "ivan", "zoe", "omar", "lin", "ana", "kai")
LAST = ("lovelace", "hopper", "okafor", "nguyen", "silva", "kowalski", "haddad", "berg", "ito")
TAGS = ("workshop", "retreat", "client", "podcast", "vip", "from substack")
COPY_COLUMNS = (
    "publication_id, email, name, status, source, consent_note, imported, hard_bounces, "
    "created_at, confirmed_at"
)


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database for this run and drop it afterwards, whatever happens."""
    import psycopg
    from psycopg import sql

    name = f"tend_bench_import_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        print(f"dropped database {name}", file=sys.stderr)


def reader_rows(
    count: int, seed: int = 100, prefix: str = ""
) -> list[tuple[str, str, str, datetime]]:
    """(email as typed, name, tags cell, created) for `count` distinct readers."""
    rng = random.Random(seed)
    small_domains = [f"practice{n}.example" for n in range(3_000)]
    start = datetime(2019, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        domain = rng.choice(BIG_DOMAINS) if rng.random() < 0.7 else rng.choice(small_domains)
        email = f"{first}.{last}{prefix}{n}@{domain}"
        if rng.random() < 0.05:
            email = email.capitalize()
        tags = ", ".join(rng.sample(TAGS, rng.randint(1, 2))) if rng.random() < 0.33 else ""
        created = start + timedelta(minutes=rng.randrange(3_000_000))
        rows.append((email, f"{first.title()} {last.title()}", tags, created))
    return rows


def csv_file(rows: list[tuple[str, str, str, datetime]]) -> bytes:
    """The upload: a generic CSV with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("email", "name", "tags", "created"))
    writer.writerows((e, n, t, c.isoformat()) for e, n, t, c in rows)
    return buffer.getvalue().encode()


def copy_text(publication_id: int, rows: list[tuple[str, str, str, datetime]]) -> bytes:
    """The same readers in `subscribers`' own shape, for COPY ... (FORMAT csv)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(
        (publication_id, e.lower(), n, "active", "import", "bench", "t", 0, c, c)
        for e, n, _, c in rows
    )
    return buffer.getvalue().encode()


def copy_in(database_url: str, data: bytes) -> float:
    """Seconds for one COPY FROM STDIN of `data`, committed."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY subscribers ({COPY_COLUMNS}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        conn.commit()
        return time.perf_counter() - started


def run(args: argparse.Namespace) -> int:
    server_url = (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    ).replace("postgresql+psycopg://", "postgresql://", 1)
    os.environ["TEND_INSTANCE_DIR"] = tempfile.mkdtemp(prefix="tend-bench-import-")
    os.environ.pop("REDIS_URL", None)  # the job runs in this process, as in `make run`
    with scratch_database(server_url) as database_url:
        return measure(args, database_url)


def measure(args: argparse.Namespace, database_url: str) -> int:
    """Alternate COPY and tend runs, each into a publication of its own; report the best."""
    from flask_migrate import upgrade

    from saas import create_app
    from saas.accounts.models import User
    from saas.audience.imports import exports
    from saas.audience.imports import uploads as imports
    from saas.core.extensions import db
    from saas.core.tenancy import bound_to
    from saas.publishing.publications import create_publication

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url.replace(
                "postgresql://", "postgresql+psycopg://"
            ),
            "MAIL_TRANSPORT": "outbox",
        }
    )
    rows = reader_rows(args.rows)
    upload = csv_file(rows)
    print(f"{args.rows:,} rows, {len(upload) / 1_048_576:.1f} MB of CSV", file=sys.stderr)
    with app.app_context():
        upgrade()
        owner = User(name="Bench", email="bench@example.com", password_hash="!")  # noqa: S106
        db.session.add(owner)
        db.session.commit()

        def publication(slug: str):
            return create_publication(owner, slug, name=slug)

        def tend_import(pub) -> tuple[float, object]:
            with bound_to(pub.id):
                started = time.perf_counter()
                import_ = imports.start_import(pub, "readers.csv", upload)
                return time.perf_counter() - started, import_

        copy_seconds = tend_seconds = float("inf")
        for run in range(args.repeat):
            data = copy_text(publication(f"copy-{run}").id, rows)
            copy_seconds = min(copy_seconds, copy_in(database_url, data))
            if run == 0:
                # As autovacuum would: statistics that know other publications, not the new
                # one the import goes into (the case that misleads the planner).
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE subscribers")
            pub = publication(f"tend-{run}")
            seconds, first = tend_import(pub)
            assert first.status == "done" and first.imported_count == args.rows, first.error
            tend_seconds = min(tend_seconds, seconds)
        print(f"COPY          {copy_seconds:8.2f} s  {args.rows / copy_seconds:>9,.0f} rows/s")
        print(f"tend import   {tend_seconds:8.2f} s  {args.rows / tend_seconds:>9,.0f} rows/s")
        seconds, again = tend_import(pub)
        assert again.imported_count == 0 and again.rejected_count == args.rows
        print(f"re-import     {seconds:8.2f} s  {args.rows / seconds:>9,.0f} rows/s (all rejected)")
        if args.existing:
            big = publication("big")
            existing = reader_rows(args.existing, seed=7, prefix="x")
            existing[: args.rows // 10] = rows[: args.rows // 10]  # a tenth already listed
            copy_in(database_url, copy_text(big.id, existing))
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE subscribers")
            seconds, into_big = tend_import(big)
            assert into_big.imported_count == args.rows - args.rows // 10, into_big.error
            print(
                f"big list      {seconds:8.2f} s  {args.rows / seconds:>9,.0f} rows/s "
                f"(into {args.existing:,} readers)"
            )
            listed = args.existing + into_big.imported_count
            with bound_to(big.id):
                started = time.perf_counter()
                size = sum(len(part) for part in exports.subscriber_csv(big))
                seconds = time.perf_counter() - started
            print(
                f"export        {seconds:8.2f} s  {listed / seconds:>9,.0f} rows/s "
                f"({listed:,} readers, {size / 1_048_576:.0f} MB of CSV)"
            )
        db.session.remove()
        db.engine.dispose()
    ratio = tend_seconds / copy_seconds
    verdict = "meets" if ratio <= RATIO_TARGET else "MISSES"
    print(f"{verdict} the target of {RATIO_TARGET:g}x COPY")
    print(f"ratio: {ratio:.2f} (tend import/COPY)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the CSV")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument(
        "--existing", type=int, default=0, help="also import into a list of this many readers"
    )
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
