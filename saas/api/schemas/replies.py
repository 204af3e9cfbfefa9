"""Readers' replies as the API lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from saas.api.schemas.common import Id

ReplyStatus = Literal["public", "pending", "private", "hidden"]
Channel = Literal["web", "email"]


class ReplyOut(BaseModel):
    """What a reader wrote back to an issue."""

    id: int
    issue_id: int
    issue_title: str
    subscriber_id: int | None = Field(description="The reader who wrote it.")
    author_name: str
    channel: Channel
    status: ReplyStatus
    text: str
    parent_id: int | None = Field(description="The reply this one is in the thread of.")
    created_at: datetime
    read_at: datetime | None = Field(description="When it was opened in the inbox.")


class ReplyPage(BaseModel):
    """A page of readers' replies, newest first."""

    data: list[ReplyOut]
    page: int
    pages: int
    total: int


class ReplyQuery(BaseModel):
    """Which replies to list, and which page."""

    issue_id: Id | None = None
    status: ReplyStatus | None = None
    channel: Channel | None = None
    unread: bool = False
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
