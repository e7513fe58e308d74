"""gradebook.csv: one row per student (total, each function's points, status, time), from report dictionaries."""
import csv
import io


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


def render(reports):
    """The CSV text; rows sorted by student name, numbers as plain decimals."""
    names = functions(reports)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", "extra_credit", *names, "status", "seconds"])
    for report in sorted(reports, key=lambda r: r["submission"]):
        points = [_n(report["functions"].get(name, {}).get("score", 0)) for name in names]
        writer.writerow([report["submission"], _n(report["score"]), _n(report["max_score"]),
                         _n(report.get("extra_credit", 0)), *points, status(report),
                         f"{report.get('seconds', 0):.1f}"])
    return out.getvalue()


def _n(x):
    return f"{x:g}"
