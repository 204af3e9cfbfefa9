"""One reading time everywhere: the long form heads the issue on the web, in the email and in
its plain text; lists use the short form; nothing shouts it in capitals."""

from __future__ import annotations

import re
from pathlib import Path

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import sending
from saas.publishing.models import Issue, Publication
from saas.publishing.rendering import format_issue_header, format_read_time_label
from tests.conftest import drain_jobs, login

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "tend.css"


def test_header_says_issue_number_and_long_read_time():
    assert format_read_time_label(215) == "Read Time: 3 minutes 35 seconds"
    assert format_issue_header(37, 215) == "Issue 37 · Read Time: 3 minutes 35 seconds"
    assert format_issue_header(None, 19) == "Read Time: 19 seconds"


def test_web_email_and_plain_text_share_the_long_form_and_lists_the_short(
    app, client, factories, mailbox
):
    owner = factories.user(email="rowan@example.com")
    pub = factories.publication(owner=owner, slug="quiet", name="Quiet Notes")
    factories.subscriber(pub, email="ada@example.org", name="Ada")
    issue = factories.issue(pub, title="Rest", body_markdown="Rest well, " * 40, publish=True)
    header = format_issue_header(1, issue.read_seconds)
    assert "Read Time: " in header and "second" in header

    page = client.get("/p/quiet/issues/rest").get_data(as_text=True)
    assert header in page
    with app.app_context(), bound_to(pub.id):
        sending.send_now(db.session.get(Publication, pub.id), db.session.get(Issue, issue.id))
    drain_jobs(app)
    (message,) = mailbox.messages("ada@example.org")
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert header in html
    assert header in text
    assert "min read" not in html and "min read" not in text

    login(client, "rowan@example.com")
    for url in ("/p/quiet/", "/p/quiet/archive", "/dashboard/quiet/issues"):
        listing = client.get(url).get_data(as_text=True)
        assert "1 min read" in listing, url
        assert "Read Time" not in listing, url


def test_read_time_is_not_turned_into_capitals(app, client, factories, mailbox):
    css = CSS.read_text()
    rule = re.search(r"\.issue-head \.issue-meta \{([^}]*)\}", css)
    assert rule is None or "text-transform" not in rule.group(1)
    pub = factories.publication(slug="calm")
    factories.subscriber(pub, email="ada@example.org")
    issue = factories.issue(pub, title="Rest", body_markdown="Rest.", publish=True)
    with app.app_context(), bound_to(pub.id):
        sending.send_now(db.session.get(Publication, pub.id), db.session.get(Issue, issue.id))
    drain_jobs(app)
    (message,) = mailbox.messages("ada@example.org")
    html = message.get_body(preferencelist=("html",)).get_content()
    meta = re.search(r'<p class="meta"[^>]*>', html) or re.search(r"<p[^>]*>Issue 1 ·", html)
    assert meta and "uppercase" not in meta.group(0)
