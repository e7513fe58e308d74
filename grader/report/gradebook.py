"""gradebook.csv: one row per student (total, each function's points, status, time), from report dictionaries.

With items that people grade (report.json's `manual`), each item gets a column (its points, or `pending` while
nobody has graded it: not a zero) and `total`/`total_max`/`pending` add them to the automatic part."""

import io

from . import spreadsheet
from .manual import total


def status(report):
    """graded, did not load, or timed out (the batch stopped its grading)."""
    loads = report["checks"][0]["status"] if report["checks"] else "error"
    if report["loaded"]:
        return "graded"
    return "timed out" if loads == "timeout" else "did not load"


def functions(reports):
    """Every graded function, in the order the reports list them."""
    names = []
    for report in reports:
        names += [name for name in report["functions"] if name not in names]
    return names


def manual_items(reports):
    """Every manual item id, in the order the reports list them."""
    ids = []
    for report in reports:
        ids += [i["id"] for i in report.get("manual", {}).get("items", []) if i["id"] not in ids]
    return ids


def _manual_cell(report, item_id):
    for item in report.get("manual", {}).get("items", []):
        if item["id"] == item_id:
            return "pending" if item["status"] == "pending" else _n(item["points"])
    return ""


def render(reports):
    """The CSV text; rows sorted by student name, numbers as plain decimals."""
    names = functions(reports)
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    items = manual_items(reports)
    totals = ["total", "total_max", "pending"] if items else []
    writer.writerow(["student", "score", "max_score", "extra_credit", *names, *items, *totals, "status", "seconds"])
    for report in sorted(reports, key=lambda r: r["submission"]):
        points = [_n(report["functions"].get(name, {}).get("score", 0)) for name in names]
        manual = [_manual_cell(report, item) for item in items]
        score, top, pending = total(report)
        writer.writerow([report["submission"], _n(report["score"]), _n(report["max_score"]),
                         _n(report.get("extra_credit", 0)), *points, *manual,
                         *([_n(score), _n(top), pending] if items else []), status(report),
                         f"{report.get('seconds', 0):.1f}"])
    return out.getvalue()


def _n(x):
    return f"{x:g}"
