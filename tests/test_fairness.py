"""One bug costs one function (DESIGN.md, fair grading), where a backward takes the cache of its student's forward:
a forward that raises does not fail its backward, a sequence backward that reads its step caches still gets the
reference's step gradients, and a 2017-2019 CS231n file that imports `past.builtins` loads. One submission, made
from the correct example, holds all of it."""
import pytest

from grader import assignment
from grader.api import grade_submission
from grader.sandbox.limits import Limits

from conftest import ROOT

CORRECT = (ROOT / "submissions" / "rnn_layers" / "layers_correct.py").read_text()
LIMITS = Limits(call_seconds=20, load_seconds=30, cell_seconds=30)
EDITS = [
    # a 2017-2019 handout's import, and a loop of that time
    ("import numpy as np\n", "from past.builtins import xrange\nimport numpy as np\n"),
    ("    for t in range(T):\n        prev_h, step_cache", "    for t in xrange(T):\n        prev_h, step_cache"),
    # the step backward is wrong (tanh' of the cache's x instead of next_h) ...
    ('da = dnext_h * (1 - cache["next_h"] ** 2)', 'da = dnext_h * (1 - cache["x"].sum() ** 2)'),
    # ... and the sequence backward reads the step caches before calling it for each step
    ("    N, T, H = dh.shape\n    dprev_h = np.zeros((N, H))\n",
     "    N, T, H = dh.shape\n    D = cache[0][\"x\"].shape[1]\n    dprev_h = np.zeros((N, H))\n"),
    # a forward that raises on every case, one that raises on one example only (N = 1)
    ("    out = np.mean(x, axis=1)\n", "    out = np.mean(x, axis=1) + undefined_name\n"),
    ("    out = W[x, :]\n", "    if x.shape[0] == 1:\n        raise ValueError('one sentence')\n    out = W[x, :]\n"),
]


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    source = CORRECT
    for old, new in EDITS:
        assert old in source, old
        source = source.replace(old, new, 1)
    path = tmp_path_factory.mktemp("fair") / "rnn_layers.py"
    path.write_text(source.split("class SentimentRNN")[0].split("def lstm_step_forward")[0])
    return grade_submission(path, assignment.find("rnn_layers"), None, LIMITS)


def _check(document, check_id):
    return next(c for c in document["checks"] if c["id"] == check_id)


def test_a_module_importing_past_builtins_loads(document):
    assert document["loaded"] and _check(document, "submission.loads")["status"] == "passed"


def test_a_sequence_backward_reading_its_step_caches_gets_the_references_step_gradients(document):
    functions = document["functions"]
    assert functions["rnn_backward"]["score"] == functions["rnn_backward"]["max_score"] == 6
    assert functions["rnn_step_backward"]["score"] == 0  # its own bug, counted once
    message = _check(document, "rnn_backward.public")["message"]
    assert "your own rnn_step_forward made the step caches" in message, message
    assert "a call of rnn_step_backward on one of them is answered by the reference" in message, message


def test_a_forward_that_raises_skips_its_backward_and_names_the_forwards_line(document):
    forward = _check(document, "temporal_average_forward.public")
    assert forward["status"] == "error" and "NameError" in forward["message"]
    for kind in ("public", "hidden_values", "hidden_shapes", "properties"):
        backward = _check(document, f"temporal_average_backward.{kind}")
        assert backward["status"] == "skipped" and backward["points"] == 0, backward
        assert backward["message"].startswith("not judged: your temporal_average_forward raised NameError"), backward
        assert " at line " in backward["message"] and "undefined_name" in backward["message"], backward


def test_a_forward_that_raises_on_some_cases_leaves_its_backward_judged_on_the_others(document):
    for kind in ("public", "hidden_values", "hidden_shapes", "properties"):
        backward = _check(document, f"word_embedding_backward.{kind}")
        assert backward["status"] == "passed", backward
    shapes = _check(document, "word_embedding_backward.hidden_shapes")["message"]
    assert "1 of 5 cases not judged: your word_embedding_forward raised ValueError: one sentence" in shapes, shapes
    assert _check(document, "word_embedding_forward.hidden_shapes")["status"] == "error"
