"""Merge the saved manual scores into a class's reports and render everything from them again.

Each student's report.json (and report.md, results.json, junit.xml) gets the scores of manual.sqlite; then
gradebook.csv and, when asked, the class page index.html. grade-all calls this after grading, so grading the
automatic part again keeps every manual score; the review app calls it after each save.
"""
import contextlib
import fcntl
import json
import os
from pathlib import Path

from ..report import gradebook, gradescope, junit, manual
from . import store


def students(out):
    """The report folders of a class's output folder, by name (those with a report.json)."""
    out = Path(out)
    return sorted(p.parent.name for p in out.glob("*/report.json") if not p.parent.name.startswith("."))


def read(out, name):
    return json.loads((Path(out) / name / "report.json").read_text())


def write_atomic(path, text):
    """Replace `path` with `text` in one rename; a file that already holds `text` is left as it is (grade-all
    keeps the reports of unchanged submissions untouched)."""
    try:
        if path.read_text() == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


@contextlib.contextmanager
def locked(out):
    """One writer of a class's files at a time, across processes (two review servers, a grade-all): the last
    writer reads every report after the others' writes, so gradebook.csv never misses a saved score."""
    with open(Path(out) / ".manual.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def student(out, name, scores, hidden_kinds=gradescope.HIDDEN_KINDS,
            hidden_visibility=gradescope.HIDDEN_VISIBILITY, edits=None):
    """Merge `scores` ({item: record}) and the class's rubric `edits` (store.rubric_edits; read here when None)
    into one student's report and write its files again; returns the report."""
    folder = Path(out) / name
    document = manual.apply(read(out, name), scores, store.rubric_edits(out) if edits is None else edits)
    write_atomic(folder / "report.json", json.dumps(document, indent=1) + "\n")
    from ..report.markdown import render
    write_atomic(folder / "report.md", render(document))
    write_atomic(folder / "results.json", json.dumps(
        gradescope.render(document, hidden_kinds, hidden_visibility), indent=1) + "\n")
    write_atomic(folder / "junit.xml", junit.render(document))
    return document


def publish(out, names=None, class_page=True, hidden_kinds=gradescope.HIDDEN_KINDS,
            hidden_visibility=gradescope.HIDDEN_VISIBILITY):
    """Every student's files with the saved scores merged, gradebook.csv, and index.html when `class_page`."""
    out = Path(out)
    with locked(out):
        scores, edits = store.load(out), store.rubric_edits(out)
        documents = [student(out, name, scores.get(name, {}), hidden_kinds, hidden_visibility, edits)
                     for name in (students(out) if names is None else names)]
        write_atomic(out / "gradebook.csv", gradebook.render(documents))
        if class_page:
            from ..report import classpage, code  # matplotlib: only when the page is drawn
            write_atomic(out / "index.html", classpage.render(documents, code.reader(out)))
    return documents

