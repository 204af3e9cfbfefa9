"""Dashboard forms for support requests: notes, answers, erasure, export, filters, settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.core.validators import EmailAddress
from saas.support.form_settings import FIELD_TYPES, HELP_MAX, LABEL_MAX
from saas.support.models import PHONE_OFF, PHONE_OPTIONAL, PHONE_REQUIRED
from saas.support.pipeline import ANSWER_MAX, NOTE_MAX

EXTRA_QUESTION_ROWS = 2


class NoteForm(FlaskForm):
    note = TextAreaField(
        "Add a note",
        validators=[DataRequired("Write something first."), Length(max=NOTE_MAX)],
        description="Only your team sees notes. They are stored encrypted.",
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        "Your answer",
        validators=[DataRequired("Write your answer first."), Length(max=ANSWER_MAX)],
        description="Sent from your name, as a reply to the reader's acknowledgement; "
        "their replies come to your notification address.",
    )


class DeleteForm(FlaskForm):
    also_same_address = BooleanField("Also erase this reader's other requests")


class ExportForm(FlaskForm):
    include_messages = BooleanField("Include messages and answers")
    include_notes = BooleanField("Include private notes")
    stage = HiddenField()
    date_from = HiddenField()
    date_to = HiddenField()
    source = HiddenField()
    q = HiddenField()


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    stage = SelectField("Stage", validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    source = SelectField("Came from", validators=[Optional()])


class QuestionRow(Form):
    """One practitioner-defined question in the form builder (blank rows add questions)."""

    key = HiddenField()
    label = StringField("Question", validators=[Optional(), Length(max=LABEL_MAX)])
    type = SelectField("Type", choices=list(FIELD_TYPES.items()), default="short_text")
    required = BooleanField("Required")
    help = StringField("Help text", validators=[Optional(), Length(max=HELP_MAX)])
    options = TextAreaField(
        "Options",
        validators=[Optional(), Length(max=3000)],
        description="For single and multiple choice questions: one option per line.",
    )
    position = IntegerField("Order", validators=[Optional(), NumberRange(min=0, max=999)])
    remove = BooleanField("Remove")


class SupportSettingsForm(FlaskForm):
    enabled = BooleanField("Take support requests")
    heading = StringField("Heading", validators=[DataRequired(), Length(max=120)])
    intro = TextAreaField("Introduction", validators=[Optional(), Length(max=2000)])
    name_required = BooleanField("Name is required")
    phone_mode = SelectField(
        "Phone number",
        choices=[
            (PHONE_OPTIONAL, "Ask, optional"),
            (PHONE_REQUIRED, "Ask, required"),
            (PHONE_OFF, "Do not ask"),
        ],
    )
    ask_preferred_contact = BooleanField("Ask how they prefer to be contacted (with phone only)")
    message_label = StringField("Message question", validators=[DataRequired(), Length(max=200)])
    consent_text = StringField(
        "Consent checkbox",
        validators=[DataRequired(), Length(max=500)],
        description="Readers must tick this to send.",
    )
    privacy_text = TextAreaField(
        "Privacy note",
        validators=[Optional(), Length(max=2000)],
        description="Above the consent box.",
    )
    crisis_text = TextAreaField(
        "Crisis resources",
        validators=[DataRequired(), Length(max=2000)],
        description="Shown with the form and in every acknowledgement, under “This form is "
        "not for emergencies”. Name the services your readers can call.",
    )
    response_time_text = StringField(
        "When to expect an answer",
        validators=[DataRequired(), Length(max=300)],
        description="Shown after sending and in the acknowledgement email.",
    )
    confidential_mode = BooleanField(
        "Confidential mode: notification emails say only that a request arrived"
    )
    notify_email = EmailField(
        "Notify this address",
        validators=[Optional(), Length(max=254), EmailAddress()],
        description="Empty: every owner. Readers' replies to your emails also go here.",
    )
    retention_months = IntegerField(
        "Delete closed requests after (months)",
        validators=[DataRequired(), NumberRange(min=1, max=120)],
    )
    share_with_editors = BooleanField("Editors can see and work support requests")
    questions = FieldList(FormField(QuestionRow))
