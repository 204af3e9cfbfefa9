"""Settings > Topics: the topics readers can choose in their preferences and subscribe form."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from saas.audience import topics
from saas.audience.blueprints import dashboard_bp


class TopicForm(FlaskForm):
    name = StringField(
        "Topic",
        validators=[DataRequired(), Length(max=60)],
        description="Readers who choose it carry a tag of this name.",
    )
    description = StringField(
        "What readers get (optional)",
        validators=[Optional(), Length(max=200)],
        description="Shown next to the checkbox, e.g. “Dates of the next retreats”.",
    )


def _page(form: TopicForm, status: int = 200):
    listed = topics.list_topics(g.publication)
    return render_template("audience/topics.html", form=form, topics=listed), status


@dashboard_bp.route("/<pub_slug>/settings/topics", methods=["GET", "POST"])
def topic_settings():
    form = TopicForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    try:
        topic = topics.add_topic(g.publication, form.name.data, form.description.data or "")
    except topics.TopicError as exc:
        form.name.errors = [str(exc)]
        return _page(form, 422)
    flash(f"Readers can now choose “{topic.tag.name}”.", "success")
    return redirect(url_for("dashboard.audience.topic_settings"), 303)


@dashboard_bp.route("/<pub_slug>/settings/topics/<int:topic_id>/remove", methods=["POST"])
def remove_topic(topic_id: int):
    if not topics.remove_topic(g.publication, topic_id):
        abort(404)
    flash("Topic removed. Its tag stays on the readers who chose it.", "success")
    return redirect(url_for("dashboard.audience.topic_settings"), 303)
