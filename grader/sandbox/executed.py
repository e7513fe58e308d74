"""The executed notebook written beside the report: every cell's outputs and errors as the grader ran them.

Outputs come from the sandbox child as plain strings, so they are rebuilt here field by field, with known output
types and MIME types only and bounded sizes, before the notebook is written (ipynb.py, or nbformat where it must).
Cells that timed out or were not run are marked with an error output and `metadata.grader`, so they stand out in
Jupyter.
"""
import copy
from pathlib import Path

from . import ipynb, schema

NAME = "executed.ipynb"
TEXT_CHARS = 20_000  # per stream, result, or error output
IMAGE_CHARS = 1_500_000  # base64 characters of one image
OUTPUTS_PER_CELL = 50
OUTPUT_CHARS = 16 * 2**20  # of all the cells' outputs together; later cells' outputs are left out, and say so
MIME_TYPES = {"text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg", "image/svg+xml",
              "application/json"}


def clean_outputs(raw):
    """The child's outputs of one cell as nbformat output nodes; anything malformed is left out."""
    outputs = []
    for item in raw if isinstance(raw, list) else []:
        output = _clean(item) if isinstance(item, dict) else None
        if output is not None:
            outputs.append(output)
    if len(outputs) > OUTPUTS_PER_CELL:
        outputs = outputs[:OUTPUTS_PER_CELL] + [ipynb.output(
            "stream", name="stderr", text=f"[... {len(outputs) - OUTPUTS_PER_CELL} more outputs not kept]\n")]
    return tuple(outputs)


def _clean(item):
    kind = item.get("output_type")
    if kind == "stream" and item.get("name") in ("stdout", "stderr"):
        return ipynb.output("stream", name=item["name"], text=_text(item.get("text")))
    if kind in ("display_data", "execute_result"):
        data = {mime: _value(mime, value) for mime, value in (item.get("data") or {}).items()
                if mime in MIME_TYPES and isinstance(value, str)}
        data = {mime: value for mime, value in data.items() if value is not None}
        if not data:
            return None
        if kind == "display_data":
            return ipynb.output("display_data", data=data)
        count = item.get("execution_count")
        return ipynb.output("execute_result", data=data,
                            execution_count=count if type(count) is int and count >= 0 else None)
    if kind == "error":
        trace = item.get("traceback")
        lines = [_text(line) for line in trace[-50:]] if isinstance(trace, list) else []
        return ipynb.output("error", ename=_text(item.get("ename"))[:200],
                            evalue=_text(item.get("evalue"))[:2000], traceback=lines)
    return None


def _text(value):
    text = value if isinstance(value, str) else ""
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + f"\n[... {len(text) - TEXT_CHARS} more characters]\n"


def _value(mime, value):
    if mime.startswith("image/") and mime != "image/svg+xml":
        return value if len(value) <= IMAGE_CHARS else None
    return _text(value)


def build(notebook, runs):
    """A copy of `notebook` with the grader's run in it: `runs` are the CellRun records of its code cells."""
    executed = copy.deepcopy(notebook)
    by_index = {run.index: run for run in runs}
    room = OUTPUT_CHARS
    for index, cell in enumerate(executed.cells):
        if cell.get("cell_type") != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        run = by_index.get(index)
        if run is None:
            if cell.source.strip():
                cell.metadata["grader"] = {"status": "not run"}
            continue
        cell.execution_count = run.number
        cell.outputs = [copy.deepcopy(output) for output in run.outputs]
        room -= sum(len(str(output)) for output in cell.outputs)
        if room < 0:
            cell.outputs = [ipynb.output("stream", name="stderr", text=(
                f"[outputs left out: the executed notebook keeps {OUTPUT_CHARS} characters of outputs in all]\n"))]
        if run.status != "ok":
            cell.metadata["grader"] = {"status": run.status, "message": run.message}
        if run.status == "timeout":
            cell.outputs.append(ipynb.output("error", ename="CellTimeout", evalue=run.message,
                                             traceback=[f"CellTimeout: {run.message}"]))
    executed.metadata["grader"] = {"note": "executed by the grader, top to bottom, in its sandbox"}
    return executed


def write(notebook, runs, folder):
    """Write the executed notebook into `folder`; returns its path."""
    path = Path(folder) / NAME
    executed = build(notebook, runs)
    text = ipynb.writes(executed)
    if text is None:  # not the common case (ipynb.py)
        import nbformat
        schema.install()  # (as notebook.read: nbformat validates what it writes)
        nbformat.validator.normalize(executed)
        text = nbformat.writes(executed)
    path.write_text(text)
    return path


def save(graded, folder):
    """Write the executed notebook of a graded notebook submission beside its report; None for a module."""
    notebook = getattr(graded.submission, "notebook", None)
    if notebook is None:
        return None
    return write(notebook, getattr(graded, "cells", ()), folder)
