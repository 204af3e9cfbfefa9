"""The forms of Settings › Ways I can help: the block's words, and one offering."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from saas.core.validators import WebUrl
from saas.publishing.offerings.models import TARGET_LINK, TARGET_SUPPORT


class BlockForm(FlaskForm):
    heading = StringField(
        "Heading",
        validators=[Optional(), Length(max=120)],
        description="Left empty, readers see “Need more support?”.",
    )
    intro = StringField(
        "Your introduction",
        validators=[Optional(), Length(max=300)],
        description="One sentence before the offerings, e.g. “Here are some ways I can help you:”.",
    )


class OfferingForm(FlaskForm):
    title = StringField("What you offer", validators=[DataRequired(), Length(max=120)])
    description = StringField("In one line", validators=[Optional(), Length(max=300)])
    button_label = StringField(
        "Button label", validators=[DataRequired(), Length(max=60)], default="Find out more"
    )
    target = RadioField(
        "The button opens",
        choices=[
            (TARGET_SUPPORT, "Your support form, with this offering chosen"),
            (TARGET_LINK, "A web address (a booking page, a course)"),
        ],
        default=TARGET_SUPPORT,
    )
    url = StringField("Web address", validators=[Optional(), Length(max=500), WebUrl()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # After the field checks: Optional() ends the URL's own chain when it is empty.
        if self.target.data == TARGET_LINK and not (self.url.data or "").strip():
            self.url.errors = [*self.url.errors, "Add the address the button opens."]
            return False
        return valid


class OrderForm(FlaskForm):
    """The new order after a drag: offering ids, comma-separated."""

    order = HiddenField(validators=[DataRequired()])

    def ids(self) -> list[int] | None:
        parts = (self.order.data or "").split(",")
        if not all(part.strip().isdigit() and len(part.strip()) < 10 for part in parts):
            return None
        return [int(part) for part in parts]
