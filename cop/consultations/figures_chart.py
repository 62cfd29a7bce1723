"""The geometry of the figures' bar chart, drawn as SVG by the template
(templates/consultations/figures_chart.html): no script, no inline style, so it works
under the strict CSP, prints, and reads without JavaScript."""

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date

from cop.consultations.figures import Figures

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 20, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
BAR_MAX = 28
LABELS_MAX = 12  # more months than this: label every few, leave out the values


@dataclass(frozen=True)
class Bar:
    kind: str  # "opened" or "resolved": the CSS class gives the colour
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Slot:
    month: date
    center: float
    bars: tuple[Bar, Bar]
    label: str  # the month, abbreviated; empty when left out
    year: str  # under the month's label, for the first month and each January


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int  # x of the plot's right edge
    bottom: int  # y of the axis
    slots: list[Slot]
    ticks: list[Tick]
    values: bool  # write each bar's number above it


def _step(top: int) -> int:
    """A round tick step giving at most five ticks above zero."""
    for magnitude in (1, 10, 100, 1000, 10_000, 100_000):
        for step in (1, 2, 5):
            if top / (step * magnitude) <= 5:
                return step * magnitude
    return 1_000_000


def month_chart(figures: Figures) -> Chart:
    """Opened and resolved per month, side by side."""
    months = figures.months
    peak = max([1] + [max(c.opened, c.resolved) for c in figures.by_month.values()])
    step = _step(peak)
    top = -(-peak // step) * step
    axis = TOP + PLOT_H
    slot_w = PLOT_W / len(months)
    bar_w = min(BAR_MAX, slot_w * 0.38)
    every = -(-len(months) // LABELS_MAX)
    slots = []
    for n, month in enumerate(months):
        cell = figures.by_month[month]
        center = LEFT + slot_w * (n + 0.5)
        bars = []
        for kind, value, x in (
            ("opened", cell.opened, center - bar_w - 1),
            ("resolved", cell.resolved, center + 1),
        ):
            height = PLOT_H * value / top
            bars.append(
                Bar(
                    kind,
                    round(x, 1),
                    round(axis - height, 1),
                    round(bar_w, 1),
                    round(height, 1),
                    value,
                )
            )
        shown = n % every == 0
        slots.append(
            Slot(
                month=month,
                center=round(center, 1),
                bars=(bars[0], bars[1]),
                label=format_date(month, "LLL") if shown else "",
                year=str(month.year) if shown and (n < every or month.month <= every) else "",
            )
        )
    ticks = [Tick(round(axis - PLOT_H * v / top, 1), v) for v in range(0, top + 1, step)]
    return Chart(WIDTH, HEIGHT, LEFT, LEFT + PLOT_W, axis, slots, ticks, every == 1)
