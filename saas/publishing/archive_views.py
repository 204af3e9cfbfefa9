"""The archive readers browse: home, archive pages, issue pages, feeds, sitemap, robots."""

from __future__ import annotations

from flask import abort, current_app, g, make_response, render_template, request

from saas.publishing import issues as issue_service
from saas.publishing.blueprints import public_bp

LATEST_ON_HOME = 5
FEED_SIZE = 20


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1


@public_bp.route("/")
def home():
    publication = g.publication
    latest = issue_service.latest_published(publication, LATEST_ON_HOME)
    return render_template("publishing/home.html", publication=publication, latest=latest)


@public_bp.route("/archive")
def archive():
    page = issue_service.published_page(
        g.publication, _page_number(), current_app.config["ARCHIVE_PAGE_SIZE"]
    )
    return render_template("publishing/archive.html", publication=g.publication, page=page)


@public_bp.route("/issues/<issue_slug>")
def issue(issue_slug: str):
    found = issue_service.published_by_slug(g.publication, issue_slug)
    if found is None:
        abort(404)
    previous, following = issue_service.neighbours(g.publication, found)
    return render_template(
        "publishing/issue.html",
        publication=g.publication,
        issue=found,
        previous=previous,
        following=following,
        preview=False,
    )


def _xml(template: str, mimetype: str, **context):
    response = make_response(render_template(template, publication=g.publication, **context))
    response.mimetype = mimetype
    return response


@public_bp.route("/feed.xml")
def rss_feed():
    latest = issue_service.latest_published(g.publication, FEED_SIZE)
    return _xml("publishing/rss.xml", "application/rss+xml", issues=latest)


@public_bp.route("/atom.xml")
def atom_feed():
    latest = issue_service.latest_published(g.publication, FEED_SIZE)
    return _xml("publishing/atom.xml", "application/atom+xml", issues=latest)


@public_bp.route("/sitemap.xml")
def sitemap():
    every = issue_service.latest_published(g.publication, 50_000)
    return _xml("publishing/sitemap.xml", "application/xml", issues=every)


@public_bp.route("/robots.txt")
def robots():
    response = make_response(render_template("publishing/robots.txt", publication=g.publication))
    response.mimetype = "text/plain"
    return response
