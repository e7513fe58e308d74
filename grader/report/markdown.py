"""report.md: the score, a table by function, then what went wrong in each check that did not pass.

What a student controls (names, messages, what the code printed, headings of their notebook) never becomes live
Markdown or HTML: a block of it goes in a code block whose fence no run of backticks in it can close (`fenced`),
a line of it is escaped (`inline`), so a viewer that renders raw HTML shows the text and runs nothing.
"""
import re

from .history import markdown, with_series

MARKS = {"passed": "✅", "failed": "❌", "error": "💥", "timeout": "⏱", "skipped": "⏭"}


def render(report):
    lines = [f"# {report['assignment']}: {inline(report['submission'])}", "",
             f"**Score: {_n(report['score'] - report['extra_credit'])} / {_n(report['max_score'])}**"
             + (f" + extra credit {_n(report['extra_credit'])} / {_n(report['extra_credit_max'])}"
                if report["extra_credit_max"] else ""),
             "", "| function | points | checks |", "| --- | --- | --- |"]
    for name, entry in report["functions"].items():
        marks = " ".join(f"{MARKS[c['status']]} {c['id'].split('.', 1)[1]}"
                         for c in report["checks"] if c["function"] == name)
        extra = " (extra credit)" if entry["optional"] else ""
        if report.get("sources", {}).get(name):
            extra += f" from {inline(report['sources'][name])}"
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
                      f"{_n(sum(c['max_points'] for c in group))})", "", *fenced(check["message"]), ""]
            continue
        lines += [f"### {MARKS[check['status']]} `{check['id']}` ({check['status']}, "
                  f"{_n(check['points'])} / {_n(check['max_points'])})", "", check["description"], "",
                  *fenced(check["message"]), ""]
    lines += _cells(report)
    lines += _manual(report)
    for note in report["notes"]:
        lines.append(f"- note: {inline(note)}")
    if report["output"]["stdout"].strip() or report["output"]["stderr"].strip():
        lines += ["", "## What the submission printed", ""]
        for stream in ("stdout", "stderr"):
            if report["output"][stream].strip():
                lines += [f"{stream}:", *fenced(report["output"][stream].rstrip()[-4000:])]
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
        lines += ["", f"### `{check['id']}` ({check['status']})", "",
                  *(fenced(check["message"]) if check["message"] else [check["description"]]), ""]
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
        first = " ".join(cell["first_line"].splitlines()).replace("|", "\\|").replace("`", "'")  # a code span
        what = inline(cell["message"])
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
        lines.append(f"Answer: {inline(answer['where'])}." if answer["found"]
                     else f"No answer: {inline(answer['message'])}.")
        if answer["found"] and answer.get("message"):
            lines.append(f"Note: {inline(answer['message'])}.")
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


_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def fenced(text):
    """The lines of a code block that shows `text` as it is: fenced with more backticks than any run in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


def inline(text):
    """`text` on one line of Markdown (a heading, a table cell, a list item) as plain text: line breaks become
    spaces, and each character that Markdown or HTML would act on (tags, code, emphasis, links, table cells) is
    escaped with a backslash."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).splitlines()))
