"""PostgreSQL row-level security: the wall that holds even with the ORM scoping switched off."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from saas import create_app
from saas.core import tenancy
from saas.core.extensions import db
from saas.core.model_base import TenantScoped
from tests.conftest import USING_POSTGRES
from tests.core import test_tenant_isolation as isolation

two_tenants = isolation.two_tenants  # the same two publications the walk uses
walk_every_route_as_another_tenant = isolation.walk_every_route_as_another_tenant

pytestmark = pytest.mark.skipif(not USING_POSTGRES, reason="row-level security is PostgreSQL's")


@pytest.fixture()
def orm_scoping_off():
    tenancy.ORM_SCOPING = False
    yield
    tenancy.ORM_SCOPING = True


def _tenant_tables() -> list[str]:
    return sorted(
        mapper.class_.__tablename__
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantScoped)
    )


def test_app_role_catalog_facts(app):
    with app.app_context():
        role = db.session.execute(
            text(
                "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        assert role.rolsuper is False and role.rolbypassrls is False
        owned = db.session.execute(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relowner = "
                "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
            )
        ).scalar_one()
        assert owned == 0
        rows = db.session.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relname = ANY(:names) AND relkind = 'r'"
            ),
            {"names": _tenant_tables()},
        ).all()
    assert sorted(r.relname for r in rows) == _tenant_tables()
    assert all(r.relrowsecurity and r.relforcerowsecurity for r in rows), rows


def test_isolation_walk_holds_with_orm_scoping_off(app, client, two_tenants, orm_scoping_off):
    assert walk_every_route_as_another_tenant(app, client, two_tenants) >= 20


def test_raw_sql_sees_only_the_bound_tenant(app, two_tenants, orm_scoping_off):
    pub_a, pub_b, _, _ = two_tenants
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM issues")).scalar_one() == 0
        with tenancy.bound_to(pub_b.id):
            titles = db.session.execute(text("SELECT title FROM issues")).scalars().all()
            assert titles == ["Bravo issue"]
            with pytest.raises(Exception, match="row-level security"):
                db.session.execute(
                    text(
                        "INSERT INTO issues (publication_id, title, subtitle, slug, body_markdown, "
                        "body_html, word_count, read_seconds, seo_description, cover_image_url, "
                        "cover_image_alt, status, created_at, updated_at) VALUES (:p, 'x', '', "
                        "'x', '', '', 0, 0, '', '', '', 'draft', now(), now())"
                    ),
                    {"p": pub_a.id},
                )
            db.session.rollback()
        with tenancy.cross_tenant():
            # Alpha's two and its imported back issue, and Bravo's one.
            assert db.session.execute(text("SELECT count(*) FROM issues")).scalar_one() == 4
        db.session.rollback()
        # Transaction-local settings are gone after commit: nothing leaks into the next one.
        assert db.session.execute(text("SELECT count(*) FROM issues")).scalar_one() == 0


def test_one_pooled_connection_never_carries_a_tenant_over(app, factories, orm_scoping_off):
    alpha = factories.publication(slug="alpha-pool", name="Alpha Pool")
    bravo = factories.publication(slug="bravo-pool", name="Bravo Pool")
    factories.issue(alpha, title="Only in alpha", publish=True)
    factories.issue(bravo, title="Only in bravo", publish=True)
    narrow = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
        }
    )
    client = narrow.test_client()
    for n in range(500):
        mine, other = ("alpha", "bravo") if n % 2 == 0 else ("bravo", "alpha")
        html = client.get(f"/p/{mine}-pool/archive").get_data(as_text=True)
        assert f"Only in {mine}" in html, n
        assert f"Only in {other}" not in html, n
    with narrow.app_context():
        assert db.engine.pool.size() == 1
