"""Inbox forms: the filters (GET), answering a reply, moderating, blocking."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from saas.replies.models import CHANNEL_EMAIL, CHANNEL_WEB, HIDDEN, PENDING, PRIVATE, PUBLIC
from saas.replies.moderation import ACTIONS, ANSWER_BY_EMAIL, ANSWER_PUBLICLY
from saas.replies.text import REPLY_MAX_CHARS

STATUS_LABELS = {
    PENDING: "Awaiting approval",
    PUBLIC: "Public",
    PRIVATE: "Private",
    HIDDEN: "Hidden",
}
CHANNEL_LABELS = {CHANNEL_WEB: "Web", CHANNEL_EMAIL: "Email"}


class InboxFilterForm(FlaskForm):
    """Narrowing the inbox; plain GET parameters, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Search replies", validators=[Optional(), Length(max=200)])
    issue = SelectField("Issue", choices=[("", "All issues")], validators=[Optional()])
    status = SelectField(
        "Status",
        choices=[("", "Any status"), *STATUS_LABELS.items()],
        validators=[Optional()],
    )
    channel = SelectField(
        "Channel", choices=[("", "Web and email"), *CHANNEL_LABELS.items()], validators=[Optional()]
    )
    unread = BooleanField("Unread only")

    def set_issues(self, issues: list[tuple[int, str, int | None]]) -> None:
        """Offer the issues that have replies."""
        self.issue.choices = [("", "All issues")] + [
            (str(issue_id), f"#{number} {title}" if number else title)
            for issue_id, title, number in issues
        ]

    def issue_id(self) -> int | None:
        """The chosen issue, if it is one on offer."""
        raw = self.issue.data or ""
        offered = {value for value, _ in self.issue.choices}
        return int(raw) if raw.isdigit() and raw in offered else None


class AnswerForm(FlaskForm):
    """The practitioner's answer; the button pressed says how it goes out."""

    body = TextAreaField(
        "Your answer",
        validators=[DataRequired(message="Write your answer first."), Length(max=REPLY_MAX_CHARS)],
    )
    how = SelectField(
        "Send",
        choices=[(ANSWER_BY_EMAIL, "By email"), (ANSWER_PUBLICLY, "Publicly")],
        validators=[DataRequired()],
    )


class ModerateForm(FlaskForm):
    """One moderation action on one reply."""

    action = SelectField(choices=[(a, a) for a in ACTIONS], validators=[DataRequired()])


class ButtonForm(FlaskForm):
    """A button-only form: just the CSRF token."""
