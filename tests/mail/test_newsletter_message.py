"""What a reader receives: RFC 8058 unsubscribe, stable ids, safe headers, personal touches."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from saas.audience import reader_links
from saas.audience.models import Subscriber
from saas.billing.paid.issue_mail import issue_message
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import sending
from saas.mail.newsletter import Recipient
from saas.publishing.models import Issue, Publication
from tests.conftest import drain_jobs

EXPECTED_HEADERS = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
    "MIME-Version",
    "Content-Type",
}
# Every way a value could try to end its header line and start a new one.
BREAKS = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c"]


def _send(app, pub, issue) -> None:
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        sending.send_now(publication, db.session.get(Issue, issue.id))
    drain_jobs(app)


def _header_block(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def test_message_carries_one_click_unsubscribe_and_routes_replies(
    app, factories, mailbox, smtp_sink
):
    pub = factories.publication(slug="quiet", name="Quiet Notes", author_name="Rowan Field")
    reader = factories.subscriber(pub, email="ada@example.org", name="Ada Lovelace")
    issue = factories.issue(pub, title="Rest", body_markdown="Rest **well**.", publish=True)
    _send(app, pub, issue)
    (message,) = mailbox.messages("ada@example.org")
    assert set(message.keys()) == EXPECTED_HEADERS
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))
    assert https.startswith("http://localhost/p/quiet/unsubscribe/")
    assert mailto.startswith("mailto:unsubscribe+") and "@in.tend.localhost" in mailto
    assert message["Message-ID"] == f"<issue-{issue.id}.sub-{reader.id}.quiet@tend.localhost>"
    assert str(message["From"]) == "Rowan Field <hello@tend.localhost>"
    local = message["Reply-To"].addresses[0].username
    with app.app_context():
        assert reader_links.read_reply_address(local) == (issue.id, reader.id)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    view_online = "http://localhost/p/quiet/issues/rest"
    assert https in text and view_online in text
    assert f'href="{https}"' in html and f'href="{view_online}"' in html
    assert "View in browser" in html and "Unsubscribe" in html
    assert "<strong>well</strong>" in html
    # CSS is inlined; only the responsive @media rule stays in a <style> element.
    assert 'class="card" style="' in html
    for block in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S):
        assert block.strip().startswith("@media")
    # The https link itself unsubscribes with a one-click POST (RFC 8058).
    assert app.test_client().post(https, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Subscriber, reader.id).status == "unsubscribed"


def test_message_id_is_stable_for_an_issue_and_reader(app, factories):
    pub = factories.publication(slug="stable")
    reader = factories.subscriber(pub, email="r@example.org")
    issue = factories.issue(pub, publish=True)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        row = db.session.get(Issue, issue.id)
        first = issue_message(publication, row).personalise(Recipient(reader.id, reader.email))
        retry = issue_message(publication, row).personalise(Recipient(reader.id, reader.email))
    assert first.message_id == retry.message_id
    assert f"Message-ID: {first.message_id}".encode() in _header_block(retry.data)


@pytest.mark.parametrize("line_break", BREAKS)
def test_names_and_subjects_cannot_inject_headers(app, factories, mailbox, line_break):
    pub = factories.publication(
        slug="inject", name="Notes", author_name=f"Rowan{line_break}X-Injected: from-author"
    )
    factories.subscriber(
        pub, email="eve@example.org", name=f"Eve{line_break}Bcc: victim@example.net"
    )
    title = f"Hello{line_break}X-Injected: subject{line_break}{line_break}body?"
    issue = factories.issue(pub, title=title, publish=True)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        reader = db.session.scalar(select(Subscriber))
        raw = (
            issue_message(publication, db.session.get(Issue, issue.id))
            .personalise(Recipient(reader.id, reader.email, reader.name))
            .data
        )
    names = [line.split(b":", 1)[0] for line in _header_block(raw) if line[:1] not in b" \t"]
    assert {n.decode() for n in names} == EXPECTED_HEADERS and len(names) == len(EXPECTED_HEADERS)
    assert all(line.isascii() for line in _header_block(raw))  # RFC 2047 words, not raw UTF-8
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    _send(app, pub, issue)
    (received,) = mailbox.messages("eve@example.org")
    assert set(received.keys()) == EXPECTED_HEADERS
    assert received["Subject"] == "Hello X-Injected: subject body?"
    assert received["To"].addresses[0].display_name == "Eve Bcc: victim@example.net"
    assert received["To"].addresses[0].addr_spec == "eve@example.org"
    assert received["From"].addresses[0].display_name == "Rowan X-Injected: from-author"
    for part in received.iter_parts():
        assert set(part.keys()) == {"Content-Type", "Content-Transfer-Encoding"}


def test_unicode_names_and_subjects_arrive_intact(app, factories, mailbox):
    pub = factories.publication(slug="uni", name="Ça va", author_name="Zoë Ōtsuka")
    factories.subscriber(pub, email="li@example.org", name='李 小龍 "the" <dragon>')
    issue = factories.issue(pub, title="Dziękuję — 休息 🌿 " + "long " * 30, publish=True)
    _send(app, pub, issue)
    (message,) = mailbox.messages("li@example.org")
    assert str(message["Subject"]) == "Dziękuję — 休息 🌿 " + ("long " * 30).strip()
    assert message["To"].addresses[0].display_name == '李 小龍 "the" <dragon>'
    assert message["From"].addresses[0].display_name == "Zoë Ōtsuka"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hi 李," in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "&lt;dragon&gt;" not in html  # only the first name is used in the greeting
    assert "Hi 李," in html


def test_merge_fields_personalise_subject_and_body(app, factories, mailbox):
    pub = factories.publication(slug="merge")
    factories.subscriber(pub, email="ada@example.org", name="Ada <b>Lovelace</b>")
    factories.subscriber(pub, email="anon@example.org", name="")
    issue = factories.issue(
        pub,
        title="{{ name }}, a note for you",
        body_markdown="Dear {{ name }},\n\nWe write to {{email}}.",
        publish=True,
    )
    _send(app, pub, issue)
    (ada,) = mailbox.messages("ada@example.org")
    assert ada["Subject"] == "Ada, a note for you"
    text = ada.get_body(preferencelist=("plain",)).get_content()
    html = ada.get_body(preferencelist=("html",)).get_content()
    assert "Dear Ada," in text and "We write to ada@example.org." in text
    assert "Hi Ada," not in text  # the issue greets the reader itself
    assert "Dear Ada," in html and "<b>" not in html
    (anon,) = mailbox.messages("anon@example.org")
    assert anon["Subject"] == "there, a note for you"
    assert "Dear there," in anon.get_body(preferencelist=("plain",)).get_content()


def test_rendering_happens_once_per_batch(app, factories, mailbox, monkeypatch):
    import saas.mail.newsletter as newsletter

    pub = factories.publication(slug="once")
    for n in range(5):
        factories.subscriber(pub, email=f"r{n}@example.org")
    issue = factories.issue(pub, publish=True)
    renders = []
    real = newsletter.render_template
    monkeypatch.setattr(
        newsletter, "render_template", lambda name, **c: renders.append(name) or real(name, **c)
    )
    _send(app, pub, issue)
    assert len(mailbox.messages()) == 5
    assert len(renders) == 3  # subject, text and HTML, for the one batch


def test_lines_starting_with_a_dot_survive_smtp(app, factories, mailbox):
    pub = factories.publication(slug="dots")
    factories.subscriber(pub, email="r@example.org")
    body = "Before\n\n.\n\n.hidden line\n\n..two dots"
    issue = factories.issue(pub, body_markdown=body, publish=True)
    _send(app, pub, issue)
    (message,) = mailbox.messages("r@example.org")
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Before\n\n.\n\n.hidden line\n\n..two dots" in text
