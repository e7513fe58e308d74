"""Loss histories: the series a check recorded (report.json: a check's optional `series`), drawn as PNG plots.

One plot per check beside report.md (`<check id>.png`, linked from it), and on the class page one plot per check
with every student's history, so an instructor sees at a glance whose training fell like the others' and whose
did not. Figures are made with matplotlib's `Figure` (no pyplot state, nothing left open), on the Agg backend.
"""
import base64
import io
from html import escape

from ..install import extras

# matplotlib (the `plots` extra) is imported where a plot is drawn: grading a module that records no series, or a
# student's repository, does without it.

BLUE, GREY = "#1565c0", "#9e9e9e"


def Figure(layout="constrained", **options):  # noqa: N802 -- matplotlib's, imported at the first plot only
    """matplotlib's Figure on the Agg backend; the import (half a second) is paid only by a report that plots.
    Laid out by the constrained engine, which fits the labels in as it draws: `bbox_inches="tight"` would draw each
    figure twice. `layout=None`: margins set by the caller (no layout pass)."""
    load()
    from matplotlib.figure import Figure as MatplotlibFigure
    return MatplotlibFigure(layout=layout, **options)


def load():
    """Import matplotlib, on the Agg backend (a second): a batch does it in a thread, as soon as a report with a
    series comes in, so the class page's loss histories don't wait for it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.figure  # noqa: F401
    import matplotlib.backends.backend_agg  # noqa: F401


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def file_name(check):
    """The plot's file beside report.md, named by the check."""
    return f"{check['id']}.png"


def with_series(report):
    return [c for c in report["checks"] if c.get("series")]


def plot(check):
    """PNG bytes: each series of one check against its iteration (log scale: losses fall by factors). Drawn for
    every submission of a class: its margins are fixed, wide enough for the labels _label makes (six characters at
    most), which spares the layout pass of the constrained engine (40% of the plot's time)."""
    figure = Figure(layout=None, figsize=(6, 3))
    figure.subplots_adjust(left=0.14, right=0.97, bottom=0.16, top=0.9)
    axes = figure.add_subplot()
    for name, values in check["series"].items():
        axes.plot(range(1, len(values) + 1), values, color=BLUE, label=name)
    _label(axes, check["id"])
    return _png(figure)


def class_plot(check_id, histories):
    """PNG bytes: one line per student ({student: values}) for one check."""
    figure = Figure(figsize=(7, 3.2))
    axes = figure.add_subplot()
    for values in histories.values():
        axes.plot(range(1, len(values) + 1), values, color=BLUE, alpha=0.4, linewidth=1)
    _label(axes, f"{check_id}: {len(histories)} student{'s' if len(histories) != 1 else ''}")
    return _png(figure)


def _label(axes, title):
    axes.set_xlabel("iteration")
    axes.set_ylabel("loss")
    if all(line.get_ydata().size and min(line.get_ydata()) > 0 for line in axes.get_lines()):
        axes.set_yscale("log")
        _plain_labels(axes.yaxis)
    axes.set_title(title, fontsize=10)
    axes.grid(True, color=GREY, alpha=0.3)


def _plain_labels(axis):
    """A log axis's labels as plain numbers (0.6, not 6 x 10^-1), on the ticks matplotlib labels: its powers of
    ten are typeset as math, which took half of a report's plot's time (a tenth of a grading)."""
    from matplotlib.ticker import LogFormatter

    class Plain(LogFormatter):
        def __call__(self, x, pos=None):
            return f"{x:g}" if super().__call__(x, pos) else ""
    axis.set_major_formatter(Plain())
    axis.set_minor_formatter(Plain(labelOnlyBase=False))


def write(report, folder):
    """Write each check's plot into `folder`, beside report.md; returns the files written."""
    written = []
    if not extras.installed("plots"):
        return written  # report.md says why the plot is not there
    for check in with_series(report):
        path = folder / file_name(check)
        path.write_bytes(plot(check))
        written.append(path)
    return written


def markdown(check):
    """The lines report.md shows for a check with a series: the plot, and the first and last values."""
    lines = []
    for name, values in check["series"].items():
        if values:
            lines.append(f"{name}: {values[0]:.4g} at iteration 1, {values[-1]:.4g} at iteration {len(values)}")
    if not extras.installed("plots"):
        return lines + ["", f"(no plot: matplotlib is not installed here; {extras.install_hint('plots')})", ""]
    return lines + ["", f"![{escape(check['id'])}]({file_name(check)})", ""]


def class_plots(reports):
    """[(check id, alt text, base64 PNG)] of the class page's loss histories: one plot per check that recorded a
    series, every student's line on it; empty when no check recorded one."""
    ids = {}
    if not extras.installed("plots"):
        return []
    for report in reports:
        for check in with_series(report):
            for values in check["series"].values():
                ids.setdefault(check["id"], {})[report["submission"]] = values
    return [(i, f"{i} of every student", base64.b64encode(class_plot(i, h)).decode()) for i, h in sorted(ids.items())]
