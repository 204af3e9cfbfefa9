"""The subscriber import form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a CSV file to upload."),
            FileAllowed(["csv", "txt"], "Upload a .csv or .txt file."),
        ],
        description=(
            "An export from Substack, Mailchimp or beehiiv, or any CSV with an email column "
            "(name, tags and signup date are picked up too)."
        ),
    )
    tag = StringField(
        "Tag everyone in this file",
        validators=[Optional(), Length(max=60)],
        description="Optional, e.g. “from Substack”.",
    )
    ask_to_confirm = BooleanField(
        "Ask imported readers to confirm",
        description=(
            "Sends each new reader a confirmation link; they get issues once they click it. "
            "Leave unticked if they already agreed to hear from you."
        ),
    )
