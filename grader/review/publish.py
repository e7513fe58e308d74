"""Merge the saved manual scores into a class's reports and render everything from them again.

Each student's report.json (and report.md, results.json, junit.xml) gets the scores of manual.sqlite; then
gradebook.csv and, when asked, the class page index.html. grade-all calls this after grading, so grading the
automatic part again keeps every manual score; the review app calls it after each save.
"""
import contextlib
import copy
import fcntl
import json
from pathlib import Path

from ..report import gradebook, gradescope, junit, manual
from ..whole import write_whole
from . import store

GRADEBOOK, CLASS_PAGE, LOCK = "gradebook.csv", "index.html", ".manual.lock"  # the class's files in its output folder


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
    write_whole(path, text)


@contextlib.contextmanager
def locked(out):
    """One writer of a class's files at a time, across processes (two review servers, a grade-all): the last
    writer reads every report after the others' writes, so gradebook.csv never misses a saved score."""
    with open(Path(out) / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def student(out, name, scores, hidden_kinds=gradescope.HIDDEN_KINDS,
            hidden_visibility=gradescope.HIDDEN_VISIBILITY, edits=None):
    """Merge `scores` ({item: record}) and the class's rubric `edits` (store.rubric_edits; read here when None)
    into one student's report and write its files again; returns the report."""
    document = manual.apply(read(out, name), scores, store.rubric_edits(out) if edits is None else edits)
    write(Path(out) / name, document, hidden_kinds, hidden_visibility)
    return document


def write(folder, document, hidden_kinds=gradescope.HIDDEN_KINDS, hidden_visibility=gradescope.HIDDEN_VISIBILITY):
    """A student's report.json, report.md, results.json and junit.xml, all rendered from `document`."""
    write_atomic(folder / "report.json", json.dumps(document, indent=1) + "\n")
    from ..report.markdown import render
    write_atomic(folder / "report.md", render(document))
    write_atomic(folder / "results.json", json.dumps(
        gradescope.render(document, hidden_kinds, hidden_visibility), indent=1) + "\n")
    write_atomic(folder / "junit.xml", junit.render(document))


def _written(out, name, document, scores, edits, hidden_kinds, hidden_visibility):
    """The report of a student whose files this process has just written from `document`, with the saved scores
    merged: its files are written again only when the scores (or the rubrics' edits) change it."""
    merged = manual.apply({**document, "manual": copy.deepcopy(document["manual"])}, scores, edits) \
        if "manual" in document else document
    if merged != document:
        write(Path(out) / name, merged, hidden_kinds, hidden_visibility)
    return merged


def publish(out, names=None, class_page=True, hidden_kinds=gradescope.HIDDEN_KINDS,
            hidden_visibility=gradescope.HIDDEN_VISIBILITY, written=None):
    """Every student's files with the saved scores merged, gradebook.csv, and index.html when `class_page`.
    `written`: {name: report} of the students whose four files this process has just written from that report,
    with the same `hidden_kinds` and `hidden_visibility` (grade-all's graded submissions): their reports are not
    read back, and their files are written again only if the saved scores change them."""
    out, written = Path(out), written or {}
    with locked(out):
        scores, edits = store.load(out), store.rubric_edits(out)
        documents = [_written(out, name, written[name], scores.get(name, {}), edits, hidden_kinds,
                              hidden_visibility) if name in written else
                     student(out, name, scores.get(name, {}), hidden_kinds, hidden_visibility, edits)
                     for name in (students(out) if names is None else names)]
        write_atomic(out / GRADEBOOK, gradebook.render(documents))
        if class_page:
            from ..report import classpage, code  # matplotlib: only when the page is drawn
            write_atomic(out / CLASS_PAGE, classpage.render(documents, code.reader(out)))
    return documents

