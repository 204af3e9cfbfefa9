"""Issues as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from saas.api.schemas.common import InputModel, PageInfo, PageNumber, WebAddress, text
from saas.core.validators import SLUG_PATTERN
from saas.publishing.forms import BODY_MAX

IssueStatus = Literal["draft", "scheduled", "published"]
Audience = Literal["everyone", "paid"]
Title = text(200)


class IssueSummary(BaseModel):
    """An issue without its body."""

    id: int
    number: int | None = Field(description="Given on first publishing; never reused.")
    title: str
    subtitle: str
    slug: str
    status: IssueStatus
    audience: Audience = Field(
        description="everyone, or paid: readers without a paid subscription get the part "
        "above the paywall break."
    )
    word_count: int
    read_seconds: int
    scheduled_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class IssueOut(IssueSummary):
    """An issue with its body (Markdown as written, HTML as shown)."""

    body_markdown: str
    body_html: str
    seo_description: str
    cover_image_url: str
    cover_image_alt: str


class IssueList(PageInfo):
    """A page of issues, unnumbered drafts first, then newest number first."""

    data: list[IssueSummary]


class IssueQuery(BaseModel):
    """Which issues to list."""

    status: IssueStatus | None = None
    page: PageNumber = 1


class NewIssue(InputModel):
    """A draft to save. Without a slug, one is made from the title."""

    title: Title
    subtitle: str = Field(default="", max_length=300)
    slug: str | None = Field(default=None, max_length=120, pattern=SLUG_PATTERN)
    body_markdown: str = Field(default="", max_length=BODY_MAX)
    seo_description: str = Field(default="", max_length=300)
    cover_image_url: WebAddress | None = None
    cover_image_alt: str = Field(default="", max_length=300)
    audience: Audience = "everyone"
