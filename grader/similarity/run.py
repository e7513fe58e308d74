"""`python -m grader similarity`: compare a class's submissions with each other and with an archive of known
solutions, write similarity.json and similarity.html, and list each submission's nearest others in its report.json.

The class is a folder of submissions (each file or folder one student's, named as grade-all names them) or a
grade-all output folder: its students' code is read from the folder of submissions it was graded from (batch.json
names it), or, where that folder is gone, from the executed.ipynb kept beside each notebook's report. Nothing
is run: files are read as text and parsed with ast. Similarity never changes a score: the only field it writes into
a report.json is `similarity`, which no student-facing rendering shows.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..sandbox.executed import NAME as EXECUTED
from ..whole import write_whole
from . import collect, render, score

NEIGHBOURS = 3


@dataclass
class Comparison:
    assignment: str
    starter: str
    students: int
    archive: int
    unsolved: list
    pairs: list
    documents: dict
    boilerplate: frozenset = frozenset()
    notes: list = field(default_factory=list)
    rare: dict = field(default_factory=dict)  # {fingerprint: weight} (score.rarity), for the side-by-side views
    setting: object = None  # collect.Setting: how the views read each file's surface again


def is_report_folder(folder):
    """True for a grade-all output folder: its entries are folders with a report.json."""
    return any((p / "report.json").is_file() for p in Path(folder).iterdir() if p.is_dir())


def entries(folder, out=None, named=None):
    """[(name, path or None)] of a class folder, sorted by name; None: a report folder that kept no code.

    `named(paths)`: the [(name, path)] of a folder's submissions; the command line passes grade-all's (report
    folders named safely, grader/batch/names.py) so the names match its output folders. Without it, a file is
    named by its stem, or by its whole name where stems clash."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{str(folder)!r} is not a folder; give the folder of submissions or a grade-all output")
    out = Path(out).resolve() if out else None
    paths = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.resolve() != out)
    if is_report_folder(folder):
        graded = [p for p in paths if (p / "report.json").is_file()]
        source = _graded_from(folder)
        if source is not None:
            found = dict(entries(source, named=named))
            return [(p.name, found.get(p.name)) for p in graded]
        return [(p.name, p / EXECUTED if (p / EXECUTED).is_file() else None) for p in graded]
    if named is not None:
        return named(paths)
    stems = [p.name if p.is_dir() else p.stem for p in paths]
    return [(stem if stems.count(stem) == 1 else p.name, p) for p, stem in zip(paths, stems)]


def graded_assignment(folder):
    """The assignment a grade-all output folder was graded as (its reports say), or None."""
    for report in sorted(Path(folder).glob("*/report.json")):
        try:
            return json.loads(report.read_text())["assignment"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def _graded_from(folder):
    """The folder of submissions that grade-all graded into `folder` (its batch.json), if it is still there."""
    try:
        source = Path(json.loads((Path(folder) / "batch.json").read_text())["submissions"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return source if source.is_dir() and not is_report_folder(source) else None


def compare(class_entries, assignment, archive=None, starter=None):
    """The Comparison of a class (and an archive folder, if given), the starter code taken out."""
    chosen = collect.starter_folder(assignment, starter)
    setting = collect.setting(assignment, starter)
    notes = [f"{name}: its report folder keeps no code (a .py submission) and the folder it was graded from is"
             " gone; run the check on the folder of submissions to include it"
             for name, path in class_entries if path is None]
    items = [(name, "class", path) for name, path in class_entries if path is not None]
    known_items = collect.archive_items(archive) if archive is not None else []
    read = collect.documents(items + known_items, setting)
    students, known = read[:len(items)], read[len(items):]
    pairs, rare = score.ranked(students, known, workers=collect.cores())
    documents = {d.name: d for d in (*students, *known)}
    unsolved = [d.name for d in students if not d.functions]
    label = _label(chosen, assignment)
    return Comparison(assignment.name, label, len(students), len(known), unsolved, pairs, documents,
                      setting.boilerplate, notes, rare, setting)


def _label(starter, assignment):
    """How the page names the starter code: relative to the assignment when it is the assignment's own."""
    if starter is None:
        return "none (no starter code taken out)"
    try:
        return f"{assignment.name}/{Path(starter).resolve().relative_to(assignment.folder.resolve())}"
    except ValueError:
        return Path(starter).name


def similarity_field(comparison, name, near=None):
    """The instructor-only `similarity` field of one student's report.json."""
    document = comparison.documents[name]
    neighbours = (near if near is not None else score.nearest(comparison.pairs, NEIGHBOURS)).get(name, [])
    return {"threshold": score.THRESHOLD, "own_code": document.own, "compared": sorted(document.functions),
            "flagged": any(n["flagged"] for n in neighbours), "neighbours": neighbours}


def annotate(out, comparison):
    """Write `similarity` into the report.json of each student compared that has one in `out`; returns how many."""
    written, near = 0, score.nearest(comparison.pairs, NEIGHBOURS)
    for name, document in comparison.documents.items():
        path = Path(out) / name / "report.json"
        if document.origin != "class" or not path.is_file():
            continue
        report = json.loads(path.read_text())
        report["similarity"] = similarity_field(comparison, name, near)
        write_whole(path, json.dumps(report, indent=1) + "\n")
        written += 1
    return written


def run(class_entries, out, assignment, archive=None, starter=None):
    """Compare, write similarity.json, similarity.html and the views into `out`, annotate the reports there."""
    comparison = compare(class_entries, assignment, archive, starter)
    Path(out).mkdir(parents=True, exist_ok=True)
    render.write(out, comparison)
    annotate(out, comparison)
    return comparison
