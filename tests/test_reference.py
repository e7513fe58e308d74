"""The reference reproduces every value of the handout's expected-output tables, and its gradients are right."""
import json

import numpy as np
import pytest

from grader import fixtures
from grader.checks.gradcheck import compare_gradient, numeric_gradient

# Seed 002's tables, as printed: (function, expression on the outputs, printed value).
TABLES = [
    ("rnn_cell_forward", "out[0][4]", [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201, 0.99980978,
                                       -0.18887155, 0.99815551, 0.6531151, 0.82872037]),
    ("rnn_cell_forward", "out[0].shape", (5, 10)),
    ("rnn_cell_forward", "out[1][1]", [0.9888161, 0.01682021, 0.21140899, 0.36817467, 0.98988387, 0.88945212,
                                       0.36920224, 0.9966312, 0.9982559, 0.17746526]),
    ("rnn_cell_forward", "out[1].shape", (2, 10)),
    ("rnn_forward", "out[0][4][1]", [-0.99999375, 0.77911235, -0.99861469, -0.99833267]),
    ("rnn_forward", "out[0].shape", (5, 10, 4)),
    ("rnn_forward", "out[1][1][3]", [0.79560373, 0.86224861, 0.11118257, 0.81515947]),
    ("rnn_forward", "out[1].shape", (2, 10, 4)),
    ("rnn_forward", "out[2][1][1][3]", [-1.1425182, -0.34934272, -0.20889423, 0.58662319]),
    ("rnn_forward", "len(out[2])", 2),
    ("lstm_cell_forward", "out[0][4]", [-0.66408471, 0.0036921, 0.02088357, 0.22834167, -0.85575339, 0.00138482,
                                        0.76566531, 0.34631421, -0.00215674, 0.43827275]),
    ("lstm_cell_forward", "out[0].shape", (5, 10)),
    ("lstm_cell_forward", "out[1][2]", [0.63267805, 1.00570849, 0.35504474, 0.20690913, -1.64566718, 0.11832942,
                                        0.76449811, -0.0981561, -0.74348425, -0.26810932]),
    ("lstm_cell_forward", "out[1].shape", (5, 10)),
    ("lstm_cell_forward", "out[2][1]", [0.79913913, 0.15986619, 0.22412122, 0.15606108, 0.97057211, 0.31146381,
                                        0.00943007, 0.12666353, 0.39380172, 0.07828381]),
    ("lstm_cell_forward", "out[2].shape", (2, 10)),
    ("lstm_cell_forward", "out[3][1][3]", [-0.16263996, 1.03729328, 0.72938082, -0.54101719, 0.02752074,
                                           -0.30821874, 0.07651101, -1.03752894, 1.41219977, -0.37647422]),
    ("lstm_cell_forward", "len(out[3])", 10),
    ("lstm_forward", "out[0][4][3][6]", 0.172117767533),
    ("lstm_forward", "out[0].shape", (5, 10, 7)),
    ("lstm_forward", "out[1][1][4][3]", 0.95087346185),
    ("lstm_forward", "out[1].shape", (2, 10, 7)),
    ("lstm_forward", "out[3][1][1][1]", [0.82797464, 0.23009474, 0.76201118, -0.22232814, -0.20075807, 0.18656139,
                                         0.41005165]),
    ("lstm_forward", "out[2][1][2][1]", -0.855544916718),
    ("lstm_forward", "len(out[3])", 2),
    ("rnn_cell_backward", "out['dxt'][1][2]", -0.460564103059),
    ("rnn_cell_backward", "out['dxt'].shape", (3, 10)),
    ("rnn_cell_backward", "out['da_prev'][2][3]", 0.0842968653807),
    ("rnn_cell_backward", "out['da_prev'].shape", (5, 10)),
    ("rnn_cell_backward", "out['dWax'][3][1]", 0.393081873922),
    ("rnn_cell_backward", "out['dWax'].shape", (5, 3)),
    ("rnn_cell_backward", "out['dWaa'][1][2]", -0.28483955787),
    ("rnn_cell_backward", "out['dWaa'].shape", (5, 5)),
    ("rnn_cell_backward", "out['dba'][4]", [0.80517166]),
    ("rnn_cell_backward", "out['dba'].shape", (5, 1)),
    ("rnn_backward", "out['dx'][1][2]", [-2.07101689, -0.59255627, 0.02466855, 0.01483317]),
    ("rnn_backward", "out['dx'].shape", (3, 10, 4)),
    ("rnn_backward", "out['da0'][2][3]", -0.314942375127),
    ("rnn_backward", "out['da0'].shape", (5, 10)),
    ("rnn_backward", "out['dWax'][3][1]", 11.2641044965),
    ("rnn_backward", "out['dWax'].shape", (5, 3)),
    ("rnn_backward", "out['dWaa'][1][2]", 2.30333312658),
    ("rnn_backward", "out['dWaa'].shape", (5, 5)),
    ("rnn_backward", "out['dba'][4]", [-0.74747722]),
    ("rnn_backward", "out['dba'].shape", (5, 1)),
]


def _printed_digits(value):
    """The tolerance that printing to the handout's digits allows: half a unit in the last printed place."""
    decimals = len(repr(float(value)).split(".")[1].rstrip("0")) if "." in repr(float(value)) else 0
    return 0.5 * 10.0 ** -decimals + 1e-15


def _handout_outputs(rnn, source, function):
    if source == "reference":
        return getattr(rnn.solution, function)(*rnn.package.cases.HANDOUT[function]())
    public = fixtures.load(rnn.fixtures, "public")[function]
    return next(f.expected for f in public if f.name == "handout")


