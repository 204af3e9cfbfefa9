"""The back-issue import form: an export file, or a feed's address."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, URLField
from wtforms.validators import Length, Optional


class BackIssueImportForm(FlaskForm):
    file = FileField(
        "Export file",
        validators=[
            Optional(),
            FileAllowed(
                ["zip", "json", "xml", "rss", "atom"], "Upload a .zip, .json or .xml file."
            ),
        ],
        description=(
            "Substack's export (.zip), Ghost's export (.json), WordPress's export (.xml) "
            "or a saved RSS/Atom feed."
        ),
    )
    feed_url = URLField(
        "Or a feed's address",
        validators=[Optional(), Length(max=2000)],
        description="A full-content RSS or Atom feed, e.g. https://example.com/feed.",
    )
    fetch_images = BooleanField(
        "Copy the posts' images to Tend",
        default=True,
        description="Images that cannot be fetched keep their old address and are listed.",
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.file.data and not (self.feed_url.data or "").strip():
            self.file.errors.append("Choose an export file or enter a feed's address.")
            return False
        return True
