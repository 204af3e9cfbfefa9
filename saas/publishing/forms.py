"""Dashboard forms: publication settings, invitations and the issue editor."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.core.validators import (
    Domain,
    EmailAddress,
    HexColor,
    Slug,
    TimeZone,
    WebUrl,
    timezone_choices,
)
from saas.publishing.models import (
    MODE_APPROVE_ALL,
    MODE_APPROVE_FIRST,
    MODE_OPEN,
    MODE_PRIVATE,
    NOTIFY_DAILY,
    NOTIFY_IMMEDIATE,
    NOTIFY_OFF,
)

BODY_MAX = 200_000


class PublicationSettingsForm(FlaskForm):
    name = StringField("Publication name", validators=[DataRequired(), Length(max=120)])
    tagline = StringField("Tagline", validators=[Optional(), Length(max=200)])
    about = TextAreaField(
        "About", validators=[Optional(), Length(max=5000)], description="Shown on your home page."
    )
    author_name = StringField("Author display name", validators=[Optional(), Length(max=120)])
    sign_off = StringField(
        "Sign-off",
        validators=[Optional(), Length(max=200)],
        description="Closes every issue, e.g. “With care, Maya”.",
    )
    accent_color = StringField(
        "Accent colour", validators=[DataRequired(), HexColor()], default="#2f6f5e"
    )
    logo_url = StringField("Logo URL", validators=[Optional(), Length(max=500), WebUrl()])
    timezone = SelectField("Time zone", validators=[DataRequired(), TimeZone()], default="UTC")
    custom_domain = StringField(
        "Custom domain",
        validators=[Optional(), Length(max=253), Domain()],
        description="Enter a domain you control, e.g. letters.example.com; Tend then shows "
        "the DNS records that prove it is yours, and serves it once they are found.",
    )

    welcome_message = TextAreaField(
        "Welcome email",
        validators=[Optional(), Length(max=5000)],
        description="Sent to each reader right after they confirm. Plain text; blank lines "
        "start new paragraphs.",
    )
    max_send_rate = IntegerField(
        "Maximum emails per second",
        validators=[DataRequired(), NumberRange(min=1, max=1000)],
        default=20,
        description="Keep within what your mail provider allows.",
    )

    reply_mode = SelectField(
        "Replies on the web",
        choices=[
            (MODE_OPEN, "Public at once"),
            (MODE_APPROVE_FIRST, "Hold a reader’s first reply for my approval"),
            (MODE_APPROVE_ALL, "Hold every reply for my approval"),
            (MODE_PRIVATE, "Private: only I see replies"),
        ],
        default=MODE_OPEN,
        validators=[Optional()],
        description="Replies by email always stay private to you.",
    )
    reply_notifications = SelectField(
        "Notify me of new replies",
        choices=[
            (NOTIFY_IMMEDIATE, "An email for each reply"),
            (NOTIFY_DAILY, "One daily digest"),
            (NOTIFY_OFF, "No emails (the inbox shows them)"),
        ],
        default=NOTIFY_IMMEDIATE,
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class NewPublicationForm(FlaskForm):
    """Only what a publication needs to exist; the rest waits on the settings page."""

    name = StringField("Publication name", validators=[DataRequired(), Length(max=120)])
    tagline = StringField(
        "One line about it",
        validators=[Optional(), Length(max=200)],
        description="Optional. Shown under the name on your home page.",
    )


class InviteForm(FlaskForm):
    email = EmailField(
        "Editor's email", validators=[DataRequired(), Length(max=254), EmailAddress()]
    )


class IssueForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    subtitle = StringField("Subtitle", validators=[Optional(), Length(max=300)])
    slug = StringField(
        "URL slug",
        validators=[Optional(), Length(max=120), Slug()],
        description="Leave empty to make one from the title.",
    )
    body_markdown = TextAreaField(
        "Body", validators=[Optional(), Length(max=BODY_MAX)], description="Markdown."
    )
    seo_description = StringField(
        "SEO description",
        validators=[Optional(), Length(max=300)],
        description="Shown by search engines and link previews.",
    )
    cover_image_url = StringField(
        "Cover image URL", validators=[Optional(), Length(max=500), WebUrl()]
    )
    cover_image_file = FileField(
        "Upload a cover image",
        validators=[Optional()],
        description="JPEG, PNG, GIF or WebP. Replaces the cover image URL when you save.",
    )
    cover_image_alt = StringField(
        "Cover image description",
        validators=[Optional(), Length(max=300)],
        description="Alt text for readers using screen readers.",
    )
    audience = SelectField(
        "Who can read it in full",
        choices=[("everyone", "Everyone"), ("paid", "Paid subscribers")],
        default="everyone",
    )
    show_offerings = BooleanField("End with your “ways I can help”", default=True)


class ScheduleForm(FlaskForm):
    publish_at = DateTimeLocalField(
        "Publish at", format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )


class IssueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    status = SelectField(
        "Status",
        choices=[
            ("", "All"),
            ("draft", "Drafts"),
            ("scheduled", "Scheduled"),
            ("published", "Published"),
        ],
        validators=[Optional()],
    )
