"""Backward functions judged on the caches their student's own forward functions made.

Where each student chooses their own cache layout, a backward function can only be given the cache that
the same student's forward made. That cache stays in the sandbox (a handle), and the backward gets it back:
  - when the student's forward is right on those inputs, the backward's gradients are compared with the expected
    ones (the reference's);
  - when it is wrong, the backward is not failed for that: it passes if its gradients are the reference's all the
    same, and otherwise they are compared with numeric gradients of sum(output * upstream) through the student's
    own forward, called in the sandbox, so a backward that is right for its forward keeps its points (a gradient
    of an input that forward ignores is not judged).
The note a passing check returns says which of the two was done; a failure's first line says it too.
"""
from dataclasses import dataclass

import numpy as np

from ..sandbox.process import Raised
from .compare import differences
from .gradcheck import BOUND, close, compare_gradient, numeric_gradient, slope
from .suite import Failure, Skip


class ForwardRaised(Skip):
    """The student's forward raised on a case, so there is no cache of theirs to give its backward there."""

    def __init__(self, pair, error):
        where = f" at line {error['line']} of {error['file']}: {error['code']}" if error.get("line") else ""
        message = str(error.get("message") or "an error").splitlines()[-1]
        super().__init__(f"not judged: your {pair.forward} raised {message}{where}, so there is no cache of yours"
                         f" to give {pair.backward} (the cache's layout is each student's own, so the reference's"
                         f" can't stand in for it)")


@dataclass(frozen=True)
class Pair:
    """A backward function and the forward whose cache (its last output) it takes after the upstream gradients.

    `outputs` names the backward's return values; `gradients[k]` is the forward argument (by position) that
    output k is the gradient of."""

    forward: str
    backward: str
    outputs: tuple
    gradients: tuple


def pairs(settings):
    """{backward: Pair} from an assignment's `[backward.NAME]` tables."""
    return {name: Pair(t["forward"], name, tuple(t["outputs"]), tuple(t["gradients"]))
            for name, t in settings.get("backward", {}).items()}


def judge(context, pair, forward_args, upstream, expected, describe, made=None):
    """Check `pair.backward` on the cache the student's `pair.forward` made from `forward_args`.

    `expected`: {"forward": the forward's outputs without the cache, "backward": the gradients}. Returns a note
    saying how the backward was judged; raises Failure.

    Where the reference stands in for the functions these two call, the caches its stand-ins make are tokens (see
    grader/sandbox/child.py). A backward that raises on them (it reads the step caches itself) is judged again
    with the student's own step forwards, each cache of which the child remembers with its inputs: the reference's
    step backward, given such a cache, answers from those inputs. Raises ForwardRaised (a Skip) when the student's
    forward raises: there is no cache to give the backward. `made`: the forward's answer on this case, taken by
    ask_ahead (or what its call raised), in place of the forward's first call."""
    try:
        return _judge(context, pair, forward_args, upstream, expected, describe, own=False, made=made)
    except Raised:
        steps = context.assignment.calls.get(pair.forward, ())
        answered = context.assignment.calls.get(pair.backward, ())
        if not (steps or answered) or context.public_only:
            raise
    note = _judge(context, pair, forward_args, upstream, expected, describe, own=True)
    return (f"{note}; your own {' and '.join(steps)} made the step caches, as your {pair.backward} reads them"
            f" (the reference's stand-ins give tokens it can't read); a call of {' or '.join(answered)} on one of"
            f" them is answered by the reference, from that step's inputs")


def ask_ahead(context, pair, cases, count):
    """Ask the student's forward for its answer on each case, [(forward arguments, upstream gradients)], in one
    message, each cache kept in the sandbox; then the backward for its gradients on each cache made, in one more.
    Returns each case's forward answer (what judge() takes as `made`; an exception its call raised, to be raised at
    that case), up to the first that is not an answer or a Raised: the cases after it are asked as they come.
    `count`: how many outputs the forward has besides its cache."""
    context.prefetch(pair.forward, [forward_args for forward_args, _ in cases], keep="last")
    made, backwards, asked_as = [], [], []
    for forward_args, upstream in cases:
        try:
            answer = context.call(pair.forward, *forward_args, keep="last")
        except Raised as raised:
            answer = raised
        except Exception as exc:  # noqa: BLE001 -- a hang, a crash, None: that case's call raises it
            made.append(exc)
            break
        made.append(answer)
        if _with_cache(answer, count):
            backwards.append((*upstream, answer[-1]))
            asked_as.append((*forward_args, *upstream))  # (its callbacks foreseen by the case: foreseen.py)
    context.prefetch(pair.backward, backwards, asked_as=asked_as)
    return made


def _with_cache(made, count):
    return isinstance(made, tuple) and len(made) == count + 1


def _given(made):
    if isinstance(made, Exception):
        raise made
    return made


