"""Copies a submission into a scratch folder and decides what kind it is. The original is never touched.

A submission is a .py module, an .ipynb notebook, a .py exported from a notebook by nbconvert (graded cell by
cell, like the notebook it came from), or a folder: a student's workspace with the notebook, helper modules and
data. In a folder, the file graded is chosen by this rule:
  1. the notebooks (.ipynb) in it and its subfolders are the candidates, hidden folders (.ipynb_checkpoints, .git)
     and __pycache__ left out; with no notebook, the .py files are, except those named like a helper handed out
     with the assignment (its provided/ folder);
  2. a single candidate is the one;
  3. else the candidate named as the assignment expects (`expected_names` in its assignment.toml, any case), the
     one nearest the top of the folder if several are;
  4. else the only candidate at the top-most level that has any;
  5. else, if the candidates are modules that share the graded functions out between them, no one of them
     defining all the others do (forward.py and backward.py, the second star-importing the first), they are
     one program: every one is loaded, and each graded function is graded where the student defined it (see
     choose_definition). Two complete copies side by side are not a split program: they stay ambiguous (6);
  6. else the folder is ambiguous, and the report names the candidates.
Links that lead outside the folder are removed from the copy, not followed. A file that can't be graded (not a
notebook nor a module, a notebook that isn't valid JSON, an ambiguous folder) still gets a complete report with
zero points: `problem` says why.
"""
import ast
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from . import notebook as notebooks


@dataclass
class Submission:
    name: str
    source: Path
    kind: str  # module, modules (a program split across files), notebook, or unreadable (`problem` says why)
    entry: str  # the file to load, relative to scratch/work ("" for modules)
    notes: list = field(default_factory=list)
    notebook: object = None  # the nbformat notebook of a notebook submission
    problem: str | None = None  # why it can't be graded at all
    entries: tuple = ()  # the modules of a program split across files, relative to scratch/work
    not_run: frozenset = frozenset()  # indices of notebook cells that are shown to people, never run (manual.toml)

    def cells(self):
        return notebooks.code_cells(self.notebook) if self.notebook is not None else []


KINDS = {".py": "module", ".ipynb": "notebook"}
LEFT_OUT = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".git")


def submission_name(source):
    """What a submission's report is named by: a folder's name, a file's stem (as text: bytes of the name that are
    not UTF-8 become U+FFFD, or no report could be written)."""
    source = Path(source)
    name = source.resolve().name if source.is_dir() else source.stem
    return os.fsencode(name).decode("utf-8", "replace")


def take_in(source, scratch, expected_names=(), helpers=(), graded=()):
    """Copy `source` (a file or a folder) into `scratch/work` and describe it.

    `expected_names`: the stems a folder's main file is expected to have; `helpers`: module names handed out with
    the assignment, never the main file; `graded`: the names of the graded functions (for a split program)."""
    source = Path(source)
    if not source.exists():
        raise UsageError(f"no such submission: {str(source)!r}")
    work = Path(scratch) / "work"
    name = submission_name(source)
    if not source.is_dir():
        work.mkdir(parents=True, exist_ok=True)  # it exists, empty, in a sandbox started ahead (spare.py)
        shutil.copyfile(source, work / source.name)
        return _describe(name, source, work, source.name, [])
    notes = _copy_folder(source, work)
    entry, problem = choose_main(work, expected_names, helpers)
    split = split_program(work, helpers, graded) if problem else []
    if split:
        listed = ", ".join(split[:10]) + (", ..." if len(split) > 10 else "")
        notes.append(f"the folder holds {len(split)} modules and no single main one ({listed}): they were loaded as"
                     " one program, and each function was graded where it is defined")
        return Submission(name, source, "modules", "", notes, entries=tuple(split))
    if problem:
        return Submission(name, source, "unreadable", "", notes, problem=problem)
    return _describe(name, source, work, entry, notes)


def _copy_folder(source, work):
    notes = []
    try:
        shutil.copytree(source, work, symlinks=True, ignore=LEFT_OUT, dirs_exist_ok=True)
    except shutil.Error as exc:  # a pipe, a socket, an unreadable file: the rest is copied
        for _, _, why in exc.args[0][:5]:
            notes.append(f"not copied: {why}")
    return notes + refuse_outside_links(work)


