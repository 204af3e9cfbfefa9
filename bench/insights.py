"""The dashboard home from its rollups, for a big publication (`python bench/insights.py`).

1. Creates a throwaway PostgreSQL database with an owner role and an app role under
   row-level security, as bench/dashboard.py does (its helpers are reused), and seeds it with
   bench/dashboard_seed.py: --readers readers (200,000 by default, spread over five years),
   --issues issues with their sends, replies and support requests.
2. Generates the readers' history in SQL (a confirmation for every reader who went active,
   an unsubscribe or a bounce for those who left: about --readers * 1.1 lines) and
   --view-days days of page views for the newest issues, then rebuilds the rollups with
   saas.insights.rebuild (the time it takes is printed: the migration-day cost).
3. Serves the production app with gunicorn (one sync worker, Redis) as the app role, signs
   in, and requests the dashboard home and a bare page one at a time: --warmup untimed, then
   --requests timed requests each. The bare page is a route under the dashboard parent that
   runs `SELECT 1`: the session, sign-in, membership check and tenant binding, one query.
4. Prints p50/p95 of both and, last, ``ratio: X (home p95 / bare SELECT 1 request p95)``.
   Issue 15's goal is the home under 200 ms p95 at 1,000,000 readers (--readers 1000000;
   the default scale keeps the run under two minutes).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench.pages imports its fixtures by bare name

from bench.dashboard import (  # noqa: E402
    DEFAULT_REDIS_URL,
    DEFAULT_SERVER_URL,
    Client,
    migrate,
    p95,
    production_env,
    scratch_database,
    time_page,
)
from bench.pages import serve  # noqa: E402

BARE_PATH = "bench-select-1"

_HISTORY_SQL = """
    INSERT INTO subscriber_events (publication_id, subscriber_id, kind, detail, created_at)
    SELECT publication_id, id, 'confirmed', '', confirmed_at FROM subscribers
    WHERE publication_id = %(pid)s AND confirmed_at IS NOT NULL
    UNION ALL
    SELECT publication_id, id, 'unsubscribed', 'unsubscribe page', unsubscribed_at
    FROM subscribers WHERE publication_id = %(pid)s AND status = 'unsubscribed'
        AND unsubscribed_at <= now()
    UNION ALL
    SELECT publication_id, id, 'bounced', 'bench', created_at + interval '30 days'
    FROM subscribers WHERE publication_id = %(pid)s AND status = 'bounced'
        AND created_at <= now() - interval '30 days'
"""
_VIEWS_SQL = """
    INSERT INTO insights_issue_daily (publication_id, issue_id, day, web_views, unsubscribed)
    SELECT %(pid)s, i.id, (i.published_at + d * interval '1 day')::date, 200 / (d + 1), 0
    FROM (SELECT id, published_at FROM issues WHERE publication_id = %(pid)s
          AND published_at IS NOT NULL ORDER BY published_at DESC LIMIT 100) AS i,
         generate_series(0, %(days)s - 1) AS d
"""


def wsgi():
    """The production app plus the bare page (gunicorn 'bench.insights:wsgi()')."""
    from flask import g
    from sqlalchemy import text

    from saas import create_app
    from saas.core.extensions import db
    from saas.publishing import dashboard_parent

    bare = dashboard_parent.nest("bench_select_one", __name__)

    @bare.route(f"/<pub_slug>/{BARE_PATH}")
    def bench_select_one():
        return f"{g.publication.slug}: {db.session.execute(text('SELECT 1')).scalar()}"

    return create_app()


def generate(app, admin_url: str, publication_id: int, view_days: int) -> None:
    """History lines for the seeded readers, page views, then the rollups rebuilt."""
    import psycopg

    from saas.insights import rebuild

    started = time.perf_counter()
    with psycopg.connect(admin_url) as conn:
        lines = conn.execute(_HISTORY_SQL, {"pid": publication_id}).rowcount
        conn.execute(_VIEWS_SQL, {"pid": publication_id, "days": view_days})
        conn.execute("ANALYZE subscriber_events")
    print(f"  {lines:,} history lines in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    with app.app_context():
        days = rebuild.rebuild_publication(publication_id)
    print(f"  rollups rebuilt ({days:,} days) in {time.perf_counter() - started:.1f} s")


def run(args: argparse.Namespace) -> int:
    server_url = (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    workdir = Path(tempfile.mkdtemp(prefix="tend-bench-insights-"))
    os.environ["TEND_INSTANCE_DIR"] = str(workdir / "instance")
    keys = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    secret = secrets.token_urlsafe(32)
    name = f"tend_bench_insights_{os.getpid()}"
    os.environ.setdefault("TEND_MIGRATION_LOG_LEVEL", "WARNING")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with scratch_database(server_url, name) as (admin_url, owner_url, app_url):
        config = {
            "SQLALCHEMY_DATABASE_URI": app_url,
            "SUPPORT_ENCRYPTION_KEYS": keys,
            "SECRET_KEY": secret,
        }
        migrate(owner_url, app_url, config)
        from bench.dashboard_seed import seed
        from saas import create_app

        app = create_app(config)
        seeded = seed(app, admin_url, args.readers, args.issues)
        generate(app, admin_url, seeded.publication_id, args.view_days)
        env = production_env(workdir, app_url, redis_url, secret, keys)
        gunicorn = argparse.Namespace(workers=1, worker_class="sync", threads=1)
        base = f"/dashboard/{seeded.slug}"
        results: dict[str, list[float]] = {}
        with serve("bench.insights:wsgi()", gunicorn, env, "/login", workdir) as server:
            client = Client(server.port)
            client.sign_in(seeded.owner_email, seeded.owner_password)
            for page, path in (("bare SELECT 1", f"{base}/{BARE_PATH}"), ("home", f"{base}/home")):
                results[page] = time_page(client, path, args.warmup, args.requests)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.readers:,} readers, {args.issues:,} issues; {args.requests} requests a page")
    print(f"{'page':<16} {'p50 ms':>8} {'p95 ms':>8}")
    for page, timings in results.items():
        print(f"{page:<16} {statistics.median(timings):8.1f} {p95(timings):8.1f}")
    verdict = "met" if p95(results["home"]) < 200 else "not met"
    print(f"goal home p95 < 200 ms: {verdict}")
    ratio = p95(results["home"]) / p95(results["bare SELECT 1"])
    print(f"ratio: {ratio:.1f} (home p95 / bare SELECT 1 request p95)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=200_000, help="readers (200,000)")
    parser.add_argument("--issues", type=int, default=200, help="published issues (200)")
    parser.add_argument("--view-days", type=int, default=30, help="days of views per issue")
    parser.add_argument("--requests", type=int, default=60, help="timed requests a page (60)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first (5)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
