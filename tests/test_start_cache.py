"""What the sandbox's start keeps from one command to the next: bubblewrap's self-test pass (grader.sandbox.tested),
trusted only under the same key, and matplotlib's font list (grader.sandbox.fonts), built in a sandbox of its own
and never taken from one that ran a submission."""
import json
import os
import shutil
import tempfile
import types
from pathlib import Path

import pytest

from grader.sandbox import fonts, isolation, process, tested
from grader.sandbox.limits import Limits

needs_bubblewrap = pytest.mark.skipif(shutil.which("bwrap") is None or process.bubblewrap_problem() is not None,
                                      reason="needs a working bubblewrap")


@pytest.fixture
def kept(tmp_path, monkeypatch):
    """The self-test's record in a folder of the test's own, and a count of the self-tests run (each a pass)."""
    monkeypatch.setattr(tested, "KEPT", tmp_path / "pycache" / "passed.json")
    boot = tmp_path / "boot_id"
    boot.write_text("first boot\n")
    monkeypatch.setattr(tested, "SETTINGS", (str(boot), *tested.SETTINGS[1:]))
    runs = []
    monkeypatch.setattr(process, "_self_test", lambda: runs.append(1))  # (None: passed)
    monkeypatch.setattr(process.shutil, "which", lambda name: "/bin/true" if name == "bwrap" else shutil.which(name))
    process.bubblewrap_problem.cache_clear()
    yield runs, boot
    process.bubblewrap_problem.cache_clear()


def _problem():
    process.bubblewrap_problem.cache_clear()  # as a new command (a new process) asks
    return process.bubblewrap_problem()


def test_a_pass_is_kept_for_the_next_command_and_tested_again_once_its_key_changes(kept, monkeypatch):
    runs, boot = kept
    assert _problem() is None and len(runs) == 1
    assert _problem() is None and len(runs) == 1  # the next command: kept
    boot.write_text("second boot\n")  # a reboot (or a kernel setting among SETTINGS changed)
    assert _problem() is None and len(runs) == 2
    assert _problem() is None and len(runs) == 2
    monkeypatch.setattr(process, "PROBE", process.PROBE + "assert True\n")  # the probe, hence the sandbox's code
    assert _problem() is None and len(runs) == 3
    monkeypatch.setattr(isolation, "switches_user", lambda: not isolation.os.geteuid() == 0)  # another user mode
    assert _problem() is None and len(runs) == 4


def test_a_changed_bwrap_binary_is_tested_again(kept, tmp_path, monkeypatch):
    runs, _ = kept
    binary = tmp_path / "bwrap"
    binary.write_bytes(b"#!/bin/sh\n")
    monkeypatch.setattr(process.shutil, "which", lambda name: str(binary))
    assert _problem() is None and len(runs) == 1
    assert _problem() is None and len(runs) == 1
    binary.write_bytes(b"#!/bin/sh\nexit 0\n")  # upgraded: another size and time
    assert _problem() is None and len(runs) == 2


def test_a_failed_self_test_is_never_kept(kept, monkeypatch):
    runs, _ = kept
    monkeypatch.setattr(process, "_self_test", lambda: runs.append(1) or "bubblewrap's self-test failed: no")
    monkeypatch.setattr(isolation, "switches_user", lambda: False)
    assert _problem() == "bubblewrap's self-test failed: no"
    assert _problem() == "bubblewrap's self-test failed: no" and len(runs) == 2
    assert not tested.KEPT.exists()


def test_a_kept_file_that_is_not_a_list_of_digests_is_not_trusted(kept):
    runs, _ = kept
    tested.KEPT.parent.mkdir()
    for text in ("{not json", json.dumps({"digest": True}), json.dumps([1, 2])):
        tested.KEPT.write_text(text)
        assert _problem() is None
    assert len(runs) == 3


@needs_bubblewrap
def test_bwrap_failing_to_start_forgets_every_kept_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(tested, "KEPT", tmp_path / "passed.json")
    tested.remember("a" * 64)
    assert tested.passed("a" * 64)
    monkeypatch.setattr(isolation, "bubblewrap_command", lambda *args, **kwargs: ["/bin/false"])
    (tmp_path / "work").mkdir()
    sandbox = process.Sandbox(tmp_path, Limits(isolation="bubblewrap"), isolation="bubblewrap")
    with pytest.raises(process.ChildDied):
        sandbox.start()
    sandbox.stop()
    assert not tested.passed("a" * 64)


