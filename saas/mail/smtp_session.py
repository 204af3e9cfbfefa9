"""Handing a batch's messages to the mail server: one SMTP session, reopened when it drops.

`SmtpSession.deliver` sends one personalised message, retrying temporary failures (4xx
replies, timeouts, dropped connections) after growing pauses and reporting each message's
fate as an `Outcome` for the send record; a server that stays unreachable raises
`ConnectionLost` so the batch job is retried later. `OutboxSession` stands in for it in the
embedded default, writing .eml files to the development outbox.
"""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import current_app

from saas.mail.outcomes import BOUNCED, DEFERRED, FAILED, SENT
from saas.mail.transport import open_smtp, write_outbox


class Deliverable(Protocol):
    """What a session needs of a message: the envelope recipient and the bytes for DATA."""

    to: str
    data: bytes
    smtputf8: bool
    sender: str  # the message's own envelope sender, or "" for the session's


# Pauses before re-trying a message after a temporary failure (4xx, timeout, dropped link).
RETRY_DELAYS = (1.0, 4.0, 15.0)


# What each envelope command must be answered with, and what a refusal of it refuses.
_ENVELOPE_STEPS = (((250,), "sender"), ((250, 251), "recipient"), ((354,), "message"))


class ConnectionLost(RuntimeError):
    """The mail server could not be reached even after retries: try the batch again later."""


@dataclass(frozen=True)
class Outcome:
    """What became of one message: a Delivery status, the server's words and ours."""

    status: str
    smtp_response: str = ""
    error: str = ""


class _Temporary(Exception):
    def __init__(self, text: str, connection: bool) -> None:
        super().__init__(text)
        self.connection = connection


def _text(code: int, reply: bytes | str) -> str:
    reply = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(reply.split())}".strip()


def _dot_stuffed(data: bytes) -> bytes:
    """SMTP transparency (RFC 5321 4.5.2): double every line-leading dot; end with CRLF."""
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class SmtpSession:
    """One SMTP connection for a batch, reopened after temporary failures."""

    def __init__(
        self,
        url: str,
        sender: str,
        timeout: float,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.url, self.sender, self.timeout = url, sender, timeout
        self.retry_delays = retry_delays
        self.conn: smtplib.SMTP | None = None

    def deliver(self, message: Deliverable) -> Outcome:
        """Send one message, retrying temporary failures; ConnectionLost if the server is gone.

        A refusal that is still temporary after the pauses in `retry_delays` is DEFERRED:
        the send tries that reader again later (hours, with growing pauses), as an MTA would.
        """
        last: _Temporary | None = None
        for delay in (0.0, *self.retry_delays):
            if delay:
                time.sleep(delay)
            try:
                return self._attempt(message)
            except _Temporary as exc:
                last = exc
                self.close()
        assert last is not None
        if last.connection:
            raise ConnectionLost(str(last))
        tries = len(self.retry_delays) + 1
        return Outcome(DEFERRED, str(last), f"Refused for now after {tries} tries; trying later.")

    def _connect(self) -> smtplib.SMTP:
        if self.conn is None:
            try:
                self.conn = open_smtp(self.url, timeout=self.timeout)
            except smtplib.SMTPResponseException as exc:
                raise _Temporary(_text(exc.smtp_code, exc.smtp_error), True) from exc
            except OSError as exc:
                raise _Temporary(f"Could not connect: {exc}", True) from exc
        return self.conn

    def _attempt(self, message: Deliverable) -> Outcome:
        # One transaction by hand rather than smtplib.sendmail: it keeps the server's final
        # reply for the record, and skips re-parsing our own addresses and the regex
        # dot-stuffing pass over every message (~150 µs a message, measured).
        conn = self._connect()
        options = ""
        if message.smtputf8:
            if not conn.has_extn("smtputf8"):
                return Outcome(FAILED, "", "The address needs SMTPUTF8; the mail server lacks it.")
            conn.command_encoding = "utf-8"
            options = " SMTPUTF8 BODY=8BITMIME"
        try:
            refusal = self._envelope(conn, message.sender or self.sender, message.to, options)
            if refusal is not None:
                return self._refused(conn, *refusal)
            conn.send(_dot_stuffed(message.data) + b".\r\n")
            code, reply = conn.getreply()
        except smtplib.SMTPServerDisconnected as exc:
            raise _Temporary(f"Connection dropped: {exc}", True) from exc
        except OSError as exc:  # timeouts and resets
            raise _Temporary(f"Connection failed: {exc!r}", True) from exc
        if code != 250:
            return self._refused(conn, code, reply, "message", reset=False)
        return Outcome(SENT, _text(code, reply))

    def _envelope(self, conn: smtplib.SMTP, sender: str, to: str, options: str) -> tuple | None:
        """MAIL, RCPT and DATA: None once the server waits for the message, else the first
        refusal as (code, reply, what was refused).

        A server that offers PIPELINING (RFC 2920) gets the three commands in one write and
        answers them together: one round trip instead of three.
        """
        commands = (f"MAIL FROM:<{sender}>{options}", f"RCPT TO:<{to}>", "DATA")
        if conn.has_extn("pipelining"):
            conn.send("".join(f"{command}\r\n" for command in commands))
            replies = [conn.getreply() for _ in commands]
        else:
            replies = []
            for command, (accept, _) in zip(commands, _ENVELOPE_STEPS, strict=True):
                replies.append(conn.docmd(command))
                if replies[-1][0] not in accept:
                    break
        for (code, reply), (accept, what) in zip(replies, _ENVELOPE_STEPS, strict=False):
            if code not in accept:
                if replies[-1][0] == 354:
                    # DATA was taken although an earlier step failed (RFC 2920 says it must
                    # not be): end the empty message so the session is usable again.
                    conn.send(b".\r\n")
                    conn.getreply()
                return code, reply, what
        return None

    def _refused(
        self, conn: smtplib.SMTP, code: int, reply: bytes, what: str, reset: bool = True
    ) -> Outcome:
        text = _text(code, reply)
        if reset:
            try:
                conn.rset()
            except (smtplib.SMTPException, OSError):
                self.close()
        if 500 <= code < 600:
            status = BOUNCED if what == "recipient" else FAILED
            return Outcome(status, text, f"The mail server refused the {what} permanently.")
        raise _Temporary(text, False)

    def close(self) -> None:
        """Say goodbye to the server, or just drop the connection if it is already gone."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


class OutboxSession:
    """The embedded default's stand-in for SMTP: each message becomes an .eml file."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def deliver(self, message: Deliverable) -> Outcome:
        """Store the message in the development outbox."""
        write_outbox(self.directory, message.data)
        return Outcome(SENT, "250 Stored in the development outbox")

    def close(self) -> None:
        """Nothing to close."""


def open_session(sender: str) -> SmtpSession | OutboxSession:
    """The session the configured transport calls for (connecting lazily)."""
    config = current_app.config
    if config["MAIL_TRANSPORT"] == "smtp":
        delays = tuple(float(d) for d in config["SMTP_RETRY_DELAYS"])
        return SmtpSession(config["SMTP_URL"], sender, float(config["SMTP_TIMEOUT"]), delays)
    if config["MAIL_TRANSPORT"] == "outbox":
        return OutboxSession(config["OUTBOX_DIR"])
    raise ValueError(f"unknown MAIL_TRANSPORT {config['MAIL_TRANSPORT']!r}")
