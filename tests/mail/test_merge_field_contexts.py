"""A reader's name goes into an issue wherever its merge fields are, and stays a name there.

Readers choose their own names. One calling themselves `javascript:alert(1)` must not get
(or, in a forwarded issue, hand on) a link that runs script when the issue puts `{{ name }}`
in an `href`; one called `"><script>x</script>` must not add markup. Values in text read as
typed; values inside a URL are percent-encoded, so they stay part of the URL they are in.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import sending
from saas.publishing.models import Issue, Publication
from tests.conftest import drain_jobs
from tests.live_markup import rendered, urls

SCHEMER = "javascript:alert(1)"
BREAKER = '"><script>x</script>'
BODY = (
    "Dear {{ first_name }},\n\n"
    '<a href="{{ name }}">your page</a> · <a href=" {{first_name}}">spaced</a> · '
    '<a href="https://survey.example/?who={{ full_name }}&amp;at={{ email }}">survey</a>\n\n'
    '<img src="{{ name }}" alt="A picture for {{ full_name }}" title="{{ name }}">\n\n'
    "| For | you |\n|---|---|\n| {{ name }} | x |\n\n"
    '<table><tr><td style="color: {{ name }}">styled</td></tr></table>\n'
)


@pytest.fixture()
def delivered(app, factories, mailbox):
    pub = factories.publication(slug="merge-contexts")
    for email, name in [
        ("schemer@example.org", SCHEMER),
        ("breaker@example.org", BREAKER),
        ("ada@example.org", "Ada Lovelace"),
    ]:
        factories.subscriber(pub, email=email, name=name)
    issue = factories.issue(
        pub,
        title="For {{ name }}",
        body_markdown=BODY,
        cover_image_url="{{ name }}",
        publish=True,
    )
    with app.app_context(), bound_to(pub.id):
        sending.send_now(db.session.get(Publication, pub.id), db.session.get(Issue, issue.id))
    drain_jobs(app)

    def html_to(email: str) -> str:
        (message,) = mailbox.messages(email)
        return message.get_body(preferencelist=("html",)).get_content()

    return html_to


def _rendered(html: str) -> tuple[list[str], str]:
    return rendered(html, own_tags=frozenset({"style"}))  # the template's own @media rules


def test_a_reader_named_like_a_script_link_gets_no_live_link(delivered):
    html = delivered("schemer@example.org")
    live, text = _rendered(html)
    assert live == []
    assert f"Dear {SCHEMER}," in text  # the name still reads as typed
    assert all(urlsplit(url.strip()).scheme in {"", "http", "https"} for url in urls(html))
    assert not re.search(r'style="[^"]*alert\(', html)  # nor a style of its own


def test_a_reader_whose_name_closes_an_attribute_adds_no_markup(delivered):
    html = delivered("breaker@example.org")
    live, text = _rendered(html)
    assert live == []
    assert f"Dear {BREAKER}," in text
    assert "<script" not in html.lower()


def test_ordinary_names_still_fill_text_and_links(delivered):
    html = delivered("ada@example.org")
    live, text = _rendered(html)
    assert live == []
    assert "Dear Ada," in text and "For Ada" in text
    (survey,) = [url for url in urls(html) if url.startswith("https://survey.example/")]
    assert parse_qs(urlsplit(survey).query) == {
        "who": ["Ada Lovelace"],
        "at": ["ada@example.org"],
    }
