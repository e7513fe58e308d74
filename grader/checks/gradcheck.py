"""Numeric gradients by centred differences, as course gradient checks compute them, returning a result instead of
printing; and the derivative along a direction, which checks a whole gradient in two calls of the loss where the
entry-by-entry difference takes two per entry."""
from dataclasses import dataclass

import numpy as np

STEP = 1e-5
BOUND = 1e-5  # largest relative error accepted between a numeric and an analytic gradient


@dataclass(frozen=True)
class GradCheck:
    name: str
    max_rel_error: float
    worst_index: tuple
    numeric: float
    analytic: float

    @property
    def ok(self):
        return self.max_rel_error <= BOUND


def numeric_gradient(loss, x, step=STEP):
    """d loss / d x for a scalar `loss()` that reads the float64 array `x`, which is perturbed in place."""
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        old = x[index]
        try:
            x[index] = old + step
            up = loss()
            x[index] = old - step
            down = loss()
        finally:
            x[index] = old
        grad[index] = (up - down) / (2 * step)
    return grad


def slope(loss, x, direction, step=STEP):
    """The derivative of `loss()` along `direction` at the float64 array `x` (perturbed in place, then restored), by
    centred differences: the analytic gradient g agrees with it when sum(g * direction) does."""
    saved = x.copy()
    try:
        x += step * direction
        up = loss()
        x[...] = saved - step * direction
        down = loss()
    finally:
        x[...] = saved
    return (up - down) / (2 * step)


def close(numeric, analytic):
    """Whether two derivatives agree within BOUND, by the relative error compare_gradient uses."""
    return abs(numeric - analytic) <= BOUND * max(abs(numeric) + abs(analytic), 1e-6)


def compare_gradient(name, numeric, analytic):
    """The largest relative error |n - a| / max(|n| + |a|, 1e-6), guarding 0/0 where both are tiny."""
    analytic = np.asarray(analytic, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        error = np.abs(numeric - analytic) / np.maximum(np.abs(numeric) + np.abs(analytic), 1e-6)
    error = np.where(np.isfinite(error), error, np.inf)
    worst = np.unravel_index(int(np.argmax(error)), error.shape) if error.size else ()
    worst = tuple(int(i) for i in worst)
    return GradCheck(name, float(error[worst]) if error.size else 0.0, worst,
                     float(numeric[worst]) if error.size else 0.0, float(analytic[worst]) if error.size else 0.0)
