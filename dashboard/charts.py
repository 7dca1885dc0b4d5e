"""Charts drawn by the server as inline SVG (no script, no CDN; they print as they are).

Each function returns a chart's geometry; its `svg` is the markup a page includes as it is
(written here rather than by a template: a trend's hundred points are a good part of a
dashboard page's time in the template engine).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 36


@dataclass
class Series:
    key: str
    label: str
    segments: list = field(default_factory=list)  # "x,y x,y …" for each unbroken run
    dots: list = field(default_factory=list)  # (x, y, value)


@dataclass
class LineChart:
    width: int
    height: int
    series: list
    x_ticks: list  # (x, label)
    y_ticks: list  # (y, label)
    title: str = ""
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def svg(self) -> SafeString:
        parts = [
            '<figure class="chart">\n'
            f'<svg viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(self.title)}" xmlns="http://www.w3.org/2000/svg">\n  '
        ]
        for y, label in self.y_ticks:
            parts.append(
                f'<line class="grid" x1="{self.plot_left}" x2="{self.plot_right}" y1="{y}" '
                f'y2="{y}"/><text class="tick" x="{self.plot_left - 6}" y="{y}" '
                f'text-anchor="end" dominant-baseline="middle">{escape(label)}</text>'
            )
        parts.append("\n  ")
        for x, label in self.x_ticks:
            parts.append(
                f'<text class="tick" x="{x}" y="{self.plot_bottom + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
        parts.append("\n  ")
        for series in self.series:
            label = escape(series.label)
            parts.append(f'<g class="series series-{escape(series.key)}">')
            parts.extend(f'<polyline points="{points}"/>' for points in series.segments)
            parts.extend(
                f'<circle cx="{x}" cy="{y}" r="2.5"><title>{label} {value}%</title></circle>'
                for x, y, value in series.dots
            )
            parts.append("</g>")
        parts.append('\n</svg>\n<figcaption class="legend">')
        parts.extend(
            f'<span class="key series-{escape(series.key)}">{escape(series.label)}</span>'
            for series in self.series
        )
        parts.append("</figcaption>\n</figure>")
        return mark_safe("".join(parts))  # every text above is escaped


def line_chart(labels: list[str], series: dict[str, tuple[str, list]], title: str) -> LineChart:
    """Percentages over months. `series` maps a key to (label, values); a None value breaks
    the line. The scale runs from 0 to 100%, or higher when a value is above."""
    values = [v for _label, points in series.values() for v in points if v is not None]
    top = max([Decimal(100), *values])
    top = Decimal((int(top) + 19) // 20 * 20)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(labels) - 1, 1)

    def x_of(index):
        return round(LEFT + index * step, 1) if len(labels) > 1 else LEFT + plot_width / 2

    def y_of(value):
        return round(TOP + plot_height * (1 - float(value) / float(top)), 1)

    drawn = []
    for key, (label, points) in series.items():
        line = Series(key=key, label=label)
        run = []
        for index, value in enumerate(points):
            if value is None:
                if run:
                    line.segments.append(" ".join(run))
                run = []
                continue
            x, y = x_of(index), y_of(value)
            run.append(f"{x},{y}")
            line.dots.append((x, y, value))
        if run:
            line.segments.append(" ".join(run))
        drawn.append(line)
    every = max(1, (len(labels) + 7) // 8)
    x_ticks = [(x_of(i), label) for i, label in enumerate(labels) if i % every == 0]
    y_ticks = [(y_of(v), f"{v}%") for v in range(0, int(top) + 1, int(top) // 5)]
    return LineChart(WIDTH, HEIGHT, drawn, x_ticks, y_ticks, title=str(title))


@dataclass
class Bar:
    label: str
    value: Decimal | None
    y: float
    width: float
    is_laggard: bool

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 4


@dataclass
class BarChart:
    width: int
    height: int
    label_width: int
    bars: list
    bar_height: int
    title: str = ""

    @property
    def svg(self) -> SafeString:
        height = self.bar_height
        parts = [
            '<figure class="chart">\n'
            f'<svg viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(self.title)}" xmlns="http://www.w3.org/2000/svg">\n  '
        ]
        for bar in self.bars:
            laggard = " laggard" if bar.is_laggard else ""
            value = "—" if bar.value is None else f"{bar.value}%"
            parts.append(
                f'<g transform="translate(0 {bar.y})" class="bar{laggard}">\n'
                f'    <text x="{self.label_width - 6}" y="{height}" dy="-4" '
                f'text-anchor="end">{escape(bar.label)}</text>\n'
                f'    <rect x="{self.label_width}" y="0" width="{bar.width}" height="{height}"/>\n'
                f'    <text class="value" x="{bar.value_x}" y="{height}" dy="-4">{value}</text>\n'
                "  </g>"
            )
        parts.append("\n</svg>\n</figure>")
        return mark_safe("".join(parts))  # every text above is escaped


BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 120


def bar_chart(children, rate_key: str, title: str) -> BarChart:
    """One horizontal bar per child for a rate, in ranking order."""
    values = [getattr(child, rate_key) for child in children]
    top = max([Decimal(100), *(v for v in values if v is not None)])
    room = WIDTH - LABEL_WIDTH - 60
    bars = []
    for index, child in enumerate(children):
        value = getattr(child, rate_key)
        width = 0 if value is None else round(room * float(value) / float(top), 1)
        bars.append(
            Bar(
                label=child.label,
                value=value,
                y=index * (BAR_HEIGHT + BAR_GAP),
                width=width,
                is_laggard=child.is_laggard,
            )
        )
    height = max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(WIDTH, height, LABEL_WIDTH, bars, BAR_HEIGHT, title=str(title))
