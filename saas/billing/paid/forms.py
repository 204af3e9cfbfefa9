"""Billing forms: a paid tier, a reader's upgrade choice, a reader's email for a sign-in link."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.billing.paid.tiers import CURRENCIES
from saas.core.validators import EmailAddress


class TierForm(FlaskForm):
    name = StringField(
        "Tier name", validators=[DataRequired(), Length(max=80)], description="e.g. “Supporter”."
    )
    description = TextAreaField(
        "What readers get",
        validators=[Optional(), Length(max=500)],
        description="Shown on the paywall and at checkout.",
    )
    currency = SelectField("Currency", choices=[(c, c.upper()) for c in CURRENCIES], default="usd")
    monthly = DecimalField(
        "Monthly price",
        places=2,
        validators=[DataRequired(), NumberRange(min=Decimal("1"), max=Decimal("10000"))],
    )
    yearly = DecimalField(
        "Yearly price",
        places=2,
        validators=[DataRequired(), NumberRange(min=Decimal("1"), max=Decimal("100000"))],
        description="Often ten months' worth: two months free for paying up front.",
    )

    def cents(self, field: DecimalField) -> int:
        """A price field in the currency's smallest unit."""
        return int((field.data * 100).to_integral_value())


class UpgradeForm(FlaskForm):
    """On the paywall, so like the subscribe box it carries no CSRF token (cached pages)."""

    class Meta:
        csrf = False

    email = EmailField("Your email", validators=[DataRequired(), Length(max=254), EmailAddress()])
    choice = StringField(validators=[DataRequired(), Length(max=40)])
    issue = StringField(validators=[Optional(), Length(max=120)])

    def tier_and_interval(self) -> tuple[int, str] | None:
        """(tier id, "month" | "year") from the button pressed."""
        tier, _, interval = (self.choice.data or "").partition(":")
        return (int(tier), interval) if tier.isdigit() else None


class ReaderEmailForm(FlaskForm):
    class Meta:
        csrf = False

    email = EmailField(
        "Email address", validators=[DataRequired(), Length(max=254), EmailAddress()]
    )
    next = StringField(validators=[Optional(), Length(max=130)])
