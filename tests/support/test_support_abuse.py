"""Abuse and bad input on the support form: every guard turns the request away, stores nothing
and sends nothing; hostile text stays inert wherever it is shown."""

from __future__ import annotations

import csv
import io

import pytest

from saas.support.form_settings import MESSAGE_MAX, NAME_MAX
from tests.conftest import login, post_form
from tests.support_helpers import (
    configure_form,
    html_of,
    reader_form,
    requests_of,
    send_support,
    started,
    text_of,
)

OWNER = "maya@example.com"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture()
def pub(factories):
    owner = factories.user(email=OWNER, name="Maya")
    return factories.publication(owner=owner, slug="calm", name="Calm Letters")


def test_honeypot_answers_like_success_but_stores_and_sends_nothing(app, client, pub, mailbox):
    response = send_support(client, app, pub, website="http://spam.example")
    assert response.status_code == 303 and response.headers["Location"].endswith("/support/sent")
    assert requests_of(app, pub) == []
    assert mailbox.messages() == []


def test_too_fast_fill_gets_a_friendly_message_and_keeps_what_was_written(
    app, client, pub, mailbox
):
    response = send_support(client, app, pub, started=started(app, pub, seconds_ago=1))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "quicker than a person usually types" in page
    assert "trouble sleeping" in page  # nothing lost
    assert requests_of(app, pub) == []
    # A missing or forged start token is treated the same way.
    forged = send_support(client, app, pub, started="eyJwIjoxLCJ0IjowfQ.forged")
    assert forged.status_code == 422 and "send it again" in forged.get_data(as_text=True)
    assert requests_of(app, pub) == [] and mailbox.messages() == []


def test_rate_limit_per_address_counts_requests_that_went_through(app, client, pub):
    statuses = [
        send_support(client, app, pub, email="same@example.org").status_code for _ in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    limited = send_support(client, app, pub, email="same@example.org")
    page = limited.get_data(as_text=True)
    assert limited.status_code == 429 and "116 123" in page  # crisis lines even here
    assert len(requests_of(app, pub)) == 3
    # Mistakes do not use up a reader's allowance.
    other = app.test_client()
    for _ in range(4):
        assert (
            send_support(other, app, pub, email="typo@example.org", consent="").status_code == 422
        )
    assert send_support(other, app, pub, email="typo@example.org").status_code == 303


def test_rate_limit_per_ip(app, pub):
    client = app.test_client()
    statuses = [
        client.post(
            "/p/calm/support",
            data=reader_form(app, pub, email=f"r{n}@example.org"),
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [303] * 10 and statuses[10] == 429
    assert len(requests_of(app, pub)) == 10


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("message", "x" * (MESSAGE_MAX + 1), "under 10,000 characters (it is 10,001 now)"),
        ("name", "n" * (NAME_MAX + 1), "under 120 characters"),
        ("email", "a" * 250 + "@example.org", "under 254 characters"),
        ("phone", "1" * 41, "under 40 characters"),
    ],
)
def test_over_long_answers_get_a_clear_error_and_nothing_is_stored(
    app, client, pub, mailbox, field, value, error
):
    response = send_support(client, app, pub, **{field: value})
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert requests_of(app, pub) == [] and mailbox.messages() == []


def test_a_message_of_exactly_the_limit_counts_line_breaks_once(app, client, pub):
    # Browsers send CRLF; 10,000 characters as typed are accepted.
    body = ("a" * 99 + "\r\n") * 100
    assert len(body.replace("\r\n", "\n")) == MESSAGE_MAX
    assert send_support(client, app, pub, message=body).status_code == 303
    assert len(requests_of(app, pub)[0].message) == MESSAGE_MAX - 1  # trailing break trimmed


def test_over_long_custom_answer_is_refused(app, client, pub):
    [key] = configure_form(
        app,
        pub,
        fields=[
            {
                "key": "fshort",
                "type": "short_text",
                "label": "Town",
                "help": "",
                "required": False,
                "options": [],
            }
        ],
    )
    response = send_support(client, app, pub, **{f"q_{key}": "t" * 301})
    assert response.status_code == 422 and "under 300 characters" in response.get_data(as_text=True)
    assert requests_of(app, pub) == []


def test_file_uploads_are_refused(app, client, pub, mailbox):
    data = reader_form(app, pub)
    data["attachment"] = (io.BytesIO(b"%PDF-1.4 secret scan"), "scan.pdf")
    response = client.post("/p/calm/support", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "does not accept attachments" in response.get_data(as_text=True)
    assert requests_of(app, pub) == [] and mailbox.messages() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Robin\r\nBcc: victim@example.net"),
        ("name", "Robin\nSubject: hacked"),
        ("email", "robin@example.org\r\nBcc: victim@example.net"),
        ("email", "robin@example.org\nCc: victim@example.net"),
    ],
)
def test_header_injection_in_name_or_email_is_refused(app, client, pub, mailbox, field, value):
    response = send_support(client, app, pub, **{field: value})
    assert response.status_code == 422
    assert requests_of(app, pub) == []
    assert all("victim" not in str(m) for m in mailbox.messages())


