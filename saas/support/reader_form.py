"""The reader's support form, built from the publication's settings (fields, limits, consent).

No CSRF token, like the subscribe form (see saas/audience/forms.py): it sits inside other
sites' iframes. A honeypot, a minimum fill time and rate limits keep bots out instead.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, ValidationError

from saas.core.validators import EmailAddress
from saas.support import form_settings as defs
from saas.support.models import CONTACT_CHOICES, PHONE_OFF, PHONE_REQUIRED, SupportForm

# Line breaks and other control characters have no place in a one-line answer (or a header).
_ONE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_TEXT_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{6,40}$")


def _one_line(value):
    return value.strip() if isinstance(value, str) else value


def _long_text(value):
    # Browsers send CRLF; count (and keep) what the reader typed as one character per break.
    if not isinstance(value, str):
        return value
    return _TEXT_FORBIDDEN.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class MaxChars:
    """A length limit whose message says how long the answer is now."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, form, field) -> None:
        length = len(field.data or "")
        if length > self.limit:
            raise ValidationError(
                f"Please keep this under {self.limit:,} characters (it is {length:,} now)."
            )


class OneLine:
    """No line breaks or control characters (names end up in mail headers)."""

    def __call__(self, form, field) -> None:
        if field.data and _ONE_LINE_FORBIDDEN.search(field.data):
            raise ValidationError("Please use a single line without special characters.")


class PhoneNumber:
    """Digits with the usual separators."""

    def __call__(self, form, field) -> None:
        if field.data and not _PHONE.match(field.data):
            raise ValidationError("Enter a phone number using digits, spaces and + only.")


class Choice:
    """One (or, for lists, each) of the offered options; required or not."""

    def __init__(self, options: list[str], required: bool) -> None:
        self.options = options
        self.required = required

    def __call__(self, form, field) -> None:
        values = field.data if isinstance(field.data, list) else [field.data]
        values = [v for v in values if v]
        if not values:
            if self.required:
                raise ValidationError("Please choose an answer.")
            return
        if any(v not in self.options for v in values):
            raise ValidationError("Please choose from the options shown.")


class MustTick:
    """A checkbox the reader has to tick."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.data:
            raise ValidationError(self.message)


class SupportFormBase(FlaskForm):
    """Fields every support form has; the rest are added by form_class()."""

    class Meta:
        csrf = False

    email = EmailField(
        "Email address",
        filters=[_one_line],
        validators=[
            DataRequired("Please enter your email address."),
            MaxChars(defs.EMAIL_MAX),
            OneLine(),
            EmailAddress(),
        ],
    )
    subscribe = BooleanField("Also send me the newsletter (you will get a link to confirm)")
    website = StringField("Leave this empty")
    started = HiddenField()
    from_issue = HiddenField()
    offering = HiddenField()

    custom_keys: list[defs.CustomField] = []

    @property
    def is_bot(self) -> bool:
        """Whether the honeypot was filled in."""
        return bool((self.website.data or "").strip())

    def custom_answers(self) -> list[dict]:
        """The answers to the practitioner's own questions, with the labels the reader saw."""
        answers = []
        for question in self.custom_keys:
            value = self[f"q_{question.key}"].data
            if question.type == "checkbox":
                value = bool(value)
            elif question.type == "multiple_choice":
                value = [v for v in value or [] if v]
            else:
                value = value or ""
            answers.append(
                {
                    "key": question.key,
                    "label": question.label,
                    "type": question.type,
                    "value": value,
                }
            )
        return answers

    def offering_id(self) -> int | None:
        """The offering whose button brought the reader (?offering=<id>), if it looks like one."""
        raw = (self.offering.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    def source_issue_number(self) -> int | None:
        """The issue number the reader came from (?from=<n>), if it looks like one."""
        raw = (self.from_issue.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 7 else None


def _custom_field(question: defs.CustomField) -> Field:
    required = question.required
    help_text = question.help
    # Optional questions say so; a checkbox needs no marker (unticked is an answer).
    label = (
        question.label
        if required or question.type == "checkbox"
        else (f"{question.label} (optional)")
    )
    if question.type in ("short_text", "long_text"):
        kind = TextAreaField if question.type == "long_text" else StringField
        checks = [OneLine()] if question.type == "short_text" else []
        return kind(
            label,
            description=help_text,
            filters=[_long_text if question.type == "long_text" else _one_line],
            validators=[
                DataRequired("Please answer this question.") if required else Optional(),
                MaxChars(question.max_length),
                *checks,
            ],
        )
    if question.type == "single_choice":
        return RadioField(
            label,
            description=help_text,
            choices=[(o, o) for o in question.options],
            validate_choice=False,
            validators=[Choice(question.options, required)],
        )
    if question.type == "multiple_choice":
        return SelectMultipleField(
            label,
            description=help_text,
            choices=[(o, o) for o in question.options],
            validate_choice=False,
            validators=[Choice(question.options, required)],
        )
    return BooleanField(
        label,
        description=help_text,
        validators=[MustTick("Please tick this box to continue.")] if required else [],
    )


def form_class(definition: SupportForm) -> type[SupportFormBase]:
    """A form class for this publication's settings."""
    attrs: dict = {}
    attrs["name"] = StringField(
        "Your name" if definition.name_required else "Your name (optional)",
        filters=[_one_line],
        validators=[
            DataRequired("Please tell us your name.") if definition.name_required else Optional(),
            MaxChars(defs.NAME_MAX),
            OneLine(),
        ],
    )
    if definition.phone_mode != PHONE_OFF:
        required = definition.phone_mode == PHONE_REQUIRED
        attrs["phone"] = TelField(
            "Phone" if required else "Phone (optional)",
            filters=[_one_line],
            validators=[
                DataRequired("Please enter a phone number.") if required else Optional(),
                MaxChars(defs.PHONE_MAX),
                PhoneNumber(),
            ],
        )
        if definition.ask_preferred_contact:
            attrs["preferred_contact"] = RadioField(
                "How would you like to be contacted?",
                choices=list(CONTACT_CHOICES),
                default="email",
                validate_choice=False,
                validators=[Choice([c for c, _ in CONTACT_CHOICES], True)],
            )
    attrs["message"] = TextAreaField(
        definition.message_label,
        filters=[_long_text],
        description=f"Up to {defs.MESSAGE_MAX:,} characters.",
        validators=[DataRequired("Please write a message."), MaxChars(defs.MESSAGE_MAX)],
    )
    questions = defs.custom_fields(definition)
    for question in questions:
        attrs[f"q_{question.key}"] = _custom_field(question)
    attrs["consent"] = BooleanField(
        definition.consent_text,
        validators=[MustTick("Please tick to agree, so your message can be kept and answered.")],
    )
    attrs["custom_keys"] = questions
    return type("SupportRequestForm", (SupportFormBase,), attrs)


def wants_phone_but_none(form: SupportFormBase) -> bool:
    """The reader asked for a call but left the number out."""
    preferred = getattr(form, "preferred_contact", None)
    phone = getattr(form, "phone", None)
    return bool(
        preferred is not None
        and preferred.data in ("phone",)
        and phone is not None
        and not (phone.data or "").strip()
    )