def test_the_font_list_is_keyed_by_the_fonts_a_sandbox_sees(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "fonts"
    folder.mkdir()
    monkeypatch.setattr(fonts, "FONT_FOLDERS", (str(folder),))
    fonts.key.cache_clear()
    try:
        before = fonts.key()
        (folder / "New.ttf").write_bytes(b"\0" * 10)  # a font installed: the list is built again
        fonts.key.cache_clear()
        assert fonts.key() != before
    finally:
        fonts.key.cache_clear()


def test_the_font_list_and_artist_tables_are_built_again_once_a_package_is_installed(tmp_path, monkeypatch):
    package = tmp_path / "site-packages" / "matplotlib"  # (the backends' entry points are recorded with them)
    package.mkdir(parents=True)
    for name in ("__init__.py", "font_manager.py", "_afm.py"):
        (package / name).write_text("")
    monkeypatch.setattr(fonts.importlib.util, "find_spec",
                        lambda name: types.SimpleNamespace(origin=str(package / "__init__.py")))
    fonts.key.cache_clear()
    try:
        before = fonts.key()
        (package.parent / "backends-1.0.dist-info").mkdir()
        fonts.key.cache_clear()
        assert fonts.key() != before
    finally:
        fonts.key.cache_clear()


def test_the_font_list_and_artist_tables_are_built_again_for_another_loader(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    here = Path(fonts.__file__).parent
    for name in ("fonts.py", "isolation.py", "loader.py"):
        shutil.copyfile(here / name, tmp_path / name)
    monkeypatch.setattr(fonts, "__file__", str(tmp_path / "fonts.py"))
    fonts.key.cache_clear()
    try:
        before = fonts.key()
        with open(tmp_path / "loader.py", "a") as f:  # the code that records the Artist classes' tables changed
            f.write("\n# another recording\n")
        fonts.key.cache_clear()
        assert fonts.key() != before
    finally:
        fonts.key.cache_clear()


def _sandbox_probe(probe, seeded):
    """Run `probe` in a bubblewrap sandbox (the runtime's probe runner); `seeded`: its runtime has the cached font
    list. Returns (exit status, its standard error)."""
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "work").mkdir()
        (Path(scratch) / "work" / "probe.py").write_text(probe)
        sandbox = process.Sandbox(scratch, Limits(isolation="bubblewrap"), isolation="bubblewrap")
        if not seeded:
            for found in [*sandbox.runtime.glob("fontlist-v*.json"), *sandbox.runtime.glob(fonts.ARTIST_DOCS)]:
                found.unlink()
        sandbox.program = "selftest.py"
        sandbox.start()
        status = sandbox.process.wait(timeout=60)
        sandbox.stop()
        return status, sandbox.outputs[1]


LIST_OF = """import json, os, sys, time
sys.path.insert(0, "/sandbox/runtime")
import loader
fonts_read = []  # a font list that is built reads each font's metrics (the AFM files: Python's open)
sys.addaudithook(lambda event, args: event == "open" and str(args[0]).endswith(".afm") and fonts_read.append(1))
loader.warm_plotting()
folder = os.environ["MPLCONFIGDIR"]
name = [n for n in os.listdir(folder) if n.startswith("fontlist")][0]
seeded, built = os.path.exists("/sandbox/runtime/" + name), bool(fonts_read)
with open(os.path.join(folder, name)) as f:
    print("LIST " + json.dumps({"built": built, "seeded": seeded, "list": json.load(f)}), file=sys.stderr)
"""


def _list(stderr):
    return json.loads(next(line for line in stderr.splitlines() if line.startswith("LIST "))[5:])


@needs_bubblewrap
def test_a_sandbox_reads_the_cached_font_list_which_is_the_one_it_would_build(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(fonts, "CACHE", tmp_path / "fonts")
    assert fonts.cached() is None and process.build_fonts() is not None and fonts.cached() is not None
    status, stderr = _sandbox_probe(LIST_OF, seeded=True)
    assert status == 0, stderr
    seeded = _list(stderr)
    assert seeded["seeded"] and not seeded["built"]  # matplotlib read it, did not scan the fonts again
    status, stderr = _sandbox_probe(LIST_OF, seeded=False)
    assert status == 0, stderr
    own = _list(stderr)
    assert own["built"] and not own["seeded"]
    # The same fonts, found the same way (in an order that varies from one build to the next: a set's, under
    # `python -I`'s random hash seed), so the same figures.
    for entries in ("ttflist", "afmlist"):
        assert sorted(map(json.dumps, own["list"].pop(entries))) == sorted(map(json.dumps, seeded["list"].pop(entries)))
    assert own["list"] == seeded["list"]


@needs_bubblewrap
def test_a_submission_that_rewrites_its_font_list_changes_no_other_sandbox(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(fonts, "CACHE", tmp_path / "fonts")
    cached = process.build_fonts()
    original, docs = cached.read_bytes(), (cached.parent / fonts.ARTIST_DOCS).read_bytes()
    attack = """import os, glob
for path in glob.glob(os.environ["MPLCONFIGDIR"] + "/fontlist*") + glob.glob("/sandbox/runtime/*.json"):
    try:
        open(path, "w").write('{"_version": "evil"}')
    except OSError as exc:
        print("refused", path, exc)
"""
    status, stderr = _sandbox_probe("import sys\nsys.path.insert(0, '/sandbox/runtime')\nimport loader\n"
                                    "loader.warm_plotting()\n" + attack, seeded=True)
    assert status == 0, stderr
    assert cached.read_bytes() == original and fonts.cached() == cached
    assert (cached.parent / fonts.ARTIST_DOCS).read_bytes() == docs
    assert os.access(cached, os.R_OK)


DOCS_OF = """import hashlib, inspect, json, os, sys
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # (as loader.warm_plotting sets it)
sys.path.insert(0, "/sandbox/runtime")
import loader
docs = loader._ArtistDocs("/sandbox/runtime/" + loader.ARTIST_DOCS)
loader._import_plotting(docs)
import matplotlib.artist, matplotlib._docstring, matplotlib.pyplot as plt
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
made = {f"{c.__module__}.{c.__qualname__}": [c.set.__doc__, str(inspect.signature(c.set))]
        for c in {matplotlib.artist.Artist, *subclasses(matplotlib.artist.Artist)}}
made["interpd"] = sorted((k, str(v)) for k, v in matplotlib._docstring.interpd.params.items())
made["plot"] = [plt.plot.__doc__, plt.Axes.plot.__doc__, plt.Figure.__init__.__doc__]
from matplotlib.backends.registry import backend_registry as registry
made["backends"] = [sorted(registry._backend_to_gui_framework.items()), sorted(registry._name_to_module.items()),
                    registry._loaded_entry_points, "_read_entry_points" in registry.__dict__]
made = {name: hashlib.sha256(json.dumps(text).encode()).hexdigest()[:16] for name, text in made.items()}
made["kwdoc"] = [matplotlib.artist.kwdoc is docs.real, docs.answered]
made["setters"] = [matplotlib.artist.ArtistInspector is docs.inspector, docs.listed]
made["metadata"] = "importlib.metadata" in sys.modules  # (what matplotlib imports to read the entry points)
print("DOCS " + json.dumps(made), file=sys.stderr)  # (digests: the standard error kept is bounded)
"""


@needs_bubblewrap
def test_matplotlib_imported_ahead_with_the_recorded_tables_makes_the_docstrings_it_makes_without(tmp_path,
                                                                                                  monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(fonts, "CACHE", tmp_path / "fonts")
    assert (process.build_fonts().parent / fonts.ARTIST_DOCS).is_file()
    runs = {}
    for seeded in (True, False):
        status, stderr = _sandbox_probe(DOCS_OF, seeded=seeded)
        assert status == 0, stderr
        runs[seeded] = json.loads(next(line for line in stderr.splitlines() if line.startswith("DOCS "))[5:])
    (restored, answered), (_, unseeded) = runs[True].pop("kwdoc"), runs[False].pop("kwdoc")
    assert restored and answered > 100 and unseeded == 0  # matplotlib's own kwdoc again after the import
    (restored, listed), (_, unseeded) = runs[True].pop("setters"), runs[False].pop("setters")
    assert restored and listed > 100 and unseeded == 0  # each `set`'s signature made of the recorded setters
    assert not runs[True].pop("metadata") and runs[False].pop("metadata")  # the backends' entry points recorded
    assert len(runs[True]) > 100 and runs[True] == runs[False]


def _bits(value):
    """A value as its exact bits and types (arrays: dtype, shape, bytes), for comparing two reads of it."""
    import numpy as np
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes(), value.flags.c_contiguous)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_bits(v) for v in value])
    if isinstance(value, dict):
        return ("dict", [(k, _bits(v)) for k, v in value.items()])
    return (type(value).__name__, repr(value))


def _fixtures_bits(loaded):
    return [(f.function, f.name, f.visibility, f.describe, _bits(f.args), _bits(f.expected))
            for function in loaded for f in loaded[function]]


@pytest.fixture
def fixtures_copy(tmp_path, monkeypatch):
    copy = tmp_path / "fixtures"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "rnn", copy)
    return copy


