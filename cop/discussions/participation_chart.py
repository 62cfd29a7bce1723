"""The participation report's bar chart: one bar per person, discussions and replies
stacked, drawn as SVG by templates/discussions/participation_chart.html (no script, no
inline style, so it works under the strict CSP and prints)."""

from dataclasses import dataclass

from cop.discussions.participation import Participation

WIDTH = 720
LABEL_W, RIGHT, TOP = 200, 48, 8
BAR_H, GAP = 18, 8
PEOPLE_MAX = 20  # the most active; the table has everyone


@dataclass(frozen=True)
class Bar:
    name: str
    y: float
    discussions: int
    replies: int
    discussions_w: float
    replies_w: float

    @property
    def end(self) -> float:
        return LABEL_W + self.discussions_w + self.replies_w


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bar_height: int
    bars: list[Bar]
    more: int  # people left out of the chart


def participation_chart(report: Participation) -> Chart | None:
    """None when nobody has posted."""
    shown = [r for r in report.rows if r.posts][:PEOPLE_MAX]
    if not shown:
        return None
    peak = max(r.posts for r in shown)
    scale = (WIDTH - LABEL_W - RIGHT) / peak
    bars = [
        Bar(
            name=r.name,
            y=TOP + n * (BAR_H + GAP),
            discussions=r.discussions,
            replies=r.replies,
            discussions_w=round(r.discussions * scale, 1),
            replies_w=round(r.replies * scale, 1),
        )
        for n, r in enumerate(shown)
    ]
    height = TOP * 2 + len(bars) * (BAR_H + GAP)
    more = len([r for r in report.rows if r.posts]) - len(shown)
    return Chart(WIDTH, height, LABEL_W, BAR_H, bars, more)
