"""Readers asking for support: the standalone page, the frameable embed, their thank-you pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, make_response, redirect, render_template, request
from sqlalchemy import select

from saas.core.content_versions import PAGES, watch
from saas.core.extensions import csrf, limiter
from saas.core.urls import public_url
from saas.publishing import issues as issue_service
from saas.support import form_settings as support_forms
from saas.support import guard
from saas.support.blueprints import public_bp
from saas.support.intake import Submission, offering_asked_about, submit
from saas.support.models import CHANNEL_EMBED, CHANNEL_PAGE, SupportForm
from saas.support.reader_form import form_class, wants_phone_but_none

# Frameable by any site, like the subscribe embed (saas/audience/reader_views.py).
EMBED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' https: data:; form-action 'self'; frame-ancestors *"
)
TOO_FAST = (
    "That was quicker than a person usually types. Please check your message and send it "
    "again; everything you wrote is still here."
)
STALE = "This form was open for a long time. Please check your message and send it again."
ATTACHMENTS = "This form does not accept attachments. Please describe things in your message."


@dataclass(frozen=True)
class SupportBox:
    """What the "Need more support?" block shows."""

    heading: str


def _saved_column(name: str):
    def column(issue):
        return (
            select(getattr(SupportForm, name))
            .where(SupportForm.publication_id == issue.publication_id)
            .limit(1)
            .scalar_subquery()
        )

    return column


@public_bp.app_template_global("support_box")
def support_box(publication, extras: dict | None = None) -> SupportBox | None:
    """The "Need more support?" block, None when the form is switched off.

    An issue page's one query brings the saved settings along (`extras`); without a saved
    form the defaults apply (switched on, the default heading).
    """
    if extras is not None and "support_enabled" in extras:
        if extras["support_enabled"] is None:
            return SupportBox(support_forms.DEFAULT_HEADING)
        return SupportBox(extras["support_heading"]) if extras["support_enabled"] else None
    definition = support_forms.get_form(publication)
    return SupportBox(definition.heading) if definition.enabled else None


def init_page_holes() -> None:
    """Read the support box's settings with the issue page, and keep pages fresh on changes."""
    issue_service.issue_page_column("support_enabled", _saved_column("enabled"))
    issue_service.issue_page_column("support_heading", _saved_column("heading"))
    watch(SupportForm, [PAGES])


def _rate_limited(limit):
    """On a breach, a page that still shows the crisis resources (not a bare 429)."""
    embed = request.endpoint == "public.support.embed_support"
    definition = support_forms.get_form(g.publication)
    response = make_response(
        render_template(
            "support/support_limited.html" if not embed else "support/embed_support.html",
            publication=g.publication,
            definition=definition,
            limited=True,
            form=None,
            notice=None,
        ),
        429,
    )
    if embed:
        response.headers["Content-Security-Policy"] = EMBED_CSP
    abort(response)


_per_ip = limiter.limit("10 per minute; 30 per hour", methods=["POST"], on_breach=_rate_limited)
_per_address = limiter.limit(
    "3 per hour; 10 per day",
    methods=["POST"],
    key_func=guard.address_key,
    deduct_when=guard.was_accepted,
    on_breach=_rate_limited,
)


def _render(template: str, definition, form, notice: str | None, status: int = 200):
    return render_template(
        template,
        publication=g.publication,
        definition=definition,
        form=form,
        notice=notice,
        limited=False,
        offering=offering_asked_about(g.publication, form.offering_id() if form else None),
    ), status


def _handle(template: str, channel: str, sent_endpoint: str):
    publication = g.publication
    definition = support_forms.get_form(publication)
    if not definition.enabled:
        return _render(template, definition, None, None, 200 if request.method == "GET" else 410)
    form = form_class(definition)(request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.from_issue.data = request.args.get("from", "")[:6]
        form.offering.data = request.args.get("offering", "")[:9]
    if request.method == "POST":
        if guard.has_attachments():
            return _render(template, definition, form, ATTACHMENTS, 400)
        if form.is_bot:
            guard.mark_accepted()  # answered like a success; nothing is stored or sent
            return redirect(public_url(sent_endpoint, pub_slug=publication.slug), 303)
        valid = form.validate()
        if valid and wants_phone_but_none(form):
            form.phone.errors.append("You asked for a call: please add your phone number.")
            valid = False
        if not valid:
            return _render(template, definition, form, None, 422)
        fill = guard.fill_check(form.started.data, publication.id)
        if fill != guard.FILL_OK:
            form.started.data = guard.start_token(publication.id)
            notice = TOO_FAST if fill == guard.FILL_TOO_FAST else STALE
            return _render(template, definition, form, notice, 422)
        submit(
            publication,
            definition,
            Submission(
                email=form.email.data,
                message=form.message.data,
                name=form.name.data or "",
                phone=(form.phone.data or "") if "phone" in form else "",
                preferred_contact=(
                    form.preferred_contact.data or "" if "preferred_contact" in form else ""
                ),
                answers=form.custom_answers(),
                subscribe=bool(form.subscribe.data),
                source_issue_number=form.source_issue_number(),
                offering_id=form.offering_id(),
                channel=channel,
            ),
        )
        guard.mark_accepted()
        return redirect(public_url(sent_endpoint, pub_slug=publication.slug), 303)
    form.started.data = guard.start_token(publication.id)
    return _render(template, definition, form, None)


def _framable(response):
    response = make_response(response)
    response.headers["Content-Security-Policy"] = EMBED_CSP
    return response


@public_bp.route("/support", methods=["GET", "POST"])
@csrf.exempt
@_per_ip
@_per_address
def support():
    return _handle("support/support.html", CHANNEL_PAGE, "public.support.support_sent")


@public_bp.route("/support/sent")
def support_sent():
    definition = support_forms.get_form(g.publication)
    return render_template(
        "support/support_sent.html",
        publication=g.publication,
        definition=definition,
        home_url=public_url("public.publishing.home", pub_slug=g.publication.slug),
    )


@public_bp.route("/embed/support", methods=["GET", "POST"])
@csrf.exempt
@_per_ip
@_per_address
def embed_support():
    return _framable(
        _handle("support/embed_support.html", CHANNEL_EMBED, "public.support.embed_support_sent")
    )


@public_bp.route("/embed/support/sent")
def embed_support_sent():
    definition = support_forms.get_form(g.publication)
    return _framable(
        render_template(
            "support/embed_support.html",
            publication=g.publication,
            definition=definition,
            form=None,
            notice=None,
            limited=False,
            sent=True,
        )
    )
