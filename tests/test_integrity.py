"""A function earns only what its own code computes: the reference stands in only for the callees that the
assignment declares ([calls]), and no other way into the reference's answers is open. A workspace split across
several modules is one program, graded where each function is defined."""
import pytest
from conftest import CORRECT, FAST, by_function, full_marks

from grader import report
from grader.grade import grade


def replace_function(name, new, source=CORRECT):
    """The correct submission with the whole `def name` replaced by `new`."""
    start = source.index(f"def {name}(")
    end = source.find("\ndef ", start + 1)
    return source[:start] + new.strip() + "\n\n" + (source[end + 1:] if end != -1 else "")


def only_loses(document, function):
    """`function` earns nothing and every other function keeps full marks."""
    scores, best = by_function(document), full_marks(document)
    assert scores[function] == 0, document["checks"]
    assert {f: s for f, s in scores.items() if f != function} == {f: m for f, m in best.items() if f != function}


CELL_FORWARD_DIRECT = '''
def rnn_cell_forward(xt, a_prev, parameters):
    a, y_pred, caches = rnn_forward(xt[:, :, None], a_prev, parameters)
    return a[:, :, 0], y_pred[:, :, 0], caches[0][0]
'''
CELL_FORWARD_HELPER = '''
def _one_step(xt, a_prev, parameters):
    return rnn_forward(xt[:, :, None], a_prev, parameters)


def rnn_cell_forward(xt, a_prev, parameters):
    a, y_pred, caches = _one_step(xt, a_prev, parameters)
    return a[:, :, 0], y_pred[:, :, 0], caches[0][0]
'''
CELL_FORWARD_GLOBALS = '''
def rnn_cell_forward(xt, a_prev, parameters):
    sequence = globals()["rnn_" + "forward"]
    a, y_pred, caches = sequence(xt[:, :, None], a_prev, parameters)
    return a[:, :, 0], y_pred[:, :, 0], caches[0][0]
'''
CELL_BACKWARD_DIRECT = '''
def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    g = rnn_backward(da_next[:, :, None], ([cache], xt[:, :, None]))
    return {"dxt": g["dx"][:, :, 0], "da_prev": g["da0"], "dWax": g["dWax"], "dWaa": g["dWaa"], "dba": g["dba"]}
'''
CELL_BACKWARD_GLOBALS = '''
def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    g = globals()["rnn_backward"](da_next[:, :, None], ([cache], xt[:, :, None]))
    return {"dxt": g["dx"][:, :, 0], "da_prev": g["da0"], "dWax": g["dWax"], "dWaa": g["dWaa"], "dba": g["dba"]}
'''
LSTM_CELL_BACKWARD_DIRECT = '''
def lstm_cell_backward(da_next, dc_next, cache):
    xt = cache[8]
    g = lstm_backward(da_next[:, :, None], ([cache], xt[:, :, None]))
    g["dxt"], g["da_prev"] = g.pop("dx")[:, :, 0], g.pop("da0")
    g["dc_prev"] = g["da_prev"] * 0
    return g
'''


@pytest.mark.parametrize("function,code", [
    ("rnn_cell_forward", CELL_FORWARD_DIRECT), ("rnn_cell_forward", CELL_FORWARD_HELPER),
    ("rnn_cell_forward", CELL_FORWARD_GLOBALS), ("rnn_cell_backward", CELL_BACKWARD_DIRECT),
    ("rnn_cell_backward", CELL_BACKWARD_GLOBALS), ("lstm_cell_backward", LSTM_CELL_BACKWARD_DIRECT),
], ids=["forward direct", "forward through a helper", "forward through globals()", "backward direct",
        "backward through globals()", "lstm backward direct"])
def test_a_function_that_delegates_to_its_caller_earns_nothing_and_the_others_keep_theirs(grade_source, function,
                                                                                          code):
    document = grade_source(replace_function(function, code))
    only_loses(document, function)
    own = [c for c in document["checks"] if c["function"] == function]
    assert any("RecursionError" in c["message"] or c["status"] == "timeout" for c in own), own


KEEPS_THE_STAND_IN = '''
_KEPT = {}


def rnn_forward(x, a0, parameters):
    _KEPT["cell"] = rnn_cell_forward  # while rnn_forward is graded, the grader's stand-in
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a, y_pred, caches, a_next = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), [], a0
    for t in range(T_x):
        a_next, y_pred[:, :, t], cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        caches.append(cache)
    return a, y_pred, (caches, x)
'''
# Differentiates the reference's forward numerically through the kept stand-in instead of writing the backward pass.
NUMERIC_THROUGH_THE_STAND_IN = '''
def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    forward = _KEPT["cell"]
    def loss():
        return float(np.sum(forward(xt, a_prev, parameters)[0] * da_next))
    grads = {}
    for key, value in (("dxt", xt), ("da_prev", a_prev), ("dWax", parameters["Wax"]), ("dWaa", parameters["Waa"]),
                       ("dba", parameters["ba"])):
        grad = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            old = value[i]
            value[i] = old + 1e-6
            up = loss()
            value[i] = old - 1e-6
            down = loss()
            value[i] = old
            grad[i] = (up - down) / 2e-6
        grads[key] = grad
    return grads
'''


