"""Sends as the API starts and reports them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from saas.api.schemas.common import Id, InputModel, PageInfo, PageNumber
from saas.core.model_base import utcnow
from saas.delivery.segments import Segment

# How far ahead a send can be scheduled.
SCHEDULE_HORIZON = timedelta(days=366)


def _in_the_coming_year(value: datetime) -> datetime:
    try:
        when = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("Choose a time within the next year.") from exc
    if when <= utcnow():
        raise ValueError("Choose a time in the future.")
    if when > utcnow() + SCHEDULE_HORIZON:
        raise ValueError("Choose a time within the next year.")
    return when


SendTime = Annotated[AwareDatetime, AfterValidator(_in_the_coming_year)]

SendStatus = Literal["scheduled", "queued", "sending", "paused", "done", "cancelled"]


class NewSend(InputModel):
    """Send an issue (publishing it if it is not yet) to the readers, now or at `send_at`."""

    issue_id: Id
    audience: Literal["all"] = Field(
        default="all",
        description="Kept for older clients: every active reader, narrowed by `segment`. A "
        "paid issue goes whole to paying readers and as its preview to the rest.",
    )
    segment: Segment | None = Field(
        default=None,
        description="Which active readers get it; every rule left out matches everyone, so "
        "omitting it sends to every active reader. Tags are named; an unknown one is a 422.",
    )
    send_at: SendTime | None = Field(
        default=None,
        description="A time within the next year, with its UTC offset; omit to send now.",
    )


class SendProgress(BaseModel):
    """How far a send got: deliveries per status, and the time left."""

    total: int
    finished: int
    percent: float
    eta_seconds: int | None
    counts: dict[str, int] = Field(description="Deliveries per status.")


class SendSummary(BaseModel):
    """A send of an issue."""

    id: int
    issue_id: int
    issue_title: str
    status: SendStatus
    total: int = Field(description="Readers it is going to.")
    segment: Segment | None = Field(description="Who it is for; null: every active reader.")
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


class SendOut(SendSummary):
    """A send and its progress."""

    progress: SendProgress


class SendList(PageInfo):
    """A page of sends, newest first."""

    data: list[SendSummary]


class SendQuery(BaseModel):
    """Which page of sends to list."""

    page: PageNumber = 1
