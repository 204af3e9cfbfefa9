"""Reading the growth rollups: readers now, net change over a window, per week, top sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.insights.models import DailyGrowth

WINDOWS = (7, 30, 90)
WEEKS_SHOWN = 12


@dataclass(frozen=True)
class Week:
    """Readers gained and lost in the week starting `start` (Monday)."""

    start: date
    joined: int
    unsubscribed: int
    bounced: int

    @property
    def net(self) -> int:
        return self.joined - self.unsubscribed - self.bounced


def net_change(since_days: int, today: date | None = None) -> int:
    """Joined minus left over the last `since_days` days, today included."""
    today = today or utcnow().date()
    start = today - timedelta(days=since_days - 1)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(DailyGrowth.joined), 0),
            func.coalesce(func.sum(DailyGrowth.unsubscribed + DailyGrowth.bounced), 0),
        ).where(DailyGrowth.day >= start)
    ).one()
    return int(row[0]) - int(row[1])


def weekly(weeks: int = WEEKS_SHOWN, today: date | None = None) -> list[Week]:
    """The last `weeks` weeks, oldest first, every week present (zeros too)."""
    today = today or utcnow().date()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    rows = db.session.execute(
        select(
            DailyGrowth.day,
            func.sum(DailyGrowth.joined),
            func.sum(DailyGrowth.unsubscribed),
            func.sum(DailyGrowth.bounced),
        )
        .where(DailyGrowth.day >= first, DailyGrowth.day <= today)
        .group_by(DailyGrowth.day)
    ).all()
    sums = {first + timedelta(weeks=n): [0, 0, 0] for n in range(weeks)}
    for day, joined, unsubscribed, bounced in rows:
        start = day - timedelta(days=day.weekday())
        totals = sums[start]
        totals[0] += int(joined)
        totals[1] += int(unsubscribed)
        totals[2] += int(bounced)
    return [Week(start, *totals) for start, totals in sorted(sums.items())]


def top_sources(limit: int = 5) -> list[tuple[str, int]]:
    """Where readers came from over the last 90 days, most first."""
    start = utcnow().date() - timedelta(days=89)
    total = func.sum(DailyGrowth.joined)
    rows = db.session.execute(
        select(DailyGrowth.source, total)
        .where(DailyGrowth.day >= start)
        .group_by(DailyGrowth.source)
        .having(total > 0)
        .order_by(total.desc(), DailyGrowth.source)
        .limit(limit)
    ).all()
    return [(source, int(count)) for source, count in rows]


def has_history() -> bool:
    """Whether anyone has joined or left yet."""
    return db.session.scalar(select(DailyGrowth.id).limit(1)) is not None
