"""Server-drawn bar charts: geometry for inline SVG (no script, so CSP-safe).

Two layouts of the same numbers: columns for wide screens, rows for phones, where a
scaled-down column chart's labels would be too small to read.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
BAR_AREA_HEIGHT = 180
TOP = 16
LABEL_SPACE = 40
LEFT = 36


@dataclass(frozen=True)
class Bar:
    """One labelled count: what a chart is drawn from."""

    label: str
    value: int
    long_label: str = ""


@dataclass(frozen=True)
class DrawnBar:
    """A bar placed on the canvas, with where its labels go."""

    x: float
    y: float
    width: float
    height: float
    label: str
    long_label: str
    value: int
    label_x: float


@dataclass(frozen=True)
class BarChart:
    """Everything the SVG template needs."""

    width: int
    height: int
    bars: list[DrawnBar]
    ticks: list[tuple[float, int]]
    baseline: float
    left: int
    total: int


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 4:
            return step * 4
    return value


def bar_chart(bars: list[Bar]) -> BarChart:
    """Lay out vertical bars across a fixed-width canvas that scales with the page."""
    top_value = _nice_max(max([b.value for b in bars] or [0]))
    slot = (WIDTH - LEFT) / max(len(bars), 1)
    bar_width = max(min(slot * 0.7, 48), 4)
    baseline = TOP + BAR_AREA_HEIGHT
    drawn = []
    for index, bar in enumerate(bars):
        height = BAR_AREA_HEIGHT * bar.value / top_value if top_value else 0
        x = LEFT + index * slot + (slot - bar_width) / 2
        drawn.append(
            DrawnBar(
                x=round(x, 1),
                y=round(baseline - height, 1),
                width=round(bar_width, 1),
                height=round(height, 1),
                label=bar.label,
                long_label=bar.long_label or bar.label,
                value=bar.value,
                label_x=round(x + bar_width / 2, 1),
            )
        )
    ticks = [(round(baseline - BAR_AREA_HEIGHT * i / 4, 1), top_value * i // 4) for i in range(5)]
    return BarChart(
        width=WIDTH,
        height=baseline + LABEL_SPACE,
        bars=drawn,
        ticks=ticks,
        baseline=baseline,
        left=LEFT,
        total=sum(b.value for b in bars),
    )


@dataclass(frozen=True)
class RowBar:
    """One horizontal bar with its label on the left and its value on the right."""

    y: float
    width: float
    label: str
    long_label: str
    value: int
    text_y: float
    value_x: float


@dataclass(frozen=True)
class RowChart:
    """A horizontal bar chart, for narrow screens."""

    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[RowBar]
    total: int


def row_chart(bars: list[Bar], width: int = 320, row: int = 26, label_width: int = 80) -> RowChart:
    """Lay out one bar per row: labels stay legible however narrow the screen."""
    top_value = max([b.value for b in bars] or [0])
    room = width - label_width - 28  # space for the value after the longest bar
    bar_height = row - 8
    drawn = []
    for index, bar in enumerate(bars):
        length = room * bar.value / top_value if top_value else 0
        y = index * row + 4
        drawn.append(
            RowBar(
                y=y,
                width=round(length, 1),
                label=bar.label,
                long_label=bar.long_label or bar.label,
                value=bar.value,
                text_y=y + bar_height / 2 + 4,
                value_x=round(label_width + length + 4, 1),
            )
        )
    return RowChart(
        width=width,
        height=max(len(bars), 1) * row + 4,
        label_width=label_width,
        bar_height=bar_height,
        bars=drawn,
        total=sum(b.value for b in bars),
    )
