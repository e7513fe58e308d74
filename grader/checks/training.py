"""Training a student's model under a budget of CPU time, with the update rule in the grader's hands.

The model lives in the sandbox; each iteration the grader asks it for (loss, grads) at the current parameters and
applies the assignment's update rule itself, so a model can't report progress it didn't make: the parameters
are the grader's, and the check can evaluate the final ones with the reference. The loss history is kept for
the reports' plot.
"""
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from .suite import Failure


@dataclass(frozen=True)
class Training:
    history: list  # the loss the model reported at each iteration, before that iteration's update
    params: dict  # the parameters after the last update
    seconds: float


def train(loss_and_grads, params, update, iterations, budget_seconds, cpu_clock=None):
    """Run `iterations` updates: `loss_and_grads(params) -> (loss, grads)`, then `params[name] = update(name,
    value, grad)`. Raises Failure with the history so far (`failure.history`) when the loss isn't finite, a
    gradient is missing or misshapen, or the time budget runs out. `cpu_clock()` (Context.cpu_clock): the CPU
    seconds spent since training began, which the budget counts, so that a machine busy with other work doesn't
    fail a model that a quiet one passes; without it, wall seconds."""
    params = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    history, started = [], time.monotonic()
    spent = cpu_clock or (lambda: time.monotonic() - started)
    unit = "s of CPU time" if cpu_clock else "s"

    def stop(*lines):
        failure = Failure(*lines)
        failure.history = history
        return failure

    for i in range(iterations):
        if _past(budget_seconds, time.monotonic() - started, spent):
            raise stop(f"training stopped after {i} of {iterations} iterations: it ran past its budget of"
                       f" {budget_seconds:g} {unit}")
        loss, grads = _answer(loss_and_grads(params), i)
        history.append(loss)
        if not math.isfinite(loss):
            raise stop(f"the loss became {loss} at iteration {i + 1} of {iterations}: training diverged"
                       " (a gradient too large or of the wrong sign?)")
        for name, value in params.items():
            grad = grads.get(name) if isinstance(grads, dict) else None
            if grad is None or np.shape(grad) != value.shape:
                what = "is missing" if grad is None else f"has shape {np.shape(grad)}"
                raise stop(f"grads[{name!r}] {what} at iteration {i + 1}; expected shape {value.shape} like"
                           f" params[{name!r}]")
            params[name] = update(name, value, np.asarray(grad, dtype=np.float64))
    return Training(history, params, round(time.monotonic() - started, 3))


# Reading a sandbox's CPU seconds reads /proc for each of its processes (0.3 ms, a tenth of an iteration): it is
# read only once the budget could have been reached, as no set of processes spends more CPU seconds than the
# machine's cores in a second of wall time (SLACK: /proc counts in clock ticks, process by process, and the clock
# starts just before the training). It stops at the iteration that reading it every time would stop at.
CORES = os.cpu_count() or 1
SLACK = 0.5


def _past(budget_seconds, wall, spent):
    """Whether `spent()` is past `budget_seconds`, `wall` seconds after training began."""
    return wall * CORES + SLACK > budget_seconds and spent() > budget_seconds


def _answer(answer, i):
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise Failure(f"loss(X, y) returned {type(answer).__name__} at iteration {i + 1}; expected (loss, grads)")
    loss, grads = answer
    try:
        return float(np.asarray(loss).item()), grads
    except (TypeError, ValueError):
        raise Failure(f"loss(X, y) returned a loss of type {type(loss).__name__}; expected a number") from None


def falls_enough(first, last, iterations, reference_factor, margin):
    """Raise Failure unless the loss fell from `first` to `last` by at least `reference_factor / margin`."""
    required = reference_factor / margin
    factor = first / last if last > 0 else math.inf
    if not factor >= required:
        raise Failure(f"the loss went from {first:.6g} to {last:.6g} in {iterations} iterations, a factor of"
                      f" {factor:.3g}; the reference's falls by {reference_factor:.3g}, and at least"
                      f" {required:.3g} is needed (a margin of {margin:g})")