def test_even_a_stored_hostile_name_cannot_add_a_mail_header(
    app, pub, factories, mailbox, smtp_sink
):
    # Defence in depth: a row written by any path still goes through compose's header cleaning.
    factories.support_request(pub, email="robin@example.org", name="Robin\r\nBcc: victim@x.net")
    [ack] = mailbox.messages("robin@example.org")
    assert ack["Bcc"] is None
    assert [k.lower() for k in ack].count("bcc") == 0
    headers = ack.as_string().split("\n\n", 1)[0]
    assert not any(line.lower().startswith("bcc:") for line in headers.splitlines())
    assert "Hello Robin Bcc: victim@x.net," in text_of(ack)  # one line, even in the body
    assert all("victim" not in r for _, rcpts in smtp_sink.envelopes for r in rcpts)


def test_hostile_text_is_escaped_everywhere(app, client, pub, mailbox):
    configure_form(
        app,
        pub,
        confidential_mode=False,
        fields=[
            {
                "key": "fxss",
                "type": "long_text",
                "label": "More",
                "help": "",
                "required": False,
                "options": [],
            }
        ],
    )
    name = '<b onmouseover="x">Robin</b>'
    sent = send_support(client, app, pub, name=name, message=XSS, q_fxss=XSS)
    assert sent.status_code == 303
    [stored] = requests_of(app, pub)
    assert stored.name == name and stored.message == XSS  # kept verbatim, shown escaped
    login(client, OWNER)
    post_form(
        client,
        f"/dashboard/calm/support/{stored.id}/notes",
        {"note": XSS},
        token_from="/dashboard/calm/support",
    )
    pages = [
        "/dashboard/calm/support",
        "/dashboard/calm/support/list",
        "/dashboard/calm/support/list?q=script",
        f"/dashboard/calm/support/{stored.id}",
        "/dashboard/calm/support/stats",
    ]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "<b onmouseover" not in html, url
    detail = client.get(f"/dashboard/calm/support/{stored.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert" in detail and "&lt;b onmouseover=" in detail
    [note] = mailbox.messages(OWNER)
    html = html_of(note)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;" in html
    assert XSS in text_of(note)  # plain text is not markup
    export = post_form(
        client,
        "/dashboard/calm/support/export.csv",
        {"include_messages": "y", "include_notes": "y"},
        token_from="/dashboard/calm/support/list",
    )
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][3] == name and XSS in rows[1]


@pytest.mark.parametrize(
    "payload", ['=HYPERLINK("http://evil","x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_export_cells_cannot_become_formulas(payload):
    from saas.support.export import cell

    assert cell(payload) == "'" + payload
    assert cell("Robin") == "Robin" and cell(None) == "" and cell(3) == "3"
