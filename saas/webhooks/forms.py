"""Dashboard forms: a webhook endpoint, and the booking link."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from saas.webhooks.events import EVENT_TYPES
from saas.webhooks.models import PROVIDERS


class EndpointForm(FlaskForm):
    url = StringField(
        "Endpoint address",
        validators=[DataRequired("Enter the address to send events to."), Length(max=2000)],
        description="An https:// address on the public internet that answers with a 2xx status.",
    )
    description = StringField(
        "Description",
        validators=[Optional(), Length(max=200)],
        description="For you: what receives these events (your CRM, Zapier, …).",
    )
    events = SelectMultipleField(
        "Events to send",
        choices=list(EVENT_TYPES.items()),
        validate_choice=False,
    )


class BookingLinkForm(FlaskForm):
    provider = SelectField("Where is your booking page?", choices=list(PROVIDERS.items()))
    url = StringField(
        "Booking page address",
        validators=[DataRequired("Enter your booking page's address."), Length(max=2000)],
        description="For example https://cal.com/your-name/intro or "
        "https://calendly.com/your-name/30min.",
    )
