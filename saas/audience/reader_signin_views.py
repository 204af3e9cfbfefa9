"""Readers signing in to reply: ask for a link from an issue page, use it, sign out.

Using a link takes a button press (a POST), so mail scanners that fetch every link in a
message cannot spend a reader's single-use link before the reader does.
"""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request

from saas.audience import reader_auth, reader_session
from saas.audience.blueprints import public_bp
from saas.audience.forms import ReaderActionForm, ReaderLinkForm
from saas.audience.subscribers import WrongPublication
from saas.core.extensions import csrf, db, limiter
from saas.core.rate_keys import posted_address_key
from saas.core.tokens import InvalidToken
from saas.core.urls import public_url, safe_next_url
from saas.publishing import issues as issue_service
from saas.publishing.models import Issue


def _address_key() -> str:
    return posted_address_key("reader-link-address")


_per_ip = limiter.limit("5 per minute; 30 per hour", methods=["POST"])
_per_address = limiter.limit(
    "3 per 15 minutes; 10 per day", methods=["POST"], key_func=_address_key
)


def _issue_or_404(issue_slug: str):
    issue = issue_service.published_by_slug(g.publication, issue_slug)
    if issue is None:
        abort(404)
    return issue


def _private(response):
    # The link's token is in the URL: no cache keeps the page (the app-wide
    # strict-origin-when-cross-origin policy already keeps the path from other sites).
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@public_bp.route("/issues/<issue_slug>/replies/sign-in", methods=["GET", "POST"])
@csrf.exempt
@_per_ip
@_per_address
def request_reader_link(issue_slug: str):
    """The same answer whether or not the address is subscribed."""
    issue = _issue_or_404(issue_slug)
    form = ReaderLinkForm()
    context = {"publication": g.publication, "issue": issue, "form": form}
    if request.method == "POST":
        if not form.validate():
            return render_template("audience/reader_link_request.html", **context), 422
        if not form.is_bot:
            reader_auth.request_link(g.publication, form.email.data, issue)
        return render_template("audience/reader_check_email.html", **context)
    return render_template("audience/reader_link_request.html", **context)


@public_bp.route("/reader/sign-in/<token>", methods=["GET", "POST"])
def reader_sign_in(token: str):
    """GET shows a "Continue" button; POST spends the link and signs the reader in."""
    form = ReaderActionForm()
    try:
        if request.method == "POST" and form.validate_on_submit():
            link = reader_auth.use_link(g.publication, token)
        else:
            link = reader_auth.check_link(g.publication, token)
    except WrongPublication:
        abort(404)
    except InvalidToken:
        return _private(
            (render_template("audience/reader_link_invalid.html", publication=g.publication), 400)
        )
    issue = db.session.get(Issue, link.issue_id) if link.issue_id else None
    issue = issue if issue is not None and issue.is_published else None
    if request.method == "POST":
        reader_session.sign_in(g.publication, link.subscriber.id)
        target = (
            public_url(
                "public.publishing.issue", pub_slug=g.publication.slug, issue_slug=issue.slug
            )
            + "#replies"
            if issue
            else public_url("public.publishing.home", pub_slug=g.publication.slug)
        )
        return redirect(target, 303)
    return _private(
        render_template(
            "audience/reader_sign_in.html",
            publication=g.publication,
            subscriber=link.subscriber,
            issue=issue,
            form=form,
        )
    )


@public_bp.route("/reader/sign-out", methods=["POST"])
def reader_sign_out():
    """Forget the reader here; back to where they were."""
    reader_session.sign_out(g.publication)
    target = safe_next_url(request.form.get("next")) or public_url(
        "public.publishing.home", pub_slug=g.publication.slug
    )
    return redirect(target, 303)
