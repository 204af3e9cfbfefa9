"""Newsletter delivery throughput against a bare smtplib baseline (`python bench/send.py`).

Creates a throwaway PostgreSQL database (dropped at the end, always), uses a Redis database
that must be empty (it is flushed afterwards), seeds one publication with N active readers
and an ~800-word issue, and starts an aiosmtpd sink in its own process. Then, against that
same sink:

  bare smtplib  N messages built beforehand (the same issue, personalised), sent one after
                another by `smtplib.SMTP.sendmail` over one connection
  tend send     `send_now` on the issue, with W `python -m worker` processes doing the
                fan-out, the batches, the throttle and the per-recipient records

Each figure runs from the start to the sink's acceptance of the N-th message. The last line
is the figure the issue tracks: ``ratio: X (tend send/bare smtplib)``; target >= 0.8. The
publication's max_send_rate is set far above both rates, so the throttle only paces.

DKIM signing is on (``--no-dkim`` turns it off): the publication sends from a verified
sending domain of its own, so every message Tend sends is signed with its 2048-bit key, and
the baseline's pre-built messages are signed too (before its clock starts). The cost of
signing alone is measured in this process on the same messages, in µs per message.

Needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL names the server, default
postgresql://postgres@127.0.0.1:5432/postgres) and Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/8).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_fixtures import issue_markdown  # noqa: E402
from bench.pages import free_port, scratch_database  # noqa: E402

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
RATIO_TARGET = 0.8
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105  (a throwaway database)

# The sink counts accepted messages and, every 50 ms, writes "count last-accept-time".
SINK = """
import sys, threading, time
from aiosmtpd.controller import Controller

port, path = int(sys.argv[1]), sys.argv[2]
state = {"count": 0, "last": 0.0}

class Count:
    async def handle_DATA(self, server, session, envelope):
        state["count"] += 1
        state["last"] = time.time()
        return "250 2.0.0 Ok: queued"

def report():
    while True:
        with open(path + ".tmp", "w") as out:
            out.write(f"{state['count']} {state['last']}")
        import os
        os.replace(path + ".tmp", path)
        time.sleep(0.05)

controller = Controller(Count(), hostname="127.0.0.1", port=port)
controller.start()
threading.Thread(target=report, daemon=True).start()
threading.Event().wait()
"""


class Sink:
    """The aiosmtpd sink process and what it has accepted so far."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.status = workdir / "sink.status"
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK, str(self.port), str(self.status)],
            stdout=(workdir / "sink.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.wait_for(0, timeout=30)

    def read(self) -> tuple[int, float]:
        try:
            count, last = self.status.read_text().split()
        except (OSError, ValueError):
            return -1, 0.0
        return int(count), float(last)

    def wait_for(self, count: int, timeout: float) -> float:
        """Block until `count` messages were accepted; return when the last one was."""
        deadline = time.monotonic() + timeout
        while True:
            seen, last = self.read()
            if seen >= count:
                return last
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"sink has {seen} of {count} messages")
            time.sleep(0.02)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_app(database_url: str, redis_url: str, smtp_url: str):
    from saas import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "SMTP_URL": smtp_url,
            "MAIL_TRANSPORT": "smtp",
            "SECRET_KEY": SECRET_KEY,
        }
    )


def seed(app, readers: int) -> tuple[int, int]:
    """Migrate; one publication, `readers` active readers, one issue. Returns their ids."""
    import random

    from flask_migrate import upgrade
    from sqlalchemy import insert, text, update

    from saas.accounts.models import User
    from saas.accounts.passwords import hash_password
    from saas.audience.models import Subscriber
    from saas.core.extensions import db
    from saas.core.model_base import utcnow
    from saas.core.tenancy import bound_to
    from saas.publishing import issues as issue_service
    from saas.publishing.models import Publication
    from saas.publishing.publications import create_publication

    with app.app_context():
        upgrade()
        owner = User(name="Ada Bench", email="ada@bench.example", password_hash=hash_password("x"))
        db.session.add(owner)
        db.session.commit()
        publication = create_publication(owner, "send-bench", name="Send Bench")
        with bound_to(publication.id):
            issue = issue_service.create_issue(
                publication,
                title="On rest and repair",
                body_markdown=issue_markdown(random.Random(7)),
            )
            now = utcnow()
            for start in range(0, readers, 10_000):
                rows = [
                    {
                        "publication_id": publication.id,
                        "email": f"reader{n}@bench.example",
                        "name": f"Reader {n}",
                        "status": "active",
                        "source": "import",
                        "consent_note": "",
                        "imported": True,
                        "hard_bounces": 0,
                        "created_at": now,
                    }
                    for n in range(start, min(start + 10_000, readers))
                ]
                db.session.execute(insert(Subscriber), rows)
            db.session.execute(
                update(Publication)
                .where(Publication.id == publication.id)
                .values(max_send_rate=10_000_000)
            )
            db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        ids = publication.id, issue.id
        db.session.remove()
    return ids


