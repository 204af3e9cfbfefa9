"""The publication's numbers as the API reports them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReplyCounts(BaseModel):
    """Readers' replies."""

    unread: int
    by_status: dict[str, int]


class Stats(BaseModel):
    """Counts across the publication (reader counts may be up to a minute old)."""

    subscribers: dict[str, int] = Field(description="Readers per status.")
    active_subscribers: int
    issues: dict[str, int] = Field(description="Issues per status.")
    sends: int
    replies: ReplyCounts | None = Field(description="With the replies:read scope.")
    support: dict[str, int] | None = Field(
        description="Requests per stage, with the support:read scope where the key may read "
        "support requests."
    )
