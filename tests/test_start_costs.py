"""What every grading pays before its checks: the property tests' examples stored by `make fixtures` (no hypothesis
in a grading whose examples all pass, the same report as when they are drawn), and the command line's sandbox
started ahead in a thread, taken by the grading and stopped with it."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CORRECT, FAST, ROOT, mutate

from grader import assignment, fixtures, report
from grader.checks import kinds, properties
from grader.checks.gradcheck import numeric_gradient
from grader.grade import grade
from grader.sandbox import process


def _entry(folder):
    return json.loads((folder / fixtures.EXAMPLES).read_text())["properties"][0]


@pytest.mark.parametrize("name", ["rnn", "rnn_layers"])
def test_the_stored_examples_are_what_hypothesis_draws_here(name):
    chosen = assignment.find(name)
    entry = _entry(chosen.fixtures)
    sizes, count = chosen.standard.sizes(), chosen.settings["properties"]["max_examples"]
    assert entry["strategy"] == sizes.describe() and entry["max_examples"] == count
    assert entry["hypothesis"] == properties.hypothesis_version()
    drawn = properties.draw(sizes, count)
    assert [sizes.case(**fields) for fields in entry["examples"]] == drawn
    assert len(drawn) == count and len(set(drawn)) == count


def test_check_fixtures_names_edited_or_missing_examples(rnn, tmp_path):
    copy = tmp_path / "rnn"
    fixtures.generate(rnn, copy)
    assert fixtures.check(rnn, copy) == []
    stored = json.loads((copy / fixtures.EXAMPLES).read_text())
    stored["properties"][0]["examples"][3]["m"] += 1
    (copy / fixtures.EXAMPLES).write_text(json.dumps(stored))
    drift = fixtures.check(rnn, copy)
    assert drift[0] == "properties.json: on disk differs from its manifest entry (edited by hand?)"
    assert drift[1].startswith("properties.json: the property tests' examples drifted (builds(cases.Case, seed=")
    (copy / fixtures.EXAMPLES).unlink()
    assert fixtures.check(rnn, copy) == ["properties.json: missing on disk"]


def test_examples_stored_by_another_hypothesis_or_for_other_sizes_are_not_used(rnn, monkeypatch):
    sizes, count = rnn.standard.sizes(), rnn.settings["properties"]["max_examples"]
    stored = fixtures.stored_examples(rnn.fixtures)
    monkeypatch.setattr(properties, "_EXAMPLES", {})
    assert not properties.use(stored, sizes, count + 1)
    assert not properties.use(stored, properties.Sizes(sizes.case, sizes.ranges[:-1]), count)
    monkeypatch.setattr(properties, "hypothesis_version", lambda: "0.0.1")
    assert not properties.use(stored, sizes, count)
    assert properties._EXAMPLES == {}
    monkeypatch.undo()
    monkeypatch.setattr(properties, "_EXAMPLES", {})
    assert properties.use(stored, sizes, count) and len(properties._EXAMPLES[sizes, count]) == count



def test_a_grading_takes_the_numeric_gradients_that_make_fixtures_stored(rnn, monkeypatch):
    """The gradient checks compare with the reference's numeric gradients read from gradients.json, the very numbers
    computing them gives; on another [gradcheck] case than the stored one, they are computed."""
    computed = []
    monkeypatch.setattr(kinds, "numeric_gradient", lambda loss, x: computed.append(x) or numeric_gradient(loss, x))
    fresh = assignment.load(rnn.folder)  # (its own Standard: nothing made yet)
    graded = grade(ROOT / "submissions" / "correct.py", fresh, FAST)
    gradchecks = [r for r in graded.results if r.id.endswith(".gradcheck")]
    assert len(gradchecks) == 4 and all(r.status == "passed" for r in gradchecks)
    assert computed == []
    case, stored = fixtures.stored_gradients(fresh.fixtures)
    made = fresh.standard.gradients_record()[1]
    assert len(computed) == sum(len(g) for g in stored.values()) == 31
    assert all(np.array_equal(made[f][key], stored[f][key]) for f in stored for key in stored[f])
    other = assignment.load(rnn.folder)
    other.settings["gradcheck"]["case"] = {**case, "seed": case["seed"] + 1}
    other.standard.prepare(None, (case, stored))
    other.standard.ahead(["rnn_cell_backward.gradcheck"])
    assert len(computed) == 31 + len(stored["rnn_cell_backward"])


def test_check_fixtures_names_edited_or_missing_gradients(rnn, tmp_path):
    copy = tmp_path / "rnn"
    fixtures.generate(rnn, copy)
    record = json.loads((copy / fixtures.GRADIENTS).read_text())
    record["expected"]["$dict"]["rnn_backward"]["$dict"]['gradients["da0"]']["$array"][0][0] += 1e-6
    (copy / fixtures.GRADIENTS).write_text(json.dumps(record))
    assert fixtures.check(rnn, copy) == [
        "gradients.json: ['expected']['rnn_backward']['gradients[\"da0\"]'] drifted (recipe the reference's numeric"
        " gradients on [gradcheck] case {'seed': 4001, 'n_x': 2, 'n_a': 3, 'n_y': 2, 'm': 2, 'T_x': 3})",
        "gradients.json: ['expected']['rnn_backward']['gradients[\"da0\"]'] on disk differs from its manifest entry"
        " (edited by hand?)"]
    (copy / fixtures.GRADIENTS).unlink()
    assert fixtures.check(rnn, copy) == ["gradients.json: missing on disk"]

# Wrong for a batch of one example (m = 1): a property test fails on its simplest example, the first one tried.
WRONG = mutate("a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)",
               "a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)\n"
               "    a_next = a_next if a_next.shape[1] > 1 else a_next * 0.5")
# Wrong for a batch of more than one example: a later example fails, and hypothesis shrinks it.
WRONG_LATER = mutate("a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)",
                     "a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)\n"
                     "    a_next = a_next if a_next.shape[1] < 2 else a_next * 0.5")


def _checks(document):
    return [(c["id"], c["status"], c["points"], c["message"]) for c in document["checks"]]


def test_stored_examples_give_the_report_that_drawing_them_gives(rnn, tmp_path, monkeypatch):
    path = tmp_path / "student.py"
    path.write_text(WRONG)
    monkeypatch.setattr(properties, "_EXAMPLES", {})
    stored = _checks(report.build(grade(path, rnn, FAST), rnn, FAST))
    assert (rnn.standard.sizes(), rnn.settings["properties"]["max_examples"]) in properties._EXAMPLES
    monkeypatch.setattr(properties, "_EXAMPLES", {})
    monkeypatch.setattr(fixtures, "stored_examples", lambda folder: {})
    drawn = _checks(report.build(grade(path, rnn, FAST), rnn, FAST))
    assert stored == drawn
    check = next(c for c in stored if c[0] == "rnn_cell_forward.properties")
    assert check[1] == "failed" and check[3].startswith("fails for Case(seed=0, n_x=1, n_a=1, n_y=1, m=1, T_x=1)")


@pytest.mark.parametrize("source", [WRONG, WRONG_LATER])
def test_a_failing_simplest_example_is_reported_as_hypothesis_shrinking_reports_it(rnn, tmp_path, monkeypatch, source):
    """The first example tried is the simplest one (each integer nearest 0 in its range): where it fails, the report
    is what hypothesis's shrinking gives, without running it."""
    path = tmp_path / "student.py"
    path.write_text(source)
    unshrunk = _checks(report.build(grade(path, rnn, FAST), rnn, FAST))
    monkeypatch.setattr(properties.Sizes, "simplest", lambda sizes: None)  # hypothesis shrinks every failure
    assert _checks(report.build(grade(path, rnn, FAST), rnn, FAST)) == unshrunk
    check = next(c for c in unshrunk if c[0] == "rnn_cell_forward.properties")
    assert check[1] == "failed" and check[3].startswith("fails for Case(seed=0, n_x=1, n_a=1, n_y=1, m=")


