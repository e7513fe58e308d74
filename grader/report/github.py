"""GitHub Actions output of a report: the job summary (report.md) and one `::error` annotation per problem.

An annotation points at a line of the submission when one is known: the line that raised (from the message that
grade.describe_raised / describe_load_error write), else the `def` line of the function that failed, found by
reading the submission as text (never importing it). Otherwise it is a plain `::error::` on the run. Workflow
commands are documented by GitHub ("Workflow commands for GitHub Actions"): data escapes %, CR and LF; property
values also escape : and ,.
"""
import os
import re
from pathlib import Path

from .markdown import render as markdown

PROBLEMS = ("failed", "error", "timeout")
# "... at line 12 of student.py: code" (a call that raised) or "(line 3 of student.py: code)" (a load that failed)
_RAISED_AT = re.compile(r"\bline (\d+) of ([^:\s]+):")


def annotations(report, submission, workspace=None):
    """The `::error` lines for every check that did not pass; `submission` is the graded file's path."""
    submission = Path(submission)
    source = _text(submission)
    relative = _relative(submission, workspace)
    lines = []
    for check in report["checks"]:
        if check["status"] not in PROBLEMS:
            continue
        line = _line(check, submission.name, source)
        properties = f"title={_property(check['id'] + ' ' + check['status'])}"
        if line is not None:
            properties = f"file={_property(relative)},line={line},{properties}"
        lines.append(f"::error {properties}::{_data(check['description'] + ': ' + check['message'])}")
    return lines


def write_summary(report, summary_path):
    """Append report.md to the job summary file (GitHub sets GITHUB_STEP_SUMMARY)."""
    with open(summary_path, "a", encoding="utf-8") as out:
        out.write(markdown(report) + "\n")


def _line(check, name, source):
    found = _RAISED_AT.search(check["message"])
    if found and found.group(2) == name:
        return int(found.group(1))
    if source is None or check["function"] is None:
        return None
    definition = re.compile(rf"^\s*def\s+{re.escape(check['function'])}\s*\(")
    return next((n for n, text in enumerate(source, 1) if definition.match(text)), None)


def _text(submission):
    """The submission's lines when it is a Python file that can be read; a notebook's lines mean nothing here."""
    if submission.suffix != ".py":
        return None
    try:
        return submission.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None


def _relative(path, workspace):
    """The path as GitHub wants it in an annotation: relative to the repository's root (GITHUB_WORKSPACE)."""
    root = workspace or os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    return os.path.relpath(path.resolve(), Path(root).resolve()).replace(os.sep, "/")


def _data(text):
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text):
    return _data(text).replace(":", "%3A").replace(",", "%2C")
