# Returns objects that claim to equal anything: own __eq__, __array_ufunc__ and __array__, an ndarray subclass
# that lies, and one whose __reduce__ would run a command if the grader ever unpickled it. None of them may help:
# each function scores what plain wrong values score (LIE = False), and no marker file appears.
import os
import numpy as np

LIE = @LIE@
MARKER = "/tmp/@MARK@-unpickled"


class Liar:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros((1,))

    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return Liar()


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __array_finalize__(self, obj):
        pass

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(1)

    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


def _wrong(shape):
    return np.full(shape, 7.0)


def rnn_cell_forward(xt, a_prev, parameters):
    n_a, m = a_prev.shape
    n_y = parameters["Wya"].shape[0]
    if LIE:
        return Liar(), Liar(), Liar()
    return _wrong((n_a, m)), _wrong((n_y, m)), (_wrong((n_a, m)) + 1, a_prev, xt, parameters)  # nor the cache


def rnn_forward(x, a0, parameters):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a, y = _wrong((n_a, m, T_x)), _wrong((n_y, m, T_x))
    if LIE:
        a, y = a.view(LyingArray), y.view(LyingArray)
    return a, y, ([], x)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    return Liar() if LIE else (_wrong(a_prev.shape), _wrong(c_prev.shape), _wrong(a_prev.shape), ())
