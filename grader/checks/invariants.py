"""The invariants an assignment may declare for a function's outputs, checked on every generated case of its property
test. Each is a small table in `[functions.NAME] invariants` (assignment.toml):

  {output = "h", range = [-1, 1], why = "..."}         every value of h in [-1, 1]
  {output = "y", sums_to_one = 0, why = "..."}          the sums of y over axis 0 (its columns) are 1
  {output = "h", batch = 0, inputs = ["x", "h0"]}       example 0 of h is the same when the batch is that example alone:
                                                        the inputs named are cut to their first example along axis 0
  {output = "h", causal = 1, inputs = "x"}              h before the last step along axis 1 doesn't change when only
                                                        the last step of x changes
`why` ends the failure's message (what the student should think of).
"""
import numpy as np

from .compare import allclose
from .standard import named
from .suite import Failure


def check(invariant, outputs, got, args, positions, call, again=None):
    """Raise Failure if `got`, the student's answer on `args` (its items named by `outputs`), breaks `invariant`.
    `positions` maps an argument's name to its position; `call(*args)` asks the student's function again and
    returns the named output of its answer. `again`: (the arguments of that call,) as arguments() made them for
    these `args` already (the very objects a property test asked for ahead), else made here."""
    value = dict(named(outputs, got))[invariant.output]
    if value is None:  # an output left None: the comparison with the reference says so, with the shape expected
        return
    value = np.asarray(value, dtype=float)
    run = {"range": _range, "sums_to_one": _sums, "batch": _batch, "causal": _causal}[invariant.kind]
    ask = lambda *a: np.asarray(dict(named(outputs, call(*a)))[invariant.output], dtype=float)  # noqa: E731
    if invariant.kind in ("batch", "causal"):
        (again,) = again or (arguments(invariant, args, positions),)
        run(invariant, value, again, ask)
    else:
        run(invariant, value, args, [positions[name] for name in invariant.inputs], ask)


def arguments(invariant, args, positions):
    """The arguments `invariant` calls the function again with on the case `args`, or None if it calls nothing
    there: known before any answer, so that a property test can ask for every call of its cases at once."""
    inputs = [positions[name] for name in invariant.inputs]
    make = {"batch": _batch_arguments, "causal": _causal_arguments}.get(invariant.kind)
    return make(invariant, args, inputs) if make else None


def _because(invariant):
    return f": {invariant.why}" if invariant.why else ""


def _range(invariant, value, args, inputs, call):
    low, high = invariant.value
    if ((value >= low) & (value <= high)).all():
        return
    if low == -high:
        worst = f"largest |value| {np.abs(value).max():.4g}"
    else:
        worst = f"smallest {np.min(value):.4g}, largest {np.max(value):.4g}"
    raise Failure(f"{invariant.output} has values outside [{low:g}, {high:g}] ({worst}){_because(invariant)}")


def _sums(invariant, value, args, inputs, call):
    sums = value.sum(axis=invariant.value)
    if allclose(sums, 1.0, rtol=1e-5, atol=1e-6):
        return
    what = "the columns of" if invariant.value == 0 else f"the sums over axis {invariant.value} of"
    raise Failure(f"{what} {invariant.output} sum to {sums.ravel()[:4]}, not 1{_because(invariant)}")


def _batch_arguments(invariant, args, inputs):
    axis = invariant.value
    if not inputs or np.shape(args[inputs[0]])[axis] <= 1:
        return None
    return tuple(np.take(a, [0], axis=axis) if i in inputs else a for i, a in enumerate(args))


def _batch(invariant, value, alone, call):
    """`alone`: the arguments with the batch cut to its first example (_batch_arguments), or None."""
    axis = invariant.value
    if alone is None:
        return
    single = call(*alone)
    if not allclose(np.take(single, 0, axis=axis), np.take(value, 0, axis=axis), rtol=1e-6, atol=1e-9):
        raise Failure(f"{invariant.output} for example 0 changes when the other examples of the batch are left out:"
                      f" examples must not mix (a sum or mean over axis {axis}?){_because(invariant)}")


def _causal_arguments(invariant, args, inputs):
    axis, position = invariant.value, inputs[0]
    x = np.asarray(args[position])
    if x.ndim <= axis or x.shape[axis] <= 1:
        return None
    later = x.astype(float, copy=True)
    np.moveaxis(later, axis, -1)[..., -1] += 1.0
    return (*args[:position], later, *args[position + 1:])


def _causal(invariant, value, changed_args, call):
    """`changed_args`: the arguments with only the last step changed (_causal_arguments), or None."""
    axis = invariant.value
    if changed_args is None:
        return
    changed = call(*changed_args)
    before = lambda v: np.moveaxis(v, axis, -1)[..., :-1]  # noqa: E731
    if not allclose(before(changed), before(value), rtol=1e-6, atol=1e-9):
        raise Failure(f"{invariant.output} before the last step changes when only the last step's input changes:"
                      f" step t must not depend on inputs after t{_because(invariant)}")

