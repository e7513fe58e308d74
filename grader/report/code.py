"""A graded function's code as its student wrote it, for the class page's groups of identical wrong answers.

Read from the folder of submissions that grade-all graded (the output folder's batch.json names it), with ast:
nothing is run. A notebook's code cells are read as JSON, IPython's `%` and `!` lines blanked, and the last
definition of the function wins, as in a "Restart & Run All". When the submissions are no longer there, or the
function can't be found, there is no code to show and the page says so.
"""
import ast
import json
import re
from pathlib import Path

BATCH = "batch.json"  # written by grade-all in its output folder: {"submissions": the folder it graded}
MAGIC = re.compile(r"^[ \t]*[%!].*$", re.MULTILINE)
LONGEST = 6000  # characters shown; a longer function is cut, with a note


def reader(out):
    """A function (submission, function) -> its code or None, for the class of the output folder `out`."""
    try:
        folder = Path(json.loads((Path(out) / BATCH).read_text())["submissions"])
    except (OSError, ValueError, KeyError, TypeError):
        return lambda submission, function: None
    return lambda submission, function: code_of(_files(folder, submission), function)


def _files(folder, submission):
    """The .ipynb and .py files of one submission (a file, or a folder of them), notebooks first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.name == submission or p.stem == submission]
    files = []
    for path in found:
        if path.is_dir():
            files += sorted(path.rglob("*.ipynb")) + sorted(path.rglob("*.py"))
        else:
            files.append(path)
    top = folder.resolve()
    return [f for f in files if f.is_file() and f.resolve().is_relative_to(top)]  # no link out of the class


def code_of(files, function):
    """The last definition of `function` in the first of `files` that defines it, as written; None if none."""
    for path in files:
        found = None
        for cell in _cells(path):
            for text, tree in _parse(cell):
                for node in tree.body:
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
                        found = ast.get_source_segment(text, node)
        if found:
            return found if len(found) <= LONGEST else found[:LONGEST] + "\n# ... (cut here: the function is longer)"
    return None


def _cells(path):
    try:
        raw = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return []
    if path.suffix.lower() != ".ipynb":
        return [MAGIC.sub("", raw)]
    try:
        cells = json.loads(raw).get("cells", [])
    except (ValueError, AttributeError):
        return []
    texts = [c.get("source", "") for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    return [MAGIC.sub("", "".join(map(str, t)) if isinstance(t, list) else str(t)) for t in texts]


def _parse(text):
    """[(text, module)] of a cell; when it does not parse, of each top-level block that does."""
    for blocks in ([text], re.split(r"\n(?=\S)", text)):
        parsed = []
        for block in blocks:
            try:
                parsed.append((block, ast.parse(block)))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
        if parsed:
            return parsed
    return []
