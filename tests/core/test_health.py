"""Liveness and readiness, including with the database or Redis down."""

from __future__ import annotations

from saas import create_app


def test_healthz_and_readyz_when_all_is_well(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ready" and body["database"] == "ok"


def test_readyz_reports_database_down(app):
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": False,
                "connect_args": {"connect_timeout": 2},
            },
        }
    )
    client = broken.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("unreachable")


def test_readyz_reports_redis_down(app):
    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI",)}
    broken = create_app({"TESTING": True, **config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["redis"].startswith("unreachable") and body["database"] == "ok"


def test_readyz_reports_pending_migrations(tmp_path):
    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    response = fresh.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "migrations pending"
