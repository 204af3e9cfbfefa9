"""Reading subscriber CSVs: encodings, delimiters, vendor layouts, line numbers, addresses."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from email_validator import EmailNotValidError

from saas.audience.imports.addresses import normalize_address
from saas.audience.imports.formats import CsvFileError, read_csv_file
from saas.audience.imports.layouts import detect_layout
from saas.audience.imports.records import NAME_MAX, parse_tags, parse_timestamp
from saas.audience.models import ACTIVE, BOUNCED, PENDING, UNSUBSCRIBED
from saas.core.validators import email_address

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"


def records(content: bytes | str):
    data = content.encode() if isinstance(content, str) else content
    return list(read_csv_file(data).records())


@pytest.mark.parametrize(
    ("fixture", "expected_format", "delimiter", "rows"),
    [
        ("generic.csv", "generic", ",", 12),
        ("substack.csv", "substack", ",", 4),
        ("mailchimp_subscribed.csv", "mailchimp", ",", 3),
        ("mailchimp_unsubscribed.csv", "mailchimp_unsubscribed", ",", 2),
        ("mailchimp_cleaned.csv", "mailchimp_cleaned", ",", 1),
        ("beehiiv.csv", "beehiiv", ",", 4),
        ("excel_semicolon_bom.csv", "generic", ";", 2),
        ("utf16_tabs.csv", "generic", "\t", 2),
    ],
)
def test_each_sample_export_is_recognised(fixture, expected_format, delimiter, rows):
    parsed = read_csv_file((FIXTURES / fixture).read_bytes())
    assert (parsed.format, parsed.delimiter, parsed.count_rows()) == (
        expected_format,
        delimiter,
        rows,
    )


def test_vendor_statuses_are_carried_over_never_upgraded():
    by_file = {
        name: {r.email: r.status for r in records((FIXTURES / name).read_bytes())}
        for name in ("substack.csv", "beehiiv.csv", "mailchimp_cleaned.csv", "utf16_tabs.csv")
    }
    assert by_file["substack.csv"]["gone@example.com"] == UNSUBSCRIBED  # email_disabled
    assert by_file["substack.csv"]["paid.reader@example.com"] == ACTIVE
    assert by_file["beehiiv.csv"] == {
        "b1@example.com": ACTIVE,
        "b2@example.com": UNSUBSCRIBED,
        "b3@example.com": PENDING,
        "b4@example.com": ACTIVE,
    }
    assert by_file["mailchimp_cleaned.csv"] == {"c1@example.com": BOUNCED}
    assert by_file["utf16_tabs.csv"]["tab.two@example.com"] == UNSUBSCRIBED


def test_every_row_of_a_mailchimp_unsubscribed_file_is_unsubscribed_even_without_a_time():
    rows = records((FIXTURES / "mailchimp_unsubscribed.csv").read_bytes())
    assert [(r.email, r.status) for r in rows] == [
        ("u1@example.com", UNSUBSCRIBED),
        ("u2@example.com", UNSUBSCRIBED),  # its UNSUB_TIME cell is empty
    ]
    assert rows[0].unsubscribed_at == datetime(2018, 7, 23, 12, 19, 27, tzinfo=UTC)


def test_mailchimp_names_tags_and_times_are_read():
    first = records((FIXTURES / "mailchimp_subscribed.csv").read_bytes())[0]
    assert first.name == "Mara Jones"
    assert first.tags == ("Workshop", "Newsletter")
    assert first.created_at == datetime(2020, 12, 25, 13, 35, 34, tzinfo=UTC)
    assert first.confirmed_at == datetime(2020, 12, 25, 13, 36, tzinfo=UTC)


def test_line_numbers_match_the_spreadsheet_with_blank_lines_and_quoted_newlines():
    rows = records((FIXTURES / "generic.csv").read_bytes())
    lines = {r.email: r.line for r in rows}
    assert lines["line@example.com"] == 8  # a blank row 7 above it
    assert lines["after@example.com"] == 9  # the quoted newline stays inside row 8
    named = {r.email: r.name for r in rows}
    assert named["line@example.com"] == "Name with newline"


def test_extra_cells_are_a_problem_but_missing_trailing_cells_are_not():
    rows = {r.email: r for r in records((FIXTURES / "generic.csv").read_bytes())}
    assert rows["extra@example.com"].problem == "5 columns where the header has 4"
    assert rows["short@example.com"].problem == ""


def test_names_longer_than_the_limit_are_shortened():
    rows = {r.email: r for r in records((FIXTURES / "generic.csv").read_bytes())}
    assert rows["long@example.com"].name == "N" * NAME_MAX


def test_unknown_status_is_a_problem():
    (row,) = records("email,status\nx@example.com,archived\n")
    assert row.problem.startswith("unknown status “archived”")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Email Address", "First Name", "MEMBER_RATING", "OPTIN_TIME"], "mailchimp"),
        (["email", "active_subscription", "expiry", "plan", "email_disabled"], "substack"),
        (["email", "status", "created_at", "utm_source"], "beehiiv"),
        (["email", "name", "status", "tags", "source", "created_at", "confirmed_at"], "tend"),
        (["E-mail", "Name"], "generic"),
        (["Subscriber Email", "Joined"], "generic"),
        (["mail"], "generic"),
    ],
)
def test_header_detection(header, expected):
    assert detect_layout(header).format == expected


def test_tend_export_cells_lose_the_apostrophe_that_protected_them():
    text = (
        "email,name,status,tags,source,created_at,confirmed_at\n'-x@example.com,'=1+2,active,,,,\n"
    )
    (row,) = records(text)
    assert (row.email, row.name) == ("-x@example.com", "=1+2")
    (generic,) = records("email,name\nx@example.com,'=kept\n")
    assert generic.name == "'=kept"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (bytes(range(256)) * 8, "not a CSV file"),
        (b"name,phone\nAda,555\n", "No email column found"),
        (b"ada@example.com,Ada\n", "it holds an address"),
        (b"email,name\n\n", "no readers below it"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(content, message):
    with pytest.raises(CsvFileError, match=message):
        read_csv_file(content)


def test_encodings():
    text = "email;name\nzoe@example.com;Zoë\n"
    for data in (
        text.encode("utf-8"),
        text.encode("utf-8-sig"),
        text.encode("utf-16"),
        text.encode("utf-16-le"),
        text.encode("cp1252"),
    ):
        (row,) = records(data)
        assert (row.email, row.name) == ("zoe@example.com", "Zoë")


def test_tags_cells():
    assert parse_tags("vip, early; Early ;  navy  ") == ("vip", "early", "navy")
    assert parse_tags('"Lorem Editors","b, c"') == ("Lorem Editors", "b", "c")
    assert parse_tags("") == ()
    assert parse_tags("x" * 80) == ("x" * 60,)


def test_timestamps():
    assert parse_timestamp("2023-03-24 10:23:10 UTC") == datetime(
        2023, 3, 24, 10, 23, 10, tzinfo=UTC
    )
    assert parse_timestamp("2018-08-27T15:06:27.713Z").microsecond == 713000
    assert parse_timestamp("2021-03-04") == datetime(2021, 3, 4, tzinfo=UTC)
    assert parse_timestamp("Jan 15, 2022") == datetime(2022, 1, 15, tzinfo=UTC)
    assert parse_timestamp("2024-01-01T12:00:00+02:00").hour == 10
    assert parse_timestamp("03/04/2021") is None  # day or month first? refuse to guess
    assert parse_timestamp("2999-01-01") is None  # never in the future
    assert parse_timestamp("") is None


def _reference(raw: str) -> str | None:
    try:
        return email_address(raw).lower()
    except EmailNotValidError:
        return None


def _ours(raw: str) -> str | None:
    try:
        return normalize_address(raw)
    except EmailNotValidError:
        return None


def test_fast_address_check_agrees_with_the_subscribe_forms():
    corpus = [
        "Ada@Example.COM",
        "a.b+tag@sub.example.co.uk",
        "x@localhost",
        "x@example.local",
        "x@example.invalid",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@-example.com",
        "a@example.123",
        "a@[127.0.0.1]",
        '"quoted"@example.com',
        "zoë@example.com",
        "a@bücher.de",
        "a@xn--bcher-kva.de",
        "Ada <ada@example.com>",
        "a" * 64 + "@example.com",
        "a" * 65 + "@example.com",
        "é" * 32 + "@example.com",
        "é" * 33 + "@example.com",
        "test@io",
        "a@" + "b" * 63 + ".com",
        "a@" + "b" * 64 + ".com",
        "a@" + ".".join(["abcdefghi"] * 25) + ".com",
        "=cmd@example.com",
        "-dash@example.com",
        "a@b@example.com",
        "",
        "@example.com",
        "a@",
    ]
    rng = random.Random(7)
    alphabet = 'aZ09.-_+=!#@ é"()[]'
    for _ in range(3000):
        local = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        domain = "".join(rng.choice("abc.-9é") for _ in range(rng.randint(0, 10)))
        corpus.append(f"{local}@{domain}{rng.choice(['', '.com', '.org', '.x'])}")
    mismatches = [
        (raw, _ours(raw), _reference(raw)) for raw in corpus if _ours(raw) != _reference(raw)
    ]
    assert mismatches == []


@pytest.mark.parametrize(
    "text",
    [
        "email,name\na@example.com,A\n\nb@example.com,B\n",
        "email,name\r\na@example.com,A\r\n , \r\n,,\r\nb@example.com\r\n\r\n",
        "\n\nemail;name\na@example.com;A\n;;\n\t\nb@example.com;B",
        'email,name\na@example.com,"Two\nlines"\n\n"b@example.com",B\n',
        "email,name\ra@example.com,A\r\rb@example.com,B\r",
    ],
)
def test_row_count_matches_the_rows_read(text):
    parsed = read_csv_file(text.encode())
    assert parsed.count_rows() == len(list(parsed.records())) > 0
