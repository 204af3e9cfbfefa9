"""Two hundred readers reply to one issue at the same moment: every reply is stored, the
counts are right, and nothing deadlocks (PostgreSQL, where the concurrency is real)."""

from __future__ import annotations

import threading

import pytest

from saas import create_app
from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Issue, Publication
from saas.replies import queries as reply_queries
from saas.replies.posting import post_reply
from tests.conftest import USING_POSTGRES
from tests.reply_helpers import replies_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not USING_POSTGRES, reason="real concurrency needs PostgreSQL"),
]

READERS = 200
POOL = 30


def test_two_hundred_concurrent_replies_are_all_stored_and_counted(app, factories):
    pub = factories.publication(slug="busy", name="Busy Letters", reply_notifications="off")
    issue = factories.issue(pub, title="Everyone has an opinion", publish=True)
    with app.app_context(), bound_to(pub.id):
        readers = [
            Subscriber(
                publication_id=pub.id, email=f"r{n}@example.org", name=f"R{n}", status="active"
            )
            for n in range(READERS)
        ]
        db.session.add_all(readers)
        db.session.commit()
        reader_ids = [r.id for r in readers]
    root = factories.reply(pub, issue, _detached(app, pub, reader_ids[0]), "The first word")

    # Its own app: a pool big enough for many transactions at once, like several web workers.
    busy = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_size": POOL,
                "max_overflow": 0,
                "pool_timeout": 120,
            },
            "SECRET_KEY": app.config["SECRET_KEY"],
            "REDIS_URL": app.config["REDIS_URL"],
        }
    )
    start = threading.Barrier(READERS)
    errors: list[BaseException] = []

    def reply(n: int) -> None:
        try:
            start.wait(timeout=60)  # all at once, then each holds a connection as a request does
            with busy.app_context(), bound_to(pub.id):
                publication = db.session.get(Publication, pub.id)
                row = db.session.get(Issue, issue.id)
                reader = db.session.get(Subscriber, reader_ids[n])
                # Every other reader answers the first reply: threads grow concurrently too.
                post_reply(
                    publication,
                    row,
                    reader,
                    f"Reply number {n}",
                    parent_id=root.id if n % 2 else None,
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=reply, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with busy.app_context():
        db.engine.dispose()
    assert not any(t.is_alive() for t in threads), "a reply never finished (deadlock?)"
    assert errors == []

    stored = replies_of(app, pub)
    assert len(stored) == READERS + 1
    assert {r.body_text for r in stored} >= {f"Reply number {n}" for n in range(READERS)}
    assert sum(1 for r in stored if r.parent_id == root.id) == READERS // 2
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        assert reply_queries.public_count(publication, issue.id) == READERS + 1
        assert reply_queries.reply_counts(publication, [issue.id]) == {
            issue.id: (READERS + 1, READERS + 1)
        }
        assert reply_queries.unread_count(publication) == READERS + 1
        thread = reply_queries.public_thread(publication, db.session.get(Issue, issue.id))
        assert len(thread) == READERS // 2 + 1
    page = app.test_client().get(f"/p/busy/issues/{issue.slug}").get_data(as_text=True)
    assert f'aria-label="{READERS + 1} replies">{READERS + 1}</span>' in page


def _detached(app, pub, subscriber_id: int) -> Subscriber:
    with app.app_context(), bound_to(pub.id):
        row = db.session.get(Subscriber, subscriber_id)
        db.session.expunge(row)
        return row
