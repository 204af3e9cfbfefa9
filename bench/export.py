"""CSV export of a million readers against PostgreSQL COPY of the same cells
(`python bench/export.py`).

Uses bench/dashboard.py's throwaway database, roles and seed (1,000,000 readers by default,
30% of them tagged), then times, best of --repeat runs each:

  COPY          COPY (SELECT email, name, status, tags, source, created_at, confirmed_at
                ... ORDER BY created_at, id) TO STDOUT in CSV as the app role, under
                row-level security, every byte read by the client: the floor
  tend export   GET /dashboard/<slug>/subscribers/export.csv through gunicorn as the
                practitioner, the whole body read (cells made spreadsheet-safe, BOM, header)

The last line is ``ratio: X (tend export/COPY)``; target <= 2. The database and the roles
are dropped at the end, also on failure.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import (  # noqa: E402
    DEFAULT_REDIS_URL,
    DEFAULT_SERVER_URL,
    Client,
    migrate,
    scratch_database,
    serve,
)

RATIO_TARGET = 2.0
BASELINE = """
COPY (
    SELECT s.email, s.name, s.status, tagged.names, s.source, s.created_at, s.confirmed_at
    FROM subscribers AS s
    LEFT JOIN (
        SELECT link.subscriber_id, string_agg(tags.name, ', ' ORDER BY tags.name) AS names
        FROM subscriber_tags AS link JOIN tags ON tags.id = link.tag_id
        WHERE link.publication_id = {pid} GROUP BY link.subscriber_id
    ) AS tagged ON tagged.subscriber_id = s.id
    WHERE s.publication_id = {pid} ORDER BY s.created_at, s.id
) TO STDOUT WITH (FORMAT csv)
"""


def copy_seconds(app_url: str, publication_id: int) -> tuple[float, int]:
    """One COPY of the same cells as the app role, bound to the publication; (s, bytes)."""
    import psycopg

    started = time.perf_counter()
    size = 0
    with psycopg.connect(app_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.current_publication', %s, true)", (str(publication_id),)
        )
        with cursor.copy(BASELINE.format(pid=int(publication_id))) as copy:
            for row in copy:
                size += len(row)
    return time.perf_counter() - started, size


def export_seconds(client: Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    status, body = client.get(path)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return time.perf_counter() - started, len(body)


def run(args: argparse.Namespace) -> int:
    from bench.dashboard_seed import seed
    from saas import create_app

    server_url = (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    )
    workdir = Path(tempfile.mkdtemp(prefix="tend-bench-export-"))
    os.environ["TEND_INSTANCE_DIR"] = str(workdir / "instance")
    os.environ.setdefault("TEND_MIGRATION_LOG_LEVEL", "WARNING")
    keys = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    secret = secrets.token_urlsafe(32)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    name = args.database or f"tend_bench_export_{os.getpid()}"
    with scratch_database(server_url, name) as (admin_url, owner_url, app_url):
        config = {"SQLALCHEMY_DATABASE_URI": app_url, "SUPPORT_ENCRYPTION_KEYS": keys}
        migrate(owner_url, app_url, {**config, "SECRET_KEY": secret})
        seeded = seed(create_app({**config, "SECRET_KEY": secret}), admin_url, args.readers, 10)
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
            "TEND_ENV": "production",
            "DATABASE_URL": app_url,
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
            "SECRET_KEY": secret,
            "SUPPORT_ENCRYPTION_KEYS": keys,
            "BASE_URL": "https://127.0.0.1",
            "PLATFORM_HOSTS": "127.0.0.1",
            "SENTRY_DSN": "",
        }
        gunicorn = argparse.Namespace(workers=1, worker_class="sync", threads=1)
        path = f"/dashboard/{seeded.slug}/subscribers/export.csv"
        copies, exports = [], []
        with serve("bench.dashboard:wsgi()", gunicorn, env, "/login", workdir) as server:
            client = Client(server.port)
            client.sign_in(seeded.owner_email, seeded.owner_password)
            for _ in range(args.repeat):
                copies.append(copy_seconds(app_url, seeded.publication_id))
                exports.append(export_seconds(client, path))
                print(f"  COPY {copies[-1][0]:6.2f} s   export {exports[-1][0]:6.2f} s", flush=True)
    (copy_best, copy_size), (export_best, export_size) = min(copies), min(exports)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.readers:,} readers (and a tenth as many in another publication)")
    print(f"COPY          {copy_best:8.2f} s  {copy_size / 1e6:8.1f} MB")
    print(f"tend export   {export_best:8.2f} s  {export_size / 1e6:8.1f} MB (HTTP body)")
    ratio = export_best / copy_best
    print(f"{'meets' if ratio <= RATIO_TARGET else 'misses'} the target of {RATIO_TARGET:g}x COPY")
    print(f"ratio: {ratio:.2f} (tend export/COPY)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=1_000_000, help="readers (1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, best counts (3)")
    parser.add_argument("--database", default="", help="scratch database name")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
