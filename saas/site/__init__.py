"""Site: the platform's own pages outside any publication, demo data and the dev server.

Routes: the landing page and, in the embedded default, the development outbox. demo seeds a
practitioner, a publication and its issues; cli holds `flask demo` and `flask serve`.

May import: every feature (the top layer).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes."""
    from saas.site.views import bp

    app.register_blueprint(bp)


def init_cli(app: Flask) -> None:
    """`flask demo` and `flask serve`."""
    from saas.site import cli

    cli.init_app(app)
