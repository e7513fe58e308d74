"""report.md: the score, a table by function, then what went wrong in each check that did not pass."""
from .history import markdown, with_series

MARKS = {"passed": "✅", "failed": "❌", "error": "💥", "timeout": "⏱", "skipped": "⏭"}


def render(report):
    lines = [f"# {report['assignment']}: {report['submission']}", "",
             f"**Score: {_n(report['score'] - report['extra_credit'])} / {_n(report['max_score'])}**"
             + (f" + extra credit {_n(report['extra_credit'])} / {_n(report['extra_credit_max'])}"
                if report["extra_credit_max"] else ""),
             "", "| function | points | checks |", "| --- | --- | --- |"]
    for name, entry in report["functions"].items():
        marks = " ".join(f"{MARKS[c['status']]} {c['id'].split('.', 1)[1]}"
                         for c in report["checks"] if c["function"] == name)
        extra = " (extra credit)" if entry["optional"] else ""
        if report.get("sources", {}).get(name):
            extra += f" from {report['sources'][name]}"
        lines.append(f"| `{name}`{extra} | {_n(entry['score'])} / {_n(entry['max_score'])} | {marks} |")
    lines += _histories(report)
    problems = [c for c in report["checks"] if c["status"] != "passed"]
    if problems:
        lines += ["", "## What to fix", ""]
    for group in _grouped(problems):
        check = group[0]
        if len(group) > 1:  # checks skipped for one reason: one section, not one per check
            kinds = ", ".join(c["id"].split(".", 1)[1] for c in group)
            lines += [f"### {MARKS['skipped']} `{check['function']}`: {kinds} (skipped, 0 / "
                      f"{_n(sum(c['max_points'] for c in group))})", "", "```", check["message"], "```", ""]
            continue
        lines += [f"### {MARKS[check['status']]} `{check['id']}` ({check['status']}, "
                  f"{_n(check['points'])} / {_n(check['max_points'])})", "", check["description"], "",
                  "```", check["message"], "```", ""]
    lines += _cells(report)
    lines += _manual(report)
    for note in report["notes"]:
        lines.append(f"- note: {note}")
    if report["output"]["stdout"].strip() or report["output"]["stderr"].strip():
        lines += ["", "## What the submission printed", ""]
        for stream in ("stdout", "stderr"):
            if report["output"][stream].strip():
                lines += [f"{stream}:", "```", report["output"][stream].rstrip()[-4000:], "```"]
    return "\n".join(lines).rstrip() + "\n"


def _grouped(problems):
    """The checks in order, consecutive skipped checks of one function with the same message in one group."""
    groups = []
    for check in problems:
        last = groups[-1][0] if groups else None
        if (last and check["status"] == last["status"] == "skipped" and check["function"] == last["function"]
                and check["message"] == last["message"]):
            groups[-1].append(check)
        else:
            groups.append([check])
    return groups


def _histories(report):
    """Checks that recorded a series (a training run's losses): their plot, written beside this file."""
    lines = []
    for check in with_series(report):
        lines += ["", f"### `{check['id']}` ({check['status']})", "", check["message"] or check["description"], ""]
        lines += markdown(check)
    return lines


def _cells(report):
    """A notebook's cells that raised or timed out; executed.ipynb beside the report shows all their outputs."""
    if report["kind"] != "notebook":
        return []
    lines = ["", "## Notebook cells that failed", ""]
    if not report.get("cells"):
        return lines[:2] + ["Every cell ran without an error. The executed notebook is executed.ipynb, beside this "
                            "report.", ""]
    lines += ["Each cell ran in order, as \"Restart & Run All\" would; those below raised or ran past their time "
              "limit. Their outputs are in executed.ipynb, beside this report.", "",
              "| cell | status | what happened | first line |", "| --- | --- | --- | --- |"]
    for cell in report["cells"]:
        first = cell["first_line"].replace("|", "\\|").replace("`", "'")
        what = cell["message"].replace("|", "\\|").replace("\n", " ")
        lines.append(f"| In [{cell['cell']}] | {MARKS.get(cell['status'], '')} {cell['status']} | {what} | `{first}` |")
    return lines + [""]


def _manual(report):
    """The items people grade: their points (or pending), the rubric items picked, the comment, and where the
    answer was found in the submission, or that it was not."""
    items = report.get("manual", {}).get("items", [])
    if not items:
        return []
    lines = ["", "## Graded by a person", ""]
    for item in items:
        points = "pending" if item["status"] == "pending" else f"{_n(item['points'])} / {_n(item['max_points'])}"
        extra = " (extra credit)" if item["optional"] else ""
        lines += [f"### {item['title']}{extra}: {points}", ""]
        answer = item["answer"]
        lines.append(f"Answer: {answer['where']}." if answer["found"] else f"No answer: {answer['message']}.")
        for index in item.get("rubric_items", []):
            rubric = item["rubric"][index]
            lines.append(f"- {rubric['points']:+g} {rubric['text']}")
        if item.get("adjustment"):
            lines.append(f"- {item['adjustment']:+g} {item.get('adjustment_reason', '')}")
        if item.get("comment"):
            lines += ["", item["comment"]]
        if item.get("grader"):
            lines += ["", f"graded by {item['grader']} at {item.get('graded_at', '')}"]
        lines.append("")
    return lines


def _n(x):
    return f"{x:g}"
