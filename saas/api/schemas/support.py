"""Support requests and pipeline stages as the API shows and moves them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from saas.api.schemas.common import InputModel

Stage = Literal["new", "contacted", "booked", "closed", "spam"]


class StageOut(BaseModel):
    """A stage of the pipeline and how many requests are in it."""

    stage: Stage
    label: str
    count: int


class StageList(BaseModel):
    """Every stage, in pipeline order."""

    data: list[StageOut]


class Answer(BaseModel):
    """The reader's answer to one of the form's own questions."""

    key: str
    label: str
    type: str
    value: str | bool | list[str] | None


class SupportRequestOut(BaseModel):
    """A reader's request for help."""

    id: int
    stage: Stage
    channel: str = Field(description="page or embed: where the form was.")
    name: str | None
    email: str
    phone: str | None
    preferred_contact: str
    message: str
    answers: list[Answer]
    source_issue_number: int | None = Field(description="The issue the reader came from.")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class SupportRequestList(BaseModel):
    """Requests, newest first (at most 500)."""

    data: list[SupportRequestOut]


class SupportQuery(BaseModel):
    """Which requests to list."""

    stage: Stage | None = None


class StageMove(InputModel):
    """The stage to move a request to (noted in its timeline)."""

    stage: Stage
