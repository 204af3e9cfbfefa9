"""Offerings: the "ways I can help" a practitioner lists at the end of every issue.

Why publishing: the block belongs to an issue's ending (web page and email), beside the
sign-off, and publishing owns how an issue reads. An offering points at a URL (a booking
page) or at the publication's support form, linked by endpoint name so publishing does not
import support; a request sent from there arrives tagged with the offering.

models (Offering, ordered per publication), catalogue (list, add, change, move, remove;
what an issue shows), views (Settings › Ways I can help), links (each offering's address).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The settings routes, the `issue_offerings` template helper, fresh pages on changes."""
    from saas.core.content_versions import PAGES, watch
    from saas.publishing import issues
    from saas.publishing.offerings import links, views  # noqa: F401  (register routes)
    from saas.publishing.offerings.models import Offering

    app.jinja_env.globals.update(issue_offerings=links.issue_offerings)
    # The issue page's one query says how many there are: none costs no query of its own.
    issues.issue_page_column("offerings_count", links.count_column)
    watch(Offering, [PAGES])