def _parsed(monkeypatch):
    """A count of the fixture files parsed from JSON from now on."""
    from grader import fixtures
    parsed, loads = [], fixtures.json.loads

    def counted(text, *args, **kwargs):
        value = loads(text, *args, **kwargs)
        if isinstance(value, dict) and "function" in value:  # a fixture file's record
            parsed.append(1)
        return value
    monkeypatch.setattr(fixtures.json, "loads", counted)
    return parsed


def _graded_with(folder, visibility):
    """The fixtures a grading of a new command works with (grade._fixtures, nothing read in this process yet)."""
    from grader import grade
    grade._LOADED.clear()
    return grade._fixtures(folder, visibility)[1]


def test_fixtures_kept_in_binary_are_the_same_bits_and_are_not_parsed_again(fixtures_copy, monkeypatch):
    from grader import fixtures
    from grader.sandbox import kept
    parsed = _parsed(monkeypatch)
    for visibility in ("public", "hidden"):
        first = _graded_with(fixtures_copy, visibility)
        files = len(parsed)
        assert files == len(list((fixtures_copy / visibility).glob("*/*.json"))) > 0
        assert (kept.FOLDER / kept.named(f"fixtures-{visibility}", fixtures_copy)).is_file()
        again = _graded_with(fixtures_copy, visibility)
        assert len(parsed) == files  # read from the kept copy
        assert _fixtures_bits(again) == _fixtures_bits(first) == _fixtures_bits(fixtures.load(fixtures_copy,
                                                                                              visibility))
        arrays = [array for found in again.values() for f in found
                  for array in fixtures.arrays((f.args, f.expected)).values()]
        assert arrays and all(array.base is not None and not array.flags.writeable for array in arrays)
        parsed.clear()


