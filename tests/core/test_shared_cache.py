"""The shared cache fails open, version tokens change only with committed writes, and public
pages are still served (from the database) while Redis is unreachable."""

from __future__ import annotations

import fakeredis
from redis import Redis
from sqlalchemy import update

from saas import create_app
from saas.core import content_versions
from saas.core.content_versions import PAGES, READERS
from saas.core.extensions import db
from saas.core.shared_cache import RETRY_SECONDS, SharedCache
from saas.core.tenancy import bound_to
from saas.publishing.models import Issue, Publication


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_unreachable_redis_answers_nothing_and_is_left_alone_a_while():
    calls = []

    def connect():
        calls.append(1)
        return Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)

    clock, logged = Clock(), []
    cache = SharedCache(connect, "t:", log=logged.append, clock=clock)
    assert cache.get_many(["a"]) is None
    assert cache.set("a", b"1") is False and cache.set_many({"a": b"1"}, 10) is False
    assert not cache.available and len(logged) == 1
    clock.now += RETRY_SECONDS
    assert cache.available and cache.get_many(["a"]) is None
    assert len(calls) == 1  # one client, reconnecting on its own


def test_a_version_change_missed_while_redis_was_away_is_made_when_it_is_back():
    server = fakeredis.FakeServer()
    clock = Clock()
    cache = SharedCache(lambda: fakeredis.FakeRedis(server=server), "t:", clock=clock)
    cache.set(content_versions.version_key(PAGES, 5), b"old:1.0")
    server.connected = False
    content_versions.bump([(5, PAGES)], cache)
    server.connected = True
    clock.now += RETRY_SECONDS
    # The first read after Redis is back already sees the new token.
    [token] = cache.get_many([content_versions.version_key(PAGES, 5)])
    assert token is not None and token != b"old:1.0"


def _token(app, publication_id: int, scope: str = PAGES) -> bytes | None:
    with app.app_context():
        from saas.core.shared_cache import shared_cache

        return shared_cache().get_many([content_versions.version_key(scope, publication_id)])[0]


def test_only_committed_writes_change_a_publications_tokens(app, factories):
    pub = factories.publication(slug="tokens")
    issue = factories.issue(pub, title="Steady", publish=True)
    before = _token(app, pub.id)
    assert before is not None
    with app.app_context(), bound_to(pub.id):
        db.session.get(Issue, issue.id).title = "Rolled back"
        db.session.flush()
        db.session.rollback()
    assert _token(app, pub.id) == before
    with app.app_context(), bound_to(pub.id):
        db.session.execute(update(Issue).where(Issue.id == issue.id).values(subtitle="Bulk"))
        db.session.commit()
    bulk = _token(app, pub.id)
    assert bulk != before
    readers = _token(app, pub.id, READERS)
    with app.app_context():
        db.session.get(Publication, pub.id).tagline = "A new line"
        db.session.commit()
    assert _token(app, pub.id) != bulk
    assert _token(app, pub.id, READERS) == readers  # nobody's reader state changed


def test_pages_are_built_from_the_database_while_redis_is_unreachable(app, factories):
    pub = factories.publication(slug="no-redis", name="No Redis Letters")
    factories.issue(pub, title="Still here", slug="still", publish=True)
    away = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "CACHE_REDIS_TIMEOUT": 0.2,
        }
    )
    client = away.test_client()
    for _ in range(2):
        response = client.get("/p/no-redis/issues/still")
        assert response.status_code == 200
        assert "Still here" in response.get_data(as_text=True)
        assert "ETag" in response.headers  # conditional requests still work
    with away.app_context():
        db.engine.dispose()