def _describe(name, source, work, entry, notes):
    path = work / entry
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        try:
            notebook, more = notebooks.read(path)
        except notebooks.NotANotebook as exc:
            return Submission(name, source, "unreadable", entry, notes, problem=str(exc))
        return Submission(name, source, "notebook", entry, notes + more, notebook)
    if suffix == ".py":
        text = path.read_bytes().decode("utf-8", "replace")
        if notebooks.is_exported(text):
            notes = notes + [f"{entry} was exported from a notebook (it has `# In[ ]:` markers), so its cells ran "
                             "one by one, as in the notebook"]
            return Submission(name, source, "notebook", entry, notes, notebooks.from_exported(text))
        return Submission(name, source, "module", entry, notes)
    return Submission(name, source, "unreadable", entry, notes, problem=(
        f"{entry} is not a notebook (.ipynb) nor a Python module (.py), so there is nothing to run; "
        "hand in the notebook you worked in"))


def choose_main(work, expected_names=(), helpers=()):
    """(entry relative to work, None), or (None, why there is no single file to grade)."""
    notebooks_found = _files(work, ".ipynb")
    helpers = {h.lower() for h in helpers}
    candidates = notebooks_found or [p for p in _files(work, ".py") if p.stem.lower() not in helpers]
    what = "notebook" if notebooks_found else "Python module"
    if not candidates:
        return None, "the folder holds no notebook (.ipynb) and no Python module (.py) to grade"
    chosen = _choose(candidates, {n.lower() for n in expected_names})
    if chosen is not None:
        return str(chosen), None
    names = ", ".join(str(p) for p in candidates[:10]) + (", ..." if len(candidates) > 10 else "")
    suffix = ".ipynb" if notebooks_found else ".py"
    named = f"has the expected name ({expected_names[0]}{suffix}) or " if expected_names else ""
    rename = f", or name the one to grade {expected_names[0]}{suffix}" if expected_names else ""
    return None, (f"the grader can't tell which of the {len(candidates)} {what}s in the folder to grade ({names}): "
                  f"no single one {named}lies alone at the top; hand in a folder with just one{rename}")


def split_program(work, helpers=(), graded=()):
    """The modules of a folder with no notebook whose modules share the graded functions out between them, none
    defining all that the others define (read with ast: nothing runs here); else []."""
    if _files(work, ".ipynb"):
        return []
    helpers = {h.lower() for h in helpers}
    modules = [p for p in _files(work, ".py") if p.stem.lower() not in helpers]
    defined = [_top_level_functions(work / p) & set(graded) for p in modules]
    everything = set().union(*defined)
    if sum(1 for names in defined if names) < 2 or any(names == everything for names in defined):
        return []
    return [str(p) for p in modules]


def _top_level_functions(path):
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):  # it still loads with the others, and its error is reported then
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def choose_definition(function, definitions):
    """(module, note or None): which of the modules that define `function` is graded, from {module: digest of its
    source}. One definition, or the same text in each, needs no note. Otherwise the module whose file name shares
    the longest run of characters with the function's name (`forward.py` for cell_forward), then the first
    in alphabetical order; the note says which one and why."""
    modules = sorted(definitions)
    chosen = max(modules, key=lambda module: (_common_run(Path(module).stem.lower(), function.lower()),
                                              -modules.index(module)))
    if len(set(definitions.values())) == 1:
        return chosen, None
    return chosen, (f"{function} has different definitions in {', '.join(modules)}: the one in {chosen} was graded,"
                    " as its file name is nearest the function's name; keep one definition per function")


def _common_run(a, b):
    """Length of the longest run of characters that `a` and `b` share."""
    best, previous = 0, [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else 0)
        best, previous = max(best, max(current)), current
    return best


def _choose(candidates, expected):
    if len(candidates) == 1:
        return candidates[0]
    for group in ([p for p in candidates if p.stem.lower() in expected], candidates):
        if group:
            top = min(len(p.parts) for p in group)
            shallowest = [p for p in group if len(p.parts) == top]
            if len(shallowest) == 1:
                return shallowest[0]
            if group is not candidates:
                return None  # several files carry the expected name at the same level
    return None


def _files(work, suffix):
    """Files ending in `suffix` under work (relative paths, sorted), hidden folders and caches left out."""
    found = []
    for folder, dirs, files in os.walk(work):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            path = Path(folder, name)
            if name.lower().endswith(suffix) and not name.startswith(".") and path.is_file():
                found.append(path.relative_to(work))
    return found


def refuse_outside_links(work):
    """Remove links that lead outside `work`; returns a note for each."""
    notes, root = [], os.path.realpath(work)
    for folder, dirs, files in os.walk(work):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                target = os.path.realpath(path)
                if os.path.commonpath([root, target]) != root:
                    os.unlink(path)
                    notes.append(f"{os.path.relpath(path, work)} links outside the submission and was not followed")
    return notes
