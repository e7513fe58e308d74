"""What is compared: the class's submissions, the archive's known solutions, and the starter code taken out of both.

The graded functions are those the assignment's rubric lists. The starter code is every function of every file in
the starter folder (the assignment's `starter` setting, or one the instructor gives): each version of the handout
can be a file there, and the code of all of them is taken out, so a submission on any version loses its own
handout's code. Taken out means: every K tokens in a row of the starter's normalized code is removed from each
submission's fingerprints.
"""
import bisect
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..sandbox.executed import NAME as EXECUTED
from . import extract, notebook
from .fingerprint import all_kgrams, fingerprints, tokens
from .score import Document, solved

# Own fingerprints below which a function may be only started (the template with a few stray lines: a shape check
# or an unused temporary adds about three); above, its code is not read again without them (it costs a parse).
STARTED = 30

# A line of the compared code (ast.unparse writes one simple statement a line) that may compute nothing read: an
# `assert`, or an assignment to plain names (`dead_lines`).
DEAD = re.compile(r"[ \t]*(?:assert\b|((?:\w+[ \t]*,[ \t]*)*\w+)[ \t]*=(?!=))")
# Dead lines of a function read without them at most: a copier's inserted statement or two. More is a student's own
# way of writing (benchmarks/similarity_speed.py's students add one after each statement), and every pair that
# compares it would look twice (5: the same figures on the development set, 30% more CPU on similarity_speed.py).
DEAD_MOST = 2

SUFFIXES = (".py", ".ipynb")
PARALLEL_FROM = 64  # files from which reading is spread over processes


@dataclass(frozen=True)
class Setting:
    """What the extraction of one file needs from the assignment."""
    graded: tuple
    expected_names: tuple = ()
    helpers: tuple = ()
    boilerplate: frozenset = frozenset()
    starter_surface: frozenset = frozenset()  # the starter's comments, statements, layouts (surface.py), cell ids


def graded_functions(assignment):
    """The graded functions, in the rubric's order."""
    return tuple(name for name, table in assignment.rubric.items() if isinstance(table, dict) and name != "submission")


def starter_folder(assignment, given=None):
    """The starter code to take out: `given` (a file or folder), else the assignment's `starter` setting."""
    if given is not None:
        if not Path(given).exists():
            raise UsageError(f"no such starter file or folder: {str(given)!r}; give the handout's code (.py or"
                             " .ipynb files), or leave --starter out to use the assignment's")
        return Path(given)
    name = assignment.settings.get("starter")
    return assignment.folder / name if name else None


def files(folder):
    """The .py and .ipynb files under `folder` (or the file itself), hidden folders and checkpoints left out."""
    folder = Path(folder)
    if folder.is_file():
        return [folder]
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found += [Path(root, n) for n in sorted(names) if n.lower().endswith(SUFFIXES) and not n.startswith(".")]
    return found


def boilerplate(starter):
    """(every k-gram hash, every surface item and recorded item (notebook.py)) of the starter's functions and
    notebooks (all versions in the folder)."""
    hashes, items = set(), set()
    for file in files(starter) if starter is not None else []:
        defs = extract.definitions(extract.cells(file))
        for name in defs:
            code = extract.code_of(name, defs, set(defs) - {name})
            hashes |= all_kgrams(tokens(code).words)
            items |= set(extract.written(name, defs, set(defs) - {name}))
        items |= set(notebook.items(file))  # a handout notebook's cell ids
    return frozenset(hashes), frozenset(items)


def setting(assignment, starter=None):
    chosen = starter_folder(assignment, starter)
    return Setting(graded_functions(assignment), tuple(assignment.settings.get("expected_names", ())),
                   assignment.helpers, *boilerplate(chosen))


def started(code, setting):
    """Whether a function's code (extract.code_of) is only started: without what computes nothing it uses
    (extract.live_code) it has too few own fingerprints to count as solved (see score.compare)."""
    live = extract.live_code(code)
    return live != code and not solved({"": fingerprints(tokens(live).words, setting.boilerplate)})


