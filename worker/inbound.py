"""`python -m worker.inbound`: an SMTP server (aiosmtpd) that takes readers' replies.

For self-hosters whose INBOUND_EMAIL_DOMAIN's MX points here. Recipients are checked at RCPT:
only addresses on that domain carrying a genuine reply or unsubscribe token, and deliveries'
VERP return paths (`bounce+<token>@`, any domain pointed here) whose token verifies, are
accepted, so mail for anyone else is refused before its content is even sent. Each accepted
message goes to saas.replies.inbound.receive_inbound in a worker thread with its own app
context.
Messages over INBOUND_MAX_BYTES are refused by the server (552).
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller
from flask import Flask


class InboundHandler:
    """aiosmtpd hooks: check recipients, hand each message to the inbound service."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _known_recipient(self, address: str) -> bool:
        from saas.audience.reader_links import read_reply_address, read_unsubscribe_token
        from saas.delivery import verp
        from saas.replies.inbound import find_token

        with self.app.app_context():
            if verp.is_bounce_address(address):  # on any domain: the signature decides
                return verp.read_return_path(address) is not None
            found = find_token([address], self.app.config["INBOUND_EMAIL_DOMAIN"])
            if found is None:
                return False
            kind, value = found
            if kind == "reply":
                return read_reply_address(value) is not None
            return read_unsubscribe_token(value) is not None

    def _receive(self, raw: bytes, recipients: list[str]) -> str:
        from saas.replies.inbound import receive_inbound

        with self.app.app_context():
            result = receive_inbound(raw, recipients)
        return result.outcome

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        """Accept only genuine reply/unsubscribe addresses on our domain and VERP addresses."""
        if not self._known_recipient(address):
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        """Store the message (or quarantine it, which the sender is not told)."""
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._receive, raw, list(envelope.rcpt_tos))
        except Exception:  # the sending server keeps the message and tries again later
            self.app.logger.exception("inbound mail could not be processed")
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 OK: message accepted"


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class InboundServer:
    """The SMTP server on `host:port` (port 0 picks a free one), started in a thread."""

    def __init__(self, app: Flask, host: str | None = None, port: int | None = None) -> None:
        self.host = host or app.config["INBOUND_SMTP_HOST"]
        chosen = app.config["INBOUND_SMTP_PORT"] if port is None else port
        self.port = chosen or _free_port(self.host)
        self.controller = Controller(
            InboundHandler(app),
            hostname=self.host,
            port=self.port,
            data_size_limit=app.config["INBOUND_MAX_BYTES"],
            enable_SMTPUTF8=True,
        )

    def start(self) -> None:
        """Listen (returns once the server answers)."""
        self.controller.start()

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()


def main() -> int:
    """Serve until SIGTERM or Ctrl+C."""
    from worker.app import get_app

    app = get_app()
    server = InboundServer(app)
    server.start()
    print(
        f"Inbound mail for @{app.config['INBOUND_EMAIL_DOMAIN']} on "
        f"{server.host}:{server.port} (Ctrl+C to stop)",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
