"""nbformat's validator compiled once and kept (grader/sandbox/schema.py): a notebook is accepted or refused as
nbformat alone does it, with the same messages, and a process that reads a notebook after the first no longer
compiles the schema."""
import copy
import json
import subprocess
import sys

import fastjsonschema
import nbformat
import pytest
from conftest import ROOT
from nbformat import validator

from grader.sandbox import notebook, schema

CELL = {"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {}, "outputs": [], "source": "x = 1"}
GOOD = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [CELL]}


def _changed(change):
    book = copy.deepcopy(GOOD)
    change(book)
    return book


# Notebooks that break the schema in the ways students' do, and one from a newer nbformat (the relaxed schema).
BROKEN = {
    "an unknown key in a cell": lambda b: b["cells"][0].update(bogus=1),
    "no execution_count": lambda b: b["cells"][0].pop("execution_count"),
    "an output of no known type": lambda b: b["cells"][0].update(outputs=[{"output_type": "nonsense"}]),
    "a source that is a number": lambda b: b["cells"][0].update(source=5),
    "no metadata": lambda b: b.pop("metadata"),
    "a cell id with a space": lambda b: b["cells"][0].update(id="a b"),
    "a newer minor version": lambda b: (b.update(nbformat_minor=99), b["cells"][0].update(bogus=1)),
}


def _verdict(function, data):
    try:
        function(copy.deepcopy(data))
        return "valid"
    except fastjsonschema.JsonSchemaException as exc:
        return f"{type(exc).__name__}: {exc} at {getattr(exc, 'path', None)}"


@pytest.mark.parametrize("minor", [4, 5, 99])
@pytest.mark.parametrize("broken", [None, *BROKEN])
def test_the_kept_validator_judges_as_fastjsonschema_compiles_it(tmp_path, minor, broken):
    book = _changed(BROKEN[broken]) if broken else GOOD
    schema_json = validator._get_schema_json(nbformat.v4, version=4, version_minor=min(minor, 5))
    kept = schema.compiled(schema_json, cache=tmp_path)
    assert list(tmp_path.glob("schema_*.py")), "the compiled schema was not kept"
    assert _verdict(kept, book) == _verdict(fastjsonschema.compile(schema_json), book)
    again = schema.compiled(schema_json, cache=tmp_path)  # read back from the cache this time
    assert _verdict(again, book) == _verdict(fastjsonschema.compile(schema_json), book)


READ = """
import json, sys
from pathlib import Path
import fastjsonschema
from grader.sandbox import ipynb, notebook, schema
schema.CACHE = Path(sys.argv[1])
if sys.argv[2] == "forbid":  # the schema must come from the cache: compiling it here fails the test
    def refuse(*args, **kwargs):
        raise AssertionError("the schema was compiled again")
    fastjsonschema.compile = fastjsonschema.compile_to_code = refuse
if sys.argv[2] == "plain":  # nbformat as it is, without the kept validator, reading every notebook
    schema.install = lambda: None
    ipynb.read = lambda data: None
notes = []
for path in sys.argv[3:]:
    try:
        notes.append(notebook.read(Path(path))[1])
    except notebook.NotANotebook as exc:
        notes.append("refused: " + str(exc))
print(json.dumps(notes))
"""


def _read_in_a_process(cache, mode, paths):
    done = subprocess.run([sys.executable, "-c", READ, str(cache), mode, *map(str, paths)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_notebooks_are_read_with_the_same_notes_and_the_schema_is_compiled_once(tmp_path):
    paths = []
    for index, book in enumerate([GOOD, *(_changed(change) for change in BROKEN.values())]):
        paths.append(tmp_path / f"book{index}.ipynb")
        paths[-1].write_text(json.dumps(book))
    cache = tmp_path / "cache"
    plain = _read_in_a_process(cache, "plain", paths)
    assert not cache.exists()
    assert plain[0] == [] and any("does not follow the notebook format" in str(n) for n in plain[1:])
    assert _read_in_a_process(cache, "write", paths) == plain  # the first process writes the cache
    assert list(cache.glob("schema_*.py"))
    assert _read_in_a_process(cache, "forbid", paths) == plain  # the next ones only read it


def test_a_damaged_cache_file_is_compiled_again_and_an_unwritable_cache_is_done_without(tmp_path):
    schema_json = validator._get_schema_json(nbformat.v4, version=4, version_minor=5)
    broken = _changed(BROKEN["an unknown key in a cell"])
    schema.compiled(schema_json, cache=tmp_path)
    [kept] = tmp_path.glob("schema_*.py")
    kept.write_text("def NOTEBOOK_VALIDATE(:\n")  # cut short
    for stale in tmp_path.glob("__pycache__/*.pyc"):
        stale.unlink()
    again = schema.compiled(schema_json, cache=tmp_path)
    assert _verdict(again, broken) == _verdict(fastjsonschema.compile(schema_json), broken) != "valid"
    assert schema.ROOT_NAME in kept.read_text()  # written whole again
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    assert _verdict(schema.compiled(schema_json, cache=blocked), broken) == _verdict(again, broken)


def test_nbformat_validates_reads_and_writes_with_the_kept_validator(tmp_path, monkeypatch):
    monkeypatch.setattr(schema, "CACHE", tmp_path)
    monkeypatch.setattr(validator, "validators", {})
    schema.install()
    schema.install()  # twice: the same one
    path = tmp_path / "book.ipynb"
    path.write_text(json.dumps(_changed(BROKEN["an unknown key in a cell"])))
    _, notes = notebook.read(path)
    assert "('bogus' was unexpected)" in notes[0]
    fast = [v for (name, *_), v in validator.validators.items() if name == "fastjsonschema"]
    assert fast and {type(v).__name__ for v in fast} == {"KeptFastJsonSchemaValidator"}
    with pytest.raises(nbformat.ValidationError, match="bogus"):
        nbformat.validate(nbformat.from_dict(_changed(BROKEN["an unknown key in a cell"])))
