"""A notebook read and written as nbformat reads and writes it, without importing nbformat in the common case.

nbformat's import costs a cold command 0.075 s (jsonschema and traitlets come with it), although it validates with
the fastjsonschema code that schema.py keeps compiled. Here a notebook of format 4.0 to 4.5 that this code finds
valid, and whose cells (from 4.5 on) all have distinct ids, is read as nbformat.reads(text, as_version=4) would
read it (multi-line strings joined, transient metadata dropped) and written as nbformat.writes would write it
(the same JSON text). Anything else (an older format to convert, a newer minor version, a break of the schema to
explain, missing or repeated cell ids to repair) gets None here and goes to nbformat, whose conversions, repairs
and messages stay the ones a student sees.
"""
import copy
import importlib.util
import json
from pathlib import Path

from . import schema

MINORS = range(6)  # the v4 minor versions nbformat 5 has a schema of its own for


class Node(dict):
    """nbformat's NotebookNode: a dict whose keys are also attributes (`cell.source`)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value


def loads(text):
    """The JSON of a notebook file, every object a Node (json.JSONDecodeError as json.loads)."""
    return json.loads(text, object_hook=Node)


def read(data):
    """The notebook nbformat would read from `data` (from loads(), changed in place), or None: nbformat's case."""
    if not _common(data):
        return None
    try:
        for cell in data.cells:
            _rejoin(cell)
        _strip_transient(data)
    except (AttributeError, TypeError):  # a shape the schema refuses: nbformat says what is wrong
        return None
    return data if _valid(data) else None


def writes(notebook):
    """nbformat.writes(notebook)'s text, or None where nbformat must write it (it would repair or complain)."""
    if not (_common(notebook) and _valid(notebook)):
        return None
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        _split(cell)
    _strip_transient(notebook)
    return json.dumps(notebook, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)


def output(output_type, **fields):
    """nbformat.v4.new_output's node, its keys in the same order (a cell's outputs are measured by their repr)."""
    defaults = {"stream": {"name": "stdout", "text": ""},
                "display_data": {"metadata": Node(), "data": Node()},
                "execute_result": {"metadata": Node(), "data": Node(), "execution_count": None},
                "error": {"ename": "NotImplementedError", "evalue": "", "traceback": []}}[output_type]
    node = Node(output_type=output_type, **defaults)
    node.update(fields)
    return node


def _common(data):
    cells, minor = data.get("cells"), data.get("nbformat_minor")
    if data.get("nbformat") != 4 or type(minor) is not int or minor not in MINORS or not isinstance(cells, list):
        return False
    if minor < 5:
        return True
    ids = [cell.get("id") if isinstance(cell, dict) else None for cell in cells]
    return None not in ids and len(set(map(repr, ids))) == len(ids)  # (nbformat would make ids, with a warning)


def _valid(data):
    try:
        _validator(data["nbformat_minor"])(data)
    except Exception:  # noqa: BLE001 -- fastjsonschema's error, or a value its code did not expect
        return False
    return True


_validators = {}


def _validator(minor):
    """The compiled validator of format 4.minor's schema, the one nbformat's validate uses (schema.py)."""
    if minor not in _validators:
        package = Path(importlib.util.find_spec("nbformat").origin).parent  # (found, not imported)
        text = (package / "v4" / f"nbformat.v4.{minor}.schema.json").read_text(encoding="utf8")
        _validators[minor] = schema.compiled(json.loads(text))
    return _validators[minor]


def _strip_transient(notebook):
    for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
        notebook.metadata.pop(key, None)
    for cell in notebook.cells:
        cell.metadata.pop("trusted", None)


def _is_json_mime(mime):
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _rejoin(cell):
    """nbformat.v4.rwbase.rejoin_lines, for one cell."""
    if isinstance(cell.get("source"), list):
        cell.source = "".join(cell.source)
    for bundle in cell.get("attachments", {}).values():
        _rejoin_bundle(bundle)
    if cell.get("cell_type") == "code":
        for out in cell.get("outputs", []):
            kind = out.get("output_type", "")
            if kind in ("execute_result", "display_data"):
                _rejoin_bundle(out.get("data", {}))
            elif kind and isinstance(out.get("text", ""), list):
                out.text = "".join(out.text)


def _rejoin_bundle(data):
    for key, value in list(data.items()):
        if not _is_json_mime(key) and isinstance(value, list) and all(isinstance(line, str) for line in value):
            data[key] = "".join(value)


def _split(cell):
    """nbformat.v4.rwbase.split_lines, for one cell."""
    if isinstance(cell.get("source"), str):
        cell["source"] = cell["source"].splitlines(True)
    for bundle in cell.get("attachments", {}).values():
        _split_bundle(bundle)
    if cell.cell_type == "code":
        for out in cell.outputs:
            if out.output_type in ("execute_result", "display_data"):
                _split_bundle(out.get("data", {}))
            elif out.output_type == "stream" and isinstance(out.text, str):
                out.text = out.text.splitlines(True)


def _split_bundle(data):
    for key, value in list(data.items()):
        if isinstance(value, str) and (key.startswith("text/") or key in ("application/javascript", "image/svg+xml")):
            data[key] = value.splitlines(True)
