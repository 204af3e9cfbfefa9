"""`flask recount-subscribers`: rebuild the readers-per-status counts from the readers table."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(recount_subscribers_command)


@click.command("recount-subscribers")
@click.option("--publication", "slug", default="", help="Only this publication (its slug).")
@with_appcontext
def recount_subscribers_command(slug: str) -> None:
    """Count every publication's readers per status again (the counts' repair)."""
    from sqlalchemy import select

    from saas.audience import status_counts
    from saas.core.extensions import db
    from saas.publishing.models import Publication

    publication_id = None
    if slug:
        publication_id = db.session.scalar(select(Publication.id).where(Publication.slug == slug))
        db.session.rollback()
        if publication_id is None:
            raise click.ClickException(f"there is no publication {slug!r}")
    status_counts.recount(publication_id)
    click.echo(f"Recounted the readers of {slug or 'every publication'}.")
