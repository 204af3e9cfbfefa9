"""Public page throughput against a bare WSGI baseline (`make bench`), as production serves.

Creates a throwaway PostgreSQL database, migrates and seeds it as its owner (page_fixtures:
1,000 published issues of ~800 words, 40 readers, threads of replies on the two measured
issues, one reader paying), then serves the app with gunicorn and the shipped settings
(gunicorn.conf.py: workers from the CPU count, JSON access log, here to a file), connected
as a role that is not a superuser and cannot bypass row-level security, with Redis, and
drives each page with wrk:

  hello before       bench/hello.py, a bare WSGI callable, under the same gunicorn settings
  issue anonymous    a free issue with replies, nobody signed in, page cache off
  issue reader       a paid issue with replies, its paying reader signed in (their session
                     cookie), page cache off (signed-in readers never use it)
  archive            /p/<slug>/archive?page=3, page cache off
  home               /p/<slug>/, page cache off
  issue cached       the anonymous issue with the production page cache (10 s)
  archive cached     the archive page with the page cache
  hello after        the baseline again; ratios divide by the better of the two hello runs

"Page cache off" is PUBLIC_CACHE_SECONDS=0: the in-process cache of finished anonymous
responses. Pages kept per content version in Redis (saas.core.stored_pages) stay on, as in
production. It prints requests/s, p99 latency, the ratio to hello and the load average for
each row, whether each goal is met, and ratio lines; the last is the issue page for an
anonymous reader with the page cache off: ``ratio: X (issue anonymous, cache off/hello)``.

Needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL names the server, as a superuser, default
postgresql://postgres@127.0.0.1:5432/postgres), Redis (BENCH_REDIS_URL or REDIS_URL, default
redis://127.0.0.1:6379/0; only keys under this run's prefix are written, and they are
deleted at the end) and wrk on PATH. The database is dropped at the end, always.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import page_fixtures

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ARCHIVE_PAGE = 3
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
APP_ROLE = "tend_bench_app"
SESSION_COOKIE = "__Host-tend_session"

# Goals (issue 20): the ratio to hello each row must reach; the cached rows also a p99.
GOALS = {
    "issue anonymous": 0.25,
    "issue reader": 0.2,
    "archive": 0.3,
    "home": 0.3,
    "issue cached": 0.85,
}
CACHED_P99_MS = 20.0


# --- database -----------------------------------------------------------------------------


def _with_database(url: str, name: str, user: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if user is not None:
        netloc = f"{user}@{netloc.rsplit('@', 1)[-1]}"
    return urlunsplit(parts._replace(path=f"/{name}", netloc=netloc))


@contextmanager
def scratch_database(server_url: str) -> Iterator[tuple[str, str]]:
    """A new database for this run, dropped afterwards whatever happens: (owner, app) URLs.

    The app's role is made here if missing: it logs in, is not a superuser and cannot
    bypass row-level security, like production's tend_app.
    """
    import psycopg
    from psycopg import sql

    name = f"tend_bench_{os.getpid()}"
    admin = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone():
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS").format(
                    sql.Identifier(APP_ROLE)
                )
            )
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(name), sql.Identifier(APP_ROLE)
            )
        )
    try:
        yield _with_database(admin, name), _with_database(admin, name, APP_ROLE)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        print(f"dropped database {name}", file=sys.stderr)


def check_app_role(app_url: str) -> str:
    """Prove the app's connection is under row-level security; describe the role."""
    import psycopg

    with psycopg.connect(app_url) as conn:
        role, superuser, bypass = conn.execute(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        unbound = conn.execute("SELECT count(*) FROM issues").fetchone()[0]
    if superuser or bypass or unbound:
        raise RuntimeError(f"{role} is not under row-level security ({unbound} rows seen)")
    return f"{role} (no superuser, no BYPASSRLS: row-level security on)"


@contextmanager
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this run's own; its keys are deleted at the end."""
    from redis import Redis

    prefix = f"tend-bench-{os.getpid()}:"
    try:
        yield prefix
    finally:
        client = Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        client.close()


# --- servers and load ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def gunicorn_env(args: argparse.Namespace, base: dict[str, str], port: int, logs: Path) -> dict:
    """The shipped settings (gunicorn.conf.py), bound here, access log to a file."""
    env = dict(base)
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_ACCESS_LOG=str(logs / f"access-{port}.log"),
        GUNICORN_LOG_LEVEL="warning",
    )
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


