"""Tend: newsletters, reader replies and confidential support requests for practitioners."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

# Feature packages, lowest layer first (the order import-linter's layers contract checks).
FEATURES = (
    "accounts",
    "publishing",
    "audience",
    "billing",
    "delivery",
    "replies",
    "support",
    "insights",
    "api",
    "webhooks",
    "ops",
    "site",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config, observability, extensions, blueprints, error pages, CLI."""
    from saas.core.config import INSTANCE_DIR, load_config

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.update(load_config())
    if config:
        app.config.update(config)
        if "BASE_URL" in config:  # an address given by the caller is kept whatever is served
            app.config["BASE_URL_FOLLOWS_SERVER"] = config.get("BASE_URL_FOLLOWS_SERVER", False)

    from saas.core import observability

    observability.init_app(app)
    register_extensions(app)
    register_blueprints(app)

    from saas.core import errors, security_headers

    errors.init_app(app)
    security_headers.init_app(app)

    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extension instances and the tenancy hooks to the app."""
    from saas import models  # noqa: F401  (complete metadata for Alembic)
    from saas.core import content_versions, db_pool, shared_cache
    from saas.core.extensions import csrf, db, login_manager, migrate
    from saas.core.page_cache import PublicPageCache
    from saas.core.rate_limiting import init_limiter
    from saas.core.tenancy import install_session_hooks
    from saas.publishing.custom_domain_routing import CustomDomainMiddleware

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    # A limiter on Redis counts in memory while Redis is away (saas.core.rate_limiting).
    init_limiter(app)
    login_manager.init_app(app)
    # Sessions end on the server (User.get_id, accounts.loader), not on a changed User-Agent.
    login_manager.session_protection = None
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    install_session_hooks()
    content_versions.install_session_hooks()
    shared_cache.init_app(app)
    db_pool.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked per connection.
            from sqlalchemy import event

            event.listen(db.engine, "connect", _sqlite_foreign_keys)
    # Domain -> public page cache -> Flask: the cache sees the rewritten /p/<slug>/ path.
    page_cache = PublicPageCache(app.wsgi_app, app.config, shared=app.extensions["shared_cache"])
    app.extensions["public_page_cache"] = page_cache
    app.wsgi_app = page_cache
    domains = CustomDomainMiddleware(app)
    app.extensions["custom_domains"] = domains
    app.wsgi_app = domains
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Outermost, so the custom-domain lookup sees the forwarded Host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def register_blueprints(app: Flask) -> None:
    """Each feature's routes, template helpers and hooks, lowest layer first.

    Features nest their dashboard and public blueprints into publishing's two tenancy
    parents, which are registered last, once every child is in place.
    """
    from saas.core import storage, templating
    from saas.core.health import bp as health_bp

    app.register_blueprint(health_bp)
    storage.init_app(app)
    templating.init_app(app)
    for name in FEATURES:
        import_module(f"saas.{name}").init_app(app)
    from saas.publishing import register_parents

    register_parents(app)


def register_commands(app: Flask) -> None:
    """Each feature's `flask` commands."""
    from saas.core import cli

    cli.init_app(app)
    for name in FEATURES:
        init_cli = getattr(import_module(f"saas.{name}"), "init_cli", None)
        if init_cli is not None:
            init_cli(app)


def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
