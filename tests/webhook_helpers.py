"""Helpers for webhook tests: a real receiving server on loopback, a DNS stand-in for addresses,
and rows for the walks that only need an endpoint and a delivery to exist.

The receiver is an HTTP server in a thread of the test process; each test says what it
answers (a status, a redirect, a slow trickle, a huge body) and reads back what it was sent.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from flask import Flask
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.dns_standin import DnsStandIn


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1; `answers` is consumed one per request (last repeats)."""

    answers: list[dict] = field(default_factory=lambda: [{"status": 200, "body": b"ok"}])
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                receiver.received.append(
                    Received("POST", self.path, dict(self.headers.items()), self.rfile.read(length))
                )
                receiver._answer(self)

            def do_GET(self) -> None:  # noqa: N802
                receiver.received.append(Received("GET", self.path, dict(self.headers), b""))
                receiver._answer(self)

            def log_message(self, *args) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self.server.server_address[1]

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        """An address of this receiver."""
        return f"http://{host}:{self.port}{path}"

    def _answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        answer = self.answers[min(len(self.received), len(self.answers)) - 1]
        body = answer.get("body", b"")
        handler.send_response(answer.get("status", 200))
        for name, value in answer.get("headers", {}).items():
            handler.send_header(name, value)
        if answer.get("trickle"):
            # A body that never finishes: one byte at a time, slower than any deadline.
            handler.send_header("Content-Length", "1000000")
            handler.end_headers()
            for _ in range(600):
                try:
                    handler.wfile.write(b"x")
                    handler.wfile.flush()
                except OSError:
                    return
                time.sleep(answer["trickle"])
            return
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def stop(self) -> None:
        """Shut the server down."""
        self.server.shutdown()
        self.server.server_close()


class AddressDnsStandIn(DnsStandIn):
    """The DNS stand-in answering A and AAAA queries; a name may answer differently each time.

    `set_addresses(name, first, then)` makes the first query of each type answer `first`
    and every later one `then` (a rebinding name: public when checked, private after).
    """

    def __init__(self) -> None:
        super().__init__()
        self.addresses: dict[str, list[list[str]]] = {}
        self.asked: dict[tuple[str, str], int] = {}

    def set_addresses(self, name: str, *answers: list[str]) -> None:
        """Publish the address answers of `name`, one per query, the last one repeating."""
        self.addresses[name.lower().rstrip(".")] = [list(a) for a in answers]

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        for question in query.question:
            name = question.name.to_text().lower().rstrip(".")
            if name not in self.addresses:
                response.set_rcode(dns.rcode.NXDOMAIN)
                continue
            kind = dns.rdatatype.to_text(question.rdtype)
            count = self.asked.get((name, kind), 0)
            self.asked[(name, kind)] = count + 1
            answers = self.addresses[name]
            chosen = answers[min(count, len(answers) - 1)]
            version = {"A": 4, "AAAA": 6}.get(kind)
            matching = [a for a in chosen if (":" in a) == (version == 6)]
            if version and matching:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 0, dns.rdataclass.IN, kind, matching)
                )
        return response


def endpoint_with_delivery(app: Flask, publication, url: str = "https://hooks.example.com/in"):
    """An endpoint and one delivered event, written directly (no request is made)."""
    with app.app_context(), bound_to(publication.id):
        endpoint = WebhookEndpoint(
            publication_id=publication.id,
            url=url,
            secret="whsec_test-secret",
            events=["issue.published"],
            description="CRM",
        )
        db.session.add(endpoint)
        db.session.flush()
        delivery = WebhookDelivery(
            publication_id=publication.id,
            endpoint_id=endpoint.id,
            event_id="evt_walk",
            event_type="issue.published",
            body='{"id":"evt_walk","type":"issue.published","data":{}}',
            status="delivered",
            attempts=1,
            response_status=200,
            response_excerpt="ok",
            duration_ms=12,
        )
        db.session.add(delivery)
        db.session.commit()
        return endpoint.id, delivery.id


def add_endpoint(app: Flask, publication, url: str, events: list[str]) -> WebhookEndpoint:
    """Add an endpoint through the service (its address checked as the form's would be)."""
    from saas.publishing.models import Publication
    from saas.webhooks import endpoints

    with app.app_context(), bound_to(publication.id):
        row = db.session.get(Publication, publication.id)
        endpoint = endpoints.create_endpoint(row, url, events)
        db.session.refresh(endpoint)
        db.session.expunge(endpoint)
        return endpoint


def sent_events(app: Flask, server: Receiver) -> list[dict]:
    """The JSON bodies the receiver got, in order (queued jobs run first)."""
    import json

    from tests.conftest import drain_jobs

    drain_jobs(app)
    return [json.loads(r.body) for r in server.received if r.method == "POST"]


def deliveries_of(app: Flask, publication) -> list[WebhookDelivery]:
    """Every delivery of the publication, oldest first, detached."""
    with app.app_context(), bound_to(publication.id):
        rows = list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    """A receiving server on loopback that answers 200 until told otherwise."""
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture()
def loopback_allowed(app, monkeypatch) -> None:
    """Let outbound requests reach 127.0.0.1, where the tests' receivers listen."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_LOOPBACK", True)


@pytest.fixture()
def address_dns(app, monkeypatch) -> Iterator[AddressDnsStandIn]:
    """A loopback DNS server the app resolves host names with (short timeout)."""
    server = AddressDnsStandIn().start()
    monkeypatch.setitem(app.config, "DNS_RESOLVER", server.address)
    monkeypatch.setitem(app.config, "DNS_TIMEOUT", 0.5)
    yield server
    server.stop()
