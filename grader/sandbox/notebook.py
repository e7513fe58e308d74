"""Reads a notebook as the grader sees it: an .ipynb (ipynb.py, else nbformat), or a .py that nbconvert exported
from one.

The grader reads the file as data and never runs it: only the code cells' sources go to the sandbox child, one
at a time. A file that can't be read as a notebook raises NotANotebook with a message for the student.
"""
import json
import re
from dataclasses import dataclass

from . import ipynb, schema

# nbconvert's Python exporter writes `# In[3]:` (or `# In[ ]:`) above each code cell.
EXPORTED_MARKER = re.compile(r"^# In\[[ 0-9]*\]:[ \t]*$", re.MULTILINE)


class NotANotebook(Exception):
    """The file is not a notebook that can be run; the message says why and what to do."""


@dataclass(frozen=True)
class Cell:
    """A code cell to run: `number` is the In [n] it gets (1, 2, ... over the non-empty code cells, as in a
    "Restart & Run All"), `index` its position among all the notebook's cells."""

    number: int
    index: int
    source: str

    def first_line(self):
        lines = [line for line in self.source.splitlines() if line.strip()]
        return lines[0].strip()[:120] if lines else ""


def read(path):
    """(notebook, notes) of an .ipynb file; a notebook that breaks nbformat's schema in small ways still runs."""
    name = path.name
    again = "open it in Jupyter, save it, and hand it in again"
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotANotebook(f"{name} is not a notebook: it is not UTF-8 text (byte {exc.start}); {again}") from None
    try:
        data = ipynb.loads(text)
    except json.JSONDecodeError as exc:
        raise NotANotebook(f"{name} is not a valid notebook: it is not valid JSON (line {exc.lineno}, column "
                           f"{exc.colno}: {exc.msg}); {again}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        raise NotANotebook(f"{name} is JSON but not a notebook: it has no list of cells; {again}")
    notebook, invalid = ipynb.read(data), {}
    if notebook is None:  # not the common case (ipynb.py): nbformat reads it, converts, repairs and complains
        notebook = _nbformat_read(name, text, invalid, again)
    notes = []
    if "ValidationError" in invalid:
        first = str(invalid["ValidationError"]).splitlines()[0][:300]
        notes.append(f"{name} does not follow the notebook format in every detail ({first}); its cells ran anyway")
    for cell in notebook.cells:  # a cell without source, or with a list that nbformat did not join
        if cell.get("cell_type") == "code" and not isinstance(cell.get("source"), str):
            raise NotANotebook(f"{name} has a code cell whose source is not text; {again}")
    return notebook, notes


def _nbformat_read(name, text, invalid, again):
    import nbformat  # here, not at the top: a module, or a notebook of the common case, need not pay for it
    schema.install()  # its validator compiled once, not in every process (schema.py)
    try:
        return nbformat.reads(text, as_version=4, capture_validation_error=invalid)
    except Exception as exc:  # nbformat's errors for unreadable versions and shapes have no common base class
        raise NotANotebook(f"{name} is not a notebook nbformat can read ({type(exc).__name__}: "
                           f"{str(exc)[:300]}); {again}") from None


def is_exported(text):
    """True for a .py written by `jupyter nbconvert --to script` (it marks each cell with `# In[ ]:`)."""
    return EXPORTED_MARKER.search(text) is not None


def from_exported(text):
    """The notebook a nbconvert-exported .py came from: a code cell per `# In[ ]:` marker, comments between
    cells as markdown cells."""
    import nbformat
    parts = EXPORTED_MARKER.split(text)
    notebook = nbformat.v4.new_notebook()
    _add_markdown(notebook, _strip_header(parts[0]))
    for part in parts[1:]:
        code, comments = _split_trailing_comments(part)
        notebook.cells.append(nbformat.v4.new_code_cell(code))
        _add_markdown(notebook, comments)
    return notebook


def _strip_header(text):
    lines = text.splitlines()
    while lines and (lines[0].startswith("#!") or re.match(r"^# *-?\*?-? *coding[:=]", lines[0])):
        lines.pop(0)
    return "\n".join(lines)


def _split_trailing_comments(part):
    """nbconvert writes a markdown cell as comment lines after the code cell before it and two blank lines."""
    code, gap, tail = part.strip("\n").rpartition("\n\n\n")
    if gap and tail.strip() and all(line.startswith("#") or not line.strip() for line in tail.splitlines()):
        return code.strip("\n"), tail
    return part.strip("\n"), ""


def _add_markdown(notebook, comments):
    import nbformat
    lines = [re.sub(r"^# ?", "", line) for line in comments.strip("\n").splitlines()]
    if any(line.strip() for line in lines):
        notebook.cells.append(nbformat.v4.new_markdown_cell("\n".join(lines).strip("\n")))


def code_cells(notebook):
    """The cells to run, in order; empty code cells are left out, as Jupyter gives them no In [n]."""
    cells, number = [], 0
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") == "code" and cell.source.strip():
            number += 1
            cells.append(Cell(number, index, cell.source))
    return cells
