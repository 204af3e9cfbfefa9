"""Old addresses of imported posts answer with a permanent redirect to their new issue page.

The shapes the old platforms used: `/p/<slug>` (Substack), `/<slug>/` (Ghost) and
`/YYYY/MM/DD/<slug>/` (WordPress). Once the custom domain points at Tend, a link to the old
site lands on the same post here (301, to the issue's canonical address). A path no
imported post had is a 404, as any unknown page. The old feeds' addresses (`/feed`
Substack and WordPress, `/rss/` Ghost) lead to Tend's RSS feed, whose items keep the guids
the old feed gave them, so feed apps do not show old posts again.
"""

from __future__ import annotations

from flask import abort, g, redirect
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.links import absolute_public_url
from saas.publishing.back_issues.models import BackIssueLink
from saas.publishing.blueprints import public_bp
from saas.publishing.models import STATUS_PUBLISHED, Issue


def _to_issue(old_path: str):
    slug = db.session.scalar(
        select(Issue.slug)
        .join(BackIssueLink, BackIssueLink.issue_id == Issue.id)
        .where(BackIssueLink.old_path == old_path, Issue.status == STATUS_PUBLISHED)
        .limit(1)
    )
    if slug is None:
        abort(404)
    target = absolute_public_url(g.publication, "public.publishing.issue", issue_slug=slug)
    response = redirect(target, 301)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@public_bp.route("/feed", strict_slashes=False)
@public_bp.route("/rss", strict_slashes=False)
def old_feed():
    target = absolute_public_url(g.publication, "public.publishing.rss_feed")
    return redirect(target, 301)


@public_bp.route("/p/<old_slug>", strict_slashes=False)
def substack_post(old_slug: str):
    return _to_issue(f"/p/{old_slug}")


@public_bp.route("/<old_slug>/", strict_slashes=False)
def ghost_post(old_slug: str):
    return _to_issue(f"/{old_slug}/")


@public_bp.route(
    "/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/<int(fixed_digits=2):day>/<old_slug>/",
    strict_slashes=False,
)
def wordpress_post(year: int, month: int, day: int, old_slug: str):
    return _to_issue(f"/{year:04d}/{month:02d}/{day:02d}/{old_slug}/")
