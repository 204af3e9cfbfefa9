"""Ways to grow the list: the subscribe page link and the embeddable form snippet."""

from __future__ import annotations

from flask import g, render_template

from saas.audience.blueprints import dashboard_bp
from saas.core.links import absolute_public_url, external_url


@dashboard_bp.route("/<pub_slug>/grow")
def grow():
    publication = g.publication
    frame_url = absolute_public_url(publication, "public.audience.embed_subscribe")
    script_url = external_url("static", filename="js/embed.js")
    snippet = (
        f'<div data-tend-subscribe="{frame_url}" data-title="Subscribe to '
        f'{publication.name.replace(chr(34), "")}"></div>\n'
        f'<script src="{script_url}" async></script>'
    )
    return render_template(
        "audience/grow.html",
        subscribe_url=absolute_public_url(publication, "public.audience.subscribe"),
        frame_url=frame_url,
        snippet=snippet,
    )
