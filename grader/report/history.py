"""Loss histories: the series a check recorded (report.json: a check's optional `series`), drawn as SVG.

One plot per check beside report.md (`<check id>.svg`, linked from it: GitHub and Markdown viewers show it as an
image), and on the class page one plot per check with every student's history, inline, so an instructor sees at a
glance whose training fell like the others' and whose did not. Laid out by charts.line_chart and written here as
text: milliseconds, and nothing to install (matplotlib's import and a PNG took half a second of a `grade`).
"""
from html import escape

GRID, AXIS, INK = "#e0e0e0", "#555555", "#222222"


def file_name(check):
    """The plot's file beside report.md, named by the check."""
    return f"{check['id']}.svg"


def with_series(report):
    return [c for c in report["checks"] if c.get("series")]


def plot(check):
    """SVG text: each series of one check against its iteration (log scale where every value is positive)."""
    from .charts import line_chart  # here: a report without a series (most) need not import the charts (4 ms)
    chart = line_chart(list(check["series"].values()), check["id"], "iteration", "loss", width=600, height=300)
    return svg(chart, f"history-{check['id']}")


def class_plot(check_id, histories):
    """SVG text: one line per student ({student: values}) for one check, each line half-transparent."""
    title = f"{check_id}: {len(histories)} student{'s' if len(histories) != 1 else ''}"
    from .charts import line_chart
    chart = line_chart(list(histories.values()), title, "iteration", "loss")
    return svg(chart, f"history-{check_id}", opacity=0.4 if len(histories) > 1 else 1)


def svg(chart, ident, opacity=1):
    """A line chart (charts.Lines) as a standalone SVG document, which a page can also hold inline. Every text is
    escaped: a check's id comes from the assignment, a title may hold anything."""
    from .charts import BLUE
    e = lambda value: escape(str(value))  # noqa: E731
    middle = (chart.left + chart.right) / 2
    parts = [f'<svg id="{e(ident)}" class="history" xmlns="http://www.w3.org/2000/svg" role="img"'
             f' aria-labelledby="{e(ident)}-title {e(ident)}-desc" width="{chart.width}" height="{chart.height}"'
             f' viewBox="0 0 {chart.width} {chart.height}" font-family="system-ui, sans-serif" font-size="11"'
             f' fill="{INK}">',
             f'<title id="{e(ident)}-title">{e(chart.title)}</title><desc id="{e(ident)}-desc">{e(chart.description)}'
             f'</desc>', f'<rect width="{chart.width}" height="{chart.height}" fill="white"/>',
             f'<text x="{middle}" y="20" text-anchor="middle" font-size="13">{e(chart.title)}</text>']
    parts += [f'<line x1="{chart.left}" x2="{chart.right}" y1="{y}" y2="{y}" stroke="{GRID}"/><text'
              f' x="{chart.left - 6}" y="{y + 4}" text-anchor="end">{e(label)}</text>' for y, label in chart.y_ticks]
    parts += [f'<line x1="{x}" x2="{x}" y1="{chart.bottom}" y2="{chart.bottom + 4}" stroke="{AXIS}"/><text x="{x}"'
              f' y="{chart.bottom + 16}" text-anchor="middle">{e(label)}</text>' for x, label in chart.x_ticks]
    parts += [f'<path d="{d}" fill="none" stroke="{BLUE}" stroke-opacity="{opacity}" stroke-width="1.5"'
              f' stroke-linejoin="round"/>' for d in chart.paths if d]
    parts += [f'<path d="M{chart.left} {chart.top}V{chart.bottom}H{chart.right}" fill="none" stroke="{AXIS}"/>',
              f'<text x="{middle}" y="{chart.height - 8}" text-anchor="middle">{e(chart.x_label)}</text>',
              f'<text transform="translate(14 {(chart.top + chart.bottom) / 2}) rotate(-90)" text-anchor="middle">'
              f'{e(chart.y_label)}{" (log scale)" if chart.log else ""}</text>', '</svg>']
    return "\n".join(parts) + "\n"


def write(report, folder):
    """Write each check's plot into `folder`, beside report.md; returns the files written."""
    written = []
    for check in with_series(report):
        path = folder / file_name(check)
        path.write_text(plot(check))
        written.append(path)
    return written


def markdown(check):
    """The lines report.md shows for a check with a series: the plot, and the first and last values."""
    lines = []
    for name, values in check["series"].items():
        if values:
            lines.append(f"{name}: {values[0]:.4g} at iteration 1, {values[-1]:.4g} at iteration {len(values)}")
    return lines + ["", f"![{escape(check['id'])}]({file_name(check)})", ""]


def class_plots(reports):
    """The class page's loss histories, SVG texts: one plot per check that recorded a series, every student's line
    on it; empty when no check recorded one."""
    ids = {}
    for report in reports:
        for check in with_series(report):
            for values in check["series"].values():
                ids.setdefault(check["id"], {})[report["submission"]] = values
    return [class_plot(i, h) for i, h in sorted(ids.items())]
