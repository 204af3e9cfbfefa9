"""The archive readers browse: home, archive pages, issue pages, feeds, sitemap, robots.

Each page is built from one or two queries and a template rendered with page holes, kept
per content version (saas.core.stored_pages) and filled per request: see public_pages.
"""

from __future__ import annotations

from flask import abort, current_app, g, make_response, render_template, request

from saas.core.extensions import limiter
from saas.publishing import hooks
from saas.publishing import issues as issue_service
from saas.publishing.blueprints import public_bp
from saas.publishing.public_pages import page_key, render_with_holes, serve_page

LATEST_ON_HOME = 5
FEED_SIZE = 20
# Query parameters an issue page reads itself (the replies' page); with none of them the
# page is the one kept for everyone.
THREAD_PARAMETERS = ("start", "before")


# Reading the archive has no rate limit (the limits guard forms and sign-ins): the limiter
# is told to skip these views outright, which saves every page view its bookkeeping.
_reading_views: set = set()


def reading(view):
    """Mark a view that only reads (no rate limit applies to it)."""
    _reading_views.add(view)
    return view


@limiter.request_filter
def _is_reading() -> bool:
    return current_app.view_functions.get(request.endpoint or "") in _reading_views


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1


@public_bp.route("/")
@reading
def home():
    def build():
        latest = issue_service.latest_published(g.publication, LATEST_ON_HOME)
        html = render_with_holes("publishing/home.html", publication=g.publication, latest=latest)
        return html, {}

    return serve_page(page_key("home"), build)


@public_bp.route("/archive")
@reading
def archive():
    number = _page_number()

    def build():
        page = issue_service.published_page(
            g.publication, number, current_app.config["ARCHIVE_PAGE_SIZE"]
        )
        html = render_with_holes("publishing/archive.html", publication=g.publication, page=page)
        # Only real pages are kept: asking past the end shows the last one, unkept.
        return html, {"keep": page.page == number}

    return serve_page(page_key("archive", number), build)


@public_bp.route("/issues/<issue_slug>")
@reading
def issue(issue_slug: str):
    def build():
        found = issue_service.issue_page(g.publication, issue_slug)
        if found is None:
            abort(404)
        html = render_with_holes(
            "publishing/issue.html",
            publication=g.publication,
            issue=found.issue,
            previous=found.previous,
            following=found.following,
            page_extras=found.extras,
            preview=False,
        )
        return html, {"issue": issue_facts(found.issue)}

    kept = not any(name in request.args for name in THREAD_PARAMETERS)
    response = serve_page(page_key("issue", issue_slug) if kept else None, build)
    facts = (g.get("stored_page_facts") or {}).get("issue") or {}
    if facts.get("published") and request.method == "GET":
        hooks.issue_viewed.send(g.publication, issue_id=facts["id"])
    return response


def issue_facts(issue) -> dict:
    """What the holes of an issue page need to know about the issue (kept with the page)."""
    return {
        "id": issue.id,
        "slug": issue.slug,
        "number": issue.number,
        "audience": issue.audience,
        "published": issue.is_published,
    }


def _xml(name: str, template: str, mimetype: str, limit: int, bodies: bool):
    def build():
        issues = issue_service.latest_published(g.publication, limit, bodies=bodies)
        return render_template(template, publication=g.publication, issues=issues), {}

    return serve_page(page_key(name), build, mimetype=mimetype, personal_parts=False)


@public_bp.route("/feed.xml")
@reading
def rss_feed():
    return _xml("rss", "publishing/rss.xml", "application/rss+xml", FEED_SIZE, bodies=True)


@public_bp.route("/atom.xml")
@reading
def atom_feed():
    return _xml("atom", "publishing/atom.xml", "application/atom+xml", FEED_SIZE, bodies=True)


@public_bp.route("/sitemap.xml")
@reading
def sitemap():
    return _xml("sitemap", "publishing/sitemap.xml", "application/xml", 50_000, bodies=False)


@public_bp.route("/robots.txt")
@reading
def robots():
    response = make_response(render_template("publishing/robots.txt", publication=g.publication))
    response.mimetype = "text/plain"
    return response
