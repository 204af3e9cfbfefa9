"""Hostile inbound mail costs work in proportion to its size, never to its square: oversized
header sections, address lists and MIME trees are quarantined before their headers are
parsed, and everything under those bounds is read in linear time. Work is counted in lines
of Python run or in characters handed to a parser, never in seconds."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import sys
from collections.abc import Callable
from email.headerregistry import AddressHeader

from saas.replies import inbound_limits, inbound_mime
from saas.replies.inbound import receive_inbound
from saas.replies.inbound_mime import parse
from tests.replies.test_inbound import address, count_replies, inbound, post  # noqa: F401
from tests.reply_helpers import READER, replies_of, setup  # noqa: F401  (fixtures)


def python_lines_run(work: Callable[[], object]) -> int:
    """How many lines of Python `work` runs: a measure no machine's speed or load moves."""
    lines = 0

    def trace(frame, event, arg):
        nonlocal lines
        if event == "line":
            lines += 1
        return trace

    sys.settrace(trace)
    try:
        work()
    finally:
        sys.settrace(None)
    return lines


def addressed_to(recipients: list[str], body: str = "See you on Thursday.") -> bytes:
    """A plain reply from the reader whose To: header names every one of `recipients`."""
    to = ",\r\n ".join(recipients)
    return (
        f"From: Ada Lovelace <{READER}>\r\nTo: {to}\r\nSubject: Re: On rest\r\n"
        f"Message-ID: <many-{len(recipients)}@example.org>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_forty_thousand_recipients_are_refused_reading_only_the_header_section(
    app, client, inbound, setup
):
    pub, issue, reader = setup
    genuine = address(app, pub, issue.id, reader.id)
    raw = addressed_to([genuine, *(f"reader{n}@example.org" for n in range(40_000))])
    assert len(raw) > inbound_limits.MAX_HEADER_BYTES
    response = post(client, raw)
    assert response.json == {"result": "quarantined", "reason": "headers_too_large"}
    assert count_replies(app) == 0
    with app.app_context():
        work = python_lines_run(lambda: receive_inbound(raw))
    # Refusing costs the same few hundred lines whatever the list's length (parsing it
    # once took tens of millions).
    assert work < 2_000


def test_more_addresses_than_anyone_replies_to_are_refused_before_they_are_parsed(
    app, client, inbound, setup, monkeypatch
):
    pub, issue, reader = setup
    genuine = address(app, pub, issue.id, reader.id)
    raw = addressed_to([genuine, *(f"r{n}@x.io" for n in range(5_000))])
    assert len(raw) < inbound_limits.MAX_HEADER_BYTES  # small enough; too many addresses
    parsed: list[int] = []
    monkeypatch.setattr(inbound_mime, "getaddresses", lambda values: parsed.append(1) or [])
    response = post(client, raw)
    assert response.json == {"result": "quarantined", "reason": "too_many_addresses"}
    assert parsed == []
    assert count_replies(app) == 0


def test_recipients_are_read_once_by_a_linear_parser(monkeypatch):
    # The standard library's structured address parser copies the rest of the header for
    # every token it reads: its work grows with the square of the header. Addresses go
    # through getaddresses instead, each character of the header handed to it once.
    structured: list[int] = []
    parse_structured = AddressHeader.parse.__func__

    def spy_structured(cls, value, kwds):
        structured.append(len(value))
        return parse_structured(cls, value, kwds)

    monkeypatch.setattr(AddressHeader, "parse", classmethod(spy_structured))
    handed: list[int] = []
    linear = inbound_mime.getaddresses
    monkeypatch.setattr(
        inbound_mime,
        "getaddresses",
        lambda values: handed.append(sum(map(len, values))) or linear(values),
    )
    raw = addressed_to([f"Reader {n} <reader{n}@example.org>" for n in range(900)])
    mail = parse(raw)
    assert len(mail.recipients) == 900
    assert structured == []
    assert 0 < sum(handed) <= len(raw)


