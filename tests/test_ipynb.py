"""A notebook read and written without nbformat (grader/sandbox/ipynb.py): the same notebook and the same text as
nbformat's, or None where nbformat must convert, repair or complain; and a notebook's grading never imports it."""
import copy
import json
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT

from grader.sandbox import executed, ipynb

CELL = {"cell_type": "code", "execution_count": 3, "id": "a1", "metadata": {"trusted": True, "tags": ["x"]},
        "source": ["x = 1\n", "x"], "outputs": [
            {"output_type": "stream", "name": "stdout", "text": ["a\n", "b\n"]},
            {"output_type": "execute_result", "execution_count": 3, "metadata": {},
             "data": {"text/plain": ["1\n", "2"], "application/json": {"a": ["b\n", "c"]}}},
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": "iVBO\n", "image/svg+xml": ["<s", "/>"]}},
            {"output_type": "error", "ename": "E", "evalue": "é", "traceback": ["l1\n", "l2"]}]}
MARKDOWN = {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# ü\n\nb",
            "attachments": {"a.png": {"image/png": ["AA\n", "BB"]}}}
GOOD = {"nbformat": 4, "nbformat_minor": 5, "cells": [MARKDOWN, CELL],
        "metadata": {"signature": "s", "orig_nbformat": 3, "kernelspec": {"name": "python3", "display_name": "P"}}}


def _book(**change):
    book = copy.deepcopy(GOOD)
    for key, value in change.items():
        if key == "minor":
            book["nbformat_minor"] = value
            for cell in book["cells"] if value < 5 else ():
                cell.pop("id")
        else:
            book["cells"][1][key] = value
    return json.dumps(book)


SAME = {f"4.{minor}": _book(minor=minor) for minor in range(6)}
NBFORMAT = {  # nbformat's case: None from ipynb.read
    "a missing cell id": _book(id=None).replace('"id": null, ', ""),
    "a repeated cell id": _book(id="m1"),
    "an unknown key": _book(bogus=1),
    "a newer minor version": json.dumps({**json.loads(_book()), "nbformat_minor": 6}),
    "format 3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}),
    "a source that is a number": _book(source=5),
}


@pytest.mark.parametrize("name", SAME)
def test_a_common_notebook_is_read_and_written_as_nbformat_does(name):
    text = SAME[name]
    mine = ipynb.read(ipynb.loads(text))
    theirs = nbformat.reads(text, as_version=4)
    assert mine == theirs and mine.cells[1].source == "x = 1\nx"
    assert ipynb.writes(mine) == nbformat.writes(theirs)


@pytest.mark.parametrize("name", NBFORMAT)
def test_a_notebook_nbformat_would_change_or_refuse_is_left_to_it(name):
    assert ipynb.read(ipynb.loads(NBFORMAT[name])) is None


@pytest.mark.parametrize("kind, fields", [("stream", {"name": "stderr", "text": "t"}), ("error", {"evalue": "v"}),
                                          ("display_data", {"data": {"text/plain": "p"}}),
                                          ("execute_result", {"data": {"text/plain": "p"}, "execution_count": 2})])
def test_an_output_is_nbformats_node_with_its_keys_in_order(kind, fields):
    ours, theirs = ipynb.output(kind, **fields), nbformat.v4.new_output(kind, **fields)
    assert ours == theirs and repr(ours) == repr(theirs)


GRADE_A_NOTEBOOK = """
import sys
from pathlib import Path
from grader.sandbox import cells, executed, notebook
book, _ = notebook.read(Path(sys.argv[1]))
outputs = executed.clean_outputs([{"output_type": "stream", "name": "stdout", "text": "1"}])
run = cells.CellRun(number=1, index=1, status="ok", message="", outputs=outputs, seconds=0.1)
executed.write(book, [run], Path(sys.argv[2]))
print(sorted(name for name in sys.modules if name.split(".")[0] in ("nbformat", "jsonschema", "traitlets")))
"""


def test_a_common_notebook_is_graded_without_importing_nbformat(tmp_path):
    path = tmp_path / "book.ipynb"
    path.write_text(SAME["4.5"])
    done = subprocess.run([sys.executable, "-c", GRADE_A_NOTEBOOK, str(path), str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert json.loads((tmp_path / executed.NAME).read_text())["cells"][1]["outputs"][0]["text"] == ["1"]
