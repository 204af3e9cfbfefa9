"""Forms for managing readers by hand."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from saas.core.validators import EmailAddress


class AddSubscriberForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), EmailAddress()])
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    tags = StringField(
        "Tags", validators=[Optional(), Length(max=500)], description="Separate with commas."
    )
    consent_note = StringField(
        "How did they agree to hear from you?",
        validators=[DataRequired(), Length(max=300)],
        description="Kept as the consent record, e.g. “Asked to join after our session”.",
    )
    ask_to_confirm = BooleanField("Email them a link to confirm first", default=True)


class TagForm(FlaskForm):
    tags = StringField("Add tags", validators=[DataRequired(), Length(max=500)])
