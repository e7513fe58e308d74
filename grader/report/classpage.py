"""index.html: the class report an instructor opens after a batch, from the students' report dictionaries.

Score histogram, pass rate of every check, the mistakes the grader recognized, the slowest submissions, the ones
that did not load, and a table of every student with links to their files. One self-contained page: the plots
are PNG images embedded in it, there is no script, and it reads nothing but the reports.
"""
import base64
import statistics
from collections import Counter
from html import escape
from urllib.parse import quote

from ..sandbox.executed import NAME as EXECUTED
from . import charts, history
from .gradebook import functions, status

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; padding: 0 1em; }
h1 { margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.figures img { max-width: 100%; display: block; margin: 1em 0; }
table { border-collapse: collapse; font-size: 90%; } th, td { padding: .25em .6em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f5f5f5; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.full { background: #e8f5e9; } .zero { background: #ffebee; } .part { background: #fffde7; }
pre { white-space: pre-wrap; margin: 0; font-size: 85%; max-width: 60em; }
.facts span { display: inline-block; margin-right: 2em; } .muted { color: #777; }
.wide { overflow-x: auto; }
"""


def render(reports):
    """The HTML text of the class page."""
    reports = sorted(reports, key=lambda r: r["submission"])
    title = f"{reports[0]['assignment']}: class report" if reports else "class report"
    body = [f"<h1>{escape(title)}</h1>", _facts(reports), _figures(reports), history.class_section(reports),
            _checks(reports),
            _diagnoses(reports), _slowest(reports), _not_loaded(reports), _students(reports)]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n")


def _facts(reports):
    scores = [r["score"] for r in reports]
    top = max((r["max_score"] for r in reports), default=0)
    full = sum(r["score"] - r.get("extra_credit", 0) >= r["max_score"] for r in reports)
    facts = [("submissions", len(reports)), ("maximum", f"{top:g}"),
             ("mean", f"{statistics.fmean(scores):.1f}" if scores else "-"),
             ("median", f"{statistics.median(scores):g}" if scores else "-"), ("full marks", full),
             ("did not load", sum(not r["loaded"] for r in reports))]
    return '<p class="facts">' + "".join(f"<span><b>{escape(k)}</b>: {v}</span>" for k, v in facts) + "</p>"


def _img(png, alt, ident):
    data = base64.b64encode(png).decode()
    return f'<img id="{ident}" alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _figures(reports):
    if not reports:
        return "<p>No submissions.</p>"
    max_score = max(r["max_score"] for r in reports)
    top = max(max(r["max_score"] + r["extra_credit_max"] for r in reports), max(r["score"] for r in reports), 1)
    rows, columns, rates = _grid(reports)
    images = [_img(charts.score_histogram([r["score"] for r in reports], max_score, top), "score histogram",
                   "score-histogram"),
              _img(charts.pass_rate_grid(rows, columns, rates), "pass rate of each check", "pass-rates"),
              _img(charts.time_histogram([r.get("seconds", 0) for r in reports]), "grading time", "grading-time")]
    return '<h2>Plots</h2><div class="figures">' + "".join(images) + "</div>"


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
    lines = ["<h2>Pass rate of each check</h2>", '<table id="checks"><tr><th>check</th><th>what it checks</th>'
             "<th>passed</th><th>rate</th><th>most common problem</th></tr>"]
    for check_id, check in _check_ids(reports).items():
        passed = _passed(reports, check_id)
        problems = Counter(c["message"].splitlines()[0] for r in reports for c in r["checks"]
                           if c["id"] == check_id and c["status"] not in ("passed", "skipped") and c["message"])
        common = ""
        if problems:
            text, count = problems.most_common(1)[0]
            common = f"{escape(text[:160])} <span class='muted'>({count})</span>"
        rate = passed / len(reports)
        lines.append(f"<tr><td><code>{escape(check_id)}</code></td><td>{escape(check['description'])}</td>"
                     f"<td class='n'>{passed} / {len(reports)}</td><td class='n {_shade(rate)}'>{rate:.0%}</td>"
                     f"<td>{common}</td></tr>")
    return "\n".join(lines) + "</table>"


def _diagnosis_key(diagnosis):
    if isinstance(diagnosis, dict):
        return str(diagnosis.get("id") or diagnosis.get("mistake") or diagnosis.get("message") or diagnosis)
    return str(diagnosis)


def _diagnoses(reports):
    """How many students made each recognized mistake (from the `diagnoses` of the check records)."""
    head = "<h2>Diagnosed mistakes</h2>"
    if not any("diagnoses" in c for r in reports for c in r["checks"]):
        return head + "<p class='muted'>These reports name no mistakes (no check record has diagnoses).</p>"
    students, where = Counter(), {}
    for report in reports:
        seen = set()
        for check in report["checks"]:
            for diagnosis in check.get("diagnoses") or []:
                key = _diagnosis_key(diagnosis)
                seen.add(key)
                where.setdefault(key, set()).add(check["id"])
        students.update(seen)
    if not students:
        return head + "<p>No known mistake was recognized in any submission.</p>"
    lines = [head, '<table id="diagnoses"><tr><th>mistake</th><th>students</th><th>seen in</th></tr>']
    for key, count in students.most_common():
        checks = ", ".join(f"<code>{escape(c)}</code>" for c in sorted(where[key]))
        lines.append(f"<tr><td><code>{escape(key)}</code></td><td class='n'>{count}</td><td>{checks}</td></tr>")
    return "\n".join(lines) + "</table>"


def _link(report, file="report.md", text=None):
    return f'<a href="{quote(report["submission"])}/{file}">{escape(text or report["submission"])}</a>'


def _slowest(reports, count=10):
    lines = ["<h2>Slowest submissions</h2>", '<table id="slowest"><tr><th>student</th><th>seconds</th>'
             "<th>slowest check</th></tr>"]
    for report in sorted(reports, key=lambda r: (-r.get("seconds", 0), r["submission"]))[:count]:
        check = max(report["checks"], key=lambda c: c["seconds"], default=None)
        slowest = f"<code>{escape(check['id'])}</code> ({check['seconds']:.2f} s, {check['status']})" if check else ""
        lines.append(f"<tr><td>{_link(report)}</td><td class='n'>{report.get('seconds', 0):.1f}</td>"
                     f"<td>{slowest}</td></tr>")
    return "\n".join(lines) + "</table>"


def _not_loaded(reports):
    failed = [r for r in reports if not r["loaded"]]
    head = f"<h2>Submissions that failed to load ({len(failed)})</h2>"
    if not failed:
        return head + "<p>Every submission loaded.</p>"
    lines = [head, '<table id="not-loaded"><tr><th>student</th><th>status</th><th>why</th></tr>']
    for report in failed:
        message = report["checks"][0]["message"] if report["checks"] else ""
        lines.append(f"<tr><td>{_link(report)}</td><td>{status(report)}</td><td><pre>{escape(message[:1500])}</pre>"
                     "</td></tr>")
    return "\n".join(lines) + "</table>"


def _students(reports):
    names = functions(reports)
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    lines = [f"<h2>Students ({len(reports)})</h2>", '<div class="wide"><table id="students"><tr><th>student</th>'
             f"<th>score</th><th>of</th>{head}<th>status</th><th>seconds</th><th>files</th></tr>"]
    for report in reports:
        cells = []
        for name in names:
            entry = report["functions"].get(name, {"score": 0, "max_score": 0})
            rate = entry["score"] / entry["max_score"] if entry["max_score"] else 0
            cells.append(f"<td class='n {_shade(rate)}'>{entry['score']:g}</td>")
        files = [("report.json", "json"), ("results.json", "gradescope"), ("junit.xml", "junit"), ("", "folder")]
        if report["kind"] == "notebook":  # the executed notebook, written beside the report
            files.insert(0, (EXECUTED, "notebook"))
        files = " ".join(_link(report, f, t) for f, t in files)
        lines.append(f"<tr><td>{_link(report)}</td><td class='n'>{report['score']:g}</td>"
                     f"<td class='n'>{report['max_score']:g}</td>{''.join(cells)}<td>{status(report)}</td>"
                     f"<td class='n'>{report.get('seconds', 0):.1f}</td><td>{files}</td></tr>")
    return "\n".join(lines) + "</table></div>"


def _shade(rate):
    return "full" if rate >= 1 else "zero" if rate <= 0 else "part"
