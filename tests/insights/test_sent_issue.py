"""A sent issue carries no tracking, and its unsubscribe link counts against it."""

from __future__ import annotations

import re

from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.insights import report
from saas.insights.models import IssueDaily
from saas.publishing.models import Issue, Publication
from tests.conftest import login, post_form

LINK = "https://example.net/slow-reading?chapter=2"


def test_a_sent_issue_has_no_pixel_no_rewritten_link_and_its_unsubscribes_count(
    app, client, factories, mailbox
):
    owner = factories.user(email="maya@example.com")
    pub = factories.publication(owner=owner, slug="letters", name="Calm Letters")
    factories.subscriber(pub, email="ada@example.org")
    factories.subscriber(pub, email="bo@example.org")
    issue = factories.issue(pub, title="On rest", body_markdown=f"Read [this]({LINK}) slowly.")
    login(client, "maya@example.com")
    editor = f"/dashboard/letters/issues/{issue.id}"
    assert post_form(client, editor + "/send", {}, token_from=editor).status_code == 303

    ada = mailbox.messages("ada@example.org")[0]
    html = ada.get_body(preferencelist=("html",)).get_content()
    text = ada.get_body(preferencelist=("plain",)).get_content()
    # Engagement tracking is off: no image at all, and the link goes straight to its address.
    assert "<img" not in html.lower()
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert LINK.replace("&", "&amp;") in hrefs or LINK in hrefs
    assert LINK in text
    outside = [h for h in hrefs if not h.startswith(("http://localhost", "mailto:"))]
    assert outside == [LINK]

    # The one-click unsubscribe in the headers names this issue.
    header = str(ada["List-Unsubscribe"])
    https = re.search(r"<(https?://[^>]+/unsubscribe/[^>]+)>", header).group(1)
    token = https.rsplit("/", 1)[-1]
    assert token.count("-") == 3  # publication, reader, issue, signature
    answer = client.post(
        https.replace("http://localhost", ""), data={"List-Unsubscribe": "One-Click"}
    )
    assert answer.status_code == 200
    with app.app_context(), bound_to(pub.id):
        [row] = db.session.scalars(select(IssueDaily)).all()
        assert (row.issue_id, row.unsubscribed) == (issue.id, 1)
        found = report.issue_report(
            db.session.get(Publication, pub.id), db.session.get(Issue, issue.id)
        )
    assert (found.unsubscribed, found.funnel["sent"], found.funnel["recipients"]) == (1, 2, 2)
