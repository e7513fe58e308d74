"""Grading a .py submission end to end: fairness, failures that explain themselves, and hostile basics."""
import hashlib
import json
import subprocess
import sys

import jsonschema
import numpy as np
import pytest
from conftest import CORRECT, ROOT, by_function, full_marks, mutate

from grader import fixtures
from grader.report import SCHEMA
from grader.sandbox.limits import Limits
from grader.sandbox.process import Sandbox, bubblewrap_problem


def test_the_correct_example_earns_full_marks_and_the_report_follows_its_schema(grade_source):
    document = grade_source(CORRECT)
    assert by_function(document) == full_marks(document)
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    assert all(c["status"] == "passed" for c in document["checks"])


def test_the_reference_itself_earns_full_marks_as_a_submission(grade_source, rnn):
    source = (rnn.folder / "solution.py").read_text().replace("from .provided.rnn_utils", "from rnn_utils")
    document = grade_source(source)
    assert by_function(document) == full_marks(document)


# The typical mistakes of issue 2: (name, function that makes it, text in correct.py, replacement).
MISTAKES = [
    ("missing bias", "rnn_cell_forward", "np.dot(Wax, xt) + ba)", "np.dot(Wax, xt))"),
    ("wrong activation", "rnn_cell_forward", "a_next = np.tanh(np.dot(Waa", "a_next = sigmoid(np.dot(Waa"),
    ("a0 ignored", "rnn_forward", "a_next = a0\n    for t in range(T_x):\n        a_next, yt_pred",
     "a_next = np.zeros_like(a0)\n    for t in range(T_x):\n        a_next, yt_pred"),
    ("forget gate left out", "lstm_cell_forward", "c_next = ft * c_prev + it * cct", "c_next = c_prev + it * cct"),
    ("wrong concatenation order", "lstm_cell_forward", "concat[:n_a, :] = a_prev\n    concat[n_a:, :] = xt",
     "concat[:n_x, :] = xt\n    concat[n_x:, :] = a_prev"),
    ("dba without keepdims", "rnn_cell_backward", "dba = np.sum(dtanh, axis=1, keepdims=True)",
     "dba = np.sum(dtanh, axis=1)"),
    ("transposed weight gradient", "rnn_cell_backward", "dWaa = np.dot(dtanh, a_prev.T)",
     "dWaa = np.dot(a_prev, dtanh.T)"),
    ("no accumulation of da_prev", "rnn_backward", "rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])",
     "rnn_cell_backward(da[:, :, t], caches[t])"),
]


