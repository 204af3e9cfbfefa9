"""Page holes in the app: what templates see as `holes`, partials rendered for a request, and
the holes core answers itself (flashed messages, the CSRF token). See saas.core.page_holes.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request, session

from saas.core.page_holes import (
    DirectHoles,
    Fill,
    MarkerHoles,
    assemble,
    parse,
    resolver,
    tag,
)
from saas.core.shared_cache import LocalCopies


class CurrentHoles:
    """The `holes` templates see by default: answered at once for the current request."""

    def _direct(self) -> DirectHoles:
        if "direct_holes" not in g:
            g.direct_holes = DirectHoles(Fill())
        return g.direct_holes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._direct(), name)


def render_partial(template: str, fill: Fill, **context: Any) -> str:
    """A small template rendered for `fill`'s request (its own holes answered by it too).

    Straight from the Jinja environment: no context processor runs (they may read the
    database, and a hole is filled even on the page saying the database is away).
    """
    return current_app.jinja_env.get_template(template).render(holes=DirectHoles(fill), **context)


def _has_flashes() -> bool:
    return "_flashes" in session


_kept_partials = LocalCopies(max_entries=4_096)


def render_kept(template: str, fill: Fill, key: tuple, **context: Any) -> str:
    """`render_partial`, reused: `key` must determine the output (apart from the template's
    own holes, a CSRF token say), which this process then keeps as a tree of holes."""
    # Links differ on a custom domain (saas.core.urls.public_url).
    where = request.environ.get("tend.custom_domain_slug")
    name = repr((template, where, key))
    nodes = _kept_partials.get(name, "")
    if nodes is None:
        html = current_app.jinja_env.get_template(template).render(holes=MarkerHoles(), **context)
        nodes = parse(html, tag())
        _kept_partials.put(name, "", nodes)
    return assemble(nodes, fill)


@resolver("partial", "flashes")
def _flashes(fill: Fill, kwargs: dict) -> str:
    if fill.anonymous or not _has_flashes():
        return ""
    return render_partial("components/flashes.html", fill)


@resolver("personal")
def _flashed(fill: Fill) -> bool:
    return _has_flashes()


@resolver("value", "csrf")
def _csrf_token(fill: Fill) -> str:
    if fill.anonymous:
        return ""
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


def init_app(app) -> None:
    """Templates get `holes`, answered for the current request unless a page passes its own."""
    app.jinja_env.globals["holes"] = CurrentHoles()
