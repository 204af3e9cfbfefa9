"""The growth chart's geometry: readers joining above the line, leaving below, net as a line.

Inline SVG drawn on the server like saas.core.charts (whose canvas sizes it shares), so no
script is needed and the page's CSP stays strict.
"""

from __future__ import annotations

from dataclasses import dataclass

from saas.core.charts import LEFT, TOP, WIDTH
from saas.insights.growth import Week

HEIGHT = 220
LABEL_SPACE = 36


@dataclass(frozen=True)
class Column:
    """One week: a bar up for readers joining, one down for leaving, and its label."""

    x: float
    width: float
    up_y: float
    up_height: float
    down_height: float
    label: str
    label_x: float
    week: Week


@dataclass(frozen=True)
class GrowthChart:
    """Everything the SVG template needs."""

    width: int
    height: int
    zero_y: float
    left: int
    columns: list[Column]
    net_points: str
    ticks: list[tuple[float, int]]


def _scale(weeks: list[Week]) -> tuple[int, int]:
    top = max([w.joined for w in weeks] + [w.net for w in weeks] + [1])
    bottom = max([w.unsubscribed + w.bounced for w in weeks] + [-w.net for w in weeks] + [0])
    return top, bottom


def growth_chart(weeks: list[Week]) -> GrowthChart:
    """Lay out the weeks across the shared canvas width."""
    top, bottom = _scale(weeks)
    span = top + bottom or 1
    area = HEIGHT - TOP - LABEL_SPACE
    zero_y = TOP + area * top / span
    per_reader = area / span
    slot = (WIDTH - LEFT) / max(len(weeks), 1)
    bar = max(min(slot * 0.6, 40), 4)
    columns, points = [], []
    for index, week in enumerate(weeks):
        x = LEFT + index * slot + (slot - bar) / 2
        up = week.joined * per_reader
        down = (week.unsubscribed + week.bounced) * per_reader
        centre = round(x + bar / 2, 1)
        columns.append(
            Column(
                x=round(x, 1),
                width=round(bar, 1),
                up_y=round(zero_y - up, 1),
                up_height=round(up, 1),
                down_height=round(down, 1),
                label=f"{week.start:%d %b}",
                label_x=centre,
                week=week,
            )
        )
        points.append(f"{centre},{round(zero_y - week.net * per_reader, 1)}")
    ticks = [(round(TOP, 1), top), (round(zero_y, 1), 0)]
    if bottom:
        ticks.append((round(TOP + area, 1), -bottom))
    return GrowthChart(
        width=WIDTH,
        height=HEIGHT,
        zero_y=round(zero_y, 1),
        left=LEFT,
        columns=columns,
        net_points=" ".join(points),
        ticks=ticks,
    )