@pytest.mark.parametrize("source", ["reference", "fixtures"])
@pytest.mark.parametrize("function,expression,printed", TABLES, ids=[f"{f}:{e}" for f, e, _ in TABLES])
def test_handout_tables_to_the_printed_digits(rnn, source, function, expression, printed):
    out = _handout_outputs(rnn, source, function)
    value = eval(expression, {}, {"out": out})  # expressions are the literal ones above, not input
    if isinstance(printed, (tuple, int)):
        assert value == printed
        return
    for got, want in zip(np.ravel(value), np.ravel(printed), strict=True):
        assert abs(got - want) <= _printed_digits(want), f"{function} {expression}: got {got!r}, printed {want!r}"


@pytest.mark.parametrize("function", ["rnn_cell_backward", "rnn_backward", "lstm_cell_backward", "lstm_backward"])
def test_reference_gradients_match_numeric_gradients(rnn, function):
    case = rnn.package.cases.Case(seed=7, n_x=3, n_a=4, n_y=2, m=3, T_x=3)
    gradient_of = rnn.standard.functions[function].backward.gradients  # {key: (argument, entry of it)}
    forward_name = rnn.package.cases.FORWARD_OF[function]
    forward = getattr(rnn.solution, forward_name)
    inputs = rnn.package.cases.arguments(forward_name, case)
    out = forward(*inputs)
    draw = np.random.default_rng(1).standard_normal
    upstream = [draw(out[0].shape)] + ([draw(out[1].shape)] if function == "lstm_cell_backward" else [])
    gradients = getattr(rnn.solution, function)(*upstream, out[-1])

    def loss():
        return sum(float(np.sum(o * u)) for o, u in zip(forward(*inputs), upstream))

    assert set(gradients) == set(gradient_of)
    for key, where in gradient_of.items():
        variable = inputs[where[0]] if where[1] is None else inputs[where[0]][where[1]]
        result = compare_gradient(key, numeric_gradient(loss, variable), gradients[key])
        assert result.ok, result


def test_numeric_gradient_restores_its_input_and_finds_a_wrong_gradient():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    numeric = numeric_gradient(lambda: float(np.sum(x ** 3)), x)
    assert np.array_equal(x, before)
    assert compare_gradient("x", numeric, 3 * x ** 2).ok
    wrong = compare_gradient("x", numeric, 2 * x)
    assert not wrong.ok and wrong.worst_index == (0, 1)  # 3x² = 12 against 2x = -4: the sign flips


def test_fixtures_regenerate_to_the_same_content(rnn, tmp_path):
    # the same recipes, arguments and values; the last bit of a float may differ on another processor
    fixtures.generate(rnn, tmp_path / "rnn")
    fresh = json.loads((tmp_path / "rnn" / "manifest.json").read_text())
    committed = json.loads((rnn.fixtures / "manifest.json").read_text())
    assert {k: {**v, "arrays": sorted(v["arrays"])} for k, v in fresh["files"].items()} \
        == {k: {**v, "arrays": sorted(v["arrays"])} for k, v in committed["files"].items()}
    assert fixtures.check(rnn, rnn.fixtures) == []


def test_a_difference_in_the_last_bits_is_not_drift_and_a_larger_one_is(rnn, tmp_path):
    copy = tmp_path / "rnn"
    fixtures.generate(rnn, copy)
    path = copy / "public" / "rnn_forward" / "handout.json"
    record = json.loads(path.read_text())
    entry = record["expected"]["$tuple"][0]["$array"][4][1]
    entry[0] *= 1 + 4e-16  # another processor's rounding of tanh
    manifest = json.loads((copy / "manifest.json").read_text())
    hashes = fixtures.array_hashes({"args": tuple(fixtures.from_json(record["args"])),
                                    "expected": fixtures.from_json(record["expected"])})
    manifest["files"]["public/rnn_forward/handout.json"]["arrays"] = hashes  # as `make fixtures` there writes it
    path.write_text(json.dumps(record))
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert fixtures.check(rnn, copy) == []
    entry[0] += 1e-7  # a tenth of the grading tolerance: a real change of the recipe or the reference
    path.write_text(json.dumps(record))
    hashes = fixtures.array_hashes({"args": tuple(fixtures.from_json(record["args"])),
                                    "expected": fixtures.from_json(record["expected"])})
    manifest["files"]["public/rnn_forward/handout.json"]["arrays"] = hashes
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert fixtures.check(rnn, copy) == [
        "public/rnn_forward/handout.json: ['expected'][0] drifted (recipe the handout's rnn_forward cell (seed 1))"]


def test_check_fixtures_names_a_hand_edited_array(rnn, tmp_path):
    copy = tmp_path / "rnn"
    fixtures.generate(rnn, copy)
    assert fixtures.check(rnn, copy) == []
    path = copy / "public" / "rnn_forward" / "handout.json"
    record = json.loads(path.read_text())
    record["expected"]["$tuple"][0]["$array"][4][1][0] += 1e-3
    path.write_text(json.dumps(record))
    drift = fixtures.check(rnn, copy)
    assert drift == ["public/rnn_forward/handout.json: ['expected'][0] drifted (recipe the handout's rnn_forward cell"
                     " (seed 1))",
                     "public/rnn_forward/handout.json: ['expected'][0] on disk differs from its manifest entry"
                     " (edited by hand?)"]


def test_hidden_fixtures_cover_the_edge_sizes(rnn):
    hidden = fixtures.load(rnn.fixtures, "hidden")
    assert set(hidden) == set(rnn.standard.functions)
    for function, cases in hidden.items():
        describes = " ".join(f.describe for f in cases)
        assert "m=1," in describes and "n_a=1," in describes and "T_x=1)" in describes, function
