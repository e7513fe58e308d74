"""The second assignment, reference/rnn_layers (CS231n-style RNN layers, seed 001), graded end to end.

A correct solution in every form students hand in gets full marks; each typical mistake costs only its own
function; a backward is judged on its student's own caches (against the reference, or numerically against a wrong
forward); the training check passes for the reference and fails for a wrong gradient or a diverging learning rate.
Every submission here is written for these tests, in the styles students use.
"""
import json
import re
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from grader import assignment
from grader.api import grade_submission
from grader.detect import defined_names
from grader.errors import UsageError
from grader.sandbox.limits import Limits

from conftest import ROOT
from test_batch import CHROMIUM, chromium

EXAMPLES = ROOT / "submissions" / "rnn_layers"
CORRECT = (EXAMPLES / "layers_correct.py").read_text()
PROVIDED = ROOT / "reference" / "rnn_layers" / "provided" / "cs231n"
LIMITS = Limits(call_seconds=20, load_seconds=30, cell_seconds=30)


@pytest.fixture(scope="module")
def layers():
    return assignment.find("rnn_layers")


def _grade(layers, path, out=None):
    started = time.monotonic()
    document = grade_submission(path, layers, out, LIMITS)
    print(f"\n{path.name}: graded in {time.monotonic() - started:.1f} s")
    return document


def _lost(document):
    """{function: points lost}, for the functions that lost any."""
    return {name: f["max_score"] - f["score"] for name, f in document["functions"].items() if f["score"] < f["max_score"]}


def _check(document, check_id):
    return next(c for c in document["checks"] if c["id"] == check_id)


def _full(document):
    return document["score"] == document["max_score"] + document["extra_credit_max"] and document["max_score"] == 48


# --- submission forms ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def correct_report(layers, tmp_path_factory):
    out = tmp_path_factory.mktemp("correct")
    return _grade(layers, EXAMPLES / "layers_correct.py", out), out


def test_a_lone_module_with_a_relative_import_gets_full_marks(correct_report):
    document, out = correct_report
    assert _full(document), _lost(document)
    assert "from .layers import *" in CORRECT and "from builtins import range" in CORRECT
    # which of the two judgements each backward got is in the report
    assert _check(document, "rnn_backward.public")["message"] == (
        "compared with the reference on the cache your rnn_forward made")


def test_the_training_check_records_its_loss_history_and_plots_it(correct_report):
    document, out = correct_report
    training = _check(document, "SentimentRNN.training")
    losses = training["series"]["loss"]
    assert len(losses) == 100 and losses[-1] < losses[0] / 7
    plot = (out / "SentimentRNN.training.svg").read_text()
    assert plot.startswith('<svg id="history-SentimentRNN.training"') and 'xmlns="http://www.w3.org/2000/svg"' in plot
    assert plot.count("<path d=") == 2 and "loss (log scale)" in plot  # the history and the axes
    assert "![SentimentRNN.training](SentimentRNN.training.svg)" in (out / "report.md").read_text()
    assert all("series" not in c for c in document["checks"] if c["id"] != "SentimentRNN.training")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(document, json.loads((ROOT / "grader" / "report" / "schema.json").read_text()))


def test_grading_again_gives_the_same_checks_word_for_word(correct_report, layers, tmp_path):
    """Fair grading: the same submission, the same report (how long a check took is kept apart from its message)."""
    again = _grade(layers, EXAMPLES / "layers_correct.py", tmp_path)
    same = lambda document: [(c["id"], c["status"], c["points"], c["message"]) for c in document["checks"]]  # noqa: E731
    assert same(again) == same(correct_report[0])


def _package(folder, module_text):
    """A student's cs231n/ package: their own layers.py beside rnn_layers.py."""
    package = folder / "cs231n"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text((PROVIDED / "layers.py").read_text())
    (package / "rnn_layers.py").write_text(module_text)
    return folder


def test_a_cs231n_package_folder_gets_full_marks(layers, tmp_path):
    folder = _package(tmp_path / "alice", CORRECT)
    (folder / "cs231n" / "solver.py").write_text("# the student's copy of the solver\n")
    document = _grade(layers, folder)
    assert _full(document), _lost(document)


def test_a_lone_module_importing_cs231n_layers_gets_full_marks(layers, tmp_path):
    path = tmp_path / "rnn_layers.py"
    path.write_text(CORRECT.replace("from .layers import *", "from cs231n.layers import *"))
    document = _grade(layers, path)
    assert _full(document), _lost(document)


