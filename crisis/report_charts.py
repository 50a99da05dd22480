"""The report's charts as plain shapes, drawn as inline SVG for the page and as reportlab drawings
for the PDF (crisis/report_pdf.py): one geometry, so the page, its print and the PDF agree.

Server-side SVG needs no script, prints as it shows, and suits the strict CSP: colours are SVG
presentation attributes (`fill`, `stroke`), never `style=` attributes; classes let the stylesheet
adjust them (dark mode, print).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .report import CrisisReport, Point

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 14, 30
X_TICKS = 6

COLOURS = {
    "mentions": "#8fb3d9",
    "negative": "#d9534f",
    "share": "#b03a2e",
    "reshares": "#6a51a3",
    "grid": "#d0d7de",
    "axis": "#57606a",
    "marker": "#1f6feb",
}


@dataclass(frozen=True)
class Shape:
    kind: str  # polygon, polyline, line, text
    points: tuple[tuple[float, float], ...] = ()
    css: str = ""
    fill: str = "none"
    stroke: str = "none"
    text: str = ""
    anchor: str = "start"  # text-anchor: start, middle, end
    size: float = 10


@dataclass(frozen=True)
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    shapes: tuple[Shape, ...] = field(default_factory=tuple)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^n at or above `value` (axis tops people can read)."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _frame(points: Sequence[Point], top: float, time_label: Callable[[datetime], str], unit: str = "") -> list[Shape]:
    shapes = []
    for i in range(5):
        value = top * i / 4
        y = _y(value, top)
        shapes.append(Shape("line", ((LEFT, y), (WIDTH - RIGHT, y)), css="chart-grid", stroke=COLOURS["grid"]))
        label = f"{value:g}{unit}" if value == int(value) else f"{value:.1f}{unit}"
        shapes.append(Shape("text", ((LEFT - 6, y + 3),), css="chart-label", fill=COLOURS["axis"], text=label,
                            anchor="end", size=9))
    count = len(points)
    ticks = sorted({round(i * (count - 1) / (X_TICKS - 1)) for i in range(X_TICKS)}) if count > 1 else [0]
    for index in ticks:
        if index < count:
            # The first and last labels lean inwards so the chart's edges do not cut them.
            anchor = "start" if index == 0 and count > 1 else "end" if index == count - 1 and count > 1 else "middle"
            shapes.append(Shape("text", ((_x(index, count), HEIGHT - 10),), css="chart-label", fill=COLOURS["axis"],
                                text=time_label(points[index].at), anchor=anchor, size=9))
    shapes.append(Shape("line", ((LEFT, HEIGHT - BOTTOM), (WIDTH - RIGHT, HEIGHT - BOTTOM)), css="chart-axis",
                        stroke=COLOURS["axis"]))
    return shapes


def _markers(report: CrisisReport, points: Sequence[Point], labels: dict[str, str]) -> list[Shape]:
    """Vertical lines at the milestones (detection, declaration, first statement...)."""
    if len(points) < 2:
        return []
    first, last = points[0].at, points[-1].at
    span = (last - first).total_seconds() or 1
    shapes, row = [], 0
    for name, seconds in report.times.items():
        if seconds is None or name not in labels:
            continue
        offset = (report.started_at - first).total_seconds() + seconds
        if not 0 <= offset <= span:
            continue
        x = LEFT + (WIDTH - LEFT - RIGHT) * offset / span
        shapes.append(Shape("line", ((x, TOP), (x, HEIGHT - BOTTOM)), css="chart-marker", stroke=COLOURS["marker"]))
        shapes.append(Shape("text", ((x + 3, TOP + 9 + 10 * (row % 4)),), css="chart-marker-label",
                            fill=COLOURS["marker"], text=labels[name], size=8))
        row += 1
    return shapes


def _area(values: Sequence[float], top: float) -> tuple[tuple[float, float], ...]:
    count = len(values)
    base = _y(0, top)
    line = [(_x(i, count), _y(v, top)) for i, v in enumerate(values)]
    return ((line[0][0], base), *line, (line[-1][0], base))


def volume_chart(report: CrisisReport, *, title: str, time_label: Callable[[datetime], str],
                 markers: dict[str, str]) -> Chart:
    """Mentions per bin, their negative part below, milestones as vertical lines."""
    points = report.series
    if not points:
        return Chart(title=title)
    top = nice_ceiling(max(p.mentions for p in points))
    shapes = _frame(points, top, time_label)
    shapes.append(Shape("polygon", _area([p.mentions for p in points], top), css="chart-area-mentions",
                        fill=COLOURS["mentions"]))
    shapes.append(Shape("polygon", _area([p.negative for p in points], top), css="chart-area-negative",
                        fill=COLOURS["negative"]))
    shapes += _markers(report, points, markers)
    return Chart(title=title, shapes=tuple(shapes))


def share_chart(report: CrisisReport, *, title: str, time_label: Callable[[datetime], str],
                markers: dict[str, str]) -> Chart:
    """The negative share per bin, in %; a bin without mentions leaves a gap rather than a false 0."""
    points = report.series
    if not points:
        return Chart(title=title)
    shapes = _frame(points, 100, time_label, unit=" %")
    segment: list[tuple[float, float]] = []
    segments = [segment]
    for i, point in enumerate(points):
        if point.negative_pct is None:
            segment = []
            segments.append(segment)
        else:
            segment.append((_x(i, len(points)), _y(point.negative_pct, 100)))
    for part in segments:
        if len(part) == 1:  # a lone bin between gaps: a dot-sized segment so it still shows
            part.append((part[0][0] + 1, part[0][1]))
        if part:
            shapes.append(Shape("polyline", tuple(part), css="chart-line-share", stroke=COLOURS["share"]))
    shapes += _markers(report, points, markers)
    return Chart(title=title, shapes=tuple(shapes))


def reshare_chart(report: CrisisReport, *, title: str, time_label: Callable[[datetime], str]) -> Chart | None:
    """Re-shares counted per bin, only when the platforms gave any."""
    points = report.series
    if not points or not any(p.reshares for p in points):
        return None
    top = nice_ceiling(max(p.reshares for p in points))
    shapes = _frame(points, top, time_label)
    shapes.append(Shape("polygon", _area([p.reshares for p in points], top), css="chart-area-reshares",
                        fill=COLOURS["reshares"]))
    return Chart(title=title, shapes=tuple(shapes))


def _coords(points) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def to_svg(chart: Chart) -> SafeString:
    """The chart as an inline <svg> element (every text escaped; no style attribute)."""
    parts = [f'<svg class="report-chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
             f"<title>{escape(chart.title)}</title>"]
    for shape in chart.shapes:
        if shape.kind == "polygon":
            parts.append(f'<polygon class="{shape.css}" points="{_coords(shape.points)}" fill="{shape.fill}" '
                         f'stroke="{shape.stroke}"/>')
        elif shape.kind == "polyline":
            parts.append(f'<polyline class="{shape.css}" points="{_coords(shape.points)}" fill="none" '
                         f'stroke="{shape.stroke}" stroke-width="2" stroke-linejoin="round"/>')
        elif shape.kind == "line":
            (x1, y1), (x2, y2) = shape.points
            parts.append(f'<line class="{shape.css}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                         f'stroke="{shape.stroke}" stroke-width="1"/>')
        elif shape.kind == "text":
            (x, y), = shape.points
            parts.append(f'<text class="{shape.css}" x="{x:.1f}" y="{y:.1f}" fill="{shape.fill}" '
                         f'font-size="{shape.size:g}" text-anchor="{shape.anchor}">{escape(shape.text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()
