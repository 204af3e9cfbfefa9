"""Reader-facing reply forms.

The sign-in request sits on cacheable issue pages, so like the subscribe form it carries no
CSRF token (a forged request can only mail a link to a subscriber, who ignores it): a
honeypot and rate limits per address and per IP stand guard instead. Forms used by a
signed-in reader (post, edit, delete, sign out) carry a CSRF token: they have a session.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from saas.core.validators import EmailAddress
from saas.replies.text import REPLY_MAX_CHARS


class ReaderLinkForm(FlaskForm):
    """ "Sign in to reply": an email address (and a honeypot)."""

    class Meta:
        csrf = False

    email = EmailField(
        "Your email address", validators=[DataRequired(), Length(max=254), EmailAddress()]
    )
    website = StringField("Leave this empty", validators=[Optional(), Length(max=200)])

    @property
    def is_bot(self) -> bool:
        """Whether the honeypot was filled in."""
        return bool((self.website.data or "").strip())


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


class ReaderActionForm(FlaskForm):
    """A button-only form (delete, sign out, confirm sign-in): just the CSRF token."""