def test_a_stand_in_kept_from_an_earlier_call_is_refused(grade_source):
    source = replace_function("rnn_forward", KEEPS_THE_STAND_IN)
    document = grade_source(replace_function("rnn_cell_backward", NUMERIC_THROUGH_THE_STAND_IN, source))
    only_loses(document, "rnn_cell_backward")
    structure = next(c for c in document["checks"] if c["id"] == "rnn_cell_backward.structure")
    assert "rnn_cell_forward is not answered by the grader while rnn_cell_backward is graded" in structure["message"]


# Writes a callback message on the sandbox's own pipe, as the child would, and prints what the grader answers.
FORGES_A_CALLBACK = '''
def rnn_cell_forward(xt, a_prev, parameters):
    import json, os, struct, sys
    read_fd, write_fd = (int(fd) for fd in sys.argv[sys.argv.index("--fds") + 1].split(","))
    for name in ("rnn_forward", "rnn_cell_forward"):
        text = json.dumps({"op": "callback", "function": name, "args": [], "kwargs": {}}).encode()
        body = struct.pack(">I", len(text)) + text  # the wire's framing: the JSON's length, the JSON, no arrays
        os.write(write_fd, struct.pack(">Q", len(body)) + body)
        length = struct.unpack(">Q", os.read(read_fd, 8))[0]
        answer = os.read(read_fd, length)
        print("FORGED-ANSWER", answer[4:4 + struct.unpack(">I", answer[:4])[0]].decode(), flush=True)
    raise RuntimeError("no answer borrowed")
'''


def test_a_forged_callback_is_refused(grade_source):
    document = grade_source(replace_function("rnn_cell_forward", FORGES_A_CALLBACK))
    only_loses(document, "rnn_cell_forward")
    answers = [line for line in document["output"]["stdout"].splitlines() if line.startswith("FORGED-ANSWER")]
    assert answers and all('"op": "callback_raised"' in line or '"op":"callback_raised"' in line for line in answers)
    assert all("is not answered by the grader while rnn_cell_forward is graded" in line for line in answers)


# Remembers the reference's answers that reach rnn_forward through its stand-in, and hands them back as its own
# rnn_cell_forward: useless, because a callee is graded before any caller can see its reference answers.
REMEMBERS_THE_STAND_IN = '''
_SEEN = {}


def rnn_cell_forward(xt, a_prev, parameters):
    return _SEEN[(xt.tobytes(), a_prev.tobytes())]


def rnn_forward(x, a0, parameters):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a, y_pred, caches, a_next = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), [], a0
    for t in range(T_x):
        key = (np.ascontiguousarray(x[:, :, t]).tobytes(), np.ascontiguousarray(a_next).tobytes())
        answer = rnn_cell_forward(x[:, :, t], a_next, parameters)
        _SEEN[key] = answer
        a_next, y_pred[:, :, t], cache = answer
        a[:, :, t] = a_next
        caches.append(cache)
    return a, y_pred, (caches, x)
'''


def test_reference_answers_seen_by_a_caller_come_too_late_for_the_callee(grade_source):
    source = CORRECT[:CORRECT.index("def rnn_cell_forward(")] + REMEMBERS_THE_STAND_IN.strip() + "\n\n\n" + \
        CORRECT[CORRECT.index("def lstm_cell_forward("):]
    only_loses(grade_source(source), "rnn_cell_forward")


def test_public_mode_still_uses_the_students_own_callees(tmp_path, rnn):
    path = tmp_path / "delegating.py"
    path.write_text(replace_function("rnn_cell_forward", CELL_FORWARD_DIRECT))
    public = report.build(grade(path, rnn, FAST, public_only=True), rnn, FAST)
    assert by_function(public)["rnn_cell_forward"] == 0
    # rnn_forward reaches the student's own (delegating) rnn_cell_forward, so it fails too, unlike in full grading
    assert by_function(public)["rnn_forward"] == 0


