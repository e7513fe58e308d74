"""The RNN assignment's checks. For every function: structure, the handout's values, hidden values and sizes,
property tests; for every backward pass, a numeric gradient check. Points are in rubric.toml.
"""
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from grader.checks.diagnose import diagnose
from grader.checks.gradcheck import BOUND, compare_gradient, numeric_gradient
from grader.checks.properties import check_property
from grader.checks.standard import differing, named, structure_differences, value_differences
from grader.checks.suite import Failure, Suite

# A student's copy of the assignment has no reference, recipes or known mistakes (DESIGN.md: secrets): only the
# public checks run there (assignment.toml, [student]), and they use none of them.
REFERENCE = (Path(__file__).parent / "solution.py").is_file()
if REFERENCE:
    from . import solution
    from .cases import FORWARD_OF, Case, arguments
    from .mistakes import catalogue
else:
    catalogue = None

# What each function returns, and which of its outputs is a documented cache layout.
OUTPUTS = {
    "rnn_cell_forward": (("a_next", "yt_pred", "cache"), ("cache",)),
    "rnn_forward": (("a", "y_pred", "caches"), ("caches",)),
    "lstm_cell_forward": (("a_next", "c_next", "yt_pred", "cache"), ("cache",)),
    "lstm_forward": (("a", "y", "c", "caches"), ("caches",)),
    "rnn_cell_backward": ("gradients", ()),
    "rnn_backward": ("gradients", ()),
    "lstm_cell_backward": ("gradients", ()),
    "lstm_backward": ("gradients", ()),
}

# For each gradient: which forward input it is the derivative of (argument index, then parameter name).
_RNN_WEIGHTS = {"dWax": (2, "Wax"), "dWaa": (2, "Waa"), "dba": (2, "ba")}
_LSTM_WEIGHTS = {f"d{kind}{gate}": (3, f"{kind}{gate}") for gate in "fico" for kind in "Wb"}
GRADIENT_OF = {
    "rnn_cell_backward": {"dxt": (0,), "da_prev": (1,), **_RNN_WEIGHTS},
    "rnn_backward": {"dx": (0,), "da0": (1,), **_RNN_WEIGHTS},
    "lstm_cell_backward": {"dxt": (0,), "da_prev": (1,), "dc_prev": (2,), **_LSTM_WEIGHTS},
    "lstm_backward": {"dx": (0,), "da0": (1,), **{k: (2, v[1]) for k, v in _LSTM_WEIGHTS.items()}},
}
GRADCHECK_CASE = Case(seed=4001, n_x=2, n_a=3, n_y=2, m=2, T_x=3) if REFERENCE else None

sizes = st.builds(Case, seed=st.integers(0, 2**31 - 1), n_x=st.integers(1, 4), n_a=st.integers(1, 5),
                  n_y=st.integers(1, 3), m=st.integers(1, 4), T_x=st.integers(1, 4)) if REFERENCE else None

suite = Suite("rnn")


def _compare_on(context, function, fixtures, differ):
    outputs, layout = OUTPUTS[function]
    context.prefetch(function, [fixture.args for fixture in fixtures])
    for fixture in fixtures:
        got = context.call(function, *fixture.args)
        lines = differ(outputs, layout, fixture.expected, got, context.rtol, context.atol, fixture.args)
        if lines:
            diagnosis = _diagnosis(context, function, fixture.args, fixture.expected, got)
            raise diagnosis.explain(f"on {fixture.describe}:", *lines)


def _diagnosis(context, function, args, expected, got):
    """The known mistakes whose answer on `args` is the student's `got`, within the checks' tolerance."""
    outputs, layout = OUTPUTS[function]
    try:
        wrong = differing(outputs, layout, expected, got, context.rtol, context.atol)
    except Failure:  # not even the documented container: no value to diagnose
        wrong = []
    same = lambda answer: not value_differences(outputs, layout, answer, got, context.rtol, context.atol)
    return diagnose(catalogue if getattr(context, "diagnose", True) else None, function, args, wrong, same)


def _hidden(context, function, group):
    cases = [f for f in context.hidden.get(function, []) if f.name.startswith(group + "-")]
    if not cases:
        raise Failure("the hidden cases are not available in this copy of the grader")
    return cases


def _register(function):
    outputs, layout = OUTPUTS[function]
    returns = ", ".join(outputs) if isinstance(outputs, tuple) else f"a dict of {outputs}"
    check = lambda kind, text: suite.check(f"{function}.{kind}", function, description=f"{function} {text}")

    check("structure", f"returns ({returns}) with the documented shapes" + (" and cache layout" if layout else ""))(
        lambda context: _compare_on(context, function, context.public[function], structure_differences))
    check("public", "reproduces the handout's expected output")(
        lambda context: _compare_on(context, function, context.public[function], value_differences))
    check("hidden_values", "is right on other inputs of the handout's sizes")(
        lambda context: _compare_on(context, function, _hidden(context, function, "values"), value_differences))
    check("hidden_shapes", "is right on other sizes (m = 1, n_a = 1, T_x = 1, ...)")(
        lambda context: _compare_on(context, function, _hidden(context, function, "shapes"), value_differences))
    check("properties", "agrees with the reference and keeps its invariants on generated cases")(
        lambda context: _diagnosing(context, function, lambda last: check_property(
            sizes, lambda case: _properties(context, function, case, last),
            context.settings["properties"]["max_examples"], context.rehearsal)))
    if function in GRADIENT_OF:
        check("gradcheck", "has gradients that match numeric gradients of sum(output * upstream)")(
            lambda context: _diagnosing(context, function, lambda last: _gradcheck(context, function, last)))


