"""The class page's charts as numbers laid out for inline SVG and an HTML table (templates/charts.html draws them),
and the loss histories' lines (history.py draws them, beside report.md and on the class page).

Each function takes plain numbers, not reports, so the page decides what is plotted and this module only how.
Drawn by the browser, not by matplotlib: the PNGs took 1.3 s of a batch's end (constrained layout, fonts, PNG
encoding) and a second of matplotlib's import; these take milliseconds, need nothing installed, and say the same
(the bars' counts and the grid's percentages are in the page's text, readable by a screen reader).
"""
import math
from dataclasses import dataclass

import numpy as np

BLUE, PURPLE = "#1565c0", "#6a1b9a"
# ColorBrewer's RdYlGn, red (0) to green (1): the colours of the pass-rate grid
RED_YELLOW_GREEN = ("#a50026", "#d73027", "#f46d43", "#fdae61", "#fee08b", "#ffffbf", "#d9ef8b", "#a6d96a",
                    "#66bd63", "#1a9850", "#006837")
WIDTH, LEFT, RIGHT, TOP, BOTTOM = 700, 56, 20, 34, 46  # pixels: the SVG's width and the plot area's margins


@dataclass(frozen=True)
class Bar:
    low: float  # the bin [low, high) (the last bin includes high)
    high: float
    count: int
    x: float  # its rectangle, in the SVG's pixels
    y: float
    width: float
    height: float
    label: str  # what a screen reader and a hover say


@dataclass(frozen=True)
class Frame:
    """What every chart has: its titles, its size and its plot area, in the SVG's pixels; its ticks (pixel, label)."""
    title: str
    x_label: str
    y_label: str
    width: int
    height: int
    left: float  # the plot area
    top: float
    right: float
    bottom: float
    x_ticks: tuple
    y_ticks: tuple
    description: str  # what it shows, in words, for a screen reader


@dataclass(frozen=True)
class Histogram(Frame):
    colour: str
    bars: tuple
    marker: tuple | None  # (pixel, label): a dashed line, such as the maximum score