def dead_lines(code):
    """The (start, end) offsets of the lines of `code` that compute nothing that the function reads: an `assert`,
    or an assignment to plain names each of which occurs nowhere else in it (a shape check or a temporary inserted,
    a handout's line left unused). Read from the text alone (one pass, no parse): it is what `live` drops."""
    names = Counter(re.findall(r"\b[A-Za-z_]\w*\b", code))
    found, start = [], 0
    for line in code.splitlines(keepends=True):
        match = DEAD.match(line)
        if match and (match.group(1) is None or all(names[n.strip()] == 1 for n in match.group(1).split(","))):
            found.append((start, start + len(line)))
        start += len(line)
    return found


def live(code, found, setting):
    """The own fingerprints of a function's code (`found`: its tokens) without its `dead_lines`, or None when it
    has none. A copier who inserts a shape check or a temporary into a short function cuts most of the runs of
    tokens its source has there, and the two no longer look written alike; without those lines they do
    (score.compare)."""
    dead = dead_lines(code)
    if not dead or len(dead) > DEAD_MOST:
        return None
    starts, ends = zip(*dead)
    kept = [w for w, (at, _) in zip(found.words, found.spans) if not _inside(at, starts, ends)]
    return fingerprints(kept, setting.boilerplate)


def _inside(at, starts, ends):
    """Whether offset `at` falls in one of the sorted, disjoint ranges [starts[i], ends[i])."""
    i = bisect.bisect_right(starts, at) - 1
    return i >= 0 and at < ends[i]


def document(name, origin, path, setting):
    """The Document of one file or folder: the own fingerprints of each graded function it solved, their surface
    items that are not the starter's, and their code."""
    code = extract.graded_code(path, setting.graded, setting.expected_names, setting.helpers)
    read = {f: tokens(c.code) for f, c in code.items()}
    own = {f: fingerprints(read[f].words, setting.boilerplate) for f in code}
    kept = solved(own)
    stray = frozenset(f for f, prints in kept.items() if len(prints) < STARTED and started(code[f].code, setting))
    written = {f: frozenset(code[f].surface) - setting.starter_surface for f in kept}
    shapes = {item: shape for f in kept for item, shape in code[f].surface.items() if shape is not None}
    file = extract.source_file(path, setting.expected_names, setting.helpers)
    # A notebook the grader executed (a report folder's, when the submissions are gone) has the grader's outputs.
    found = notebook.items(file, outputs=file.name != EXECUTED) if file is not None else {}
    recorded = frozenset(found) - setting.starter_surface
    lived = {f: live(code[f].code, read[f], setting) for f in kept}
    return Document(name, origin, kept, str(path), {f: code[f].code for f in kept}, written, shapes, recorded,
                    stray, {f: prints for f, prints in lived.items() if prints is not None and prints != kept[f]})


def documents(items, setting, workers=None):
    """The Documents of [(name, origin, path)], in order; read by `workers` processes when there are many (files
    are only read and parsed there, never run)."""
    workers = workers or cores()
    if workers < 2 or len(items) < PARALLEL_FROM:
        return [document(name, origin, path, setting) for name, origin, path in items]
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_document, [(item, setting) for item in items], chunksize=16))


def cores():
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)


def _document(job):
    (name, origin, path), setting = job
    return document(name, origin, path, setting)


def check_archive(folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"--archive {str(folder)!r} is not a folder; give a folder of known solutions (.py, .ipynb)")
    return folder


def archive_items(folder):
    """[(name, "archive", path)] of the known solutions: each .py or .ipynb file under the folder, named
    `archive:<its path in the folder>`."""
    folder = check_archive(folder)
    return [(f"archive:{file.relative_to(folder)}", "archive", file) for file in files(folder)]
