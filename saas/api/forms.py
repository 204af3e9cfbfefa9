"""The settings form that makes an API key."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from saas.api.scopes import SCOPES


class NewKeyForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=80)],
        description="What it is for, e.g. “Calendar sync”. Only you see it.",
    )
    scopes = SelectMultipleField(
        "What this key may do",
        choices=list(SCOPES),
        validators=[DataRequired(message="Choose at least one thing this key may do.")],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    support_when_confidential = BooleanField(
        "Let this key read support requests even in confidential mode"
    )