def use_sending_domain(app, publication_id: int) -> None:
    """Give the publication a sending domain, verified as a DNS check would find it."""
    from saas.core.extensions import db
    from saas.core.tenancy import bound_to
    from saas.delivery import domain_checks, sending_domains
    from saas.delivery.domain_checks import OK, Check
    from saas.publishing.models import Publication

    with app.app_context(), bound_to(publication_id):
        publication = db.session.get(Publication, publication_id)
        domain = sending_domains.set_up(publication, "letters@letters.bench.example")
        [key] = sending_domains.keys(domain)
        checks = [
            Check(domain_checks.DKIM, OK, "", key.selector),
            Check(domain_checks.RETURN_PATH, OK, ""),
            Check(domain_checks.DMARC, OK, ""),
        ]
        sending_domains.apply_checks(publication, domain, checks)
        assert sending_domains.sender_for(publication) is not None
        db.session.remove()


def _issue_message(app, publication_id: int, issue_id: int):
    from saas.billing.paid.issue_mail import issue_message
    from saas.core.extensions import db
    from saas.delivery import sending_domains
    from saas.publishing.models import Issue, Publication

    publication = db.session.get(Publication, publication_id)
    sender = sending_domains.sender_for(publication)
    return issue_message(publication, db.session.get(Issue, issue_id), sender=sender)


def signing_cost(app, publication_id: int, issue_id: int, n: int) -> tuple[float, int]:
    """µs to sign one message (median of 5 rounds over `n` messages) and the message size."""
    import statistics

    from saas.core.tenancy import bound_to
    from saas.mail.newsletter import Recipient

    with app.app_context(), bound_to(publication_id):
        message = _issue_message(app, publication_id, issue_id)
        signer, message.signer = message.signer, None  # build them unsigned, sign below
        built = [
            message.personalise(Recipient(i, f"reader{i}@bench.example", f"Reader {i}")).data
            for i in range(n)
        ]
    if signer is None:
        return 0.0, len(built[0])
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for data in built:
            signer.signature_header(data)
        rounds.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(rounds), len(built[0])


def bare_smtplib(app, sink: Sink, publication_id: int, issue_id: int, n: int) -> float:
    """N messages, personalised (and signed) beforehand, over one connection; returns emails/s."""
    from saas.core.tenancy import bound_to
    from saas.mail.newsletter import Recipient

    with app.app_context(), bound_to(publication_id):
        message = _issue_message(app, publication_id, issue_id)
        built = [
            message.personalise(Recipient(i, f"reader{i}@bench.example", f"Reader {i}"))
            for i in range(n)
        ]
    before, _ = sink.read()
    started = time.time()
    with smtplib.SMTP("127.0.0.1", sink.port) as conn:
        for item in built:
            conn.sendmail(message.sender, [item.to], item.data)
    finished = sink.wait_for(before + n, timeout=600)
    return n / (finished - started)


def start_workers(count: int, env: dict[str, str], workdir: Path) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "worker"],
            cwd=ROOT,
            env=env,
            stdout=(workdir / f"worker-{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for i in range(count)
    ]