def test_reading_recipients_takes_work_in_proportion_to_their_number():
    def work(count: int) -> int:
        raw = addressed_to([f"Reader {n} <reader{n}@example.org>" for n in range(count)])
        return python_lines_run(lambda: parse(raw))

    assert work(800) < 5 * work(200)
    mail = parse(addressed_to([f"reader{n % 300}@example.org" for n in range(900)]))
    assert len(mail.recipients) == 300  # duplicates counted once


def test_a_reply_to_a_large_group_is_still_stored(app, client, inbound, setup):
    pub, issue, reader = setup
    genuine = address(app, pub, issue.id, reader.id)
    others = [f"Reader {n} <reader{n}@example.org>" for n in range(300)]
    assert post(client, addressed_to([*others, genuine])).json["result"] == "stored"
    [reply] = replies_of(app, pub)
    assert reply.body_text == "See you on Thursday."


def multipart(parts: list[str]) -> bytes:
    """A reply whose multipart/mixed body holds `parts` (each its headers, a blank line, text)."""
    body = "".join(f"--b1\r\n{part}\r\n" for part in parts)
    return (
        f"From: {READER}\r\nTo: reply+1-2-abcdefghijklmnop@in.tend.localhost\r\n"
        f"Subject: Re: On rest\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
        f"{body}--b1--\r\n"
    ).encode()


def test_a_part_with_a_monstrous_content_type_is_refused_before_it_is_parsed(
    app, client, inbound, setup
):
    params = "; ".join(f"p{n}=v" for n in range(20_000))  # ~150 KiB of parameters
    raw = multipart(
        ["Content-Type: text/plain\r\n\r\nHello", f"Content-Type: text/plain; {params}"]
    )
    assert post(client, raw).json == {"result": "quarantined", "reason": "header_field_too_long"}
    with app.app_context():
        work = python_lines_run(lambda: receive_inbound(raw))
    assert work < 5_000


def test_a_message_of_thousands_of_parts_is_refused(app, client, inbound, setup):
    raw = multipart(["Content-Type: text/plain\r\n\r\nx"] * 5_000)
    assert post(client, raw).json == {"result": "quarantined", "reason": "too_many_parts"}


def test_only_the_head_of_a_huge_body_is_read_for_the_readers_words(monkeypatch):
    seen: list[int] = []
    real = inbound_mime.strip_quoted
    monkeypatch.setattr(
        inbound_mime, "strip_quoted", lambda text: seen.append(len(text)) or real(text)
    )
    words = "I slept better this week.\n"
    parse(multipart([f"Content-Type: text/plain\r\n\r\n{words * 300_000}"]))  # ~7.5 MiB
    assert seen and max(seen) <= inbound_limits.MAX_BODY_CHARS


def test_only_the_head_of_a_huge_html_body_is_turned_into_text(monkeypatch):
    seen: list[int] = []
    real = inbound_mime.html_to_text
    monkeypatch.setattr(
        inbound_mime, "html_to_text", lambda html: seen.append(len(html)) or real(html)
    )
    mail = parse(multipart([f"Content-Type: text/html\r\n\r\n<p>Hello</p>{'<a>' * 400_000}"]))
    assert mail.text.startswith("Hello")
    assert seen and max(seen) <= inbound_limits.MAX_BODY_CHARS


def test_headers_in_eight_bit_and_encoded_words_are_still_read():
    raw = (
        "From: =?utf-8?q?Ad=C3=A0?= <ada@example.org>\r\n"
        "To: Maya <reply+1-2-abcdefghijklmnop@in.tend.localhost>\r\n"
        "Subject: =?utf-8?q?Re=3A_Caf=C3=A9?=\r\n  and rest\r\n"
        "Message-ID: <eight-bit@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n"
    ).encode()
    mail = parse(raw)
    assert (mail.sender, mail.subject, mail.text) == (
        "ada@example.org",
        "Re: Café and rest",
        "Grüße",
    )
    assert mail.recipients == ("reply+1-2-abcdefghijklmnop@in.tend.localhost",)
    raw_utf8 = "Subject: Grüße\r\nFrom: ada@example.org\r\n\r\nhi\r\n".encode()
    assert parse(raw_utf8).subject == "Grüße"
