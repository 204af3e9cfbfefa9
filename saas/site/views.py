"""The landing page and, in the embedded default, the outbox of mail Tend would have sent."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user

from saas.mail.transport import read_outbox

bp = Blueprint("site", __name__)


@bp.route("/")
def landing():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.publishing.home"))
    return render_template("site/landing.html")


def _outbox_dir() -> Path:
    config = current_app.config
    if config["MAIL_TRANSPORT"] != "outbox" or config["TEND_ENV"] == "production":
        abort(404)
    return Path(current_app.config["OUTBOX_DIR"])


@bp.route("/dev/outbox")
def outbox():
    messages = read_outbox(_outbox_dir())
    return render_template("site/outbox.html", messages=messages)


@bp.route("/dev/outbox/<name>")
def outbox_message(name: str):
    directory = _outbox_dir()
    for file_name, message in read_outbox(directory, limit=500):
        if file_name == name:
            html = message.get_body(preferencelist=("html",))
            text = message.get_body(preferencelist=("plain",))
            return render_template(
                "site/outbox_message.html",
                message=message,
                html=html.get_content() if html else "",
                text=text.get_content() if text else "",
            )
    abort(404)