def stop_group(worker: subprocess.Popen, sig: int) -> None:
    """Signal a worker's whole process group: RQ's scheduler runs in a child that would
    otherwise outlive it, holding the scheduler locks in Redis."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, sig)


def wait_for_workers(app, count: int) -> None:
    from rq import Worker

    from saas.core.queue import get_connection

    deadline = time.monotonic() + 60
    with app.app_context():
        while len(Worker.all(connection=get_connection())) < count:
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start")
            time.sleep(0.1)


def tend_send(app, sink: Sink, publication_id: int, issue_id: int, n: int) -> tuple[float, float]:
    """One send through the workers; returns (emails/s to the last acceptance, s to 'done')."""
    from saas.core.extensions import db
    from saas.core.tenancy import bound_to
    from saas.delivery import sending
    from saas.delivery.models import Send
    from saas.publishing.models import Issue, Publication

    before, _ = sink.read()
    started = time.time()
    with app.app_context(), bound_to(publication_id):
        send_id = sending.send_now(
            db.session.get(Publication, publication_id), db.session.get(Issue, issue_id)
        ).id
    finished = sink.wait_for(before + n, timeout=max(600, n / 50))
    with app.app_context(), bound_to(publication_id):
        while db.session.get(Send, send_id, populate_existing=True).status != "done":
            db.session.rollback()
            time.sleep(0.05)
    recorded = time.time() - started
    return n / (finished - started), recorded


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="emails per run (default 10,000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--dkim",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send from a verified sending domain, every message DKIM-signed (default on)",
    )
    args = parser.parse_args(argv)
    server_url = (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    workdir = Path(tempfile.mkdtemp(prefix="tend-bench-send-"))
    os.environ.setdefault("TEND_INSTANCE_DIR", str(workdir / "instance"))

    from redis import Redis

    if Redis.from_url(redis_url).dbsize():
        # Workers on a shared database would run other people's jobs, and they ours.
        print(f"{redis_url} is not empty: set BENCH_REDIS_URL to an unused database")
        return 2
    sink = Sink(workdir)
    workers: list[subprocess.Popen] = []
    try:
        with scratch_database(server_url) as (database_url, _app_url):
            app = make_app(database_url, redis_url, f"smtp://127.0.0.1:{sink.port}")
            publication_id, issue_id = seed(app, args.n)
            print(f"seeded {args.n:,} readers; logs in {workdir}", file=sys.stderr)
            if args.dkim:
                use_sending_domain(app, publication_id)
                cost, size = signing_cost(app, publication_id, issue_id, min(args.n, 2_000))
                print(
                    f"DKIM signing  {cost:8,.0f} µs per message (rsa-sha256, 2048-bit key, "
                    f"{size:,}-byte messages)"
                )

            sink_before = cpu_seconds(sink.process.pid)
            bare = bare_smtplib(app, sink, publication_id, issue_id, args.n)
            print(f"bare smtplib  {bare:8,.0f} emails/s  (one connection, pre-built messages)")
            sink_after = cpu_seconds(sink.process.pid)
            if sink_before is not None and sink_after is not None:
                per_email = (sink_after - sink_before) / args.n * 1e6
                print(f"sink CPU      {per_email:8,.0f} µs per email (the aiosmtpd sink's cost)")

            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
                "MAIL_TRANSPORT": "smtp",
                "SECRET_KEY": SECRET_KEY,
                "SENTRY_DSN": "",
            }
            workers = start_workers(args.workers, env, workdir)
            wait_for_workers(app, args.workers)
            idle = [cpu_seconds(worker.pid) for worker in workers]
            tend, recorded = tend_send(app, sink, publication_id, issue_id, args.n)
            print(
                f"tend send     {tend:8,.0f} emails/s  ({args.workers} workers; every outcome "
                f"recorded and the send closed {recorded:.1f}s after it started)"
            )
            busy = [cpu_seconds(worker.pid) for worker in workers]
            if None not in idle + busy:
                used = sum(busy) - sum(idle)
                print(f"worker CPU    {used / args.n * 1e6:8,.0f} µs per email (all workers)")
            for worker in workers:
                stop_group(worker, signal.SIGTERM)  # the worker and RQ's scheduler process
            for worker in workers:
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:  # RQ's shutdown can stall; work is done
                    print(f"worker {worker.pid} did not stop in 30 s: killed", file=sys.stderr)
                    worker.kill()
            with app.app_context():
                from saas.core.extensions import db

                db.session.remove()
                db.engine.dispose()
    finally:
        for worker in workers:
            stop_group(worker, signal.SIGKILL)  # whatever of its group is left
        sink.stop()
        Redis.from_url(redis_url).flushdb()
    ratio = tend / bare
    verdict = "meets" if ratio >= RATIO_TARGET else "misses"
    print(f"{verdict} the target of {RATIO_TARGET}", file=sys.stderr)
    print(f"ratio: {ratio:.2f} (tend send/bare smtplib)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