def settings_line(args: argparse.Namespace) -> str:
    """What gunicorn.conf.py makes of this machine (and of --workers / --threads)."""
    import runpy

    chosen = {"WEB_CONCURRENCY": args.workers, "GUNICORN_THREADS": args.threads}
    saved = {name: os.environ.get(name) for name in chosen}
    for name, value in chosen.items():
        if value:
            os.environ[name] = str(value)
    try:
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return (
        f"gunicorn -c gunicorn.conf.py: {conf['workers']} {conf['worker_class']} workers, "
        f"{conf['threads']} thread(s) each, JSON access log"
    )


@contextmanager
def serve(
    target: str, args: argparse.Namespace, env: dict[str, str], probe: str, workdir: Path
) -> Iterator[Server]:
    """Run gunicorn for `target` until the block ends; wait until `probe` answers 200."""
    port = free_port()
    log = workdir / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), target],
            cwd=ROOT,
            env=gunicorn_env(args, env, port, workdir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(server.url(probe), timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn not ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass
class Result:
    name: str
    rps: float
    p99_ms: float
    load: float
    failures: str = ""  # wrong answers or refused connections: the run fails
    notes: str = ""  # overload symptoms worth seeing next to the figure

    @property
    def ok(self) -> bool:
        return not self.failures


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(name: str, output: str, load: float) -> Result:
    """Requests/s, 99th percentile latency and any failures from wrk --latency output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    if not rps or not p99:
        raise RuntimeError(f"could not parse wrk output for {name}:\n{output}")
    failures, notes = [], []
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        failures.append(f"{non2xx.group(1)} non-2xx answers")
    sockets = re.search(r"Socket errors:\s+(.*)", output)
    counts = {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", sockets.group(1))} if sockets else {}
    for kind in ("connect", "write"):
        if counts.get(kind):
            failures.append(f"{counts[kind]} {kind} errors")
    if counts.get("read"):
        notes.append(f"{counts['read']} read errors")
    if counts.get("timeout"):
        # wrk leaves requests slower than its 2 s timeout out of the latency figures.
        notes.append(f"{counts['timeout']} requests over 2 s (not in p99)")
    return Result(
        name,
        float(rps.group(1)),
        float(p99.group(1)) * _UNITS_MS[p99.group(2)],
        load,
        "; ".join(failures),
        "; ".join(notes),
    )


def wrk(url: str, duration: int, connections: int, headers: list[str]) -> str:
    threads = max(1, min(2, connections))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    completed = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    )
    return completed.stdout


def fetch(url: str, headers: list[str]) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode(), dict(response.headers)


def check_page(url: str, cache_on: bool, headers: list[str], must: list[str]) -> None:
    """Fail loudly unless the page is a 200 with what the row claims it measures."""
    seen = set()
    for _ in range(20):
        status, body, answer = fetch(url, headers)
        seen.add(answer.get("X-Cache"))
        if status != 200 or len(body) < 500:
            raise RuntimeError(f"{url} answered {status} with {len(body)} bytes")
        if not cache_on or "HIT" in seen:
            break
    missing = [text for text in must if text not in body]
    if missing:
        raise RuntimeError(f"{url}: the page lacks {missing}")
    if cache_on and "HIT" not in seen:
        raise RuntimeError(f"{url}: public page cache on, but no X-Cache: HIT ({seen})")
    if not cache_on and seen != {None}:
        raise RuntimeError(f"{url}: public page cache off, but X-Cache {seen}")


def measure(name: str, url: str, args: argparse.Namespace, headers: list[str]) -> Result:
    wrk(url, args.warmup, args.connections, headers)
    load = os.getloadavg()[0]
    result = parse_wrk(name, wrk(url, args.duration, args.connections, headers), load)
    print(
        f"  {name:<18} {result.rps:>8.0f} req/s  p99 {result.p99_ms:>7.1f} ms  load {load:.1f}",
        file=sys.stderr,
    )
    return result


# --- main ---------------------------------------------------------------------------------


def app_env(
    database_url: str, redis_url: str, prefix: str, workdir: Path, secret: str, cache: str | None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PUBLIC_CACHE_SECONDS"}}
    env.update(
        TEND_ENV="production",
        TEND_INSTANCE_DIR=str(workdir / "instance"),
        SECRET_KEY=secret,
        SUPPORT_ENCRYPTION_KEYS=os.environ["SUPPORT_ENCRYPTION_KEYS"],
        BASE_URL="http://127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=prefix,
        # Billing on (readers pay); no page asks Stripe anything.
        STRIPE_SECRET_KEY="sk_test_bench",  # noqa: S106  (no Stripe behind it)
        RATELIMIT_ENABLED=os.environ.get("RATELIMIT_ENABLED", "1"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    if cache is not None:
        env["PUBLIC_CACHE_SECONDS"] = cache
    return env


@dataclass(frozen=True)
class Row:
    name: str
    path: str
    reader: bool
    must: tuple[str, ...]


def run(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    server_url = (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    )
    redis_url = (
        os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    )
    workdir = Path(tempfile.mkdtemp(prefix="tend-bench-"))
    # Seeding runs in this process: keep its instance files out of the repository, its jobs
    # in-process, and replies encrypted with this run's key.
    os.environ["TEND_INSTANCE_DIR"] = str(workdir / "instance")
    os.environ["SUPPORT_ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(
        secrets.token_bytes(32)
    ).decode()
    os.environ.pop("REDIS_URL", None)
    secret = secrets.token_urlsafe(32)
    results: dict[str, Result] = {}
    try:
        with (
            scratch_database(server_url) as (owner_url, app_url),
            redis_prefix(redis_url) as prefix,
        ):
            seeded = page_fixtures.seed(owner_url)
            from saas.core.config import sqlalchemy_url
            from saas.core.db_roles import grant_app_role

            grant_app_role(sqlalchemy_url(owner_url), APP_ROLE)
            role = check_app_role(app_url)
            cookie = f"Cookie: {SESSION_COOKIE}={page_fixtures.reader_cookie(secret, seeded)}"
            base = f"/p/{seeded.slug}"
            free = Row("issue anonymous", f"{base}/issues/{seeded.free_issue}", False, ("Replies",))
            rows = [
                free,
                Row(
                    "issue reader",
                    f"{base}/issues/{seeded.paid_issue}",
                    True,
                    (page_fixtures.PAID_SENTENCE, "Signed in as", ">Delete</button>"),
                ),
                Row("archive", f"{base}/archive?page={ARCHIVE_PAGE}", False, ("Archive",)),
                Row("home", f"{base}/", False, ("Latest issues",)),
            ]
            cached = [
                Row("issue cached", free.path, False, free.must),
                Row("archive cached", rows[2].path, False, rows[2].must),
            ]
            print(f"{settings_line(args)}; app role {role}", file=sys.stderr)
            print(f"wrk -c{args.connections} -d{args.duration}s", file=sys.stderr)

            with serve("bench.hello:app", args, dict(os.environ), "/", workdir) as server:
                results["hello before"] = measure("hello before", server.url("/"), args, [])

            for group, cache_seconds, cache_on in ((rows, "0", False), (cached, None, True)):
                env = app_env(app_url, redis_url, prefix, workdir, secret, cache_seconds)
                with serve("saas.wsgi:app", args, env, free.path, workdir) as server:
                    for row in group:
                        headers = [cookie] if row.reader else []
                        url = server.url(row.path)
                        check_page(url, cache_on and not row.reader, headers, list(row.must))
                        results[row.name] = measure(row.name, url, args, headers)

            # The machine's other load drifts: bracket the app runs with the baseline, and
            # divide by the better of the two (the conservative choice).
            with serve("bench.hello:app", args, dict(os.environ), "/", workdir) as server:
                results["hello after"] = measure("hello after", server.url("/"), args, [])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    report(results, args)
    return 0 if all(r.ok for r in results.values()) else 1


def report(results: dict[str, Result], args: argparse.Namespace) -> None:
    hello = max(results["hello before"], results["hello after"], key=lambda r: r.rps)
    print()
    print(f"{page_fixtures.ISSUES} issues, wrk -c{args.connections} -d{args.duration}s, ", end="")
    print(settings_line(args))
    print(f"{'page':<18} {'req/s':>8} {'p99 ms':>8} {'vs hello':>9} {'load':>5}  notes")
    for result in results.values():
        ratio = result.rps / hello.rps
        print(
            f"{result.name:<18} {result.rps:>8.0f} {result.p99_ms:>8.1f} {ratio:>9.2f} "
            f"{result.load:>5.1f}  {'; '.join(filter(None, (result.failures, result.notes)))}"
        )
    print(f"(vs hello: divided by the better hello run, {hello.name}; load: 1-minute average)")
    for name, goal in GOALS.items():
        result = results[name]
        ratio = result.rps / hello.rps
        met = ratio >= goal
        extra = ""
        if name == "issue cached":
            met = met and result.p99_ms < CACHED_P99_MS
            extra = f" and p99 < {CACHED_P99_MS:.0f} ms"
        print(f"goal {name}: >= {goal}x hello{extra}: {'met' if met else 'NOT met'}")
    for name in ("issue cached", "archive cached", "home", "archive", "issue reader"):
        print(f"ratio: {results[name].rps / hello.rps:.2f} ({name}/hello)")
    anonymous = results["issue anonymous"].rps / hello.rps
    print(f"ratio: {anonymous:.2f} (issue anonymous, cache off/hello)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before measuring")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: settings)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (0: settings)")
    args = parser.parse_args(argv)

    def interrupted(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    sys.path.insert(0, str(ROOT))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
