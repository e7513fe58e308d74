"""The class page's plots, drawn with matplotlib (Agg, no display) and returned as PNG bytes.

Each function takes plain numbers, not reports, so the page decides what is plotted and this module only how.
Figures are made with `matplotlib.figure.Figure`, not pyplot: no global state, nothing left open.
"""
import io

GREEN, RED, GREY = "#2e7d32", "#c62828", "#9e9e9e"


def Figure(layout="constrained", **options):  # noqa: N802 -- matplotlib's, imported at the first plot only
    """matplotlib's Figure on the Agg backend; the import (half a second) is paid only by a report that plots.
    Laid out by the constrained engine, which fits the labels in as it draws: `bbox_inches="tight"` would draw each
    figure twice (a third of a class page's time). `layout=None`: margins set by the caller (no layout pass)."""
    load()
    from matplotlib.figure import Figure as MatplotlibFigure
    return MatplotlibFigure(layout=layout, **options)


def load():
    """Import matplotlib, on the Agg backend (a second): ahead of the first plot, in a thread, a batch does it while
    its workers grade."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.figure  # noqa: F401
    import matplotlib.backends.backend_agg  # noqa: F401


def PercentFormatter(*args):  # noqa: N802
    from matplotlib.ticker import PercentFormatter as Formatter
    return Formatter(*args)


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def score_histogram(scores, max_score, top):
    """How many students got each score; a dashed line at the maximum (extra credit can go past it)."""
    figure = Figure(figsize=(7, 3.2))
    axes = figure.add_subplot()
    width = max(1.0, round(top / 25))
    edges = [i * width for i in range(int(top // width) + 2)]
    axes.hist(scores, bins=edges, color="#1565c0", edgecolor="white")
    axes.axvline(max_score, color=GREY, linestyle="--", linewidth=1)
    axes.text(max_score, axes.get_ylim()[1] * 0.95, f" max {max_score:g}", color="#555555", va="top", fontsize=8)
    axes.set_xlabel("score (points)")
    axes.set_ylabel("students")
    axes.set_xlim(0, edges[-1])
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"Scores of {len(scores)} submissions")
    return _png(figure)


def pass_rate_grid(rows, columns, rates):
    """A grid of pass rates: one row per function, one column per kind of check; `rates[(row, column)]` in 0..1."""
    figure = Figure(figsize=(1.2 + 1.15 * len(columns), 0.9 + 0.42 * len(rows)))
    axes = figure.add_subplot()
    grid = [[rates.get((r, c), float("nan")) for c in columns] for r in rows]
    image = axes.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    for i, row in enumerate(grid):
        for j, rate in enumerate(row):
            if rate == rate:  # not NaN: this function has this kind of check
                axes.text(j, i, f"{rate:.0%}", ha="center", va="center", fontsize=8,
                          color="white" if rate < 0.25 or rate > 0.85 else "black")
    axes.set_xticks(range(len(columns)), columns, rotation=30, ha="right", fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set_title("Share of students who passed each check")
    figure.colorbar(image, ax=axes, fraction=0.04, format=PercentFormatter(1.0))
    return _png(figure)


def time_histogram(seconds):
    """How long grading took per submission: where to set the limits, and which submissions are slow."""
    figure = Figure(figsize=(7, 2.6))
    axes = figure.add_subplot()
    axes.hist(seconds, bins=min(30, max(5, len(seconds) // 2)), color="#6a1b9a", edgecolor="white")
    axes.set_xlabel("seconds to grade")
    axes.set_ylabel("submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title("Grading time per submission")
    return _png(figure)
