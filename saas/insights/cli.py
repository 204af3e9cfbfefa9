"""`flask rebuild-insights`: count the rollups again from the raw rows; `flask
flush-page-views`: move the issue page views counted in Redis into them (cron, every minute)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register the command."""
    app.cli.add_command(rebuild_insights_command)
    app.cli.add_command(flush_page_views_command)


@click.command("rebuild-insights")
@click.option("--publication", "slug", default=None, help="Only this publication (its slug).")
@with_appcontext
def rebuild_insights_command(slug: str | None) -> None:
    """Rebuild the daily growth and per-issue counts from readers' history."""
    from sqlalchemy import select

    from saas.core.extensions import db
    from saas.insights import rebuild
    from saas.publishing.models import Publication

    if slug is None:
        count = rebuild.rebuild_all()
        click.echo(f"Rebuilt the insights of {count} publications.")
        return
    publication_id = db.session.scalar(select(Publication.id).where(Publication.slug == slug))
    if publication_id is None:
        raise click.ClickException(f"No publication {slug!r}.")
    days = rebuild.rebuild_publication(publication_id)
    click.echo(f"Rebuilt {slug}: {days} days with readers joining or leaving.")


@click.command("flush-page-views")
@with_appcontext
def flush_page_views_command() -> None:
    """Add the issue page views counted since the last flush to the rollups."""
    from saas.insights.page_views import flush

    click.echo(f"Counted {flush()} issue page views.")
