"""What a webhook try costs against a bare HTTP POST of the same body to the same receiver.

A receiving HTTP server runs on loopback (keep-alive off, answers 200 at once). This times:

  bare post     the floor: `http.client` opens a connection, POSTs the body, reads the answer
  outbound      `saas.core.outbound_http.post`: the address parsed and vetted, the socket
                pinned to it, the deadline watchdog, the capped read
  delivery      one whole try as the job runs it (`saas.webhooks.attempts.attempt`): the row
                claimed, the body decrypted and signed, the post, the outcome recorded
                (embedded default: SQLite under a temporary folder)

Rows alternate --repeat rounds of --batch calls each; the median per call counts (best also
shown). The last line is ``ratio: X (delivery/bare post)``. Target: a whole try under 20 ms.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_MS = 20.0
BODY = b'{"id":"evt_bench","type":"issue.published","data":{"title":"On rest"}}'


class Receiver(http.server.BaseHTTPRequestHandler):
    """Reads the body, answers 200 "ok", closes."""

    def do_POST(self) -> None:  # noqa: N802  (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        return


def bare_post(port: int) -> None:
    """The floor: one connection, one POST, the answer read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/hook", body=BODY, headers={"Content-Type": "application/json"})
    connection.getresponse().read()
    connection.close()


class Bench:
    """An embedded app with one endpoint on the receiver, and deliveries ready to try."""

    def __init__(self, folder: str, port: int) -> None:
        os.environ["TEND_INSTANCE_DIR"] = folder
        from flask_migrate import upgrade

        from saas import create_app
        from saas.accounts.models import User
        from saas.core.extensions import db
        from saas.publishing import publications

        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                "SECRET_KEY": "bench",
                "OUTBOUND_ALLOW_LOOPBACK": True,
                "BASE_URL": "http://127.0.0.1:5000",
            }
        )
        self.url = f"http://127.0.0.1:{port}/hook"
        with self.app.app_context():
            upgrade()
            owner = User(name="Maya", email="maya@example.com", password_hash="x")  # noqa: S106
            db.session.add(owner)
            db.session.commit()
            self.publication = publications.create_publication(owner, slug="calm", name="Calm")
            self.publication_id = self.publication.id
            from saas.core.tenancy import bound_to
            from saas.webhooks import endpoints

            with bound_to(self.publication_id):
                self.endpoint_id = endpoints.create_endpoint(
                    self.publication, self.url, ["issue.published"]
                ).id

    def outbound(self) -> None:
        from saas.core import outbound_http

        with self.app.app_context():
            outbound_http.post(self.url, BODY, {"Content-Type": "application/json"})

    def prepare(self, count: int) -> list[int]:
        """Pending deliveries, stored as an event would store them (not tried)."""
        from saas.core.extensions import db
        from saas.core.tenancy import bound_to
        from saas.webhooks.models import WebhookDelivery

        with self.app.app_context(), bound_to(self.publication_id):
            rows = [
                WebhookDelivery(
                    publication_id=self.publication_id,
                    endpoint_id=self.endpoint_id,
                    event_id=f"evt_{i}",
                    event_type="issue.published",
                    subject="issue:1",
                    body=BODY.decode(),
                )
                for i in range(count)
            ]
            db.session.add_all(rows)
            db.session.commit()
            return [row.id for row in rows]

    def delivery(self, delivery_id: int) -> None:
        from saas.webhooks.attempts import attempt

        with self.app.app_context():
            if attempt(delivery_id) != "delivered":
                raise SystemExit(f"delivery {delivery_id} was not delivered")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    rows: dict[str, list[float]] = {"bare post": [], "outbound": [], "delivery": []}
    with tempfile.TemporaryDirectory(prefix="tend-bench-webhooks-") as folder:
        bench = Bench(folder, port)
        bench.delivery(bench.prepare(1)[0])  # warm-up: imports, the database file
        for _ in range(args.repeat):
            ids = iter(bench.prepare(args.batch))
            for name, run in (
                ("bare post", lambda: bare_post(port)),
                ("outbound", bench.outbound),
                ("delivery", lambda ready=ids: bench.delivery(next(ready))),
            ):
                start = time.perf_counter()
                for _ in range(args.batch):
                    run()
                rows[name].append((time.perf_counter() - start) / args.batch)
    server.shutdown()
    for name, seconds in rows.items():
        print(
            f"{name:<10} median {statistics.median(seconds) * 1000:6.2f} ms   "
            f"best {min(seconds) * 1000:6.2f} ms"
        )
    delivery_ms = statistics.median(rows["delivery"]) * 1000
    ratio = statistics.median(rows["delivery"]) / statistics.median(rows["bare post"])
    verdict = "meets" if delivery_ms < TARGET_MS else "misses"
    print(f"{verdict} the target: one whole try under {TARGET_MS:g} ms")
    print(f"ratio: {ratio:.2f} (delivery/bare post)")
    return 0 if delivery_ms < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