def score_histogram(scores, max_score, top):
    """How many students got each score; a dashed line at the maximum (extra credit can go past it)."""
    width = max(1.0, round(top / 25))
    edges = [i * width for i in range(int(top // width) + 2)]
    return _histogram(scores, edges, f"Scores of {len(scores)} submissions", "score (points)", "students", BLUE,
                      (max_score, f"max {max_score:g}"), "points")


def time_histogram(seconds):
    """How long grading took per submission: where to set the limits, and which submissions are slow."""
    low, high = (min(seconds), max(seconds)) if seconds else (0.0, 1.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    count = min(30, max(5, len(seconds) // 2))
    edges = [low + (high - low) * i / count for i in range(count + 1)]
    return _histogram(seconds, edges, "Grading time per submission", "seconds to grade", "submissions", PURPLE,
                      None, "s", start=low)


def bins(values, edges):
    """How many values fall in each bin [edges[i], edges[i+1]) (the last bin also takes its right edge)."""
    return np.histogram(np.asarray(values, dtype=float), bins=edges)[0].tolist()


def _histogram(values, edges, title, x_label, y_label, colour, marker, unit, start=0.0, height=320):
    counts = bins(values, edges)
    right, bottom = WIDTH - RIGHT, height - BOTTOM
    y_step = _step(max(counts, default=0) or 1, 5, integer=True)
    y_top = max(y_step, math.ceil((max(counts, default=0) or 1) / y_step) * y_step)
    x = lambda v: LEFT + (v - start) / (edges[-1] - start) * (right - LEFT)  # noqa: E731
    y = lambda v: bottom - v / y_top * (bottom - TOP)  # noqa: E731
    bars = tuple(Bar(low, high, n, round(x(low) + 0.5, 1), round(y(n), 1), round(max(x(high) - x(low) - 1, 1), 1),
                     round(y(0) - y(n), 1), f"{_number(low)} to {_number(high)} {unit}: {n}")
                 for low, high, n in zip(edges, edges[1:], counts) if n)
    x_step = _step(edges[-1] - start, 8)
    first = math.ceil(start / x_step - 1e-9) * x_step
    x_ticks = tuple((round(x(v), 1), _number(v)) for v in _range(first, edges[-1], x_step))
    y_ticks = tuple((round(y(v), 1), _number(v)) for v in _range(0, y_top, y_step))
    mark = None if marker is None else (round(x(marker[0]), 1), marker[1])
    said = "; ".join(f"{bar.label} {y_label}" for bar in bars) or f"no {y_label}"
    return Histogram(title, x_label, y_label, WIDTH, height, LEFT, TOP, right, bottom, x_ticks, y_ticks,
                     f"{title}, {x_label} against {y_label}: {said}.", colour, bars, mark)


@dataclass(frozen=True)
class Lines(Frame):
    paths: tuple  # each line's SVG path data; a value that is not finite leaves a gap
    log: bool  # the y axis's scale: logarithmic where every value is positive (losses fall by factors)


def line_chart(lines, title, x_label, y_label, width=WIDTH, height=320):
    """Lines of values against their position (1, 2, ...), such as loss histories: one per student on the class
    page, one per series beside report.md."""
    finite = [v for line in lines for v in line if math.isfinite(v)]
    log = bool(finite) and min(finite) > 0
    scale = math.log10 if log else float
    low, high = (scale(min(finite)), scale(max(finite))) if finite else (0.0, 1.0)
    low, high = (low - 0.5, high + 0.5) if low == high else (low - (high - low) / 20, high + (high - low) / 20)
    count = max(max((len(line) for line in lines), default=1), 2)
    right, bottom = width - RIGHT, height - BOTTOM
    x = lambda i: LEFT + (i - 1) / (count - 1) * (right - LEFT)  # noqa: E731
    y = lambda v: bottom - (scale(v) - low) / (high - low) * (bottom - TOP)  # noqa: E731
    paths = tuple(_path([(x(i), y(v)) if math.isfinite(v) else None for i, v in enumerate(line, 1)])
                  for line in lines)
    every = _step(count, 8, integer=True)
    x_ticks = tuple((round(x(i), 1), _number(i)) for i in _range(every, count, every))
    values = _log_ticks(10 ** low, 10 ** high) if log else None
    if not values:  # linear, or a log axis within a few percent: round steps
        start, end = (10 ** low, 10 ** high) if log else (low, high)
        step = _step(end - start, 5)
        values = [v for v in _range(math.ceil(start / step) * step, end, step) if v > 0 or not log]
    y_ticks = tuple((round(y(v), 1), _number(v)) for v in values)
    ends = [(line[0], line[-1]) for line in lines if line]
    said = (f"from {_number(ends[0][0])} at {x_label} 1 to {_number(ends[0][1])} at {x_label} {len(lines[0])}"
            if len(ends) == 1 else
            f"{len(ends)} lines, last values from {_number(min(e[1] for e in ends))} to"
            f" {_number(max(e[1] for e in ends))}" if ends else "no values")
    return Lines(title, x_label, y_label, width, height, LEFT, TOP, right, bottom, x_ticks, y_ticks,
                 f"{title}, {y_label} against {x_label}{' (log scale)' if log else ''}: {said}.", paths, log)


def _path(points):
    """SVG path data through the points, a None between them starting the line again after it."""
    parts, pen = [], "M"
    for point in points:
        if point is None:
            pen = "M"
            continue
        parts.append(f"{pen}{point[0]:.1f} {point[1]:.1f}")
        pen = "L"
    return " ".join(parts)


def _log_ticks(low, high):
    """Round values between low and high for a log axis: 1 to 9, or 1, 2 and 5, or 1 times each power of ten
    (every few powers over many), the most of these that are 8 at most; [] when fewer than 2 fall within."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for factors in ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1,)):
        values = [f * 10.0 ** p for p in range(first, last + 1) for f in factors if low <= f * 10.0 ** p <= high]
        if len(values) <= 8:
            return values if len(values) >= 2 else []
    every = math.ceil((last - first) / 8)
    return [10.0 ** p for p in range(first, last + 1, every) if low <= 10.0 ** p <= high]


def _step(span, most, integer=False):
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into at most `most` parts."""
    power = 10 ** math.floor(math.log10(span / most)) if span > 0 else 1
    for factor in (1, 2, 5, 10):
        if span / (factor * power) <= most:
            return max(1, factor * power) if integer else factor * power
    return 10 * power


def _range(first, last, step):
    values, i = [], 0
    while first + i * step <= last + step * 1e-9:
        values.append(round(first + i * step, 10))
        i += 1
    return values


def _number(value):
    return f"{round(value, 10):.3g}" if abs(value) < 1e4 else f"{value:.0f}"


@dataclass(frozen=True)
class Cell:
    rate: float | None  # None: this function has no check of this kind
    text: str
    background: str
    colour: str


def pass_rate_grid(rows, columns, rates):
    """A grid of pass rates: one row per function, one column per kind of check; `rates[(row, column)]` in 0..1.
    Returns [(row, [Cell per column])] for an HTML table: each cell coloured red to green, its percentage in it."""
    grid = []
    for row in rows:
        cells = []
        for column in columns:
            rate = rates.get((row, column))
            cells.append(Cell(None, "", "#f5f5f5", "#777777") if rate is None else
                         Cell(rate, f"{rate:.0%}", shade(rate), "white" if rate < 0.25 or rate > 0.85 else "black"))
        grid.append((row, cells))
    return grid


def shade(rate):
    """The colour of a pass rate in 0..1 on the red-yellow-green scale, interpolated between its stops."""
    position = min(max(rate, 0.0), 1.0) * (len(RED_YELLOW_GREEN) - 1)
    i = min(int(position), len(RED_YELLOW_GREEN) - 2)
    low, high = _rgb(RED_YELLOW_GREEN[i]), _rgb(RED_YELLOW_GREEN[i + 1])
    part = position - i
    return "#" + "".join(f"{round(a + (b - a) * part):02x}" for a, b in zip(low, high))


def _rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
