"""Reader-facing forms. No CSRF token: they sit on cached pages and inside third-party
iframes, and a forged subscribe can only trigger a confirmation email the reader ignores.
A honeypot and rate limits per IP and per address keep bots out instead."""

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
