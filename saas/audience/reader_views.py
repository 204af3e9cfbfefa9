"""Reader actions on a publication: subscribe (page, inline, embed), confirm, unsubscribe."""

from __future__ import annotations

from flask import abort, g, make_response, render_template, request

from saas.audience import subscribers, topics
from saas.audience.blueprints import public_bp
from saas.audience.forms import SubscribeForm
from saas.audience.models import SOURCE_EMBED, SOURCE_FORM
from saas.audience.reader_links import read_unsubscribe_token
from saas.core.extensions import csrf, limiter
from saas.core.rate_keys import posted_address_key
from saas.core.tokens import InvalidToken


def _address_key() -> str:
    return posted_address_key("subscribe-address")


_per_ip = limiter.limit("10 per minute; 60 per hour", methods=["POST"])
_per_address = limiter.limit("3 per hour", methods=["POST"], key_func=_address_key)


def _handle_subscribe(template: str, source: str):
    form = SubscribeForm()
    page = {
        "publication": g.publication,
        "form": form,
        "topics": topics.list_topics(g.publication),
        "chosen_topics": request.form.getlist("topics"),
    }
    if request.method == "POST":
        if form.validate():
            if not form.is_bot:
                outcome = subscribers.subscribe(
                    g.publication, form.email.data, form.name.data or "", source
                )
                # Only for a reader who must confirm by email: a form anyone can fill in
                # never changes an active reader's choices (their preference link does).
                if outcome.mailed_confirmation:
                    chosen = topics.parse_ids(request.form.getlist("topics"))
                    topics.add_topics(g.publication, outcome.subscriber_id, chosen)
            return render_template(template, **page, done=True, email=form.email.data)
        return render_template(template, **page, done=False), 422
    return render_template(template, **page, done=False)


@public_bp.route("/subscribe", methods=["GET", "POST"])
@csrf.exempt
@_per_ip
@_per_address
def subscribe():
    return _handle_subscribe("audience/subscribe.html", SOURCE_FORM)


@public_bp.route("/embed/subscribe", methods=["GET", "POST"])
@csrf.exempt
@_per_ip
@_per_address
def embed_subscribe():
    response = make_response(_handle_subscribe("audience/embed_subscribe.html", SOURCE_EMBED))
    # The one page other sites may frame.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' https: data:; form-action 'self'; frame-ancestors *"
    )
    return response


@public_bp.route("/confirm/<token>")
def confirm_subscription(token: str):
    try:
        subscriber = subscribers.confirm(g.publication, token)
    except subscribers.WrongPublication:
        abort(404)
    except InvalidToken:
        return render_template("audience/link_invalid.html", publication=g.publication), 400
    return render_template(
        "audience/confirmed.html", publication=g.publication, subscriber=subscriber
    )


@public_bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET shows a confirm button; POST (RFC 8058 one-click, no cookies needed) acts."""
    ids = read_unsubscribe_token(token)
    if ids is None or ids[0] != g.publication.id:
        abort(404)
    if request.method == "POST":
        how = (
            "one-click (List-Unsubscribe-Post)"
            if request.form.get("List-Unsubscribe") == "One-Click"
            else "unsubscribe page"
        )
        subscribers.unsubscribe(g.publication, ids[1], how, issue_id=ids[2])
        return render_template("audience/unsubscribed.html", publication=g.publication)
    return render_template("audience/unsubscribe.html", publication=g.publication, token=token)
