"""Alembic environment: the schema comes from saas.models, the URL from the running app."""

from __future__ import annotations

import logging
import os
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

from saas import models  # noqa: F401  (registers every table on db.metadata)
from saas.core.extensions import db

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
# `make run` asks for WARNING: one "Migrating" line instead of one INFO line per migration.
logging.getLogger("alembic").setLevel(os.environ.get("TEND_MIGRATION_LOG_LEVEL", "INFO"))
log = logging.getLogger("alembic.env")

target_metadata = db.metadata


def render_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types so migrations never import the app."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(
        url=current_app.config.get("MIGRATION_DATABASE_URI")
        or current_app.config["SQLALCHEMY_DATABASE_URI"],
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the app's engine; skip empty autogenerate revisions."""

    def skip_empty(ctx, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")

    owner_url = current_app.config.get("MIGRATION_DATABASE_URI")
    engine = create_engine(owner_url) if owner_url else db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            process_revision_directives=skip_empty,
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
