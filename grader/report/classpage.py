"""index.html: the class report an instructor opens after a batch, from the students' report dictionaries.

Score and grading-time histograms, the pass rate of every check, the items people grade (graded, pending), the
mistakes the grader recognized, the wrong answers several students share (wrong_answers.py), the slowest
submissions, the ones that did not load, and a table of every student with links to their files. One
self-contained page: the charts are inline SVG and an HTML table (charts.py), the loss histories inline SVG too
(history.py), there is no script, and it reads nothing but the reports. The HTML is the Jinja2
template templates/classpage.html, one block per section; this module gathers what each section shows.
"""
import html
import statistics
from collections import Counter
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..sandbox.executed import NAME as EXECUTED
from . import charts, history
from .gradebook import functions, status
from .manual import total
from .similarity_section import flagged_pairs
from .wrong_answers import problems, shared

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; padding: 0 1em; }
h1 { margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.figures img, .figures svg { max-width: 100%; height: auto; display: block; margin: 1em 0; }
table.grid td { min-width: 4.5em; text-align: center; } table.grid caption { text-align: left; padding: .3em 0; }
table { border-collapse: collapse; font-size: 90%; } th, td { padding: .25em .6em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f5f5f5; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.full { background: #e8f5e9; } .zero { background: #ffebee; } .part { background: #fffde7; }
pre { white-space: pre-wrap; margin: 0; font-size: 85%; max-width: 60em; }
.facts span { display: inline-block; margin-right: 2em; } .muted { color: #777; }
.wide { overflow-x: auto; }
#wrong-answers td { vertical-align: top; overflow-wrap: anywhere; } #wrong-answers pre { max-width: 40em; }
#wrong-answers td.who { min-width: 12em; max-width: 22em; } #similarity td { overflow-wrap: anywhere; }
pre.code { background: #f7f7f7; padding: .4em; }
"""


def _escape(value):
    """html.escape's entities (&quot; for a quote), which the page has always used, marked safe for Jinja2."""
    return Markup(html.escape(str(value)))


def _link(report, file="report.md", text=None):
    folder = report.get("folder", report["submission"])  # grade-all's folder of the report, named safely
    return Markup(f'<a href="{quote(folder)}/{file}">{_escape(text or report["submission"])}</a>')


TEMPLATES = Environment(loader=PackageLoader("grader.report", "templates"), autoescape=select_autoescape(["html"]),
                        keep_trailing_newline=True)
TEMPLATES.filters["h"] = _escape
TEMPLATES.globals["link"] = _link


def render(reports, code=None):
    """The HTML text of the class page. `code(submission, function)`: that function's code as the student wrote
    it, or None (grader/report/code.py reads it from the submissions grade-all graded)."""
    reports = sorted(reports, key=lambda r: r["submission"])
    title = f"{reports[0]['assignment']}: class report" if reports else "class report"
    students, has_diagnoses, diagnoses = _diagnoses(reports)
    return TEMPLATES.get_template("classpage.html").render(
        title=title, style=Markup(STYLE), total=len(reports), facts=_facts(reports), figures=_figures(reports),
        histories=[Markup(svg) for svg in history.class_plots(reports)], checks=_checks(reports),
        manual=_manual(reports), has_diagnoses=has_diagnoses, diagnoses=diagnoses, groups=_groups(reports, code),
        by_name={r["submission"]: r for r in reports},
        has_answers=any(c.get("answer") for r in reports for c in r["checks"]), slowest=_slowest(reports),
        failed=_not_loaded(reports), names=functions(reports), similarity=flagged_pairs(reports),
        students=_students(reports))


def _facts(reports):
    scores = [r["score"] for r in reports]
    top = max((r["max_score"] for r in reports), default=0)
    full = sum(r["score"] - r.get("extra_credit", 0) >= r["max_score"] for r in reports)
    extra = max((r.get("extra_credit_max", 0) for r in reports), default=0)
    return [("submissions", len(reports)),
            ("points available", f"{top:g}" + (f" + {extra:g} extra credit" if extra else "")),
            ("mean", f"{statistics.fmean(scores):.1f}" if scores else "-"),
            ("median", f"{statistics.median(scores):g}" if scores else "-"), ("full marks", full),
            ("did not load", sum(not r["loaded"] for r in reports))]


def _figures(reports):
    """The charts (charts.py, drawn by templates/charts.html): the score and grading-time histograms, the grid of
    pass rates; None without submissions."""
    if not reports:
        return None
    max_score = max(r["max_score"] for r in reports)
    top = max(max(r["max_score"] + r["extra_credit_max"] for r in reports), max(r["score"] for r in reports), 1)
    rows, columns, rates = _grid(reports)
    return {"scores": charts.score_histogram([r["score"] for r in reports], max_score, top),
            "columns": columns, "grid": charts.pass_rate_grid(rows, columns, rates),
            "times": charts.time_histogram([r.get("seconds", 0) for r in reports])}


def _check_ids(reports):
    ids = {}
    for report in reports:
        for check in report["checks"]:
            ids.setdefault(check["id"], check)
    return ids


def _passed(reports, check_id):
    return sum(any(c["id"] == check_id and c["status"] == "passed" for c in r["checks"]) for r in reports)


def _grid(reports):
    """(functions, kinds, {(function, kind): pass rate}) over every submission, those that did not load included."""
    rows, columns, rates = [], [], {}
    for check_id, check in _check_ids(reports).items():
        if check["function"] is None:
            continue
        kind = check_id.rsplit(".", 1)[-1]
        rows += [check["function"]] if check["function"] not in rows else []
        columns += [kind] if kind not in columns else []
        rates[(check["function"], kind)] = _passed(reports, check_id) / len(reports)
    return rows, columns, rates


def _checks(reports):
    rows, common = [], problems(reports)
    for check_id, check in _check_ids(reports).items():
        passed = _passed(reports, check_id)
        rate = passed / len(reports)
        rows.append({"id": check_id, "description": check["description"], "passed": passed, "rate": rate,
                     "shade": _shade(rate), "common": common.get(check_id)})
    return rows


def _groups(reports, code):
    """[(function, [(Group, its code or None)])] of the wrong answers two or more students share."""
    code = code or (lambda submission, function: None)
    return [(function, [(group, code(group.members[0], function)) for group in groups])
            for function, groups in shared(reports).items()]


def _manual(reports):
    """Per item people grade: how many students are graded, their mean, how many are pending."""
    rows = {}
    for report in reports:
        for item in report.get("manual", {}).get("items", []):
            row = rows.setdefault(item["id"], {"title": item["title"], "optional": item["optional"],
                                               "max_points": item["max_points"], "points": [], "pending": 0})
            if item["status"] == "graded":
                row["points"].append(item["points"])
            else:
                row["pending"] += 1
    for row in rows.values():
        row["graded"] = len(row["points"])
        row["mean"] = f"{statistics.fmean(row['points']):.3g}" if row["points"] else "-"
    return list(rows.values())


def _diagnosis_key(diagnosis):
    if isinstance(diagnosis, dict):
        return str(diagnosis.get("id") or diagnosis.get("mistake") or diagnosis.get("message") or diagnosis)
    return str(diagnosis)


def _diagnoses(reports):
    """How many students made each recognized mistake (from the `diagnoses` of the check records):
    (students per mistake, whether any record has diagnoses, [(mistake, students, checks it was seen in)])."""
    has = any("diagnoses" in c for r in reports for c in r["checks"])
    students, where = Counter(), {}
    for report in reports:
        seen = set()
        for check in report["checks"]:
            for diagnosis in check.get("diagnoses") or []:
                key = _diagnosis_key(diagnosis)
                seen.add(key)
                where.setdefault(key, set()).add(check["id"])
        students.update(seen)
    ranked = sorted(students.items(), key=lambda item: (-item[1], item[0]))  # ties by name: the same in every run
    return students, has, [(key, count, sorted(where[key])) for key, count in ranked]


def _slowest(reports, count=10):
    chosen = sorted(reports, key=lambda r: (-r.get("seconds", 0), r["submission"]))[:count]
    return [(report, max(report["checks"], key=lambda c: c["seconds"], default=None)) for report in chosen]


def _not_loaded(reports):
    return [(report, status(report), report["checks"][0]["message"] if report["checks"] else "")
            for report in reports if not report["loaded"]]


def _students(reports):
    names = functions(reports)
    rows = []
    for report in reports:
        cells = []
        for name in names:
            entry = report["functions"].get(name, {"score": 0, "max_score": 0})
            rate = entry["score"] / entry["max_score"] if entry["max_score"] else 0
            cells.append((entry["score"], _shade(rate)))
        files = [("report.json", "json"), ("results.json", "gradescope"), ("junit.xml", "junit"), ("", "folder")]
        if report["kind"] == "notebook":  # the executed notebook, written beside the report
            files.insert(0, (EXECUTED, "notebook"))
        score, top, pending = total(report)
        manual = report.get("manual")
        rows.append({"report": report, "cells": cells, "files": files, "status": status(report),
                     "manual": (f"{manual['score']:g}" + (f" ({pending} pending)" if pending else "")) if manual
                     else "", "total": f"{score:g} / {top:g}"})
    return rows


def _shade(rate):
    return "full" if rate >= 1 else "zero" if rate <= 0 else "part"