def split_workspace(folder, source=CORRECT, extra=None):
    """The correct solution as students split it: one module per part, the backward ones star-importing the
    forward ones (numpy included)."""
    folder.mkdir()
    header = "import numpy as np\nfrom rnn_utils import softmax, sigmoid\n\n\n"
    parts = {"rnn_forward.py": ("def rnn_cell_forward(", "def lstm_cell_forward("),
             "lstm_forward.py": ("def lstm_cell_forward(", "def rnn_cell_backward("),
             "rnn_backward.py": ("def rnn_cell_backward(", "def lstm_cell_backward("),
             "lstm_backward.py": ("def lstm_cell_backward(", None)}
    imports = {"rnn_forward.py": header, "lstm_forward.py": header, "rnn_backward.py": "from rnn_forward import *\n\n\n",
               "lstm_backward.py": "from lstm_forward import *\n\n\n"}
    for name, (start, end) in parts.items():
        body = source[source.index(start): source.index(end) if end else None]
        (folder / name).write_text(imports[name] + body + (extra or {}).get(name, ""))
    return folder


def grade_folder(folder, rnn):
    return report.build(grade(folder, rnn, FAST), rnn, FAST)


def test_a_split_workspace_gets_the_same_score_as_the_same_code_in_one_file(tmp_path, rnn, grade_source):
    document = grade_folder(split_workspace(tmp_path / "workspace"), rnn)
    assert by_function(document) == by_function(grade_source(CORRECT)) == full_marks(document)
    assert document["kind"] == "modules"
    assert document["sources"] == {"rnn_cell_forward": "rnn_forward.py", "rnn_forward": "rnn_forward.py",
                                   "lstm_cell_forward": "lstm_forward.py", "lstm_forward": "lstm_forward.py",
                                   "rnn_cell_backward": "rnn_backward.py", "rnn_backward": "rnn_backward.py",
                                   "lstm_cell_backward": "lstm_backward.py", "lstm_backward": "lstm_backward.py"}
    assert any("loaded as one program" in note for note in document["notes"])


def test_a_split_workspace_with_a_mistake_loses_only_that_function(tmp_path, rnn):
    buggy = CORRECT.replace("dba = np.sum(dtanh, axis=1, keepdims=True)", "dba = np.sum(dtanh, axis=1)")
    document = grade_folder(split_workspace(tmp_path / "workspace", buggy), rnn)
    scores, best = by_function(document), full_marks(document)
    assert scores["rnn_cell_backward"] < best["rnn_cell_backward"]
    assert {f: s for f, s in scores.items() if f != "rnn_cell_backward"} == \
        {f: m for f, m in best.items() if f != "rnn_cell_backward"}


def test_two_different_definitions_name_the_one_graded_and_why(tmp_path, rnn):
    # A copy of rnn_cell_forward left in rnn_backward.py, without the bias: the one in rnn_forward.py is graded.
    stale = ("\n\ndef rnn_cell_forward(xt, a_prev, parameters):\n"
             "    a_next = np.tanh(np.dot(parameters['Waa'], a_prev) + np.dot(parameters['Wax'], xt))\n"
             "    return a_next, softmax(np.dot(parameters['Wya'], a_next) + parameters['by']), "
             "(a_next, a_prev, xt, parameters)\n")
    document = grade_folder(split_workspace(tmp_path / "workspace", extra={"rnn_backward.py": stale}), rnn)
    assert document["sources"]["rnn_cell_forward"] == "rnn_forward.py"
    assert by_function(document) == full_marks(document)
    note = next(n for n in document["notes"] if n.startswith("rnn_cell_forward has different definitions"))
    assert "rnn_backward.py, rnn_forward.py: the one in rnn_forward.py was graded" in note


def test_a_module_that_does_not_load_costs_only_its_own_functions(tmp_path, rnn):
    folder = split_workspace(tmp_path / "workspace")
    (folder / "lstm_backward.py").write_text("from lstm_forward import *\n\ndef lstm_cell_backward(da_next\n")
    document = grade_folder(folder, rnn)
    scores, best = by_function(document), full_marks(document)
    assert scores["lstm_cell_backward"] == scores["lstm_backward"] == 0
    assert {f: s for f, s in scores.items() if not f.startswith("lstm_") or "backward" not in f} == \
        {f: m for f, m in best.items() if not f.startswith("lstm_") or "backward" not in f}
    assert any(n.startswith("lstm_backward.py stopped with SyntaxError") for n in document["notes"])


def test_a_folder_with_one_main_module_keeps_the_rule_of_the_main_file(tmp_path, rnn):
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "rnn.py").write_text(CORRECT)  # the expected name
    (folder / "scratch.py").write_text("def rnn_cell_forward(xt, a_prev, parameters):\n    return None\n")
    document = grade_folder(folder, rnn)
    assert document["kind"] == "module" and document["sources"] == {}
    assert by_function(document) == full_marks(document)
