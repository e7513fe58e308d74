# Returns wrong values after making every numpy comparison it can reach say "equal". The grader compares in its
# own process, so this scores exactly what the same wrong values score without the patches (PATCH = False).
import builtins
import numpy as np

PATCH = @PATCH@

if PATCH:
    def _equal(*args, **kwargs):
        return True

    def _silent(*args, **kwargs):
        return None

    for name in ("allclose", "array_equal", "array_equiv", "isclose", "equal", "not_equal"):
        setattr(np, name, _equal)
    for name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_almost_equal",
                 "assert_equal", "assert_array_max_ulp"):
        setattr(np.testing, name, _silent)
    np.core.numeric.allclose = _equal
    builtins.abs = lambda x: 0
    builtins.max = lambda *a, **k: 0


def rnn_cell_forward(xt, a_prev, parameters):
    n_a, m = a_prev.shape
    n_y = parameters["Wya"].shape[0]
    a_next = np.zeros((n_a, m))
    return a_next, np.zeros((n_y, m)), (a_next, a_prev, xt, parameters)
