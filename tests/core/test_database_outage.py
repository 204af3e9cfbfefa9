"""While PostgreSQL is down, readers get the last good page, and everyone else a clear 503.

A private PostgreSQL cluster is stopped for real (immediate shutdown, connections cut) while
the app runs against it. A public page readers have seen is served from its kept copy (the
app answers from Redis without its database; the page cache's stale copies are the fallback
when that fails too); a page nobody has seen, and the signed-in dashboard, get Tend's "Back
in a moment" page with status 503 and Retry-After, never a 500. When the cluster is back,
pages are live again.
"""

from __future__ import annotations

import time

import pytest
from flask_migrate import upgrade

from saas import create_app
from saas.core.extensions import db
from tests import pg_cluster
from tests.conftest import USING_POSTGRES, login
from tests.factories import Factories

pytestmark = pytest.mark.skipif(
    not (USING_POSTGRES and pg_cluster.available()),
    reason="stops a private PostgreSQL cluster: runs in the PostgreSQL pass",
)


@pytest.fixture()
def outage_app(smtp_sink):
    cluster = pg_cluster.PrivateCluster().create()
    cluster.start()
    url = cluster.create_database("tend_outage")
    application = create_app(
        {
            "TESTING": False,  # errors answered as in production, not raised
            "SQLALCHEMY_DATABASE_URI": url,
            "MIGRATION_DATABASE_URI": url,
            "SECRET_KEY": "outage-test-secret",
            "BASE_URL": "http://localhost",
            "MAIL_TRANSPORT": "smtp",
            "SMTP_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
            "PUBLIC_CACHE_SECONDS": 1,
            "PUBLIC_CACHE_STALE_SECONDS": 3600,
            "RATELIMIT_ENABLED": False,
        }
    )
    with application.app_context():
        upgrade()
    try:
        yield application, cluster
    finally:
        with application.app_context():
            db.engine.dispose()
        cluster.remove()


def test_readers_get_the_cached_page_and_everyone_else_a_clear_503(outage_app):
    app, cluster = outage_app
    factories = Factories(app)
    owner = factories.user(email="owner@example.com")
    pub = factories.publication(owner=owner, slug="steady", name="Steady Ground")
    factories.issue(pub, title="Rest is not a reward", slug="rest", publish=True)
    reader = app.test_client()
    practitioner = app.test_client()
    login(practitioner, "owner@example.com")

    first = reader.get("/p/steady/issues/rest")
    assert first.status_code == 200 and first.headers["X-Cache"] == "MISS"
    time.sleep(1.2)  # past PUBLIC_CACHE_SECONDS: only a stale copy is left

    cluster.stop()
    stale = reader.get("/p/steady/issues/rest")
    assert stale.status_code == 200
    # Not the page cache's stale copy: the app itself answered, from the page kept in Redis.
    assert stale.headers["X-Cache"] == "MISS"
    assert "Rest is not a reward" in stale.get_data(as_text=True)

    for client, path in [(reader, "/p/steady/archive"), (practitioner, "/dashboard/steady/issues")]:
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "30"
        assert "Back in a moment" in response.get_data(as_text=True)

    cluster.start()
    live = reader.get("/p/steady/archive")
    assert live.status_code == 200
    assert practitioner.get("/dashboard/steady/issues").status_code == 200