def test_a_notebook_that_imports_the_package_is_graded_with_the_stand_ins_in_that_package(layers, tmp_path):
    """The functions live in cs231n/rnn_layers.py, where the reference must stand in too: the model there calls
    the student's wrong rnn_forward (the reshape mistake), yet keeps its points. The step forward leaves the bias
    out; its backward is right for it, so it keeps its points (db, which that forward ignores, is not judged)."""
    source = CORRECT.replace("a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b", "a = np.dot(x, Wx) + np.dot(prev_h, Wh)")
    folder = _package(tmp_path / "bob", _splice(["layers_mistake_reshape_mixes_axes.py"], source))
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext autoreload\n%autoreload 2"),
        nbformat.v4.new_code_cell("import numpy as np\nfrom cs231n.rnn_layers import *\nfrom cs231n.layers import *"),
        nbformat.v4.new_code_cell("h, _ = rnn_forward(np.zeros((2, 3, 4)), np.zeros((2, 5)), np.zeros((4, 5)),"
                                  " np.zeros((5, 5)), np.zeros(5))\nh.shape")])
    nbformat.write(notebook, folder / "RNN_Sentiment.ipynb")
    document = _grade(layers, folder)
    assert document["kind"] == "notebook"
    assert _lost(document) == {"rnn_step_forward": 6, "rnn_forward": 6}, _lost(document)
    assert "reshape_mixes_n_and_t" in " ".join(_check(document, "rnn_forward.public")["diagnoses"])
    assert "(db not judged" in _check(document, "rnn_step_backward.public")["message"]
    assert "are the reference's" in _check(document, "rnn_backward.public")["message"]


def test_a_notebook_that_defines_the_functions_gets_full_marks(layers, tmp_path):
    cells = [nbformat.v4.new_code_cell(part) for part in CORRECT.replace("from .layers import *",
                                                                          "from cs231n.layers import *").split("\n\n\n")]
    path = tmp_path / "RNN_Sentiment.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    document = _grade(layers, path)
    assert _full(document), _lost(document)


def test_a_python_2_file_gets_a_load_error_with_its_line(layers, tmp_path):
    path = tmp_path / "rnn_layers.py"
    path.write_text("import numpy as np\n\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
                    "    print 'shapes', x.shape\n    return np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b), None\n")
    document = _grade(layers, path)
    message = document["checks"][0]["message"]
    assert document["score"] == 0 and not document["loaded"]
    assert "line 4 of rnn_layers.py" in message and "Python 2" in message, message


def test_what_a_submission_does_not_define_costs_only_its_points(layers, tmp_path):
    path = tmp_path / "partial.py"
    start, end = CORRECT.index("def rnn_forward"), CORRECT.index("def sigmoid")
    path.write_text(CORRECT[:start] + CORRECT[end:].split("class SentimentRNN")[0])
    document = _grade(layers, path)
    assert document["functions"]["rnn_step_forward"]["score"] == 6
    assert document["functions"]["lstm_step_forward"]["score"] == 4
    missing = _check(document, "rnn_forward.public")
    assert missing["status"] == "failed" and "rnn_forward is not defined" in missing["message"]
    assert document["score"] == 12 + 16


def test_a_template_left_as_it_was_and_a_function_not_defined_are_each_said_once(layers, tmp_path):
    """CS231n's template returns None for each output (`next_h, next_c, cache = None, None, None`); a function the
    file lacks fails every check alike: the first check says why, the others are skipped and name it. An output left
    None among others is said by the value comparison, not as a broken invariant."""
    path = tmp_path / "template.py"
    path.write_text("def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):\n    next_h, next_c, cache = None, None, None\n"
                    "    return next_h, next_c, cache\n\n\ndef lstm_forward(x, h0, Wx, Wh, b):\n"
                    "    h, cache = None, {'x': x}\n    return h, cache\n")
    document = _grade(layers, path)
    for function, first, said in (
            ("lstm_step_forward", "public", "lstm_step_forward is not written yet: each value it returned is None, as"
                                            " in the handout's template; write its body"),
            ("rnn_step_forward", "public", "rnn_step_forward is not defined in the submission"),
            ("SentimentRNN", "loss", "SentimentRNN is not defined in the submission")):
        checks = [c for c in document["checks"] if c["function"] == function]
        assert checks[0]["id"] == f"{function}.{first}" and checks[0]["message"] == said, checks[0]
        reason = said.split(":")[0]
        assert [(c["status"], c["message"]) for c in checks[1:]] == [
            ("skipped", f"not run: {reason} (see {function}.{first})")] * (len(checks) - 1)
    properties = _check(document, "lstm_forward.properties")["message"]
    assert "h is None; expected an array" in properties and "nan" not in properties, properties
    assert document["score"] == 0


