"""Subscribers and tags as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from saas.api.schemas.common import EmailText, Id, InputModel, text

SubscriberStatus = Literal["pending", "active", "unsubscribed", "bounced", "complained"]
TagName = text(60)
ConsentNote = text(300, description="How they agreed to hear from you; kept as the record.")
PageSize = Annotated[int, Field(ge=1, le=200)]


class TagOut(BaseModel):
    """A label on readers."""

    id: int
    name: str


class TagList(BaseModel):
    """The publication's tags by name."""

    data: list[TagOut]


class SubscriberOut(BaseModel):
    """A reader on the list."""

    id: int
    email: str
    name: str
    status: SubscriberStatus
    source: str = Field(description="How they joined: form, embed, import or manual.")
    consent_note: str
    imported: bool
    tags: list[TagOut]
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None


class SubscriberPage(BaseModel):
    """A page of readers, newest first; pass `next_cursor` as `after` for the next one."""

    data: list[SubscriberOut]
    next_cursor: str | None


class SubscriberQuery(BaseModel):
    """Which readers to list, and from where."""

    status: SubscriberStatus | None = None
    tag_id: Id | None = None
    after: str | None = Field(
        default=None, max_length=200, description="The `next_cursor` of the page before."
    )
    limit: PageSize = 50


class NewSubscriber(InputModel):
    """A reader to add. Unless `imported_with_consent`, they get an email to confirm first
    (double opt-in) and stay pending until they click it."""

    email: EmailText
    name: str = Field(default="", max_length=120)
    consent_note: ConsentNote
    imported_with_consent: bool = Field(
        default=False,
        description="They already agreed elsewhere (say so in consent_note): active at once, "
        "no confirmation email.",
    )
    tags: list[TagName] = Field(default_factory=list, max_length=20)


class TagNames(InputModel):
    """Tags to put on a reader; new names become new tags."""

    names: list[TagName] = Field(min_length=1, max_length=20)
