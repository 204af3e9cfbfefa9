"""Publishing: publications (the tenants), their team, settings, custom domains, issues.

Models: Publication, Membership, Invitation, Issue (models). Services: publications, team,
custom_domains, custom_domain_checks (the daily re-check: a domain that moved away stops
being served after a grace period), issues, rendering, feed_fields (feed text encoded for
feed apps). The two
parents that own tenancy live here, because binding a tenant means finding a publication and
a membership: dashboard_parent (`/dashboard/<pub_slug>/...`: membership check, binds the
publication) and public_parent (`/p/<pub_slug>/...`, or `/` on a verified custom domain
through custom_domain_routing). Every feature's dashboard and public blueprints nest into them.
Routes here: the dashboard home, settings, team and issue editor; the archive, issue pages,
feeds and sitemap; `/invitations/<token>`; `/tls/ask`, which tells the TLS proxy which
custom domains may get a certificate (tls_views).

back_issues/: importing an archive from Substack, Ghost, WordPress or a feed (issues with
their old numbers' order, images re-hosted, old URLs redirected; see its docstring).

offerings/: the "ways I can help" block closing every issue (web page and email).
images/: uploads for issues (the editor's images and covers), their sizes for the web and
email, and the image library; publishing owns them because an image exists to be shown in an
issue (see its docstring).

Hooks for higher features (hooks): checks before a publication is created, claims a custom
domain or stores an image (plan limits and the storage quota, in billing).

May import: saas.core, saas.mail, saas.accounts.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes, template filters and periodic publishing."""
    from saas.core import periodic
    from saas.publishing import (  # noqa: F401  (register routes)
        archive_views,
        home_views,
        images,
        issue_views,
        offerings,
        public_holes,
        settings_views,
        team_views,
        templating,
        tls_views,
    )
    from saas.publishing.back_issues import redirects, views  # noqa: F401  (register routes)
    from saas.publishing.custom_domain_checks import recheck_custom_domains
    from saas.publishing.issues import publish_due_issues

    app.register_blueprint(team_views.invitations_bp)
    app.register_blueprint(tls_views.tls_bp)
    templating.init_app(app)
    images.init_app(app)
    offerings.init_app(app)
    public_holes.watch_public_content()
    periodic.register(app, "scheduled publishing", publish_due_issues)
    periodic.register(app, "re-checking custom domains", recheck_custom_domains, periodic.DAILY)


def register_parents(app: Flask) -> None:
    """Register the tenancy parents, once every feature has nested its blueprints in them."""
    from saas.publishing.dashboard_parent import bp as dashboard_parent
    from saas.publishing.public_parent import bp as public_parent

    app.register_blueprint(dashboard_parent)
    app.register_blueprint(public_parent)
