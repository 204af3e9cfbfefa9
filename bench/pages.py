"""Public page throughput against a bare WSGI baseline (`make bench`).

Creates a throwaway PostgreSQL database, migrates it, seeds one publication with 1,000
published issues of ~800 words each (through the real services, so numbers, rendered HTML
and reading times are what production would store), then serves the app with gunicorn and
drives it with wrk:

  hello before     bench/hello.py, a bare WSGI callable, under the same gunicorn settings
  issue uncached   one issue page, PUBLIC_CACHE_SECONDS=0
  archive uncached /p/<slug>/archive?page=3, PUBLIC_CACHE_SECONDS=0
  issue            the issue page with the production default public page cache
  archive          the archive page with the production default public page cache
  hello after      the baseline again; ratios divide by the better of the two hello runs

It prints requests/s and p99 latency per row and the ratios to hello; the last line is the
figure the issue tracks: ``ratio: X (issue page/hello)`` for the configuration production
uses. Target: ratio >= 0.5 and p99 < 100 ms. The database is dropped at the end, always.

Needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL names the server, default
postgresql://postgres@127.0.0.1:5432/postgres) and wrk on PATH.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
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
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ISSUES = 1_000
ISSUE_WORDS = 800
ARCHIVE_PAGE = 3
RATIO_TARGET = 0.5
P99_TARGET_MS = 100.0
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


# --- content ------------------------------------------------------------------------------

_WORDS = re.findall(
    r"\w+",
    "attention breath body calm care change client day ease edge feeling grief ground habit "
    "hope kindness language moment morning nervous night notice pace pattern practice "
    "presence question quiet reader repair rest rhythm safety season self session silence "
    "sleep slowness story stress support system tension therapy thought time trust voice "
    "waiting walk week work worry writing year",
)
_VERBS = re.findall(
    r"\w+",
    "asks changes holds invites keeps lets makes needs notices offers returns settles "
    "shapes softens teaches tells waits",
)
_OPENERS = (
    "Most weeks",
    "In my practice",
    "A reader wrote to me",
    "Over the years",
    "This morning",
    "When we slow down",
    "After a long session",
    "Often",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    if rng.random() < 0.1:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.08:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://example.org/notes/{words[i].strip('*')})"
    verb = rng.choice(_VERBS)
    return f"{rng.choice(_OPENERS)}, the {words[0]} {verb} {' '.join(words[1:])}."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(4, 7)))


def issue_markdown(rng: random.Random, words: int = ISSUE_WORDS) -> str:
    """A plausible newsletter body: headings, paragraphs, a list, a quote, ~`words` long."""
    blocks: list[str] = [_paragraph(rng)]
    count = len(blocks[0].split())
    section = 0
    while count < words:
        roll = rng.random()
        if roll < 0.12:
            section += 1
            block = f"## {rng.choice(_WORDS).capitalize()} and {rng.choice(_WORDS)}"
        elif roll < 0.22:
            block = "\n".join(
                f"- {rng.choice(_WORDS).capitalize()} {' '.join(rng.sample(_WORDS, 5))}."
                for _ in range(rng.randint(3, 5))
            )
        elif roll < 0.28:
            block = f"> {_sentence(rng)}"
        else:
            block = _paragraph(rng)
        blocks.append(block)
        count += len(block.split())
    return "\n\n".join(blocks) + "\n"


def _title(rng: random.Random, taken: set[str]) -> str:
    while True:
        first, second = rng.sample(_WORDS, 2)
        title = rng.choice(
            (
                f"On {first} and {second}",
                f"What {first} asks of {second}",
                f"The {first} before the {second}",
                f"Notes on {first}",
                f"A small {first} practice",
            )
        )
        title = title if title not in taken else f"{title}, again ({len(taken)})"
        if title not in taken:
            taken.add(title)
            return title


# --- database -----------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database for this run and drop it afterwards, whatever happens."""
    import psycopg
    from psycopg import sql

    name = f"tend_bench_{os.getpid()}"
    admin = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        print(f"dropped database {name}", file=sys.stderr)


