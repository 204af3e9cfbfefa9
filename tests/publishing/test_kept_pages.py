"""Public pages are kept per content version: no query once kept, and every change shows on
the very next request (an edit, a publish, an approved reply, a paid upgrade).

Counts are of SQL statements the app sends for one request (SQLAlchemy's cursor events),
not timings. They run on both passes: SQLite with the in-process fake Redis, and PostgreSQL
(as the app role, row-level security on) with Redis.
"""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import USING_POSTGRES, login, post_form
from tests.reply_helpers import READER, post_reply, replies_of, sign_in_reader

PREVIEW = "Everyone may read this opening paragraph."
SECRET = "Only paying readers ever see this sentence."
PAID_BODY = f"{PREVIEW}\n\n<!-- paywall -->\n\n{SECRET}\n"


@contextmanager
def counting(app):
    """The SQL statements sent while the block runs."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _page(client, path: str, **kw) -> str:
    response = client.get(path, **kw)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@pytest.fixture()
def letters(factories):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="kept", name="Kept Letters", author_name="Maya")
    first = factories.issue(pub, title="First light", slug="first", publish=True)
    middle = factories.issue(pub, title="Middle way", slug="middle", publish=True)
    return pub, first, middle


# --- what a request costs ---------------------------------------------------------------


def test_a_kept_issue_page_needs_no_query_and_is_built_in_one(app, factories, letters):
    pub, first, middle = letters
    reader = factories.subscriber(pub, email="ada@example.org", name="Ada")
    factories.reply(pub, first, reader, "A kind word")
    client = app.test_client()
    _page(client, "/p/kept/")  # the publication is known to this process
    with counting(app) as cold:
        page = _page(client, "/p/kept/issues/first")
    assert "A kind word" in page and "Middle way" in page  # the thread, the next issue
    issue_reads = [s for s in cold if "FROM issues" in s]
    assert len(issue_reads) == 1, "issue, neighbours, reply count and support box: one query"
    assert not [s for s in cold if "support_forms" in s and "FROM issues" not in s]
    # Thread roots and their answers, and (PostgreSQL) the tenant set once.
    assert len(cold) == 3 + (1 if USING_POSTGRES else 0), "\n".join(s[:70] for s in cold)
    with counting(app) as warm:
        assert _page(client, "/p/kept/issues/first") == page
    assert warm == []


def test_archive_home_and_feeds_need_no_query_once_kept(app, letters):
    client = app.test_client()
    for path in ("/p/kept/", "/p/kept/archive", "/p/kept/feed.xml", "/p/kept/sitemap.xml"):
        first = _page(client, path)
        with counting(app) as warm:
            assert _page(client, path) == first
        assert warm == [], path


@pytest.fixture()
def paid_letters(app, factories, billing):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="paid", name="Paid Letters", author_name="Maya")
    billing.connect(pub)
    tier = billing.tier(pub, "Supporter", monthly=500, yearly=5000)
    issue = factories.issue(
        pub,
        title="The deep end",
        slug="deep",
        body_markdown=PAID_BODY,
        audience="paid",
        publish=True,
    )
    return pub, issue, tier


def _pay(client, billing, pub, issue, tier, email: str) -> None:
    """A reader pays on the paywall and comes back from Checkout signed in."""
    response = client.post(
        f"/p/{pub.slug}/paid/upgrade",
        data={"email": email, "choice": f"{tier.id}:month", "issue": issue.slug},
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    account = billing.stripe.calls("POST", "/v1/checkout/sessions")[-1]["account"]
    billing.deliver(client, billing.stripe.complete_checkout(session_id, account))
    assert client.get(f"/p/{pub.slug}/paid/welcome?session_id={session_id}").status_code == 302


def test_a_paying_reader_with_replies_costs_no_query_once_kept(
    app, factories, billing, paid_letters, mailbox
):
    pub, issue, tier = paid_letters
    other = factories.subscriber(pub, email="bo@example.org", name="Bo")
    _pay_other = app.test_client()
    _pay(_pay_other, billing, pub, issue, tier, other.email)
    factories.reply(pub, issue, other, "Thread opener")
    client = app.test_client()
    _pay(client, billing, pub, issue, tier, "ada@example.org")
    post_reply(client, pub, issue, "My own reply")
    path = f"/p/{pub.slug}/issues/{issue.slug}"
    first = _page(client, path)
    with counting(app) as warm:
        page = _page(client, path)
    assert warm == []
    assert SECRET in page and "for paid subscribers" not in page
    assert "Thread opener" in page and "My own reply" in page
    assert 'id="reply-form"' in page and "Signed in as" in page
    assert page.count(">Delete</button>") == 1  # only on their own reply
    assert first.count('name="csrf_token"') == page.count('name="csrf_token"')


# --- every change shows on the next request ----------------------------------------------


def _kept(app, client, path: str) -> str:
    """The page, then proof the next request was answered from the kept copy."""
    _page(client, path)
    with counting(app) as warm:
        page = _page(client, path)
    assert warm == [], f"{path} was not kept"
    return page


def test_an_edit_shows_on_the_next_request(app, letters):
    pub, first, _ = letters
    reader = app.test_client()
    assert "First light" in _kept(app, reader, "/p/kept/issues/first")
    owner = app.test_client()
    login(owner, "maya@example.com")
    editor = f"/dashboard/kept/issues/{first.id}"
    fields = {"title": "First light, revised", "body_markdown": "Rewritten from the top."}
    assert post_form(owner, editor, fields, editor).status_code == 302
    page = _page(reader, "/p/kept/issues/first")
    assert "First light, revised" in page and "Rewritten from the top." in page
    # Its neighbour's link and the archive say the new title too.
    assert "First light, revised" in _page(reader, "/p/kept/issues/middle")


def test_a_publish_shows_on_the_next_request(app, factories, letters):
    pub, _, middle = letters
    reader = app.test_client()
    for path in ("/p/kept/", "/p/kept/archive", "/p/kept/issues/middle", "/p/kept/feed.xml"):
        assert "Late arrival" not in _kept(app, reader, path)
    draft = factories.issue(pub, title="Late arrival", slug="late")
    owner = app.test_client()
    login(owner, "maya@example.com")
    editor = f"/dashboard/kept/issues/{draft.id}"
    assert post_form(owner, editor + "/publish", {}, editor).status_code == 302
    for path in ("/p/kept/", "/p/kept/archive", "/p/kept/issues/middle", "/p/kept/feed.xml"):
        assert "Late arrival" in _page(reader, path), path


def test_an_approved_reply_shows_on_the_next_request(app, client, factories, letters, mailbox):
    pub, first, _ = letters
    with app.app_context():
        db.session.get(Publication, pub.id).reply_mode = "approve_all"
        db.session.commit()
    factories.subscriber(pub, email=READER, name="Ada")
    sign_in_reader(client, mailbox, pub, first, READER)
    post_reply(client, pub, first, "Held for a moment")
    stranger = app.test_client()
    page = _kept(app, stranger, "/p/kept/issues/first")
    assert "Held for a moment" not in page and 'aria-label="0 replies"' in page
    [reply] = replies_of(app, pub)
    owner = app.test_client()
    login(owner, "maya@example.com")
    moderated = post_form(
        owner,
        f"/dashboard/kept/inbox/replies/{reply.id}/moderate",
        {"action": "approve"},
        "/dashboard/kept/inbox",
    )
    assert moderated.status_code == 303
    page = _page(stranger, "/p/kept/issues/first")
    assert "Held for a moment" in page and 'aria-label="1 reply"' in page


def test_a_paid_upgrade_shows_on_the_next_request(app, client, billing, paid_letters, mailbox):
    pub, issue, tier = paid_letters
    path = f"/p/{pub.slug}/issues/{issue.slug}"
    before = _kept(app, client, path)
    assert PREVIEW in before and SECRET not in before
    _pay(client, billing, pub, issue, tier, "ada@example.org")
    page = _page(client, path)
    assert SECRET in page and "for paid subscribers" not in page
    # Nobody else's page changed: another browser still gets the preview, from the kept copy.
    assert SECRET not in _kept(app, app.test_client(), path)


def test_a_cancelled_subscription_shows_on_the_next_request(
    app, client, billing, paid_letters, mailbox
):
    pub, issue, tier = paid_letters
    _pay(client, billing, pub, issue, tier, "ada@example.org")
    path = f"/p/{pub.slug}/issues/{issue.slug}"
    assert SECRET in _kept(app, client, path)
    with app.app_context(), bound_to(pub.id):
        from saas.billing.models import ReaderSubscription

        row = db.session.query(ReaderSubscription).one()
        row.status = "canceled"
        db.session.commit()
    page = _page(client, path)
    assert SECRET not in page and "Your paid subscription has ended" in page


# --- what caches in front may keep ---------------------------------------------------------


def test_anonymous_pages_answer_conditional_requests(app, letters):
    pub, first, _ = letters
    client = app.test_client()
    for path in ("/p/kept/issues/first", "/p/kept/archive", "/p/kept/feed.xml"):
        response = client.get(path)
        assert response.headers["Cache-Control"].startswith("public, max-age=0, s-maxage=")
        assert "stale-while-revalidate=" in response.headers["Cache-Control"]
        assert "Cookie" in response.headers["Vary"]
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        since = client.get(path, headers={"If-Modified-Since": modified})
        assert since.status_code == 304
    etag = client.get("/p/kept/issues/first").headers["ETag"]
    new_title = "First light, again"
    with app.app_context(), bound_to(pub.id):
        from saas.publishing import issues as issue_service
        from saas.publishing.models import Issue

        row = db.session.get(Issue, first.id)
        publication = db.session.get(Publication, pub.id)
        issue_service.update_issue(publication, row, title=new_title, slug="first")
    changed = client.get("/p/kept/issues/first", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and new_title in changed.get_data(as_text=True)


def test_a_signed_in_readers_page_is_private(app, client, letters, factories, mailbox):
    pub, first, _ = letters
    factories.subscriber(pub, email=READER, name="Ada")
    sign_in_reader(client, mailbox, pub, first, READER)
    response = client.get("/p/kept/issues/first")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "ETag" not in response.headers
    assert READER in response.get_data(as_text=True)  # their subscribe box
    assert READER not in app.test_client().get("/p/kept/issues/first").get_data(as_text=True)