# The command line, in a new process: which heavy modules it imported, and every sandbox it started and stopped.
COMMAND = """import json, sys, threading
from grader.sandbox import process
started, stopped = [], []
start, stop = process.Sandbox.start, process.Sandbox.stop
def counted_start(sandbox):
    start(sandbox)
    started.append((threading.current_thread().name, str(sandbox.scratch), sandbox.process.pid, sandbox.warm))
def counted_stop(sandbox):
    stopped.append(sandbox.process and sandbox.process.pid)
    stop(sandbox)
process.Sandbox.start, process.Sandbox.stop = counted_start, counted_stop
from grader import cli
code = cli.main(sys.argv[1:])
print("RESULT", json.dumps([[m for m in ("hypothesis", "trio", "pytest") if m in sys.modules], started, stopped]),
      file=sys.stderr)
sys.exit(code)
"""


def _command(tmp_path, source, name="student.py"):
    path = tmp_path / name
    path.write_text(source)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run([sys.executable, "-c", COMMAND, "grade", str(path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "TMPDIR": str(scratch)},
                          timeout=120)
    line = [x for x in done.stderr.splitlines() if x.startswith("RESULT ")]
    assert line, done.stderr
    imported, started, stopped = json.loads(line[0][len("RESULT "):])
    left = [pid for pid in _pids() if _cwd(pid).startswith(str(scratch))]
    return done, imported, started, stopped, left, scratch


# Printed by a process at its end: its threads that Python did not start (OpenBLAS starts one for each further core,
# which stay). A thread of Python's that has just ended is still the system's for a moment: counted again until none.
THREADS = ("\nimport time\nfor _ in range(100):\n    left = len(os.listdir('/proc/self/task')) - threading.active_count()\n"
           "    if left <= 0:\n        break\n    time.sleep(0.01)\nprint('THREADS', left)")


def _blas_unset():
    """This environment without its BLAS thread settings: each library's default, as a user's shell has."""
    return {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}


def test_the_command_lines_grader_runs_numpys_blas_without_threads_of_its_own(tmp_path):
    """A `grade` command's process imports numpy, whose OpenBLAS would start a thread for each further core, spinning
    for work beside the sandbox's child as both start; it runs on one thread, as the sandbox's child and a batch's
    workers do. (On a machine of one core OpenBLAS starts none.)"""
    code = "import os, sys, threading\nfrom grader import cli\nprint('CODE', cli.main(sys.argv[1:]))" + THREADS
    done = subprocess.run([sys.executable, "-c", code, "grade", "submissions/correct.py", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, env=_blas_unset(), timeout=120)
    assert done.stdout.splitlines()[-2:] == ["CODE 0", "THREADS 0"], done.stdout + done.stderr


def test_a_batchs_parent_runs_numpys_blas_without_threads_of_its_own(tmp_path):
    """`grade-all`'s own process imports numpy too (the assignment's load): on one thread, as its workers'."""
    (tmp_path / "class").mkdir()
    shutil.copy(ROOT / "submissions" / "correct.py", tmp_path / "class" / "ada.py")
    code = ("import os, sys, threading\nfrom grader import cli\ncli.main(sys.argv[1:])" + THREADS)
    done = subprocess.run([sys.executable, "-c", code, "grade-all", str(tmp_path / "class"), "--out",
                           str(tmp_path / "out"), "--workers", "1"], capture_output=True, text=True, cwd=ROOT,
                          env=_blas_unset(), timeout=120)
    assert done.stdout.splitlines()[-1] == "THREADS 0", done.stdout + done.stderr


def test_the_gradescope_autograder_starts_its_sandbox_before_numpy_and_runs_its_blas_on_one_thread(tmp_path):
    """As `grader grade`: the sandbox starts while numpy and the grading code are imported, and that numpy's
    OpenBLAS starts no thread of its own."""
    course = tmp_path / "course"  # one assignment, as in the bundle
    for part in ("reference", "fixtures"):
        shutil.copytree(ROOT / part / "rnn", course / part / "rnn", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "rnn.py").write_text(CORRECT)
    code = ("import os, sys, threading\nfrom grader.sandbox import spare\nstart = spare.start_ahead\n"
            "spare.start_ahead = lambda *a: print('NUMPY', 'numpy' in sys.modules) or start(*a)\n"
            "from grader.platforms import autograder\nautograder.main()" + THREADS)
    environment = {**_blas_unset(), "GRADER_COURSE": str(course), "AUTOGRADER_ROOT": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=environment,
                          timeout=120)
    lines = done.stdout.splitlines()
    assert "NUMPY False" in lines and lines[-1] == "THREADS 0", done.stdout + done.stderr
    assert json.loads((tmp_path / "results" / "results.json").read_text())["score"] == 72


def _pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _cwd(pid):
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def test_the_command_line_grades_in_the_sandbox_it_started_ahead_and_leaves_nothing_running(tmp_path):
    done, imported, started, stopped, left, scratch = _command(tmp_path, CORRECT)
    assert done.returncode == 0, done.stderr
    assert imported == []  # no example failed: hypothesis (and its plugins' trio and pytest) never imported
    graded = [s for s in started if "selftest" not in s[1]]
    assert len(graded) == 1, started  # the sandbox started ahead is the one the submission ran in
    if graded[0][0] == "sandbox-ahead":  # (bubblewrap: process isolation keeps no sandbox started ahead)
        assert graded[0][2] in stopped
    assert left == [] and list(scratch.iterdir()) == []
    document = json.loads((tmp_path / "out" / "report.json").read_text())
    assert document["score"] == document["max_score"] + document["extra_credit_max"]


@pytest.mark.parametrize("source, imports", [(WRONG_LATER, ["hypothesis"]), (WRONG, [])])
def test_the_command_line_shrinks_a_failing_example_with_hypothesis_and_its_plugins_off(tmp_path, source, imports):
    """(A failure of the simplest example needs no shrinking: hypothesis is not even imported.)"""
    done, imported, started, stopped, left, scratch = _command(tmp_path, source)
    assert done.returncode == 0, done.stderr
    assert imported == imports  # HYPOTHESIS_NO_PLUGINS while it is imported: no trio, no pytest
    assert left == [] and list(scratch.iterdir()) == []
    document = json.loads((tmp_path / "out" / "report.json").read_text())
    check = next(c for c in document["checks"] if c["id"] == "rnn_cell_forward.properties")
    assert check["status"] == "failed" and check["message"].startswith("fails for Case(seed=0, n_x=1")
    assert "HYPOTHESIS_NO_PLUGINS" not in os.environ


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_the_self_test_runs_its_probe_without_the_childs_imports_and_says_what_failed(monkeypatch):
    light = process.PROBE + 'import sys\nassert "numpy" not in sys.modules, "numpy was imported"\n'
    monkeypatch.setattr(process, "PROBE", light)
    assert process._self_test() is None
    monkeypatch.setattr(process, "PROBE", process.PROBE.replace("os.getuid() != 0", "os.getuid() == 12345"))
    assert process._self_test() == "bubblewrap's self-test failed: AssertionError: the child is root"


def test_a_notebook_that_plots_is_graded_in_a_sandbox_that_imported_matplotlib_ahead(tmp_path):
    import nbformat
    cells = [CORRECT, "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()"]
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    done, imported, started, stopped, left, scratch = _command(tmp_path, nbformat.writes(book), "student.ipynb")
    assert done.returncode == 0, done.stderr
    graded = [s for s in started if "selftest" not in s[1]]
    assert len(graded) == 1 and graded[0][3] == "plotting", started
    assert left == [] and list(scratch.iterdir()) == []
    document = json.loads((tmp_path / "out" / "report.json").read_text())
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    executed = nbformat.read(tmp_path / "out" / "executed.ipynb", as_version=4)
    assert "image/png" in executed.cells[1].outputs[-1]["data"]  # the inline backend, as without the head start


def test_the_grader_command_ends_at_once_with_its_status_its_whole_output_and_nothing_left(tmp_path):
    """`grader grade` ends without the interpreter's teardown (cli.end_at_once): its standard output (a pipe,
    block-buffered) still arrives whole, its status is --fail-under's, and its sandboxes and folders are gone, the
    one started ahead of a grading that was refused included (stopped by an exit handler)."""
    path = tmp_path / "student.py"
    path.write_text(WRONG)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(path), "--out", str(tmp_path / "out"),
                           "--fail-under", "100"], capture_output=True, text=True, cwd=ROOT,
                          env={**environment, "TMPDIR": str(scratch)}, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("student: ") and done.stdout.rstrip().endswith(str(tmp_path / "out" / "report.md"))
    assert "is below --fail-under 100%" in done.stderr
    assert [pid for pid in _pids() if _cwd(pid).startswith(str(scratch))] == [] and list(scratch.iterdir()) == []
    assert json.loads((tmp_path / "out" / "report.json").read_text())["score"] > 0
    course = tmp_path / "course"  # no hidden fixtures: refused after its sandbox was started ahead
    shutil.copytree(ROOT / "reference", course / "reference")
    shutil.copytree(ROOT / "fixtures" / "rnn", course / "fixtures" / "rnn", ignore=shutil.ignore_patterns("hidden"))
    refused = subprocess.run([sys.executable, "-m", "grader", "--course", str(course), "grade", str(path),
                              "--assignment", "rnn"], capture_output=True, text=True, cwd=ROOT,
                             env={**environment, "TMPDIR": str(scratch)}, timeout=120)
    assert refused.returncode == 2 and "run `make fixtures`" in refused.stderr, refused.stderr
    assert [pid for pid in _pids() if _cwd(pid).startswith(str(scratch))] == [] and list(scratch.iterdir()) == []


# rnn_forward that hands its cell the previous step's input: its callbacks are none of those foreseen.
OTHER_CALLS = mutate("rnn_cell_forward(x[:, :, t], a_next, parameters)",
                     "rnn_cell_forward(x[:, :, max(t - 1, 0)], a_next, parameters)")


@pytest.mark.parametrize("source", [CORRECT, OTHER_CALLS], ids=["right", "other_calls"])
def test_callbacks_foreseen_while_the_sandbox_starts_answer_a_right_submission_and_change_no_report(
        rnn, tmp_path, monkeypatch, source):
    """grade._prepare works out the reference's answers to the callbacks a right submission's checks will make
    (grader.sandbox.foreseen): a right submission's first grading finds every one of them remembered; any submission gets
    the report it gets when nothing is foreseen."""
    from grader.sandbox import foreseen
    from grader import grade as grading
    from grader.sandbox import answers
    path = tmp_path / "student.py"
    path.write_text(source)
    reports, counts, callers = {}, {}, foreseen.callers
    for foresee in (False, True):
        monkeypatch.setattr(answers, "REFERENCE", answers.Answers())
        monkeypatch.setattr(answers, "ASKED", answers.Asked())  # a first grading each: nothing sealed along
        monkeypatch.setattr(answers, "FORESEEN", answers.Asked())
        monkeypatch.setattr(grading, "_FORESEEN", grading.weakref.WeakKeyDictionary())
        monkeypatch.setattr(foreseen, "callers", callers if foresee else lambda assignment: {})
        reports[foresee] = _checks(report.build(grade(path, rnn, FAST), rnn, FAST))
        counts[foresee] = answers.REFERENCE.found, answers.REFERENCE.asked
    if source is CORRECT:  # every callback of the first grading (but those asked twice in it: computed then)
        assert counts[True][0] == counts[True][1] > 300 and counts[False][0] < counts[False][1] - 300, counts
    assert reports[True] == reports[False]
    if source is OTHER_CALLS:
        assert any(c[0] == "rnn_forward.public" and c[1] == "failed" for c in reports[True])


def test_what_a_first_grading_works_out_is_kept_for_the_next_command_until_a_file_of_the_assignment_changes(
        rnn, tmp_path, monkeypatch):
    """What a command's first grading works out alike for every submission (grader.sandbox.kept) is read back by the
    next command's: the foreseen callbacks (foreseen.keep: every callback of a right submission is still answered
    from them, sealed as the first command sealed them: none is sealed again, none asked) and the property tests' and
    the gradient checks' arguments and the reference's answers (kinds.Standard.keep: no case is made again), with the
    same report), the blobs of the hidden cases asked ahead (Standard.asked: none is encoded again). Once a file the
    assignment depends on changes, they are worked out again."""
    from grader import grade as grading
    from grader.sandbox import answers, foreseen, program
    extra = tmp_path / "notes.txt"
    extra.write_text("one")
    files = type(rnn).depends_on
    monkeypatch.setattr(type(rnn), "depends_on", property(lambda self: [*files.fget(self), extra]))
    worked_out, remember, made, arguments = [], foreseen.remember, [], rnn.standard.cases.arguments

    def counted(assignment, function, *args):
        worked_out.append(function)
        return remember(assignment, function, *args)
    monkeypatch.setattr(foreseen, "remember", counted)
    monkeypatch.setattr(rnn.standard.cases, "arguments", lambda *args: made.append(args) or arguments(*args))
    sealed, asked, seal, callback = [], [], program.wire.seal, program.Program._callback
    monkeypatch.setattr(program.wire, "seal", lambda *args: sealed.append(1) or seal(*args))
    monkeypatch.setattr(program.Program, "_callback", lambda self, message, *args: (
        message.get("op") == "callback" and asked.append(1)) or callback(self, message, *args))
    encoded, within, asked_for, encode = [], [], type(rnn.standard).asked, program.wire.encode

    def asking(self, *args):
        within.append(1)
        try:
            return asked_for(self, *args)
        finally:
            within.pop()
    monkeypatch.setattr(type(rnn.standard), "asked", asking)
    monkeypatch.setattr(program.wire, "encode", lambda *args: (within and encoded.append(1)) or encode(*args))
    path = tmp_path / "student.py"
    path.write_text(CORRECT)
    runs = []
    for text in ("one", "one", "three"):  # a first command, the next, one after the file changed
        if extra.read_text() != text:
            extra.write_text(text)
        monkeypatch.setattr(answers, "REFERENCE", answers.Answers())  # each a new process: nothing known
        monkeypatch.setattr(answers, "ASKED", answers.Asked())
        monkeypatch.setattr(answers, "FORESEEN", answers.Asked())
        monkeypatch.setattr(grading, "_FORESEEN", grading.weakref.WeakKeyDictionary())
        monkeypatch.setattr(rnn.standard, "_made", {})
        monkeypatch.setattr(rnn.standard, "_ahead_ran", False)
        monkeypatch.setattr(program, "_SEALS", {})
        for calls in (worked_out, made, sealed, asked, encoded):
            calls.clear()
        checks = _checks(report.build(grade(path, rnn, FAST), rnn, FAST))
        runs.append((checks, list(worked_out), len(made), answers.REFERENCE.found, answers.REFERENCE.asked,
                     len(sealed), len(asked), len(encoded)))
    callers = list(foreseen.callers(rnn))
    assert [run[1] for run in runs] == [callers, [], callers]
    assert runs[1][3] == runs[1][4] > 300, runs[1][3:]
    assert runs[0][5] > 300 and runs[1][5] == 0 and runs[2][5] > 300, [run[5] for run in runs]
    assert [run[6] for run in runs] == [0, 0, 0]
    # (nor the gradient checks' cases: a cold command that reads them back imports no numpy.random, 5-7 ms)
    assert runs[0][2] > 150 and runs[2][2] > 150 and runs[1][2] == 0, [run[2] for run in runs]
    assert runs[0][7] > 40 and runs[2][7] > 40 and runs[1][7] == 0, [run[7] for run in runs]
    assert runs[0][0] == runs[1][0] == runs[2][0]


def test_a_kept_file_is_read_back_whole_under_its_own_key_its_arrays_read_only_and_shared_as_they_were(
        tmp_path, monkeypatch):
    from grader.sandbox import kept
    monkeypatch.setattr(kept, "FOLDER", tmp_path)
    shared = np.arange(6.0).reshape(2, 3)
    value = {"args": (shared, [shared, np.zeros(0, np.int64), None, 2, 1.5, "x"]), "blob": b"\0\1"}
    blobs, arrays = kept.Blobs(), {}
    packed = kept.pack(value, blobs, arrays)
    kept.write("value.bin", ["its key"], [packed, kept.arrays_record(arrays, blobs)], blobs.blobs)
    (packed, record), found = kept.read("value.bin", ["its key"])
    back = kept.unpack(packed, found, kept.arrays_of(record, found))
    assert back["args"][0] is back["args"][1][0] and not back["args"][0].flags.writeable
    np.testing.assert_array_equal(back["args"][0], shared)
    assert back["args"][1][1].dtype == np.int64 and back["args"][1][1].shape == (0,)
    assert back["args"][1][2:] == [None, 2, 1.5, "x"] and back["blob"] == b"\0\1" and type(back["args"]) is tuple
    assert kept.read("value.bin", ["another key"]) is None
    whole = (tmp_path / "value.bin").read_bytes()
    for text in (whole[:-1], whole + b"\0", b"not ours"):  # cut short, grown, another file: worked out again
        (tmp_path / "value.bin").write_bytes(text)
        assert kept.read("value.bin", ["its key"]) is None
    with pytest.raises(TypeError):  # (what it can't keep is not kept: kinds.Standard.keep writes nothing then)
        kept.pack(np.float64(1.0), kept.Blobs(), {})
    assert kept.writable()
    monkeypatch.setattr(kept.os, "access", lambda path, mode: False)  # (an installed grader's read-only folder)
    assert not kept.writable()


LAYERS = (ROOT / "submissions" / "rnn_layers" / "layers_correct.py").read_text()
# A model that asks the reference's rnn_forward once more each step (on its first sentence): its callbacks are
# those of a right model and one more, which nothing foresaw.
ONE_MORE_CALL = LAYERS.replace("        h, rnn_cache = rnn_forward(X, h0, Wx, Wh, b)\n",
                               "        h, rnn_cache = rnn_forward(X, h0, Wx, Wh, b)\n"
                               "        rnn_forward(X[:1], h0[:1], Wx, Wh, b)\n", 1)


@pytest.mark.parametrize("source", [LAYERS, ONE_MORE_CALL], ids=["right", "one_more_call"])
def test_a_model_s_checks_foresee_a_right_model_s_callbacks_and_change_no_report(tmp_path, monkeypatch, source):
    """The model's checks run the reference's model first, its layers' answers remembered (foreseen.recording): in
    a process's first grading, a right model's training has every callback answered from them (400: 4 layers in
    each of 100 steps), not by the reference's layers run again, and its gradient check's losses (small) get them
    sealed along (foreseen.expect), so that they make no round trip; a model that calls the layers otherwise gets
    the report it gets when nothing is foreseen."""
    from grader.checks import model
    from grader.sandbox import answers, foreseen, program
    assert source.count("rnn_forward(") == LAYERS.count("rnn_forward(") + (source is ONE_MORE_CALL)
    layers = assignment.find("rnn_layers")
    path = tmp_path / "rnn_layers.py"
    path.write_text(source)
    reports, training, outside, train, callback = {}, {}, {}, model.train, program.Program._callback

    def counted(loss_and_grads, *args):  # the callbacks of the student's run (the reference's asks none)
        before = answers.REFERENCE.found, answers.REFERENCE.asked
        try:
            return train(loss_and_grads, *args)
        finally:
            training[foresee].append((answers.REFERENCE.found - before[0], answers.REFERENCE.asked - before[1]))

    def answered(self, message, function, *args):  # a round trip of the model's loss or gradient check
        outside[foresee] += message.get("op") == "callback" and function == "SentimentRNN" and not training[foresee]
        return callback(self, message, function, *args)
    monkeypatch.setattr(model, "train", counted)
    monkeypatch.setattr(program.Program, "_callback", answered)
    recording, expect = getattr(foreseen, "recording", None), getattr(foreseen, "expect", None)
    for foresee in (False, True):
        monkeypatch.setattr(answers, "REFERENCE", answers.Answers())  # a first grading each
        monkeypatch.setattr(answers, "ASKED", answers.Asked())
        monkeypatch.setattr(answers, "FORESEEN", answers.Asked())
        for flag in ("_reference_run", "_foreseen", "_foreseen_gradcheck"):
            monkeypatch.setattr(layers.standard.model, flag, None, raising=False)
        monkeypatch.setattr(foreseen, "recording", recording if foresee else lambda function, *_: function,
                            raising=False)
        monkeypatch.setattr(foreseen, "expect", expect if foresee else lambda *_: None, raising=False)
        training[foresee], outside[foresee] = [], 0
        reports[foresee] = _checks(report.build(grade(path, layers, FAST), layers, FAST))
    (hits, asked), = [counts for counts in training[True] if counts[1]]
    if source is LAYERS:
        assert hits == asked == 400 and training[False][-1][0] == 0, training
    else:
        assert asked == 500 and hits == 400, training
    # the loss check's 4 (16 kB each) and the gradient check's 92 are sealed along
    assert outside[False] - outside[True] == 96 and (outside[True] == 0 or source is ONE_MORE_CALL), outside
    assert reports[True] == reports[False]
    assert all(status == "passed" for _, status, _, _ in reports[True])


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_the_training_s_reference_losses_are_kept_and_the_command_line_s_one_grading_then_trains_unremembered(
        tmp_path, monkeypatch):
    """The reference's two losses of a model's training are kept for the next command (kept.py). The command line's
    one grading (its sandbox started ahead) that finds them makes no run of the reference and answers the training's
    callbacks as they come, neither recorded (foreseen.recording) nor kept (answers.REFERENCE), as no next grading of
    the process asks them; one that does not (a first command, or a file of the assignment changed), and any other
    grading, records the run as before. Every report is the same."""
    from grader import grade as grading
    from grader.checks import model
    from grader.sandbox import answers, foreseen, spare
    layers = assignment.find("rnn_layers")
    extra = tmp_path / "notes.txt"
    extra.write_text("one")
    files = type(layers).depends_on
    monkeypatch.setattr(type(layers), "depends_on", property(lambda self: [*files.fget(self), extra]))
    path = tmp_path / "rnn_layers.py"
    path.write_text(LAYERS)
    runs, recorded, train, recording = [], [], model.train, foreseen.recording
    monkeypatch.setattr(model, "train", lambda *args: runs.append(1) or train(*args))
    monkeypatch.setattr(foreseen, "recording", lambda function, *args: recorded.append(function.__name__) or
                        recording(function, *args))
    found = []
    for once, text in ((True, "one"), (True, "one"), (True, "three"), (False, "three")):
        if extra.read_text() != text:  # (a first command, the next, one after the file changed, a batch's grading)
            extra.write_text(text)
        monkeypatch.setattr(answers, "REFERENCE", answers.Answers())  # each a new process: nothing known
        for flag in ("_reference_run", "_foreseen", "_foreseen_gradcheck"):
            monkeypatch.setattr(layers.standard.model, flag, None)
        runs.clear()
        recorded.clear()
        if once:
            spare.start_ahead(path, layers.provided, FAST)
        checks = _checks(report.build(grading.grade(path, layers, FAST), layers, FAST))
        found.append((checks, len(runs), recorded.count("loss"), len(answers.REFERENCE._kept)))
    # the runs (the reference's, the student's); the recorded losses: the loss check's, the gradient check's 29, the run
    assert [run[1:3] for run in found] == [(2, 31), (1, 30), (2, 31), (2, 31)], [run[1:3] for run in found]
    assert found[1][3] < min(found[0][3], found[2][3], found[3][3]) - 300, [run[3] for run in found]  # (its 400)
    assert found[0][0] == found[1][0] == found[2][0] == found[3][0]
    assert all(status == "passed" for _, status, _, _ in found[0][0])


def test_a_file_without_the_model_class_costs_its_checks_no_reference_run(tmp_path, monkeypatch):
    """CS231n's own rnn_layers.py has no model class: its model checks fail at once, without the reference's
    training run or any loss of the reference's model recorded for them (foreseen.recording)."""
    from grader.checks import model
    layers = assignment.find("rnn_layers")
    path = tmp_path / "rnn_layers.py"
    path.write_text(LAYERS[:LAYERS.index("class SentimentRNN")])
    recorded = []
    monkeypatch.setattr(layers.standard.model, "_reference_run", None)
    monkeypatch.setattr(layers.standard.model, "_foreseen_gradcheck", False, raising=False)
    loss = model.ModelChecks._reference_loss
    monkeypatch.setattr(model.ModelChecks, "_reference_loss",
                        lambda self, *args: recorded.append(args) or loss(self, *args))
    checks = _checks(report.build(grade(path, layers, FAST), layers, FAST))
    # (the first says the class is not defined; the others are skipped, naming it)
    assert [status for id, status, _, _ in checks if id.startswith("SentimentRNN.")] == ["failed", "skipped", "skipped"]
    assert recorded == [] and layers.standard.model._reference_run is None


def test_the_checks_get_ready_while_the_sandbox_starts(rnn, tmp_path, monkeypatch, cold_sandboxes):
    """grade._prepare (the fixtures read, the reference's answers worked out) runs from the grading's start, beside
    the sandbox's: a batch's first grading waits there for its zygote's boot (grader.sandbox.forkserver), and the
    first notebook's cells then run without it beside them."""
    import threading

    from grader import grade as grading
    from grader.sandbox import spare
    prepared, seen = threading.Event(), []
    prepare, start = grading._prepare, spare.start

    def marked(*args):
        prepared.set()
        return prepare(*args)

    def waiting(*args):
        seen.append(prepared.wait(5))
        return start(*args)
    monkeypatch.setattr(grading, "_prepare", marked)
    monkeypatch.setattr(spare, "start", waiting)
    path = tmp_path / "student.py"
    path.write_text(CORRECT)
    document = report.build(grade(path, rnn, FAST), rnn, FAST)
    assert seen == [True]
    assert document["score"] == document["max_score"] + document["extra_credit_max"]


def test_the_callbacks_are_foreseen_beside_the_first_checks_and_a_calling_functions_first_call_waits_for_its_own(
        rnn, tmp_path, monkeypatch):
    """grade._prepare readies the checks, then works out the foreseen callbacks (grade._foresee) while the first
    checks run: the command line's `.py`, whose sandbox is ready first, waits for less. A calling function's first
    call still finds its callbacks' answers there, every one of them."""
    import threading
    import time

    from grader import grade as grading
    from grader.sandbox import answers, foreseen
    monkeypatch.setattr(answers, "REFERENCE", answers.Answers())  # a process's first grading: nothing known
    monkeypatch.setattr(answers, "ASKED", answers.Asked())
    monkeypatch.setattr(answers, "FORESEEN", answers.Asked())
    monkeypatch.setattr(grading, "_FORESEEN", grading.weakref.WeakKeyDictionary())
    events, lock = [], threading.Lock()
    remember, run_checks, stand_ins = foreseen.remember, grading.run_checks, grading.Context._make_stand_ins

    def slow(assignment, function, *args):
        time.sleep(0.1)
        put = remember(assignment, function, *args)
        with lock:
            events.append(("foreseen", function))
        return put

    def checks(*args):
        events.append(("checks",))
        return run_checks(*args)

    def first_call(self, function, own):
        with lock:
            events.append(("called", function))
        return stand_ins(self, function, own)
    monkeypatch.setattr(foreseen, "remember", slow)
    monkeypatch.setattr(grading, "run_checks", checks)
    monkeypatch.setattr(grading.Context, "_make_stand_ins", first_call)
    path = tmp_path / "student.py"
    path.write_text(CORRECT)
    document = report.build(grade(path, rnn, FAST), rnn, FAST)
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    callers = list(foreseen.callers(rnn))
    assert events.index(("checks",)) < events.index(("foreseen", callers[-1])), events
    for function in callers:
        assert events.index(("foreseen", function)) < events.index(("called", function)), (function, events)
    assert answers.REFERENCE.found == answers.REFERENCE.asked > 300


def test_the_sandbox_child_runs_its_compiled_module_not_its_source(tmp_path, cold_sandboxes, monkeypatch):
    """A child compiled from its source at every start costs 5 ms before its first answer: the sandbox runs the
    compiled module that `make setup` wrote. Its source, replaced here by one of the same time and size that does
    nothing, is never read; a compiled module not made from the source it sits beside is not run."""
    from conftest import loaded_program
    copy = process._copy_runtime

    def copy_then_blank(runtime):
        copy(runtime)
        source = runtime / "child.py"
        kept = source.stat()
        source.write_text("#" * kept.st_size)
        os.utime(source, ns=(kept.st_atime_ns, kept.st_mtime_ns))

    monkeypatch.setattr(process, "_copy_runtime", copy_then_blank)
    program = loaded_program(tmp_path, "def twice(x):\n    return 2 * x\n", FAST)
    try:
        assert program.call("twice", 21) == 42
    finally:
        program.close()
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    copy(runtime)
    assert process._script(runtime, "child.py").endswith(".pyc")
    os.utime(runtime / "child.py", (1, 1))
    assert process._script(runtime, "child.py") == "child.py"


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_a_modules_child_starts_without_the_editable_installs_finder_argparse_or_tempfile(tmp_path, cold_sandboxes):
    """What a module's child imported before its student's code only to leave unused: the finder of the grader's
    editable install (its `.pth` reads empty in the sandbox), argparse (for its six options) and tempfile (for a
    notebook's caches)."""
    from conftest import loaded_program
    finders = [name for name in sys.modules if name.startswith("__editable__")]  # (none in a plain install)
    source = "import sys\n\ndef imported(names):\n    return [name for name in names if name in sys.modules]\n"
    program = loaded_program(tmp_path, source, FAST)
    try:
        assert program.isolation == "bubblewrap"
        assert program.call("imported", ["argparse", "tempfile", "pathlib", *finders]) == []
    finally:
        program.close()


@pytest.mark.parametrize("options", [["--work", "w", "--fds", "3,4", "--bogus", "1"], ["--fds", "3,4"],
                                     ["--fds", "3,4", "--work", "w", "--fds", "5,6"], ["--fds", "3,4", "--work"]])
def test_the_child_refuses_a_command_line_other_than_the_graders(tmp_path, options):
    child = Path(process.__file__).with_name("child.py")
    done = subprocess.run([sys.executable, "-I", str(child), *options], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1 and "child.py: expected --fds VALUE --work VALUE" in done.stderr, done.stderr


RAISES = "def inverse(x):\n    return 1 / x\ninverse(0)"
IMPORTED = "import sys\n[m for m in ('IPython.extensions.autoreload', 'stack_data') if m in sys.modules]"


def test_a_notebook_waiting_for_its_sandbox_waits_for_no_more_than_its_cells_use(tmp_path):
    """A sandbox warmed for a notebook (ahead.py) imports autoreload and formats a traceback once (what a cell's
    first error imports) only while no request waits (loader.warm): a notebook that is there already, as the
    command line's is when the child is late, does not wait for them, and a cell that raises pays for them and
    shows the traceback that a later error, formatted with all of them imported, shows."""
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "student.ipynb").write_text("{}")
    sandbox = process.Sandbox(tmp_path, FAST, warm="notebook")
    sandbox.start()
    try:
        assert sandbox.request({"op": "load", "kind": "notebook", "entry": "student.ipynb"}, 20)["error"] is None
        cells = [IMPORTED, RAISES, "%load_ext autoreload", RAISES, IMPORTED]
        done = [sandbox.request({"op": "cell", "number": n, "source": s}, 20) for n, s in enumerate(cells, 1)]
    finally:
        sandbox.stop()
    assert [d["outputs"][0]["data"]["text/plain"] for d in (done[0], done[4])] == [
        "[]", "['IPython.extensions.autoreload', 'stack_data']"]
    first, later = (d["outputs"][0]["traceback"] for d in (done[1], done[3]))
    assert "ZeroDivisionError" in first[-1] and first == [line.replace("In[4]", "In[2]") for line in later]


WARMED = """import json, linecache, os, sys, tempfile
sys.path.insert(0, sys.argv[1])
import loader
loader.warm()
parsed = sorted(name for name in linecache.cache if not name.startswith("<"))
os.chdir(tempfile.mkdtemp())
loader.load({"kind": "notebook", "entry": "student.ipynb"}, os.getcwd(), None, None)
before = set(sys.modules)
done = loader.run_cell({"number": 1, "source": sys.argv[2]}, os.getcwd(), lambda error, work: repr(error))
print(json.dumps([parsed, sorted(set(sys.modules) - before), done["outputs"][0]["ename"]]))
"""


def test_the_warm_up_formats_a_traceback_as_a_cells_and_parses_no_file_for_it():
    """The whole warm-up (a zygote's, or a sandbox's that waits for its notebook) formats a traceback raised and
    caught in a source of its own, as a cell's is: a cell's first error then imports nothing of stack_data's, and
    no file was read for it (with a frame of loader.py in it, stack_data parsed its 500 lines)."""
    done = subprocess.run([sys.executable, "-I", "-c", WARMED, str(ROOT / "grader" / "sandbox"), RAISES],
                          capture_output=True, text=True, timeout=60)
    parsed, imported, error = json.loads(done.stdout)
    assert parsed == [] and error == "ZeroDivisionError"
    assert not {m.split(".")[0] for m in imported} & {"stack_data", "executing", "pure_eval", "pygments"}, imported


WARMED_FOR_PLOTS = """import inspect, json, os, sys, tempfile
sys.path.insert(0, sys.argv[1])
import loader
loader.warm(plotting=True)
unseen = sorted(name for name, module in sys.modules.items()
                if getattr(module, "__file__", None) and name not in inspect._filesbymodname)
os.chdir(tempfile.mkdtemp())
loader.load({"kind": "notebook", "entry": "student.ipynb"}, os.getcwd(), None, None)
before = set(sys.modules)
for number, source in enumerate(["%load_ext autoreload", "%matplotlib inline", "%%time\\nx = 1"], 1):
    loader.run_cell({"number": number, "source": source}, os.getcwd(), lambda error, work: repr(error))
print(json.dumps([unseen, sorted(set(sys.modules) - before)]))
"""


def test_a_warm_up_for_plots_leaves_a_cells_first_error_no_module_to_look_up_and_the_course_magics_nothing_to_import():
    """A zygote for notebooks that plot (warm(plotting=True)) imports matplotlib before it formats its traceback, so
    that the lookup of every module's file that a cell's first error makes (inspect.getmodule, a realpath each)
    was made for matplotlib's too (10 ms in each fork); and the modules of the magics a course notebook uses."""
    done = subprocess.run([sys.executable, "-I", "-c", WARMED_FOR_PLOTS, str(ROOT / "grader" / "sandbox")],
                          capture_output=True, text=True, timeout=120)
    unseen, imported = json.loads(done.stdout)
    assert unseen == []
    assert [name for name in imported if name.startswith("IPython")] == [], imported


FROZEN = """import gc, json, sys
sys.path.insert(0, sys.argv[1])
import loader
loader.warm()
from IPython.core.interactiveshell import InteractiveShell
walked = any(o is InteractiveShell for o in gc.get_objects())
print(json.dumps([gc.isenabled(), walked, gc.get_freeze_count() > 10 * len(gc.get_objects())]))
"""


def test_the_warm_ups_objects_are_left_out_of_every_later_collection():
    """What the warm-up imported (IPython's shell, matplotlib) is kept for the process's life: it is frozen
    (gc.freeze), so that no collection in a cell or a call walks it again, and the collector is on as before."""
    done = subprocess.run([sys.executable, "-I", "-c", FROZEN, str(ROOT / "grader" / "sandbox")],
                          capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout) == [True, False, True], done.stderr[-2000:]


CELL_COSTS = """import json, os, sys, tempfile
sys.path.insert(0, sys.argv[1])
import loader
from IPython.core import ultratb
formatted, format_traceback = [], ultratb.AutoFormattedTB.structured_traceback
ultratb.AutoFormattedTB.structured_traceback = lambda *args, **kwargs: formatted.append(1) or format_traceback(
    *args, **kwargs)
os.chdir(tempfile.mkdtemp())
loader.load({"kind": "notebook", "entry": "student.ipynb"}, os.getcwd(), None, None)
cells = ["%load_ext autoreload\\n%autoreload 2", sys.argv[2], "x = 1", "1 / 0", "%xmode Verbose", sys.argv[2]]
done = [loader.run_cell({"number": n, "source": s}, os.getcwd(),
                         lambda error, work: repr(error)) for n, s in enumerate(cells, 1)]
shown = {n: d["outputs"][0]["traceback"] for n, d in enumerate(done, 1) if d["error"]}
kept = {n: e["traceback"] for n, e in loader._shell.history_manager.exceptions.items()}
reloader = loader._shell.magics_manager.registry["AutoreloadMagics"]._reloader
read = [name for name, source in reloader.deduper_reloader.source_by_modname.items() if source]
print(json.dumps([len(formatted), sorted(shown), shown == kept, read, "json" in reloader.modules_mtimes]))
"""


def test_a_cells_error_is_formatted_once_and_autoreload_reads_no_file_of_the_interpreter():
    """IPython formats a cell's error to show it and again to keep it in its history (`%notebook` writes it): the
    second is the first given again, the same lines (1-2 ms an error). `%load_ext autoreload` made its reloader
    look at every module loaded and read the source of every module of the interpreter's (a hundred files, 5 ms),
    which can't change: they are left out from its first look on, as from the next cell's on before."""
    done = subprocess.run([sys.executable, "-I", "-c", CELL_COSTS, str(ROOT / "grader" / "sandbox"), RAISES],
                          capture_output=True, text=True, timeout=60)
    formatted, errors, same, read, looked_at = json.loads(done.stdout)
    assert errors == [2, 4, 6] and formatted == 3 and same
    assert read == [] and not looked_at


MAPPED = """import inspect, json, os, posixpath, sys, tempfile
sys.path.insert(0, sys.argv[1])
import loader
os.chdir(tempfile.mkdtemp())
os.symlink(os.path.dirname(json.__file__), "linked")
sys.path.insert(0, os.path.abspath("linked"))
import tabnanny  # (a module found through a linked folder, and one whose file is a link)
open("real_module.py", "w").close(), os.symlink("real_module.py", "linked_module.py")
sys.path.insert(0, os.getcwd())
import linked_module
loader.load({"kind": "notebook", "entry": "student.ipynb"}, os.getcwd(), None, None)
looked, lstat = [], os.lstat
os.lstat = lambda path, *args, **kwargs: looked.append(path) or lstat(path, *args, **kwargs)
done = loader.run_cell({"number": 1, "source": sys.argv[2]}, os.getcwd(), lambda error, work: repr(error))
os.lstat = lstat
mapped = dict(inspect.modulesbyfile), dict(inspect._filesbymodname)
inspect.modulesbyfile.clear(), inspect._filesbymodname.clear()
inspect.getmodule(None, "/nowhere.py")
print(json.dumps([len(looked), len(mapped[1]), mapped == (inspect.modulesbyfile, inspect._filesbymodname),
                  posixpath.realpath is os.path.realpath and inspect.getmodule.__module__ == "inspect"]))
"""


def test_a_cells_first_error_maps_every_modules_file_as_inspect_does_looking_at_each_folder_once():
    """A cell's first error has inspect.getmodule map the file of every module loaded, a realpath each, which
    looked at every folder of each path (2,000-3,000 lstat calls for IPython's and numpy's modules, 10 ms): each
    folder is resolved once in that call, and the map is the one inspect makes, for a module found through a linked
    folder or whose file is a link too; inspect's and posixpath's functions are their own again after it."""
    done = subprocess.run([sys.executable, "-I", "-c", MAPPED, str(ROOT / "grader" / "sandbox"), RAISES],
                          capture_output=True, text=True, timeout=60)
    looked, modules, same, restored = json.loads(done.stdout)
    assert modules > 200 and looked < 2 * modules, (looked, modules)
    assert same and restored