@pytest.mark.parametrize("name,function,old,new", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_typical_mistake_costs_points_only_in_its_own_function(grade_source, name, function, old, new):
    document = grade_source(mutate(old, new))
    scores, best = by_function(document), full_marks(document)
    assert scores[function] < best[function], f"{name} was not caught"
    assert {f: s for f, s in scores.items() if f != function} == {f: m for f, m in best.items() if f != function}
    failed = [c for c in document["checks"] if c["status"] != "passed"]
    assert failed and all(c["message"] for c in failed)


def test_a_failure_says_which_output_where_expected_and_got(grade_source):
    document = grade_source(mutate("np.dot(Wax, xt) + ba)", "np.dot(Wax, xt))"))
    public = next(c for c in document["checks"] if c["id"] == "rnn_cell_forward.public")
    assert public["status"] == "failed"
    message = public["message"]
    assert "on the handout's rnn_cell_forward cell (seed 1):" in message
    assert "a_next differs in" in message and "first at a_next[0][" in message
    assert "expected" in message and "got" in message and "largest absolute error" in message


def test_a_shape_mistake_gets_a_hint(grade_source):
    document = grade_source(mutate("dba = np.sum(dtanh, axis=1, keepdims=True)", "dba = np.sum(dtanh, axis=1)"))
    structure = next(c for c in document["checks"] if c["id"] == "rnn_cell_backward.structure")
    assert 'gradients["dba"] has shape (5,); expected (5, 1) (a squeeze(), or a sum without keepdims=True?)' \
        in structure["message"]


def test_a_cache_in_the_wrong_order_fails_structure_and_a_wrong_value_does_not(grade_source):
    swapped = grade_source(mutate("cache = (a_next, a_prev, xt, parameters)",
                                  "cache = (a_prev, a_next, xt, parameters)"))
    checks = {c["id"]: c for c in swapped["checks"]}
    assert checks["rnn_cell_forward.structure"]["status"] == "failed"
    assert checks["rnn_cell_forward.structure"]["message"].startswith("on the handout's rnn_cell_forward cell (seed 1):"
                                                                      "\ncache[0] should hold your a_next")
    assert checks["rnn_cell_forward.public"]["status"] == "passed"
    biasless = grade_source(mutate("np.dot(Wax, xt) + ba)", "np.dot(Wax, xt))"))
    checks = {c["id"]: c for c in biasless["checks"]}
    assert checks["rnn_cell_forward.structure"]["status"] == "passed"
    assert checks["rnn_cell_forward.public"]["status"] == "failed"


def test_a_property_failure_names_the_smallest_failing_case(grade_source):
    # Treats the batch as one example: right when m = 1, wrong as soon as examples mix.
    document = grade_source(mutate("a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)",
                                   "a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba"
                                   " + (a_prev - a_prev.mean(axis=1, keepdims=True)))"))
    properties = next(c for c in document["checks"] if c["id"] == "rnn_cell_forward.properties")
    assert properties["status"] == "failed"
    first = properties["message"].splitlines()[0]
    assert first.startswith("fails for Case(seed=") and "m=2" in first, first
    assert "examples must not mix" in properties["message"]


@pytest.mark.timeout(300)  # grading ends: a guard against a hang, not a measure of speed
def test_an_infinite_loop_costs_only_its_function_and_grading_still_ends(grade_source):
    source = mutate("def rnn_forward(x, a0, parameters):\n", "def rnn_forward(x, a0, parameters):\n"
                    "    while True:\n        pass\n")
    document = grade_source(source)
    statuses = {c["id"]: c["status"] for c in document["checks"] if c["function"] == "rnn_forward"}
    assert statuses["rnn_forward.structure"] == "timeout"
    assert set(list(statuses.values())[1:]) == {"skipped"}
    scores, best = by_function(document), full_marks(document)
    assert scores["rnn_forward"] == 0
    assert {f: s for f, s in scores.items() if f != "rnn_forward"} == \
        {f: m for f, m in best.items() if f != "rnn_forward"}


@pytest.mark.parametrize("source,expected", [
    ("import numpy as np\ndef rnn_cell_forward(xt, a_prev, parameters)\n    return 1\n", "SyntaxError"),
    ("import numpy as np\nimport tensorflow_that_is_not_there\n", "No module named 'tensorflow_that_is_not_there'"),
    ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
    ("import os\nos._exit(0)\n", "ended (exit status 0)"),
], ids=["syntax error", "missing package", "sys.exit at import", "os._exit at import"])
def test_a_submission_that_does_not_load_gets_a_complete_report_with_the_reason(grade_source, rnn, source,
                                                                               expected):
    document = grade_source(source)
    assert document["loaded"] is False and document["score"] == 0
    loads = document["checks"][0]
    assert loads["id"] == "submission.loads" and loads["status"] == "error"
    assert expected in loads["message"]
    assert len(document["checks"]) == 1 + len(rnn.suite.checks)
    assert {c["status"] for c in document["checks"][1:]} == {"skipped"}


def test_a_syntax_error_names_its_line(grade_source):
    document = grade_source("import numpy as np\n\n\ndef rnn_cell_forward(xt, a_prev, parameters)\n    return 1\n")
    assert "line 4" in document["checks"][0]["message"]


def test_missing_functions_cost_only_their_own_points(grade_source):
    source = CORRECT[:CORRECT.index("def lstm_cell_forward")]  # only the RNN forward functions
    document = grade_source(source)
    scores = by_function(document)
    assert scores["rnn_cell_forward"] == 8 and scores["rnn_forward"] == 8
    assert scores["lstm_forward"] == 0
    structure = next(c for c in document["checks"] if c["id"] == "lstm_forward.structure")
    assert structure["message"] == "lstm_forward is not defined in the submission"


def test_a_backward_left_as_the_handouts_template_is_said_once_and_costs_only_its_points(grade_source):
    """Seed 002's template returns its gradients dictionary with each entry still None."""
    body = ("    dtanh = (1 - a_next ** 2) * da_next\n    dxt = np.dot(Wax.T, dtanh)\n    dWax = np.dot(dtanh, xt.T)\n"
            "    da_prev = np.dot(Waa.T, dtanh)\n    dWaa = np.dot(dtanh, a_prev.T)\n"
            "    dba = np.sum(dtanh, axis=1, keepdims=True)\n")
    document = grade_source(mutate(body, "    dxt = dWax = da_prev = dWaa = dba = None\n"))
    assert by_function(document) == {**full_marks(document), "rnn_cell_backward": 0}
    checks = [c for c in document["checks"] if c["function"] == "rnn_cell_backward"]
    assert checks[0]["message"] == ("rnn_cell_backward is not written yet: each value it returned is None, as in the"
                                    " handout's template; write its body")
    assert {(c["status"], c["message"]) for c in checks[1:]} == {
        ("skipped", "not run: rnn_cell_backward is not written yet (see rnn_cell_backward.structure)")}


def test_a_call_of_a_stand_in_with_arguments_it_cant_take_says_so(grade_source):
    """rnn_backward hands rnn_cell_backward the whole caches tuple: the reference, standing in, raises on it."""
    document = grade_source(mutate("gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])",
                                   "gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches)"))
    message = next(c for c in document["checks"] if c["id"] == "rnn_backward.structure")["message"]
    assert message.startswith("rnn_backward called rnn_cell_backward with arguments it can't take: the reference's"
                              " rnn_cell_backward, which stands in for yours while rnn_backward is graded, raised "), message
    assert "gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches)" in message
    assert by_function(document)["rnn_cell_backward"] == full_marks(document)["rnn_cell_backward"]


@pytest.mark.parametrize("returned, said", [
    ("None", "rnn_cell_forward returned None on a case of this check (it answered the checks before it: is a"
             " `return` missing on some path?)"),
    ("None, None, None", "on Case(seed=3001, n_x=3, n_a=5, n_y=2, m=1, T_x=4):\na_next is None; expected an array"
                         " of shape (5, 1)")])
def test_a_function_that_returns_none_on_some_cases_only_is_no_stub(grade_source, returned, said):
    """It answered the handout's case: its checks all run, and the ones with a single example (m = 1) fail."""
    document = grade_source(mutate("def rnn_cell_forward(xt, a_prev, parameters):\n",
                                   "def rnn_cell_forward(xt, a_prev, parameters):\n"
                                   f"    if xt.shape[1] == 1:\n        return {returned}\n"))
    checks = {c["id"].split(".")[1]: c for c in document["checks"] if c["function"] == "rnn_cell_forward"}
    assert {kind: c["status"] for kind, c in checks.items()} == {
        "structure": "passed", "public": "passed", "hidden_values": "passed", "hidden_shapes": "failed",
        "properties": "failed"}
    assert checks["hidden_shapes"]["message"] == said


CELL_BACKWARD = "        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])\n"


@pytest.mark.parametrize("left, said", [
    ("        gradients = None\n", "rnn_backward is not written yet: gradients is still None at line 102 of student.py:"
                                    " dxt, da_prevt, dWaxt, dWaat, dbat = (gradients[\"dxt\"], gradients[\"da_prev\"],"
                                    " gradients[\"dWax\"], (the handout's placeholder, line 101: gradients = None); put"
                                    " the code it stands for in place of the None"),
    ("        gradients = dict(rnn_cell_backward(da[:, :, t] + da_prevt, caches[t]))\n        gradients = None\n",
     "rnn_backward is not written yet: gradients is still None at line 103"),
    ("        result = None\n        gradients = result\n", "rnn_backward raised TypeError: 'NoneType' object is not"
                                                           " subscriptable at line 103")])
def test_a_name_left_as_the_handouts_none_is_said_once_and_ones_own_none_is_an_error(grade_source, left, said):
    """`gradients = None` is the handout's line: the function stops on it every time. A None of the student's own
    (`result`, a line no handout has) is their code's error, said as such, and the function's other checks run."""
    document = grade_source(mutate(CELL_BACKWARD, left))
    checks = [c for c in document["checks"] if c["function"] == "rnn_backward"]
    assert checks[0]["message"].startswith(said), checks[0]["message"]
    unwritten = "handout's placeholder" in said or "still None" in said
    assert {c["status"] for c in checks[1:]} == ({"skipped"} if unwritten else {"error", "failed"})
    assert by_function(document) == {**full_marks(document), "rnn_backward": 0}


@pytest.mark.parametrize("none", [["gradients", 41, {"a": 1}], ["gradients", "41" * 5000, "gradients = None"],
                                  ["x" * 500, 41, "gradients = None"], "gradients", None, [["g"], 1, "gradients = None"]])
def test_a_childs_word_on_a_name_still_none_is_taken_only_as_it_should_be(rnn, none):
    """The child is not trusted: a forged hint is left out of the message, and never breaks the check."""
    from grader.grade import _placeholder
    error = {"type": "TypeError", "message": "TypeError: 'NoneType' object is not subscriptable", "file": "a.py",
             "line": 43, "code": "dx = gradients['dx']", "traceback": 'File "a.py", line 43, in rnn_backward\n',
             "none": none}
    assert _placeholder("rnn_backward", error, rnn) is None
    assert _placeholder("rnn_backward", {**error, "none": ["gradients", 41, "gradients = None"]}, rnn).startswith(
        "gradients is still None at line 43 of a.py")


def _literal(value):
    return "np.array(" + repr(np.asarray(value).tolist()) + ")"


def test_hard_coding_the_public_outputs_earns_at_most_a_quarter(grade_source, rnn):
    handout = next(f for f in fixtures.load(rnn.fixtures, "public")["rnn_cell_forward"] if f.name == "handout")
    a_next, yt_pred, _ = handout.expected
    source = mutate("    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)\n"
                    "    yt_pred = softmax(np.dot(Wya, a_next) + by)\n",
                    f"    a_next = {_literal(a_next)}\n    yt_pred = {_literal(yt_pred)}\n")
    document = grade_source(source)
    entry = document["functions"]["rnn_cell_forward"]
    assert 0 < entry["score"] <= entry["max_score"] / 4


def test_working_only_at_the_handout_sizes_earns_at_most_half(grade_source):
    source = mutate("    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)\n",
                    "    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba).reshape(5, 10)\n")
    document = grade_source(source)
    entry = document["functions"]["rnn_cell_forward"]
    assert 0 < entry["score"] <= entry["max_score"] / 2


def test_the_same_submission_always_gets_the_same_report(grade_source):
    source = mutate("c_next = ft * c_prev + it * cct", "c_next = c_prev + it * cct")
    first, second = grade_source(source), grade_source(source)
    assert [(c["id"], c["status"], c["points"], c["message"]) for c in first["checks"]] == \
        [(c["id"], c["status"], c["points"], c["message"]) for c in second["checks"]]


def test_the_original_submission_is_never_modified(tmp_path, rnn):
    from grader.grade import grade
    from conftest import FAST
    path = tmp_path / "student.py"
    path.write_text(CORRECT + "\nopen(__file__, 'w').write('overwritten')\n")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    grade(path, rnn, FAST)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


LEAK_SCANNER = ROOT / "tests" / "leak_scanner.py"
NO_BUBBLEWRAP = bubblewrap_problem()
# Scans take a second or more each under load: a generous wall time, in bubblewrap (with process isolation the
# child can read fixtures/, as the README says).
SCANNING = Limits(call_seconds=60.0, load_seconds=60.0, memory_mb=2048, isolation="bubblewrap")


def _float_bits(value):
    """The float64 bit patterns of every float in a fixture's value (arrays, tuples, lists, dicts)."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return set().union(*(_float_bits(v) for v in value)) if value else set()
    array = np.asarray(value)
    return set(array.astype(np.float64).ravel().view(np.uint64).tolist()) if array.dtype.kind == "f" else set()


def _expected_bits(rnn):
    """Every expected value of every fixture, but those that also are an input somewhere (a cache holds inputs)
    and round numbers (0, 1, 0.5 can be anything)."""
    inputs, expected = set(), set()
    for visibility in ("public", "hidden"):
        for cases in fixtures.load(rnn.fixtures, visibility).values():
            for case in cases:
                inputs |= _float_bits(case.args)
                expected |= _float_bits(case.expected)
    plain = {b for b in expected if (v := float(np.uint64(b).view(np.float64))) == round(v, 6)}
    return sorted(expected - inputs - plain)


def _leak_scan(grade_source, rnn, calls=12):
    source = LEAK_SCANNER.read_text().replace("TARGET_BITS = ()", f"TARGET_BITS = {tuple(_expected_bits(rnn))}", 1)
    source = source.replace("SCANNED_CALLS = 12", f"SCANNED_CALLS = {calls}", 1)
    document = grade_source(source, limits=SCANNING)
    assert document["isolation"] == "bubblewrap"
    return [line for line in document["output"]["stdout"].splitlines() if line.startswith("leak scan")]


@pytest.mark.skipif(NO_BUBBLEWRAP is not None, reason=f"no working bubblewrap here: {NO_BUBBLEWRAP}")
def test_expected_values_never_reach_the_child(grade_source, rnn):
    """The child searches its memory, frames, environment and files for every expected value's bits, at import and
    in each call of the handout's and the hidden cases: nothing is there (tests/leak_scanner.py)."""
    assert len(_expected_bits(rnn)) > 1000
    scans = _leak_scan(grade_source, rnn)
    # It returns zeros, so each check stops at its first case: the handout's (structure, public), the first hidden
    # values' and hidden shapes' cases, then property tests.
    assert scans[0].startswith("leak scan at import:") and len(scans) >= 1 + 4, scans
    for line in scans:
        assert "found in memory []; in the environment []" in line, line
        assert int(line.split(": ")[1].split(" objects")[0]) > 10000, line  # it did look
    files = next(line for line in scans if "files read" in line)
    assert files.endswith("found in files []") and int(files.split("; ")[-2].split()[0]) > 3, files


def _leak_one_value(channel, value, monkeypatch):
    """A grader that leaks `value` to the child: in the call request, the environment, or a file beside it."""
    if channel == "request":
        send = Sandbox.send
        monkeypatch.setattr(Sandbox, "send", lambda self, message: send(
            self, {**message, "note": [value]} if message.get("op") == "call" else message))
    elif channel == "environment":
        environment = Sandbox._environment
        monkeypatch.setattr(Sandbox, "_environment", lambda self: {**environment(self), "NOTE": repr(value)})
    else:
        start = Sandbox.start

        def start_with_a_note(self):
            (self.runtime / "note.json").write_text(json.dumps([value]))
            start(self)
        monkeypatch.setattr(Sandbox, "start", start_with_a_note)


@pytest.mark.skipif(NO_BUBBLEWRAP is not None, reason=f"no working bubblewrap here: {NO_BUBBLEWRAP}")
@pytest.mark.parametrize("channel,seen", [("request", "found in memory ['float']"),
                                          ("environment", "in the environment ['NOTE']"),
                                          ("file", "found in files ['/sandbox/runtime/note.json']")])
def test_the_leak_scan_sees_one_expected_value_leaked_on_purpose(grade_source, rnn, monkeypatch, channel, seen,
                                                                cold_sandboxes):  # (a fork's runtime is the zygote's)
    handout = next(f for f in fixtures.load(rnn.fixtures, "public")["rnn_cell_forward"] if f.name == "handout")
    _leak_one_value(channel, float(handout.expected[0][4][0]), monkeypatch)
    scans = _leak_scan(grade_source, rnn, calls=1)
    assert any(seen in line for line in scans), scans


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_cli_grades_into_the_out_folder_and_exits_0_whatever_the_score(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('nothing here')\n")
    result = _cli("grade", str(bad), "--out", str(tmp_path / "out"), "--call-timeout", "2", "--assignment", "rnn")
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "out" / "report.json").read_text())
    assert document["score"] == 0 and "RuntimeError: nothing here" in document["checks"][0]["message"]
    assert (tmp_path / "out" / "report.md").read_text().startswith("# rnn: bad")
    assert "bad: 0 / 52 + extra credit 0 / 20" in result.stdout


@pytest.mark.parametrize("make_path,expected", [
    (lambda tmp: tmp / "absent.py", "grader: no such submission: "),
])
def test_cli_usage_errors_exit_2_with_one_line(tmp_path, make_path, expected):
    result = _cli("grade", str(make_path(tmp_path)), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith(expected) and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "out").exists()
