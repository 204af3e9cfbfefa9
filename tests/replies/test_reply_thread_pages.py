"""An issue's public thread is shown 50 conversations at a time, with older/newer links that
name a reply (keyset pagination), so an issue with thousands of replies stays quick."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import re
import time
from datetime import timedelta

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.replies.models import HIDDEN, PUBLIC, Reply
from saas.replies.threads import THREADS_PER_PAGE
from tests.reply_helpers import READER, issue_page, post_reply, setup, sign_in_reader  # noqa: F401  (fixtures)

THREAD_RE = re.compile(r'<li class="reply-thread">\s*<article class="reply[^"]*" id="reply-(\d+)"')


def _bulk_replies(app, pub, issue, reader, count: int, status: str = PUBLIC) -> list[int]:
    """`count` top-level replies, one second apart (oldest first); their ids."""
    start = utcnow() - timedelta(days=1)
    with app.app_context(), bound_to(pub.id):
        rows = [
            Reply(
                publication_id=pub.id,
                issue_id=issue.id,
                subscriber_id=reader.id,
                author_name="Ada",
                status=status,
                body_text=f"Reply number {n}",
                body_html=f"<p>Reply number {n}</p>",
                created_at=start + timedelta(seconds=n),
            )
            for n in range(count)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def _shown(html: str) -> list[int]:
    return [int(i) for i in THREAD_RE.findall(html)]


def _link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_readers_page_through_a_long_thread(app, setup, factories):
    pub, issue, reader = setup
    ids = _bulk_replies(app, pub, issue, reader, 2 * THREADS_PER_PAGE + 20)
    client = app.test_client()
    first = issue_page(client, pub, issue)
    assert f">{len(ids)}</span>" in first  # the count is of every reply
    assert _shown(first) == ids[:THREADS_PER_PAGE]
    assert _link(first, "prev") is None
    second = client.get(_link(first, "next")).get_data(as_text=True)
    assert _shown(second) == ids[THREADS_PER_PAGE : 2 * THREADS_PER_PAGE]
    third = client.get(_link(second, "next")).get_data(as_text=True)
    assert _shown(third) == ids[2 * THREADS_PER_PAGE :]
    assert _link(third, "next") is None
    back = client.get(_link(third, "prev")).get_data(as_text=True)
    assert _shown(back) == _shown(second)
    assert _shown(client.get(_link(back, "prev")).get_data(as_text=True)) == _shown(first)
    assert _link(back, "next") == _link(second, "next")


def test_answers_stay_with_their_thread_and_hidden_replies_take_no_room(app, setup, factories):
    pub, issue, reader = setup
    hidden = _bulk_replies(app, pub, issue, reader, 5, status=HIDDEN)
    ids = _bulk_replies(app, pub, issue, reader, THREADS_PER_PAGE + 1)
    late_root = ids[-1]
    factories.reply(pub, issue, reader, "An answer on page two", parent_id=late_root)
    client = app.test_client()
    first = issue_page(client, pub, issue)
    assert _shown(first) == ids[:THREADS_PER_PAGE] and not set(hidden) & set(_shown(first))
    assert "An answer on page two" not in first
    second = client.get(_link(first, "next")).get_data(as_text=True)
    assert _shown(second) == [late_root] and "An answer on page two" in second


def test_bad_cursors_show_the_first_page(app, setup, factories):
    pub, issue, reader = setup
    ids = _bulk_replies(app, pub, issue, reader, 3)
    other = factories.issue(pub, title="Elsewhere", slug="elsewhere", publish=True)
    elsewhere = _bulk_replies(app, pub, other, reader, 1)[0]
    base = f"/p/{pub.slug}/issues/{issue.slug}"
    for query in (
        "start=abc",
        "before=-1",
        "start=99999999999999999999",
        f"start={elsewhere}",
        f"before={elsewhere}",
        f"before={ids[0]}",
        "start=&before=",
    ):
        response = app.test_client().get(f"{base}?{query}")
        assert response.status_code == 200, query
        assert _shown(response.get_data(as_text=True)) == ids, query


def test_a_reader_lands_on_the_page_of_the_reply_they_posted(app, client, setup, mailbox):
    pub, issue, reader = setup
    _bulk_replies(app, pub, issue, reader, THREADS_PER_PAGE + 5)
    sign_in_reader(client, mailbox, pub, issue, READER)
    response = post_reply(client, pub, issue, "My newest thought")
    assert response.status_code == 303
    landed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "My newest thought" in landed


def test_an_issue_with_thousands_of_replies_renders_quickly(app, setup, factories):
    pub, issue, reader = setup
    ids = _bulk_replies(app, pub, issue, reader, 3_000)
    client = app.test_client()
    issue_page(client, pub, issue)  # warm up templates
    started = time.perf_counter()
    deep = client.get(f"/p/{pub.slug}/issues/{issue.slug}?start={ids[2_500]}")
    elapsed = time.perf_counter() - started
    assert deep.status_code == 200
    assert _shown(deep.get_data(as_text=True)) == ids[2_500 : 2_500 + THREADS_PER_PAGE]
    # Generous for a shared CI machine (a page takes well under a tenth of that here).
    assert elapsed < 2.0, elapsed
