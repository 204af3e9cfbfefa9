"""A publication's support form: its defaults, its custom fields and saving the settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from saas.core.extensions import db
from saas.publishing.models import Publication
from saas.support.models import PHONE_OPTIONAL, SupportForm

DEFAULT_HEADING = "Need more support?"
DEFAULT_CRISIS_TEXT = (
    "If you are in danger or thinking about harming yourself, call your local emergency "
    "number now. In the UK and Ireland call Samaritans on 116 123; in the US call or text 988."
)
DEFAULT_RESPONSE_TIME = "You can expect an answer within two working days."
DEFAULT_MESSAGE_LABEL = "What would you like support with?"

# Limits a reader's answers are held to (the form says so before they type).
NAME_MAX = 120
EMAIL_MAX = 254
PHONE_MAX = 40
MESSAGE_MAX = 10_000
SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5_000

# Limits on what a practitioner can build.
MAX_CUSTOM_FIELDS = 12
MAX_OPTIONS = 20
OPTION_MAX = 100
LABEL_MAX = 200
HELP_MAX = 300

FIELD_TYPES = {
    "short_text": "Short text",
    "long_text": "Long text",
    "single_choice": "Single choice",
    "multiple_choice": "Multiple choice",
    "checkbox": "Checkbox",
}
CHOICE_TYPES = ("single_choice", "multiple_choice")
SETTINGS_FIELDS = (
    "enabled",
    "heading",
    "intro",
    "name_required",
    "phone_mode",
    "ask_preferred_contact",
    "message_label",
    "consent_text",
    "privacy_text",
    "crisis_text",
    "response_time_text",
    "confidential_mode",
    "retention_months",
    "notify_email",
    "share_with_editors",
)


class InvalidField(ValueError):
    """A custom field the practitioner described cannot be built (message says why)."""


@dataclass(frozen=True)
class CustomField:
    """One practitioner-defined question."""

    key: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    options: list[str] = field(default_factory=list)

    @property
    def max_length(self) -> int:
        """Longest answer accepted for text questions."""
        return LONG_TEXT_MAX if self.type == "long_text" else SHORT_TEXT_MAX


def _sender(publication: Publication) -> str:
    return publication.author_name or publication.name


def default_form(publication: Publication) -> SupportForm:
    """The form a publication has before its owner changes anything (not saved)."""
    return SupportForm(
        publication_id=publication.id,
        enabled=True,
        heading=DEFAULT_HEADING,
        intro=(
            f"If something you read here stirred things up, or you would like to work with "
            f"{_sender(publication)}, say a little about what is going on. "
            "Every message is read in person."
        ),
        name_required=True,
        phone_mode=PHONE_OPTIONAL,
        ask_preferred_contact=True,
        message_label=DEFAULT_MESSAGE_LABEL,
        custom_fields=[],
        consent_text=(
            f"I agree that {_sender(publication)} may keep what I write here and contact me "
            "about it."
        ),
        privacy_text=(
            f"Only {_sender(publication)} and their team can read your message. "
            "It is used for nothing but answering you."
        ),
        crisis_text=DEFAULT_CRISIS_TEXT,
        response_time_text=DEFAULT_RESPONSE_TIME,
        confidential_mode=True,
        retention_months=12,
        notify_email="",
        share_with_editors=False,
    )


def saved_form(publication: Publication) -> SupportForm | None:
    """The publication's stored form settings, if its owner ever saved them."""
    return db.session.scalar(
        select(SupportForm).where(SupportForm.publication_id == publication.id)
    )


def get_form(publication: Publication) -> SupportForm:
    """The form as readers see it: the saved settings, else the defaults."""
    return saved_form(publication) or default_form(publication)


def custom_fields(form: SupportForm) -> list[CustomField]:
    """The practitioner's questions, in order."""
    fields = []
    for raw in form.custom_fields or []:
        fields.append(
            CustomField(
                key=str(raw.get("key", "")),
                type=str(raw.get("type", "short_text")),
                label=str(raw.get("label", "")),
                help=str(raw.get("help", "")),
                required=bool(raw.get("required")),
                options=[str(o) for o in raw.get("options") or []],
            )
        )
    return fields


def new_field_key() -> str:
    """A stable key for a new question; answers keep pointing at it when the label changes."""
    return "f" + secrets.token_hex(4)


def build_custom_field(
    key: str, type_: str, label: str, help_: str, required: bool, options_text: str
) -> dict:
    """Check one question from the form builder and return its stored form."""
    label = " ".join((label or "").split())
    if not label:
        raise InvalidField("Give the question a label.")
    if len(label) > LABEL_MAX:
        raise InvalidField(f"Keep the label under {LABEL_MAX} characters.")
    if type_ not in FIELD_TYPES:
        raise InvalidField("Choose a question type.")
    help_ = " ".join((help_ or "").split())
    if len(help_) > HELP_MAX:
        raise InvalidField(f"Keep the help text under {HELP_MAX} characters.")
    options: list[str] = []
    if type_ in CHOICE_TYPES:
        for line in (options_text or "").splitlines():
            option = " ".join(line.split())
            if option and option not in options:
                options.append(option)
        if len(options) < 2:
            raise InvalidField("A choice question needs at least two options, one per line.")
        if len(options) > MAX_OPTIONS or any(len(o) > OPTION_MAX for o in options):
            raise InvalidField(
                f"Use at most {MAX_OPTIONS} options of up to {OPTION_MAX} characters."
            )
    return {
        "key": key or new_field_key(),
        "type": type_,
        "label": label,
        "help": help_,
        "required": bool(required),
        "options": options,
    }


def save_settings(publication: Publication, fields: list[dict], **settings) -> SupportForm:
    """Store the owner's form settings and questions (creating the row the first time)."""
    if len(fields) > MAX_CUSTOM_FIELDS:
        raise InvalidField(f"A form can have at most {MAX_CUSTOM_FIELDS} questions of your own.")
    form = saved_form(publication)
    if form is None:
        form = default_form(publication)
        db.session.add(form)
    for name in SETTINGS_FIELDS:
        if name in settings:
            setattr(form, name, settings[name])
    form.custom_fields = list(fields)
    db.session.commit()
    return form