# --- the assignment is read from the code -------------------------------------------------------------------------

def test_the_assignment_is_chosen_from_the_functions_the_submission_defines(tmp_path):
    assert assignment.find(submissions=[EXAMPLES / "layers_correct.py"]).name == "rnn_layers"
    assert assignment.find(submissions=[ROOT / "submissions" / "correct.py"]).name == "rnn"
    python2 = tmp_path / "old.py"
    python2.write_text("def rnn_step_forward(x):\n    print 'x'\n")
    assert defined_names(python2) == {"rnn_step_forward"}
    nothing = tmp_path / "nothing.py"
    nothing.write_text("x = 1\n")
    with pytest.raises(UsageError, match="--assignment"):
        assignment.find(submissions=[nothing])


def test_the_command_line_says_which_assignment_it_chose(tmp_path):
    source = tmp_path / "mine.py"
    source.write_text(CORRECT.split("def rnn_forward")[0].replace("from .layers import *", ""))
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(source), "--out", str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "grading as assignment 'rnn_layers'" in done.stderr
    assert json.loads((tmp_path / "out" / "report.json").read_text())["assignment"] == "rnn_layers"


# --- typical mistakes ---------------------------------------------------------------------------------------------

# Each example makes one typical mistake: {file: (what it loses, the mistake diagnosed)}.
MISTAKES = {
    "layers_mistake_weights_not_summed.py": ({"rnn_backward": 6}, "rnn_backward.weights_not_summed_over_time"),
    "layers_mistake_upstream_not_added.py": ({"rnn_backward": 6}, "rnn_backward.upstream_not_added"),
    "layers_mistake_index_assignment.py": ({"word_embedding_backward": 4},
                                           "word_embedding_backward.index_assignment_instead_of_add_at"),
    "layers_mistake_tanh_preactivation.py": ({"rnn_step_backward": 6},
                                             "rnn_step_backward.tanh_derivative_of_preactivation"),
    "layers_mistake_gates_order.py": ({"lstm_step_forward": 4}, "lstm_step_forward.gates_in_wrong_order"),
    "layers_mistake_reshape_mixes_axes.py": ({"rnn_forward": 6}, "rnn_forward.reshape_mixes_n_and_t"),
    "layers_mistake_sum_instead_of_mean.py": ({"temporal_average_forward": 4},
                                              "temporal_average_forward.sum_instead_of_mean"),
}
# Grading one submission per example would take a minute: mistakes in different functions share one.
GROUPS = {"a": ["layers_mistake_weights_not_summed.py", "layers_mistake_index_assignment.py",
                "layers_mistake_tanh_preactivation.py", "layers_mistake_gates_order.py",
                "layers_mistake_sum_instead_of_mean.py"],
          "b": ["layers_mistake_upstream_not_added.py"],
          "notebook": ["layers_mistake_reshape_mixes_axes.py"]}  # see the notebook test above
# Group b also holds a model with a wrong gradient, and an average layer whose backward is wrong for its own
# (wrong) forward as well as for the reference's.
MODEL_BUG = ("dh, grads['W1'], grads['b1'] = temporal_affine_backward(dout, ta_cache)",
             "dh, grads['W1'], grads['b1'] = temporal_affine_backward(dout, ta_cache)\n"
             "        grads['W1'] = -grads['W1']")
AVERAGE_BUG = [("    out = np.mean(x, axis=1)\n", "    out = np.sum(x, axis=1)\n"),
               ("np.expand_dims(dout / T, axis=1)", "np.expand_dims(dout * T, axis=1)")]


def _blocks(source):
    """{name: source} of the top-level definitions."""
    parts = source.split("\n\n\ndef ")
    return {part.split("(", 1)[0].strip(): part for part in parts[1:]}


def _splice(files, source=CORRECT):
    """`source` with every definition that one of `files` changed from the correct module taken from that file."""
    correct = _blocks(CORRECT)
    for name in files:
        for function, block in _blocks((EXAMPLES / name).read_text()).items():
            if block != correct[function]:
                source = source.replace(correct[function], block)
    return source


