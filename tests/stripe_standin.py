"""A loopback stand-in for the parts of Stripe's API Tend calls, for tests without the internet.

The real `stripe` client talks to it (STRIPE_API_BASE). It answers only what Tend uses, with
the shapes of Stripe's API reference (current versions: a subscription's period lives on its
item, an invoice names its subscription under `parent.subscription_details`):

  POST /v1/accounts, GET /v1/accounts/{id}, POST /v1/account_links
  POST /v1/products, POST /v1/products/{id}, POST /v1/prices, GET|POST /v1/prices/{id}
  POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id}
  POST /v1/billing_portal/sessions, GET /v1/subscriptions/{id}, GET /v1/customers/{id}
  DELETE /v1/subscriptions/{id} (cancel now)

Objects made with a `Stripe-Account` header belong to that connected account and are not
found from any other (as on Stripe). Tests play the customer's part with `complete_checkout`,
`change_subscription` and friends, then deliver the resulting events with `signed()`: the
payload signed exactly as Stripe signs webhooks (HMAC-SHA256 of "{t}.{payload}", header
`t=...,v1=...`), for the real `stripe.Webhook.construct_event` to verify. Hosted pages
(Checkout, the portal, onboarding) are plain HTML pages at /checkout/{id} and so on.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

PLATFORM = "platform"
_ids = itertools.count(1)
_KEY_RE = re.compile(r"\[([^\]]*)\]")


def new_id(prefix: str) -> str:
    """A Stripe-looking id, unique in this process."""
    return f"{prefix}_test{next(_ids):08d}{secrets.token_hex(4)}"


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        path = [head, *_KEY_RE.findall(key)]
        node: Any = root
        for step, nxt in zip(path, path[1:], strict=False):
            container = [] if nxt.isdigit() else {}
            if isinstance(node, list):
                index = int(step)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None:
                    node[index] = container
                node = node[index]
            else:
                node = node.setdefault(step, container)
        last = path[-1]
        if isinstance(node, list):
            index = int(last)
            while len(node) <= index:
                node.append(None)
            node[index] = value
        else:
            node[last] = value
    return root


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload`: t=<unix time>,v1=<HMAC-SHA256>."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class StripeStandIn:
    """In-memory Stripe objects behind a ThreadingHTTPServer on 127.0.0.1."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict] = {}  # (account, id) -> object
        self.requests: list[dict] = []
        self.idempotent: dict[tuple[str, str], dict] = {}
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None
        self.fail_next: int = 0  # answer this many API calls with a 500 (Stripe down)

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> str:
        """Listen on a free loopback port; return the base URL."""
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                standin._handle(self, "GET")

            def do_POST(self) -> None:
                standin._handle(self, "POST")

            def do_DELETE(self) -> None:
                standin._handle(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.base

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.objects.clear()
            self.requests.clear()
            self.idempotent.clear()
            self.fail_next = 0

    # --- object store -----------------------------------------------------------------

    def put(self, obj: dict, account: str | None = None) -> dict:
        with self.lock:
            self.objects[(account or PLATFORM, obj["id"])] = obj
        return obj

    def get(self, object_id: str, account: str | None = None) -> dict | None:
        with self.lock:
            return self.objects.get((account or PLATFORM, object_id))

    def find(self, object_id: str) -> tuple[str | None, dict]:
        """(account, object) wherever it lives (a test's view, not the API's)."""
        with self.lock:
            for (account, oid), obj in self.objects.items():
                if oid == object_id:
                    return (None if account == PLATFORM else account), obj
        raise KeyError(object_id)

    def calls(self, method: str, path_prefix: str) -> list[dict]:
        """Recorded API calls, for assertions."""
        return [
            r for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix)
        ]

    # --- HTTP -------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        if parts.path.startswith(("/checkout/", "/portal/", "/onboarding/")):
            return self._page(handler, parts.path)
        params = decode_form(parse_qsl(raw if method == "POST" else parts.query, True))
        account = handler.headers.get("Stripe-Account") or None
        auth = handler.headers.get("Authorization", "")
        key = handler.headers.get("Idempotency-Key")
        with self.lock:
            self.requests.append(
                {"method": method, "path": parts.path, "params": params, "account": account}
            )
            if not auth.startswith("Bearer sk_"):
                return self._reply(handler, 401, _error("Invalid API Key provided", "api_key"))
            if self.fail_next > 0:
                self.fail_next -= 1
                return self._reply(handler, 500, _error("Stand-in is down", "api_error"))
            if key and (account or PLATFORM, key) in self.idempotent:
                return self._reply(handler, 200, self.idempotent[(account or PLATFORM, key)])
            try:
                body = self._route(method, parts.path, params, account)
            except KeyError as exc:
                message = f"No such object: '{exc.args[0]}'"
                return self._reply(handler, 404, _error(message, "invalid_request_error"))
            except routes_error() as exc:
                message = f"The subscription {exc.args[0]} has already been canceled."
                return self._reply(handler, 400, _error(message, "invalid_request_error"))
            if key and method == "POST":
                self.idempotent[(account or PLATFORM, key)] = body
        return self._reply(handler, 200, body)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", new_id("req"))
        handler.end_headers()
        handler.wfile.write(data)

    def _page(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        title = {"checkout": "Checkout", "portal": "Billing portal", "onboarding": "Onboarding"}
        kind = path.split("/")[1]
        html = (
            f"<!doctype html><html lang=en><title>Stand-in Stripe {title[kind]}</title>"
            f"<h1>Stand-in Stripe {title[kind]}</h1><p id='object'>{path.rsplit('/', 1)[-1]}</p>"
        ).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(html)))
        handler.end_headers()
        handler.wfile.write(html)

    def _route(self, method: str, path: str, params: dict, account: str | None) -> dict:
        from tests import stripe_standin_routes as routes

        return routes.dispatch(self, method, path, params, account)

    # --- the customer's side, played by tests ------------------------------------------

    def event(
        self, type_: str, obj: dict, account: str | None = None, created: int | None = None
    ) -> dict:
        """A Stripe Event wrapping a snapshot of `obj`."""
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()) if created is None else created,
            "data": {"object": json.loads(json.dumps(obj))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        if account:
            event["account"] = account
        return event

    def complete_checkout(
        self, session_id: str, account: str | None = None, email: str = ""
    ) -> list[dict]:
        """The customer pays: a customer and an active subscription; returns Stripe's events."""
        from tests import stripe_standin_routes as routes

        return routes.complete_checkout(self, session_id, account, email)

    def change_subscription(self, subscription_id: str, **changes: Any) -> list[dict]:
        """Change a subscription as the portal or a renewal would; returns Stripe's events."""
        from tests import stripe_standin_routes as routes

        return routes.change_subscription(self, subscription_id, **changes)

    def fail_renewal(self, subscription_id: str) -> list[dict]:
        """A renewal charge fails: past_due, with invoice.payment_failed."""
        from tests import stripe_standin_routes as routes

        return routes.invoice_events(self, subscription_id, paid=False)

    def pay_renewal(self, subscription_id: str) -> list[dict]:
        """A renewal (or a retry) succeeds: active, with invoice.paid."""
        from tests import stripe_standin_routes as routes

        return routes.invoice_events(self, subscription_id, paid=True)


def routes_error() -> type[Exception]:
    """The routes' "already cancelled" error (imported late: the routes import this module)."""
    from tests.stripe_standin_routes import AlreadyCanceled

    return AlreadyCanceled


def _error(message: str, type_: str) -> dict:
    return {"error": {"message": message, "type": type_}}
