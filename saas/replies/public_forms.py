"""Reader-facing reply forms: posting and editing a reply (signed in, with a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from saas.replies.text import REPLY_MAX_CHARS


class ReplyForm(FlaskForm):
    """A signed-in reader's reply (top-level, or answering `parent_id`)."""

    body = TextAreaField(
        "Your reply",
        validators=[DataRequired(message="Write something first."), Length(max=REPLY_MAX_CHARS)],
    )
    parent_id = HiddenField(validators=[Optional()])
    name = StringField("Your name, shown with your reply", validators=[Optional(), Length(max=120)])

    def parent(self) -> int | None:
        """The reply being answered, if any."""
        raw = (self.parent_id.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 12 else None


class EditReplyForm(FlaskForm):
    """Changing a reply within its edit window."""

    body = TextAreaField(
        "Your reply",
        validators=[DataRequired(message="Write something first."), Length(max=REPLY_MAX_CHARS)],
    )
