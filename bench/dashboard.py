"""Dashboard pages at a million readers, as production runs them (`python bench/dashboard.py`).

1. Creates a throwaway database on the server named by BENCH_DATABASE_URL (or DATABASE_URL,
   default postgresql://postgres@127.0.0.1:5432/postgres; that URL must be a superuser's),
   owned by a table-owner role, and an app role that is no superuser and cannot bypass
   row-level security, as deploy/postgres/ makes them. Migrations run as the owner, then
   `grant_app_role` gives the app role its data access.
2. Seeds it in SQL (bench/dashboard_seed.py): 1,000,000 readers and 1,000 issues by default,
   with sends, the newest send's deliveries, replies and support requests.
3. Serves the app with gunicorn (one sync worker, TEND_ENV=production, Redis as production
   uses it) connected as the app role, signs in through the login form, and requests each
   page one at a time: a few warm-up requests, then --requests timed ones.
4. Prints p50 and p95 per page and each p95 against the p95 of a bare signed-in page: a route
   added for the bench under the dashboard parent, so it pays for the session, the sign-in
   check, the membership check and the tenant binding, and nothing else.
5. Drops the database and the roles, also on failure or Ctrl-C.

Goal: every page's p95 under 100 ms (searches under 50 ms, the list at any depth under
20 ms). The last line is ``ratio: X (slowest page p95/bare signed-in page p95)``. Figures move
with other load on the machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import re
import secrets
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import serve  # noqa: E402  (gunicorn on a free port, ready when it answers)

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
# Per run, so two runs on one server never drop each other's roles.
OWNER_ROLE = f"tend_bench_owner_{os.getpid()}"
APP_ROLE = f"tend_bench_app_{os.getpid()}"
GOAL_MS = 100.0
BARE_PATH = "bench-bare"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def wsgi():
    """The production app plus the bare signed-in page (gunicorn 'bench.dashboard:wsgi()')."""
    from flask import g

    from saas import create_app
    from saas.publishing import dashboard_parent

    bare = dashboard_parent.nest("bench_bare", __name__)

    @bare.route(f"/<pub_slug>/{BARE_PATH}")
    def bench_bare():
        return f"signed in to {g.publication.slug}"

    return create_app()


# --- database, roles ------------------------------------------------------------------------


def _url(server_url: str, user: str | None = None, database: str | None = None) -> str:
    parts = urllib.parse.urlsplit(server_url.replace("postgresql+psycopg://", "postgresql://"))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if user is not None:
        netloc = f"{user}@{netloc}"
    elif "@" in parts.netloc:
        netloc = parts.netloc
    path = f"/{database}" if database is not None else parts.path
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, parts.query, ""))


@contextmanager
def scratch_database(server_url: str, name: str) -> Iterator[tuple[str, str, str]]:
    """A database owned by the owner role; yields (admin, owner, app) URLs; drops it all after."""
    import psycopg
    from psycopg import sql

    admin = _url(server_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        for role, attributes in ((OWNER_ROLE, ""), (APP_ROLE, " NOBYPASSRLS")):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER{attributes}")
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(OWNER_ROLE)
            )
        )
    admin_db = _url(server_url, database=name)
    with psycopg.connect(admin_db, autocommit=True) as conn:
        # As a fresh PostgreSQL 15 database: public belongs to the database owner.
        conn.execute(f"ALTER SCHEMA public OWNER TO {OWNER_ROLE}")
        conn.execute(f"GRANT CONNECT ON DATABASE {name} TO {APP_ROLE}")
    try:
        yield admin_db, _url(server_url, OWNER_ROLE, name), _url(server_url, APP_ROLE, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            for role in (APP_ROLE, OWNER_ROLE):
                conn.execute(f"DROP ROLE IF EXISTS {role}")
        print(f"dropped database {name} and roles {OWNER_ROLE}, {APP_ROLE}", file=sys.stderr)


def migrate(owner_url: str, app_url: str, config: dict) -> None:
    """Migrations as the owner, then the app role's grants (what the web service runs)."""
    from flask_migrate import upgrade

    from saas import create_app
    from saas.core.db_roles import grant_app_role

    app = create_app({**config, "MIGRATION_DATABASE_URI": owner_url})
    with app.app_context():
        upgrade()
    grant_app_role(app.config["MIGRATION_DATABASE_URI"], APP_ROLE)