def _diagnosing(context, function, run):
    """Run a check that records each answer in `last` as (args, got), and diagnose the last one if it fails.

    A property test tries its smallest failing case last, so that is the case diagnosed."""
    last = []
    try:
        run(last)
    except Failure as failure:
        if not last:
            raise
        args, got = last[-1]
        expected = getattr(solution, function)(*args)
        raise _diagnosis(context, function, args, expected, got).explain(*failure.lines) from None


def _properties(context, function, case, last):
    last.clear()
    args = arguments(function, case)
    got = context.call(function, *args)
    outputs, layout = OUTPUTS[function]
    expected = getattr(solution, function)(*args)
    last.append((args, got))
    lines = structure_differences(outputs, (), expected, got, context.rtol, context.atol)
    if lines:
        raise Failure(*lines)
    values = dict(named(outputs, got))
    if not function.endswith("backward"):
        _invariants(values, outputs)
        _independence(context, function, args, values, outputs)
    lines = value_differences(outputs, layout, expected, got, context.rtol, context.atol)
    if lines:
        raise Failure("differs from the reference:", *lines)


def _invariants(values, outputs):
    hidden, prediction = outputs[0], next(name for name in outputs if name.startswith("y"))
    a, y = np.asarray(values[hidden], dtype=float), np.asarray(values[prediction], dtype=float)
    if not np.all(np.abs(a) <= 1):
        raise Failure(f"{hidden} has values outside [-1, 1] (largest |value| {np.abs(a).max():.4g}):"
                      f" a hidden state made by tanh can't")
    sums = y.sum(axis=0)
    if not np.allclose(sums, 1, atol=1e-6):
        raise Failure(f"the columns of {prediction} sum to {sums.ravel()[:4]}, not 1: a softmax over the classes"
                      " (axis 0) makes each column sum to 1")


def _independence(context, function, args, values, outputs):
    """Examples in a batch don't mix; outputs at step t don't depend on inputs after t."""
    hidden = outputs[0]
    x = args[0]
    if x.shape[1] > 1:
        alone = tuple(_column(arg, 0) for arg in args)
        single = dict(named(outputs, context.call(function, *alone)))[hidden]
        if not np.allclose(np.asarray(single)[:, 0], np.asarray(values[hidden])[:, 0], rtol=1e-6, atol=1e-9):
            raise Failure(f"{hidden} for example 0 changes when the other examples of the batch are left out:"
                          " examples must not mix (a sum or mean over axis 1?)")
    if x.ndim == 3 and x.shape[2] > 1:
        later = x.copy()
        later[:, :, -1] += 1.0
        changed = dict(named(outputs, context.call(function, later, *args[1:])))[hidden]
        if not np.allclose(np.asarray(changed)[..., :-1], np.asarray(values[hidden])[..., :-1], rtol=1e-6, atol=1e-9):
            raise Failure(f"{hidden} before the last step changes when only the last step's input changes:"
                          " step t must not depend on inputs after t")


def _column(value, j):
    """One example (column j) of a batch array (axis 1); the parameters dict is kept whole."""
    if isinstance(value, np.ndarray):
        return value[:, j:j + 1]
    return value


def _gradcheck(context, function, last):
    forward = getattr(solution, FORWARD_OF[function])
    inputs = arguments(FORWARD_OF[function], GRADCHECK_CASE)
    draw = np.random.default_rng(GRADCHECK_CASE.seed + 1).standard_normal
    out = forward(*inputs)
    upstream = [draw(out[0].shape)] + ([draw(out[1].shape)] if function == "lstm_cell_backward" else [])
    got = context.call(function, *upstream, out[-1])
    last.append(((*upstream, out[-1]), got))
    if not isinstance(got, dict):
        raise Failure(f"returned {type(got).__name__}; expected a dict of gradients")

    def loss():
        result = forward(*inputs)
        return sum(float(np.sum(o * u)) for o, u in zip(result, upstream))

    for key, where in GRADIENT_OF[function].items():
        variable = inputs[where[0]] if len(where) == 1 else inputs[where[0]][where[1]]
        if key not in got:
            raise Failure(f'gradients has no key "{key}"; it has {sorted(got)}')
        analytic = np.asarray(got[key])
        if analytic.shape != variable.shape:
            raise Failure(f'gradients["{key}"] has shape {analytic.shape}; expected {variable.shape}'
                          f" like the variable it is the gradient of")
        result = compare_gradient(key, numeric_gradient(loss, variable), analytic)
        if not result.ok:
            index = "".join(f"[{i}]" for i in result.worst_index)
            raise Failure(f'gradients["{key}"] fails the gradient check on {GRADCHECK_CASE!r}',
                          f"relative error {result.max_rel_error:.3g} at {index} (allowed {BOUND:g}):"
                          f" numeric {result.numeric:.6g}, yours {result.analytic:.6g}")


for _function in OUTPUTS:
    _register(_function)