def test_a_fixture_written_again_is_read_again_and_a_broken_kept_copy_is_not_trusted(fixtures_copy, monkeypatch):
    from grader.sandbox import kept
    _graded_with(fixtures_copy, "public")
    path = sorted((fixtures_copy / "public").glob("*/*.json"))[0]
    record = json.loads(path.read_text())
    record["describe"] = "written again by make fixtures"
    path.write_text(json.dumps(record))
    parsed = _parsed(monkeypatch)
    loaded = _graded_with(fixtures_copy, "public")
    assert len(parsed) > 0 and any(f.describe == "written again by make fixtures"
                                   for found in loaded.values() for f in found)
    copy = kept.FOLDER / kept.named("fixtures-public", fixtures_copy)
    for broken in (b"not a kept file", copy.read_bytes()[: len(copy.read_bytes()) // 2]):
        copy.write_bytes(broken)
        parsed.clear()
        assert _fixtures_bits(_graded_with(fixtures_copy, "public")) == _fixtures_bits(loaded)
        assert len(parsed) > 0


ISOLATED = '''
import os, socket
assert os.path.exists(os.path.basename(__file__)), "its own file is not in its work folder"
assert not os.path.exists({grader!r} + "/__init__.py"), "the grader's code is visible"
assert os.getpid() <= 3, "there is no PID namespace"
assert [name for _, name in socket.if_nameindex()] == ["lo"], "a network interface is visible"
'''


@pytest.fixture
def first_grading(monkeypatch):
    """A process's first grading (no zygote to fork from); records the sandboxes started and the intakes, in order."""
    from grader.sandbox import intake, spare
    monkeypatch.setattr(process.Sandbox, "forks", None)
    events, start, take_in = [], spare.start, intake.take_in

    def started(*args):
        events.append(("start", args[-1], start(*args)))
        return events[-1][2]
    monkeypatch.setattr(spare, "start", started)
    monkeypatch.setattr(intake, "take_in", lambda *a, **k: events.append(("intake",)) or take_in(*a, **k))
    return events


@needs_bubblewrap
def test_a_first_grading_starts_its_sandbox_before_the_intake_and_it_is_as_isolated(tmp_path, rnn, first_grading):
    from conftest import CORRECT

    from grader.grade import grade
    submission = tmp_path / "student.py"
    submission.write_text(CORRECT + ISOLATED.format(grader=str(Path(process.__file__).parents[1])))
    graded = grade(submission, rnn, Limits(isolation="bubblewrap"))
    assert [event[:2] for event in first_grading] == [("start", "module"), ("intake",)]
    assert graded.load_error is None, graded.load_error
    assert graded.isolation == "bubblewrap"
    assert all(r.status == "passed" for r in graded.results), [r for r in graded.results if r.status != "passed"]
    assert not first_grading[0][2].alive


@needs_bubblewrap
def test_a_sandbox_started_before_a_submission_that_is_refused_is_stopped(tmp_path, rnn, first_grading):
    from grader.grade import grade
    broken = tmp_path / "student.ipynb"
    broken.write_text("{ not json")
    graded = grade(broken, rnn, Limits(isolation="bubblewrap"))
    assert graded.load_error["type"] == "NotGradable" or graded.submission.problem
    sandbox = first_grading[0][2]
    assert first_grading[0][1] == "notebook" and sandbox is not None and not sandbox.alive
    assert not sandbox.scratch.exists()


COMPILED = """import importlib.machinery, sys
compiled = []
source_to_code = importlib.machinery.SourceFileLoader.source_to_code
def counted(self, data, path, *args, **kwargs):
    compiled.append(path)
    return source_to_code(self, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = counted
sys.path.insert(0, "/sandbox/runtime")
import confine, loader, wire
print("COMPILED " + " ".join(sorted(p.rsplit("/", 1)[-1] for p in compiled)), file=sys.stderr)
"""


@needs_bubblewrap
def test_a_sandbox_imports_its_runtime_compiled_by_the_grader_and_compiles_a_changed_one(tmp_path):
    import py_compile
    import importlib.util
    for name in ("confine.py", "loader.py", "wire.py"):  # (as `make setup` does)
        source = Path(process.__file__).with_name(name)
        py_compile.compile(str(source), importlib.util.cache_from_source(str(source)), doraise=True)
    for stale in (False, True):
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "work").mkdir()
            (Path(scratch) / "work" / "probe.py").write_text(COMPILED)
            sandbox = process.Sandbox(scratch, Limits(isolation="bubblewrap"), isolation="bubblewrap")
            assert (sandbox.runtime / "wire.py").read_bytes() == Path(process.__file__).with_name("wire.py").read_bytes()
            if stale:  # a source changed since it was compiled: its compiled module is not used
                (sandbox.runtime / "loader.py").write_text((sandbox.runtime / "loader.py").read_text() + "\n# changed\n")
            sandbox.program = "selftest.py"
            sandbox.start()
            status = sandbox.process.wait(timeout=60)
            sandbox.stop()
        said = [line for line in sandbox.outputs[1].splitlines() if line.startswith("COMPILED")]
        assert status == 0 and said == ["COMPILED " + ("loader.py" if stale else "")], sandbox.outputs[1]