@pytest.fixture(scope="module")
def mistakes(layers, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mistakes")
    (folder / "a.py").write_text(_splice(GROUPS["a"]))
    b = _splice(GROUPS["b"]).replace(*MODEL_BUG)
    for old, new in AVERAGE_BUG:
        b = b.replace(old, new)
    (folder / "b.py").write_text(b)
    return {group: _grade(layers, folder / f"{group}.py") for group in ("a", "b")}


def test_every_example_mistake_is_listed_and_grouped():
    assert sorted(MISTAKES) == sorted(p.name for p in EXAMPLES.glob("layers_mistake_*.py"))
    assert sorted(MISTAKES) == sorted(sum(GROUPS.values(), []))


def test_each_typical_mistake_loses_only_its_own_function(mistakes):
    lost = {}
    for name in GROUPS["a"]:
        lost.update(MISTAKES[name][0])
    assert _lost(mistakes["a"]) == lost
    for group in ("a", "b"):
        for name in GROUPS[group]:
            function, diagnosis = next(iter(MISTAKES[name][0])), MISTAKES[name][1]
            if diagnosis:
                assert diagnosis in _check(mistakes[group], f"{function}.public")["diagnoses"], name
    assert _lost(mistakes["b"]) == {"rnn_backward": 6, "temporal_average_forward": 4,
                                    "temporal_average_backward": 4, "SentimentRNN": 8}


def test_a_wrong_forward_is_not_held_against_its_backward(mistakes):
    """The sum-for-mean forward: its backward is right for that sum, judged numerically against it (the reshape
    forward, whose backward gives the reference's gradients from its cache, is in the notebook test)."""
    message = _check(mistakes["a"], "temporal_average_backward.public")["message"]
    assert "checked numerically against it instead" in message, message
    assert _check(mistakes["a"], "temporal_average_backward.hidden_shapes")["status"] == "passed"


def test_a_backward_wrong_for_its_own_wrong_forward_fails_the_numeric_check(mistakes):
    message = _check(mistakes["b"], "temporal_average_backward.public")["message"]
    assert "checked numerically against it, and dx fails that check" in message, message


# --- the sentiment model and its training -------------------------------------------------------------------------

def test_a_model_with_a_wrong_gradient_fails_its_checks_and_training(mistakes):
    training = _check(mistakes["b"], "SentimentRNN.training")
    assert training["status"] == "failed" and "is needed" in training["message"], training["message"]
    assert len(training["series"]["loss"]) == 100
    assert "grads[\"W1\"]" in _check(mistakes["b"], "SentimentRNN.gradcheck")["message"]


MODEL_RETURN = "        return loss, grads\n"


@pytest.mark.parametrize("line, said", [
    # one entry of one gradient wrong by 1%: the directional check still sees it, the entries say where
    ("grads['Wh'] = grads['Wh'].copy(); grads['Wh'][1, 2] *= 1.01",
     'grads["Wh"] fails the gradient check through your own loss\nrelative error 0.00498 at [1][2]'),
    ("grads['b'] = grads['b'][None, :]", 'grads["b"] has shape (1, 4); expected (4,) like params["b"]'),
])
def test_the_model_gradcheck_finds_one_wrong_entry_and_says_a_wrong_shape(layers, tmp_path, line, said):
    """Each gradient is checked along two random directions, entry by entry only where one disagrees."""
    assert CORRECT.count(MODEL_RETURN) == 1
    path = tmp_path / "rnn_layers.py"
    path.write_text(CORRECT.replace(MODEL_RETURN, f"        {line}\n{MODEL_RETURN}"))
    document = _grade(layers, path)
    gradcheck = _check(document, "SentimentRNN.gradcheck")
    assert gradcheck["status"] == "failed" and gradcheck["message"].startswith(said), gradcheck["message"]
    assert _lost(document) == {"SentimentRNN": 8 if "shape" in said else 5}


def test_a_diverging_learning_rate_fails_the_training_check(layers, monkeypatch):
    monkeypatch.setitem(layers.settings["training"], "learning_rate", 50.0)
    document = _grade(layers, EXAMPLES / "layers_correct.py")
    training = _check(document, "SentimentRNN.training")
    assert training["status"] == "failed", training
    assert "diverged" in training["message"] or "is needed" in training["message"], training["message"]
    assert _lost(document) == {"SentimentRNN": 3}


def test_a_backward_given_the_students_own_step_caches_calls_their_own_step(layers):
    """rnn_forward writes its steps out, so its caches are its own: the reference can't read them, and the
    student's own rnn_step_backward answers rnn_backward's calls (the reference does when the caches are tokens)."""
    document = _grade(layers, ROOT / "tests" / "layers" / "steps_written_out.py")
    assert {name: f["score"] for name, f in document["functions"].items() if f["score"]} == {
        "rnn_step_forward": 6, "rnn_step_backward": 6, "rnn_forward": 6, "rnn_backward": 6}


# --- the reference, its fixtures and its catalogue (in the grader's process, no sandbox) ---------------------------

def test_the_fixtures_match_their_recipes(layers):
    from grader import fixtures
    assert fixtures.check(layers, layers.fixtures) == []


def test_the_reference_backwards_match_numeric_gradients_of_the_reference_forwards(layers):
    import numpy as np
    from grader.checks.gradcheck import compare_gradient, numeric_gradient
    from grader.checks.own_caches import pairs
    cases = layers.package.cases
    for backward, pair in pairs(layers.settings).items():
        forward = getattr(layers.solution, pair.forward)
        args = [np.array(a) for a in cases.forward_arguments(pair.forward, cases.Case(seed=5, N=2, T=3, D=3, H=2))]
        out = forward(*args)
        upstream = [np.random.default_rng(6).standard_normal(o.shape) for o in out[:-1]]
        grads = getattr(layers.solution, backward)(*upstream, out[-1])
        grads = grads if isinstance(grads, tuple) else (grads,)
        loss = lambda: sum(float(np.sum(o * u)) for o, u in zip(forward(*args)[:-1], upstream))
        for name, position, analytic in zip(pair.outputs, pair.gradients, grads):
            result = compare_gradient(name, numeric_gradient(loss, args[position]), analytic)
            assert result.ok, (backward, name, result)


def test_every_known_mistake_differs_from_the_reference_on_the_public_case(layers):
    """Else the catalogue could name a mistake for an answer that is right."""
    import copy

    import numpy as np
    catalogue, cases = layers.package.mistakes.catalogue, layers.package.cases
    assert len(catalogue) == 23
    for mistake in catalogue.mistakes.values():
        args = cases.arguments(mistake.function, cases.PUBLIC)
        if mistake.function in cases.FORWARD_OF:  # a backward variant takes the reference forward's cache
            forward = cases.FORWARD_OF[mistake.function]
            count = len(cases.forward_arguments(forward, cases.PUBLIC))
            args = (*args[count:], getattr(layers.solution, forward)(*args[:count])[-1])
        ours = getattr(layers.solution, mistake.function)(*copy.deepcopy(args))
        theirs = mistake.variant(*copy.deepcopy(args))
        ours, theirs = (v if isinstance(v, tuple) else (v,) for v in (ours, theirs))
        assert not all(np.allclose(o, t) for o, t in zip(ours, theirs) if isinstance(o, np.ndarray)), mistake.id


def _slower(document, name="zoe"):
    """A copy of `document` by another student, whose loss fell less."""
    other = json.loads(json.dumps(document))
    other["submission"] = name
    series = _check(other, "SentimentRNN.training")["series"]
    series["loss"] = [value * 1.5 for value in series["loss"]]
    return other


def test_the_class_page_plots_every_students_loss_history(correct_report):
    from grader.report import classpage
    document, _ = correct_report
    page = classpage.render([document, _slower(document)])
    assert page.count('id="history-SentimentRNN.training"') == 1 and "<h2>Loss histories</h2>" in page
    assert page.count('<path d="M') == 3 and "SentimentRNN.training: 2 students" in page  # two lines and the axes
    without = [json.loads(json.dumps(document))]
    for check in without[0]["checks"]:
        check.pop("series", None)
    assert "Loss histories" not in classpage.render(without)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (`make setup` installs it as root)")
def test_a_browser_shows_the_loss_history_as_report_md_links_it_and_on_the_class_page(correct_report, tmp_path):
    """The plot beside report.md, as an image (as GitHub shows it), and the class page's, inline: each line drawn
    across the plot, the faster student's below."""
    from grader.report import classpage
    document, out = correct_report
    shutil.copy(out / "SentimentRNN.training.svg", tmp_path)
    probe = tmp_path / "probe.html"
    probe.write_text(classpage.render([document, _slower(document)]).replace("</body>", PROBE + "</body>"))
    dumped = chromium(probe, tmp_path, "--virtual-time-budget=5000", "--dump-dom")
    found = re.search(r'<pre id="probe">(.*?)</pre>', dumped.stdout)
    assert found, f"the page did not load: {dumped.stderr[-2000:]}"
    seen = json.loads(found.group(1).replace("&quot;", '"'))
    assert seen["image"] == [600, 300]
    assert seen["plot"][0] > 600 and seen["plot"][1] > 250, seen
    (fast, slow) = seen["lines"]
    assert fast[0] > 500 and slow[0] > 500 and fast[1] > 100 and fast[2] > slow[2], seen  # wide, falling, below


PROBE = """<img id="beside" src="SentimentRNN.training.svg"><script>window.addEventListener("load", function () {
  var image = document.getElementById("beside"), plot = document.getElementById("history-SentimentRNN.training");
  var lines = Array.prototype.slice.call(plot.querySelectorAll("path[stroke-opacity]")).map(function (p) {
    var box = p.getBBox(); return [box.width, box.height, box.y + box.height]; });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({image: [image.naturalWidth, image.naturalHeight], lines: lines,
    plot: [plot.getBoundingClientRect().width, plot.getBoundingClientRect().height]});
  document.body.appendChild(out);
});</script>"""


def test_a_backward_that_reads_the_step_caches_itself_is_judged_with_the_students_own_steps(layers):
    document = _grade(layers, ROOT / "tests" / "layers" / "steps_read_in_backward.py")
    assert document["functions"]["rnn_backward"]["score"] == 6
    message = _check(document, "rnn_backward.public")["message"]
    assert "your own rnn_step_forward made the step caches" in message, message


def test_a_forward_that_reads_its_step_caches_is_judged_with_the_students_own_steps(layers):
    """Its state taken from the cache of the step before: the reference's stand-in step gives a token there, so the
    forward is graded with the student's own step, whose cache it reads, and keeps its points."""
    document = _grade(layers, ROOT / "tests" / "layers" / "steps_read_in_forward.py")
    scores = {name: f["score"] for name, f in document["functions"].items() if name.startswith("rnn_")}
    assert scores == {"rnn_step_forward": 6, "rnn_step_backward": 6, "rnn_forward": 6, "rnn_backward": 6}, scores
    for kind in ("public", "hidden_values", "hidden_shapes", "properties"):
        message = _check(document, f"rnn_forward.{kind}")["message"]
        assert message.startswith("judged with your own rnn_step_forward, as your rnn_forward reads"), message


# --- where courses run: public mode, a student's repository, Gradescope ---------------------------------------------

def test_public_mode_runs_the_public_checks_on_the_students_own_caches(layers):
    document = grade_submission(EXAMPLES / "layers_mistake_index_assignment.py", assignment.find(
        "rnn_layers", public_only=True), None, LIMITS, public_only=True)
    assert {c["id"].rsplit(".", 1)[1] for c in document["checks"] if c["function"]} == {"public"}
    assert _lost(document) == {"word_embedding_backward": 1}
    assert document["max_score"] == 8


def test_a_student_repository_and_a_gradescope_bundle_grade_it(layers, tmp_path):
    from grader.platforms import gradescope, student_repo
    from test_gradescope_export import run_autograder
    student_repo.init(tmp_path / "repo", layers, starter=EXAMPLES / "layers_correct.py")
    assert not (tmp_path / "repo" / ".grader" / "reference" / "rnn_layers" / "solution.py").exists()
    done = subprocess.run([sys.executable, "-m", "grader", "grade", "../rnn_layers.py", "--public", "--out",
                           str(tmp_path / "out")], cwd=tmp_path / "repo" / ".grader", capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "rnn_layers: 8 / 8 + extra credit 4 / 4" in done.stdout, done.stderr
    bundle = tmp_path / "autograder.zip"
    gradescope.gradescope(layers, bundle)
    results, _ = run_autograder(tmp_path / "gs", bundle, {"rnn_layers.py": (EXAMPLES / "layers_correct.py").read_text()})
    assert results["score"] == 64  # 48 points and 16 of extra credit


def test_a_backward_is_diagnosed_even_where_its_own_forward_is_wrong(layers, tmp_path):
    """The step forward leaves out the bias; its backward squares the pre-activation it cached (1 - a**2). The
    known mistake is tried on the reference's cache with this student's next_h in it, and named."""
    source = _splice(["layers_mistake_tanh_preactivation.py"]).replace(
        "a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b\n", "a = np.dot(x, Wx) + np.dot(prev_h, Wh)\n", 1)
    path = tmp_path / "student.py"
    path.write_text(source)
    document = _grade(layers, path)
    assert _check(document, "rnn_step_forward.public")["diagnoses"] == ["rnn_step_forward.bias_left_out"]
    backward = _check(document, "rnn_step_backward.public")
    assert backward["status"] == "failed" and "checked numerically against it" in backward["message"]
    assert backward["diagnoses"] == ["rnn_step_backward.tanh_derivative_of_preactivation"], backward["message"]
    assert backward["answer"]["fingerprint"]


# {mistake: [(text in layers_correct.py, what a student wrote instead)]}. The forwards are right here: a backward
# whose forward is wrong gets that forward's step caches, which the reference's cache can't stand for.
SEQUENCE_LOOPS = {
    "rnn_backward.loop_forward": [("    for t in reversed(range(T)):\n        dx_t, dprev_h, dWx_t",
                                   "    for t in range(T):\n        dx_t, dprev_h, dWx_t"),
                                  ("dx_steps.insert(0, dx_t)", "dx_steps.append(dx_t)")],
    "lstm_backward.loop_skips_first_step": [("    for t in reversed(range(T)):\n        dx_t, dprev_h, dprev_c",
                                             "    for t in range(T - 1, 0, -1):\n        dx_t, dprev_h, dprev_c")],
}


def test_the_mistakes_of_sequence_loops_are_named(layers, tmp_path):
    source = CORRECT
    for changes in SEQUENCE_LOOPS.values():
        for old, new in changes:
            assert source.count(old) == 1, old
            source = source.replace(old, new)
    path = tmp_path / "student.py"
    path.write_text(source)
    document = _grade(layers, path)
    assert set(_lost(document)) == {mistake.split(".")[0] for mistake in SEQUENCE_LOOPS}
    for mistake in SEQUENCE_LOOPS:
        assert _check(document, mistake.split(".")[0] + ".public")["diagnoses"] == [mistake]


# --- the training check's budget counts CPU time, not the machine's load -------------------------------------------

def _slowed(tmp_path, line):
    """layers_correct.py whose model runs `line` at the start of each training iteration's loss (its 100 examples),
    not in the loss and gradient checks (10 and 4 examples)."""
    source = CORRECT.replace("    def loss(self, X, y=None):\n", "    def loss(self, X, y=None):\n"
                             f"        if X.shape[0] == 100:\n            {line}\n", 1)
    source = source.replace("import numpy as np\n", "import numpy as np\nimport time\n", 1)
    assert source.count("import time") == 1 and source.count("X.shape[0] == 100") == 1
    path = tmp_path / "rnn_layers.py"
    path.write_text(source)
    return path


def test_a_model_waiting_on_a_busy_machine_is_not_stopped_by_the_training_budget(layers, monkeypatch, tmp_path):
    """Each iteration waits 0.05 s without using the CPU, as a model does when other work has the machine's cores:
    the 100 iterations take 5 s of wall time, past a budget of 2.5 s, which counts CPU time and so is not reached."""
    monkeypatch.setitem(layers.settings["training"], "budget_seconds", 2.5)
    document = _grade(layers, _slowed(tmp_path, "time.sleep(0.05)"))
    training = _check(document, "SentimentRNN.training")
    assert training["status"] == "passed", training["message"]
    assert "budget" not in training["message"]


def test_a_model_that_computes_past_the_budget_is_stopped_with_the_cpu_time_said(layers, monkeypatch, tmp_path):
    """Each iteration burns 0.1 s of the sandbox's CPU: the budget of 2.5 s of CPU time stops the training long
    before its 100 iterations end (the model's time in the sandbox counts, not only the grader's)."""
    monkeypatch.setitem(layers.settings["training"], "budget_seconds", 2.5)
    busy = "started = time.process_time()\n            while time.process_time() - started < 0.1: pass"
    document = _grade(layers, _slowed(tmp_path, busy))
    training = _check(document, "SentimentRNN.training")
    assert training["status"] == "failed", training
    assert "ran past its budget of 2.5 s of CPU time" in training["message"], training["message"]
    stopped = int(training["message"].split("training stopped after ")[1].split()[0])
    assert 10 <= stopped <= 25, training["message"]
