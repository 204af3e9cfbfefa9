"""Reader-facing forms: subscribing, asking for a sign-in link, a signed-in reader's buttons.

The subscribe and sign-in-link forms carry no CSRF token: they sit on cached pages and inside
third-party iframes, and a forged request can only mail a link the reader ignores. A honeypot
and rate limits per IP and per address keep bots out instead. Buttons used by a signed-in
reader (delete, sign out, confirm sign-in) carry a CSRF token: they have a session.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from saas.core.validators import EmailAddress


class SubscribeForm(FlaskForm):
    class Meta:
        csrf = False

    email = EmailField(
        "Email address", validators=[DataRequired(), Length(max=254), EmailAddress()]
    )
    name = StringField("First name (optional)", validators=[Optional(), Length(max=120)])
    # Humans never see or fill this; bots that fill every field reveal themselves.
    website = StringField("Leave this empty", validators=[Optional(), Length(max=200)])

    @property
    def is_bot(self) -> bool:
        """Whether the honeypot was filled in."""
        return bool((self.website.data or "").strip())


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


class ReaderActionForm(FlaskForm):
    """A button-only form (delete, sign out, confirm sign-in): just the CSRF token."""
