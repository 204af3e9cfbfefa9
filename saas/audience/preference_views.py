"""A reader's preference page, reached from the signed link in every issue's footer.

The link names the publication and the reader and is signed (reader_links), so it is the
reader's key: no password, and changing the ids in it gives a 404. It never expires, like the
unsubscribe link beside it. The reader picks topics or unsubscribes from everything (the
List-Unsubscribe header still means everything too).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from saas.audience import subscribers, topics
from saas.audience.blueprints import public_bp
from saas.audience.models import ACTIVE, PENDING, Subscriber
from saas.audience.reader_links import read_preferences_token
from saas.core.extensions import csrf, db


def _reader_or_404(token: str) -> Subscriber:
    ids = read_preferences_token(token)
    if ids is None or ids[0] != g.publication.id:
        abort(404)
    reader = db.session.scalar(select(Subscriber).where(Subscriber.id == ids[1]))
    if reader is None:
        abort(404)
    return reader


# Like the unsubscribe link, the signed token in the address is the reader's credential:
# mail clients and privacy proxies open it without the site's cookies.
@public_bp.route("/preferences/<token>", methods=["GET", "POST"])
@csrf.exempt
def preferences(token: str):
    reader = _reader_or_404(token)
    listed = topics.list_topics(g.publication)
    receiving = reader.status in (ACTIVE, PENDING)
    if request.method == "POST":
        if request.form.get("action") == "unsubscribe":
            subscribers.unsubscribe(g.publication, reader.id, "preference page")
            return render_template("audience/unsubscribed.html", publication=g.publication)
        if receiving:
            topics.set_topics(
                g.publication, reader, topics.parse_ids(request.form.getlist("topics"))
            )
            flash("Saved. You’ll hear about the topics you ticked.", "success")
        return redirect(url_for("public.audience.preferences", token=token), 303)
    return render_template(
        "audience/preferences.html",
        publication=g.publication,
        token=token,
        topics=listed,
        chosen=topics.chosen_topic_ids(g.publication, reader),
        receiving=receiving,
    )
