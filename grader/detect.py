"""Which assignment a submission is for, read from its code (parsed with ast, never run): the assignment whose
graded functions and classes (the tables of its rubric.toml) it defines the most of.

A notebook's cells are parsed one by one (a cell with magics that doesn't parse is read line by line for `def` and
`class`); a folder's .py files and notebooks all count; a file that doesn't parse as Python 3 (Python 2, say) is
read the same way, so that it still reaches the grader, whose report says why it doesn't load.
"""
import ast
import json
import re
import sys
from pathlib import Path

from .errors import UsageError
from .install import declared

_DEFINITION = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)
MAX_FILES = 500  # a folder with more files than this is read only in part


def choose(folders, submissions):
    """The name of the assignment folder among `folders` that the submissions' code is for; says which on
    standard error. Raises UsageError when none or several fit equally."""
    names = set()
    for submission in submissions:
        names |= defined_names(Path(submission))
    counts = {}
    for folder in folders:
        try:
            counts[folder.name] = len(graded(folder) & names)
        except UsageError as broken:  # one broken assignment must not stop the grading of another's submissions
            print(f"grader: assignment {folder.name!r} skipped while choosing the assignment: {broken}",
                  file=sys.stderr)
    best = max(counts.values(), default=0)
    fits = [name for name, count in counts.items() if count == best]
    shown = ", ".join(f"{name} ({count})" for name, count in counts.items())
    if best == 0 or len(fits) > 1:
        what = "none" if best == 0 else "as many"
        unreadable = [why for submission in submissions if (why := unreadable_notebook(Path(submission)))]
        first = f"{unreadable[0]}, so the assignment can't be told from it; " if unreadable else ""
        raise UsageError(f"{first}the submission defines {what} of the graded functions of each assignment"
                         f" ({shown}): say which with --assignment NAME")
    print(f"grader: grading as assignment {fits[0]!r}: the submission defines {best} of its graded functions"
          f" (by assignment: {shown}); --assignment NAME chooses another", file=sys.stderr)
    return fits[0]


def graded(folder):
    """The functions and classes an assignment grades: the tables of its rubric (UsageError if it can't be read)."""
    path = Path(folder) / "rubric.toml"
    try:
        return {name for name, table in declared.load(path).items() if isinstance(table, dict)} - {"submission"}
    except (OSError, declared.DecodeError) as exc:
        raise UsageError(f"{Path(folder).name}/rubric.toml can't be read ({exc}): run `python -m grader"
                         f" check-assignment {folder}`") from None


def unreadable_notebook(path):
    """Why a notebook (or one of a folder's) can't be read as one, or None."""
    notebooks = sorted(path.rglob("*.ipynb"))[:MAX_FILES] if path.is_dir() else [path] if path.suffix == ".ipynb" else []
    for notebook in notebooks:
        try:
            json.loads(notebook.read_text(errors="replace"))
        except ValueError as exc:
            return f"{notebook} can't be read as a notebook: it is not JSON ({exc})"
        except OSError as exc:
            return f"{notebook} can't be read: {exc}"
    return None


def defined_names(path):
    """Names of the functions and classes defined in a .py, a notebook, or a folder of them."""
    if path.is_dir():
        files = [p for p in sorted(path.rglob("*")) if p.suffix in (".py", ".ipynb") and p.is_file()
                 and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(path).parts)]
        return set().union(set(), *(defined_names(p) for p in files[:MAX_FILES]))
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return set()
    if path.suffix == ".ipynb":
        return set().union(set(), *(_names(cell) for cell in _cells(text)))
    return _names(text)


def _cells(text):
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return []
    sources = (c.get("source", "") for c in cells if isinstance(c, dict) and c.get("cell_type") == "code")
    return ["".join(s) if isinstance(s, list) else str(s) for s in sources]


def _names(source):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(_DEFINITION.findall(source))
    return set(_defined(tree.body))


# The fields that hold statements: a definition is a statement, so only these are walked, not the expressions that
# make up most of a tree (ast.walk visited every node: 0.02-0.05 s of a notebook's `grade` before its sandbox starts).
_STATEMENTS = ("body", "orelse", "finalbody", "handlers", "cases")


def _defined(statements):
    """The names of the functions and classes defined in `statements` and in the statements nested in them."""
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        for field in _STATEMENTS:
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                yield from _defined(inner)