# --- the server and the client ---------------------------------------------------------------


class Client:
    """A browser's part: cookies (sent over http, as the proxy in front would over https)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            # Flask-WTF checks the Referer of forms posted over https.
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1{path}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, data
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.get("/login")
        token = CSRF_RE.search(page.decode())
        if status != 200 or token is None:
            raise RuntimeError(f"no sign-in form ({status})")
        form = urllib.parse.urlencode(
            {"email": email, "password": password, "csrf_token": token.group(1)}
        )
        status, _ = self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"sign-in answered {status}")


# --- pages -----------------------------------------------------------------------------------


def _cursor(created_at, subscriber_id: int) -> str:
    """The list's cursor for a row, in the app's format (base64 of "iso-time|id")."""
    raw = f"{created_at.isoformat()}|{subscriber_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _row_cursor(admin_url: str, publication_id: int, depth: int) -> str:
    import psycopg

    with psycopg.connect(admin_url) as conn:
        row = conn.execute(
            "SELECT created_at, id FROM subscribers WHERE publication_id = %s "
            "ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
            (publication_id, depth - 1),
        ).fetchone()
    return _cursor(*row)


def pages(seeded, admin_url: str, readers: int) -> list[tuple[str, str]]:
    """(name, path) of every page measured, the bare baseline first."""
    base = f"/dashboard/{seeded.slug}"
    rows = [("bare signed-in page", f"{base}/{BARE_PATH}")]
    subscribers = f"{base}/subscribers"
    rows += [
        ("issues", f"{base}/issues"),
        ("issues, page 10", f"{base}/issues?page=10"),
        ("issues, search", f"{base}/issues?q=part+512"),
        ("issue editor (sent)", f"{base}/issues/{seeded.latest_issue_id}"),
        ("sends", f"{base}/sends"),
        ("send status (big send)", f"{base}/sends/{seeded.latest_send_id}"),
        ("send progress (JSON)", f"{base}/sends/{seeded.latest_send_id}/progress"),
        ("subscribers", subscribers),
        ("subscribers, active", f"{subscribers}?status=active"),
        ("subscribers, tag", f"{subscribers}?tag=1"),
        ("subscribers, rare tag", f"{subscribers}?tag=13"),
        ("subscribers, by email", f"{subscribers}?sort=email"),
    ]
    for depth in (500_000, 950_000):
        if depth < readers:
            cursor = _row_cursor(admin_url, seeded.publication_id, depth)
            rows.append((f"subscribers, row {depth // 1000}k", f"{subscribers}?after={cursor}"))
    rows += [
        ("search: address prefix", f"{subscribers}?q=mira.costa1"),
        ("search: full name", f"{subscribers}?q=Nadia+Kowalski"),
        ("search: last name", f"{subscribers}?q=kowalski"),
        ("search: domain", f"{subscribers}?q=posteo.de"),
        ("search: domain start", f"{subscribers}?q=%40proton"),
        ("search: one letter", f"{subscribers}?q=m"),
        ("search: no match", f"{subscribers}?q=zzqx"),
        ("subscriber detail", f"{subscribers}/{seeded.reader_id}"),
        ("add subscriber", f"{subscribers}/new"),
        ("import", f"{subscribers}/import"),
        ("grow", f"{base}/grow"),
        ("inbox", f"{base}/inbox"),
        ("inbox, unread", f"{base}/inbox?unread=y"),
        ("support board", f"{base}/support"),
        ("support list", f"{base}/support/list"),
        ("support search", f"{base}/support/list?q=session"),
        ("support search, no match", f"{base}/support/list?q=zzqx"),
        ("support stats", f"{base}/support/stats"),
        ("settings", f"{base}/settings"),
        ("team", f"{base}/team"),
        ("paid tiers", f"{base}/paid"),
    ]
    return rows


def time_page(client: Client, path: str, warmup: int, count: int) -> list[float]:
    """Milliseconds per request for `count` requests after `warmup` untimed ones."""
    timings = []
    for n in range(warmup + count):
        started = time.perf_counter()
        status, body = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
        if n >= warmup:
            timings.append(elapsed)
    return timings


def p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20, method="inclusive")[-1]


def report(results: dict[str, list[float]], sizes: dict[str, int]) -> None:
    bare = p95(results["bare signed-in page"])
    print(f"{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'vs bare':>8} {'KB':>6}")
    for name, timings in results.items():
        mark = "" if p95(timings) < GOAL_MS else "  over the goal"
        print(
            f"{name:<26} {statistics.median(timings):8.1f} {p95(timings):8.1f} "
            f"{p95(timings) / bare:8.1f} {sizes[name] / 1024:6.0f}{mark}"
        )
    slowest = max(results, key=lambda name: p95(results[name]))
    over = [name for name in results if p95(results[name]) >= GOAL_MS]
    verdict = "every page under" if not over else f"{len(over)} page(s) over"
    print(f"goal p95 < {GOAL_MS:.0f} ms: {verdict}; slowest: {slowest}")
    print(f"ratio: {p95(results[slowest]) / bare:.1f} ({slowest} p95/bare signed-in page p95)")


def production_env(workdir: Path, app_url: str, redis_url: str, secret: str, keys: str) -> dict:
    """The environment gunicorn serves the app with: production settings, the app role."""
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "TEND_ENV": "production",
        "TEND_INSTANCE_DIR": str(workdir / "instance"),
        "DATABASE_URL": app_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secret,
        "SUPPORT_ENCRYPTION_KEYS": keys,
        "BASE_URL": "https://127.0.0.1",
        "PLATFORM_HOSTS": "127.0.0.1",
        "SENTRY_DSN": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run(args: argparse.Namespace) -> int:
    server_url = (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    workdir = Path(tempfile.mkdtemp(prefix="tend-bench-dashboard-"))
    os.environ["TEND_INSTANCE_DIR"] = str(workdir / "instance")
    keys = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    secret = secrets.token_urlsafe(32)
    name = args.database or f"tend_bench_dashboard_{os.getpid()}"
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

        seeded = seed(create_app(config), admin_url, args.readers, args.issues)
        env = production_env(workdir, app_url, redis_url, secret, keys)
        results: dict[str, list[float]] = {}
        sizes: dict[str, int] = {}
        gunicorn = argparse.Namespace(workers=1, worker_class="sync", threads=1)
        with serve("bench.dashboard:wsgi()", gunicorn, env, "/login", workdir) as server:
            client = Client(server.port)
            client.sign_in(seeded.owner_email, seeded.owner_password)
            for page_name, path in pages(seeded, admin_url, args.readers):
                if args.only and page_name != "bare signed-in page" and args.only not in page_name:
                    continue
                results[page_name] = time_page(client, path, args.warmup, args.requests)
                sizes[page_name] = len(client.get(path)[1])
                print(f"  {page_name:<26} p95 {p95(results[page_name]):7.1f} ms", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.readers:,} readers, {args.issues:,} issues; {args.requests} requests a page")
    report(results, sizes)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=1_000_000, help="readers (1,000,000)")
    parser.add_argument("--issues", type=int, default=1_000, help="published issues (1,000)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests a page (40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
    parser.add_argument("--only", default="", help="only pages whose name contains this")
    parser.add_argument("--database", default="", help="scratch database name")
    args = parser.parse_args(argv)

    def interrupted(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