def seed(database_url: str) -> tuple[str, str]:
    """Migrate and fill the database; return (publication slug, slug of a middle issue)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from saas import create_app
    from saas.accounts.models import User
    from saas.accounts.passwords import hash_password
    from saas.core.extensions import db
    from saas.core.tenancy import bound_to
    from saas.publishing import issues as issue_service
    from saas.publishing.publications import create_publication

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    rng = random.Random(1000)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        owner = User(
            name="Ada Bench",
            email="ada@bench.example",
            password_hash=hash_password(secrets.token_urlsafe(16)),
            email_confirmed=True,
        )
        db.session.add(owner)
        db.session.commit()
        publication = create_publication(
            owner,
            "steady-bench",
            name="Steady Bench",
            tagline="Notes on rest, attention and repair",
            sign_off="Until next week — Ada",
        )
        taken: set[str] = set()
        middle = ""
        with bound_to(publication.id):
            for n in range(1, ISSUES + 1):
                issue = issue_service.create_issue(
                    publication,
                    title=_title(rng, taken),
                    subtitle=_sentence(rng).replace("*", "")[:200],
                    body_markdown=issue_markdown(rng),
                )
                issue_service.publish_issue(publication, issue.id)
                if n == ISSUES // 2:
                    middle = issue.slug
        # Spread publication dates over the past like a real weekly archive.
        db.session.execute(
            text(
                "UPDATE issues SET published_at = now() - (:n - number) * :week "
                "WHERE publication_id = :pub"
            ),
            {"n": ISSUES, "week": timedelta(days=7), "pub": publication.id},
        )
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        slug = publication.slug
        db.session.remove()
        db.engine.dispose()
    print(f"seeded {ISSUES} issues in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return slug, middle


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


def gunicorn_args(args: argparse.Namespace) -> list[str]:
    """The settings both apps are served with."""
    settings = ["--workers", str(args.workers), "--worker-class", args.worker_class]
    if args.worker_class == "gthread":
        settings += ["--threads", str(args.threads)]
    return settings + ["--backlog", "2048", "--log-level", "warning"]


@contextmanager
def serve(
    target: str, args: argparse.Namespace, env: dict[str, str], probe: str, workdir: Path
) -> Iterator[Server]:
    """Run gunicorn for `target` until the block ends; wait until `probe` answers 200."""
    port = free_port()
    log = workdir / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), *gunicorn_args(args), "--bind", f"127.0.0.1:{port}"]
            + [target],
            cwd=ROOT,
            env=env,
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
    failures: str = ""  # wrong answers or refused connections: the run fails
    notes: str = ""  # overload symptoms worth seeing next to the figure

    @property
    def ok(self) -> bool:
        return not self.failures


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(name: str, output: str) -> Result:
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
        "; ".join(failures),
        "; ".join(notes),
    )


def wrk(url: str, duration: int, connections: int) -> str:
    threads = max(1, min(2, connections))
    completed = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    )
    return completed.stdout


def check_page(url: str, cache_on: bool) -> None:
    """Fail loudly unless the page is a 200 and the public cache is in the state expected."""
    seen = set()
    for _ in range(20):
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            seen.add(response.headers.get("X-Cache"))
        if response.status != 200 or len(body) < 500:
            raise RuntimeError(f"{url} answered {response.status} with {len(body)} bytes")
        if not cache_on or "HIT" in seen:
            break
    if cache_on and "HIT" not in seen:
        raise RuntimeError(f"{url}: public page cache on, but no X-Cache: HIT ({seen})")
    if not cache_on and seen != {None}:
        raise RuntimeError(f"{url}: public page cache off, but X-Cache {seen}")


def measure(name: str, url: str, args: argparse.Namespace) -> Result:
    wrk(url, args.warmup, args.connections)
    result = parse_wrk(name, wrk(url, args.duration, args.connections))
    print(f"  {name:<18} {result.rps:>10.0f} req/s  p99 {result.p99_ms:>7.1f} ms", file=sys.stderr)
    return result


# --- main ---------------------------------------------------------------------------------


def app_env(database_url: str, workdir: Path, cache_seconds: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PUBLIC_CACHE_SECONDS"}}
    env.update(
        TEND_ENV="production",
        TEND_INSTANCE_DIR=str(workdir / "instance"),
        SECRET_KEY=secrets.token_urlsafe(32),
        SUPPORT_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        BASE_URL="http://127.0.0.1",
        DATABASE_URL=database_url,
        RATELIMIT_ENABLED=os.environ.get("RATELIMIT_ENABLED", "1"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    if cache_seconds is not None:
        env["PUBLIC_CACHE_SECONDS"] = cache_seconds
    return env


def run(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    server_url = (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    )
    workdir = Path(tempfile.mkdtemp(prefix="tend-bench-"))
    # Seeding runs in this process: keep its instance files out of the repository.
    os.environ["TEND_INSTANCE_DIR"] = str(workdir / "instance")
    os.environ.pop("REDIS_URL", None)
    results: dict[str, Result] = {}
    try:
        with scratch_database(server_url) as database_url:
            slug, issue_slug = seed(database_url)
            issue_path = f"/p/{slug}/issues/{issue_slug}"
            archive_path = f"/p/{slug}/archive?page={ARCHIVE_PAGE}"
            settings = " ".join(gunicorn_args(args))
            print(
                f"gunicorn {settings}; wrk -c{args.connections} -d{args.duration}s",
                file=sys.stderr,
            )

            with serve("bench.hello:app", args, dict(os.environ), "/", workdir) as server:
                results["hello before"] = measure("hello before", server.url("/"), args)

            for label, cache_seconds, cache_on in ((" uncached", "0", False), ("", None, True)):
                env = app_env(database_url, workdir, cache_seconds)
                with serve("saas.wsgi:app", args, env, issue_path, workdir) as server:
                    for name, path in (("issue", issue_path), ("archive", archive_path)):
                        url = server.url(path)
                        check_page(url, cache_on)
                        results[name + label] = measure(name + label, url, args)

            # The machine's other load drifts: bracket the app runs with the baseline, and
            # divide by the better of the two (the conservative choice).
            with serve("bench.hello:app", args, dict(os.environ), "/", workdir) as server:
                results["hello after"] = measure("hello after", server.url("/"), args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    report(results, args)
    return 0 if all(r.ok for r in results.values()) else 1


def report(results: dict[str, Result], args: argparse.Namespace) -> None:
    hello = max(results["hello before"], results["hello after"], key=lambda r: r.rps)
    print()
    print(f"{ISSUES} issues, wrk -c{args.connections} -d{args.duration}s, gunicorn ", end="")
    print(" ".join(gunicorn_args(args)))
    print(f"{'page':<18} {'req/s':>10} {'p99 ms':>9} {'vs hello':>9}  notes")
    print(f"(vs hello: divided by the better hello run, {hello.name})")
    for result in results.values():
        ratio = result.rps / hello.rps
        print(
            f"{result.name:<18} {result.rps:>10.0f} {result.p99_ms:>9.1f} {ratio:>9.2f}  "
            f"{'; '.join(filter(None, (result.failures, result.notes)))}".rstrip()
        )
    issue = results["issue"]
    met = issue.rps / hello.rps >= RATIO_TARGET and issue.p99_ms < P99_TARGET_MS
    print(
        f"target (issue page, cache on): ratio >= {RATIO_TARGET} and p99 < {P99_TARGET_MS:.0f} ms:"
        f" {'met' if met else 'NOT met'}"
    )
    print(f"ratio: {results['issue uncached'].rps / hello.rps:.2f} (issue page uncached/hello)")
    print(f"ratio: {results['archive'].rps / hello.rps:.2f} (archive page/hello)")
    print(f"ratio: {issue.rps / hello.rps:.2f} (issue page/hello)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before measuring")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    args = parser.parse_args(argv)

    def interrupted(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    sys.path.insert(0, str(ROOT))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