def _judge(context, pair, forward_args, upstream, expected, describe, own, made=None):
    try:
        made = context.call(pair.forward, *forward_args, keep="last", own=own) if made is None else _given(made)
    except Raised as raised:
        raise ForwardRaised(pair, raised.error) from None
    count = len(expected["forward"])
    if not _with_cache(made, count):
        raise Failure(f"on {describe}: {pair.forward} returned {_what(made)}; expected a tuple of {count + 1}"
                      f" (its outputs, then the cache), so {pair.backward} could not be given a cache")
    outputs, cache = made[:-1], made[-1]
    forward_right = not any(differences(f"{pair.forward} output {i}", e, g, context.rtol, context.atol)
                            for i, (e, g) in enumerate(zip(expected["forward"], outputs)))
    got = _tuple(context.call(pair.backward, *upstream, cache, own=own))
    lines = _shapes(pair, expected["backward"], got)
    if lines:
        raise Failure(f"on {describe}:", *lines)
    lines = _values(pair, expected["backward"], got, context)
    if forward_right and lines:
        failure = Failure(f"on {describe}, given the cache your {pair.forward} made (it is right on these inputs):",
                          *lines)
        failure.got = got  # what to diagnose: these gradients are comparable with the reference's
        raise failure
    if forward_right:
        return f"compared with the reference on the cache your {pair.forward} made"
    if not lines:  # right for the intended forward, whatever the student's forward computes
        return (f"your {pair.forward} differs from the reference, but these gradients, made from its cache, are the"
                f" reference's")
    try:
        skipped = _numerically(context, pair, forward_args, upstream, got, describe, own)
    except Failure as failure:  # what to diagnose: gradients made for this forward's (wrong) outputs
        failure.got, failure.forward_got = got, outputs
        raise
    return (f"your {pair.forward} differs from the reference, so the gradients were checked numerically against"
            f" it instead" + (f" ({', '.join(skipped)} not judged: your {pair.forward} doesn't depend on that input)"
                              if skipped else ""))


def with_outputs(cache, expected, got):
    """The reference's `cache` with the student's forward outputs `got` in place of the reference's (`expected`)
    wherever it holds one whole: the cache the reference would have made for the student's forward outputs, in
    the reference's layout, so a backward's known mistakes can be tried on it when the student's forward is
    wrong. Entries that hold anything else (inputs, intermediate values) stay the reference's."""
    if isinstance(cache, (list, tuple)):
        return type(cache)(with_outputs(item, expected, got) for item in cache)
    if isinstance(cache, dict):
        return {key: with_outputs(item, expected, got) for key, item in cache.items()}
    for e, g in zip(expected, got):
        if isinstance(cache, np.ndarray) and isinstance(e, np.ndarray) and cache.shape == e.shape \
                and np.array_equal(cache, e) and np.shape(g) == e.shape:
            return np.array(g, dtype=np.float64)
    return cache


def _numerically(context, pair, forward_args, upstream, got, describe, own=False):
    """Gradients of sum(output * upstream) through the student's own forward, called in the sandbox. Each gradient
    is first checked along two seeded random directions (four calls, whatever its size); only one that fails is
    then differenced entry by entry, to say where. Returns the names of the gradients not judged."""
    inputs = [np.array(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else a for a in forward_args]

    def loss():
        made = context.call(pair.forward, *inputs, keep="last", own=own)
        return sum(float(np.sum(np.asarray(o, dtype=np.float64) * u)) for o, u in zip(made[:-1], upstream))

    skipped, draw = [], np.random.default_rng(0).standard_normal
    for name, position, analytic in zip(pair.outputs, pair.gradients, got):
        if position is None or not isinstance(inputs[position], np.ndarray) or inputs[position].dtype.kind != "f":
            continue
        variable, analytic = inputs[position], np.asarray(analytic, dtype=np.float64)
        directions = [draw(variable.shape) for _ in range(2)]
        slopes = [slope(loss, variable, v) for v in directions]
        if not any(slopes) and analytic.any() and not numeric_gradient(loss, variable).any():
            skipped.append(name)  # the forward ignores this input: its gradient is not defined by that forward
            continue
        if all(close(found, float(np.sum(analytic * v))) for found, v in zip(slopes, directions)):
            continue
        result = compare_gradient(name, numeric_gradient(loss, variable), analytic)
        index = "".join(f"[{i}]" for i in result.worst_index)
        raise Failure(f"on {describe}: your {pair.forward} differs from the reference, so {pair.backward} was"
                      f" checked numerically against it, and {name} fails that check",
                      f"relative error {result.max_rel_error:.3g} at {name}{index} (allowed {BOUND:g}):"
                      f" numeric {result.numeric:.6g}, yours {result.analytic:.6g}")
    return skipped


def _tuple(value):
    """A backward with one output (dW) may return it alone or as a 1-tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _shapes(pair, expected, got):
    if len(got) != len(expected):
        return [f"{pair.backward} returned {len(got)} values; expected {len(expected)}: ({', '.join(pair.outputs)})"]
    for name, e, g in zip(pair.outputs, expected, got):
        lines = differences(name, e, g, 0, 0, values=False)
        if lines:
            return lines
    return []


def _values(pair, expected, got, context):
    for name, e, g in zip(pair.outputs, expected, got):
        lines = differences(name, e, g, context.rtol, context.atol)
        if lines:
            return lines
    return []


def _what(value):
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"
