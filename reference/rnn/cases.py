"""Seeded inputs for every graded function: the handout's own cells (public) and other seeds and shapes (hidden).

The public recipes replay the notebook cells that printed seed 002's expected-output tables, draw for draw. One
of them depends on another cell: the rnn_cell_backward cell draws its bias into `b` but builds `parameters` with
`"ba": ba`, a global left over from the rnn_forward cell above it. Its published values come out only with that
`ba`, so the recipe replays both cells. The handout prints no LSTM-backward values; those recipes follow the
original cells, with the upstream `da` sized to the sequence (the original drew (5, 10, 4) for a 7-step sequence).
"""
from dataclasses import dataclass, replace

import numpy as np

from grader.fixtures import Recipe

from . import solution

FORWARD_OF = {"rnn_cell_backward": "rnn_cell_forward", "rnn_backward": "rnn_forward",
              "lstm_cell_backward": "lstm_cell_forward", "lstm_backward": "lstm_forward"}


@dataclass(frozen=True)
class Case:
    """Inputs drawn from `numpy.random.default_rng(seed)` for a network of the given sizes."""

    seed: int
    n_x: int = 3
    n_a: int = 5
    n_y: int = 2
    m: int = 10
    T_x: int = 4



def _rnn_parameters(draw, n_x, n_a, n_y):
    return {"Waa": draw(n_a, n_a), "Wax": draw(n_a, n_x), "Wya": draw(n_y, n_a), "ba": draw(n_a, 1),
            "by": draw(n_y, 1)}


def _lstm_parameters(draw, n_x, n_a, n_y):
    p = {}
    for gate in "fioc":
        p["W" + gate], p["b" + gate] = draw(n_a, n_a + n_x), draw(n_a, 1)
    p["Wy"], p["by"] = draw(n_y, n_a), draw(n_y, 1)
    return p


def arguments(function, case):
    """The arguments of `function` for `case`; a backward pass gets the cache of the reference forward pass."""
    draw = np.random.default_rng(case.seed).standard_normal
    sequence = function in ("rnn_forward", "lstm_forward", "rnn_backward", "lstm_backward")
    x = draw((case.n_x, case.m, case.T_x)) if sequence else draw((case.n_x, case.m))
    a = draw((case.n_a, case.m))
    lstm = function.startswith("lstm")
    c = draw((case.n_a, case.m)) if lstm and not sequence else None
    params = (_lstm_parameters if lstm else _rnn_parameters)(lambda *s: draw(s), case.n_x, case.n_a, case.n_y)
    forward_args = (x, a, c, params) if c is not None else (x, a, params)
    if function not in FORWARD_OF:
        return forward_args
    out = getattr(solution, FORWARD_OF[function])(*forward_args)
    upstream = [draw(out[0].shape)] + ([draw(out[0].shape)] if function == "lstm_cell_backward" else [])
    return (*upstream, out[-1])


def _handout_rnn(shape_x):
    np.random.seed(1)
    x, a0 = np.random.randn(*shape_x), np.random.randn(5, 10)
    Waa, Wax, Wya = np.random.randn(5, 5), np.random.randn(5, 3), np.random.randn(2, 5)
    ba, by = np.random.randn(5, 1), np.random.randn(2, 1)
    return x, a0, {"Waa": Waa, "Wax": Wax, "Wya": Wya, "ba": ba, "by": by}


def _handout_lstm(shape_x, with_c_prev):
    np.random.seed(1)
    x, a0 = np.random.randn(*shape_x), np.random.randn(5, 10)
    c_prev = np.random.randn(5, 10) if with_c_prev else None
    p = {}
    for gate in "fioc":
        p["W" + gate], p["b" + gate] = np.random.randn(5, 5 + 3), np.random.randn(5, 1)
    p["Wy"], p["by"] = np.random.randn(2, 5), np.random.randn(2, 1)
    return (x, a0, c_prev, p) if with_c_prev else (x, a0, p)


def _handout_rnn_cell_backward():
    ba = _handout_rnn((3, 10, 4))[2]["ba"]  # the rnn_forward cell's global, see the module docstring
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    Wax, Waa, Wya = np.random.randn(5, 3), np.random.randn(5, 5), np.random.randn(2, 5)
    b, by = np.random.randn(5, 1), np.random.randn(2, 1)  # noqa: F841 -- drawn but unused, as in the handout
    cache = solution.rnn_cell_forward(xt, a_prev, {"Wax": Wax, "Waa": Waa, "Wya": Wya, "ba": ba, "by": by})[2]
    return np.random.randn(5, 10), cache


def _handout_rnn_backward():
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    Wax, Waa, Wya = np.random.randn(5, 3), np.random.randn(5, 5), np.random.randn(2, 5)
    ba, by = np.random.randn(5, 1), np.random.randn(2, 1)
    caches = solution.rnn_forward(x, a0, {"Wax": Wax, "Waa": Waa, "Wya": Wya, "ba": ba, "by": by})[2]
    return np.random.randn(5, 10, 4), caches


def _handout_lstm_cell_backward():
    cache = solution.lstm_cell_forward(*_handout_lstm((3, 10), True))[3]
    return np.random.randn(5, 10), np.random.randn(5, 10), cache


def _handout_lstm_backward():
    caches = solution.lstm_forward(*_handout_lstm((3, 10, 7), False))[3]
    return np.random.randn(5, 10, 7), caches


HANDOUT = {
    "rnn_cell_forward": lambda: _handout_rnn((3, 10)),
    "rnn_forward": lambda: _handout_rnn((3, 10, 4)),
    "lstm_cell_forward": lambda: _handout_lstm((3, 10), True),
    "lstm_forward": lambda: _handout_lstm((3, 10, 7), False),
    "rnn_cell_backward": _handout_rnn_cell_backward,
    "rnn_backward": _handout_rnn_backward,
    "lstm_cell_backward": _handout_lstm_cell_backward,
    "lstm_backward": _handout_lstm_backward,
}

# Hidden cases: other draws at the handout's sizes, then the edge sizes (one example, one unit, one step).
HIDDEN_VALUE_SEEDS = (2002, 2003)
HIDDEN_SHAPES = (Case(seed=3001, m=1), Case(seed=3002, n_a=1), Case(seed=3003, T_x=1),
                 Case(seed=3004, n_x=1, n_y=1), Case(seed=3005, n_x=4, n_a=3, n_y=3, m=2, T_x=6))


def recipes():
    """Every fixture the grader uses, in a stable order."""
    out = []
    for function, make in HANDOUT.items():
        out.append(Recipe(function, "handout", "public", 1, make, f"the handout's {function} cell (seed 1)"))
        handout_size = Case(seed=0, T_x=7 if function.startswith("lstm") else 4)
        values = tuple(replace(handout_size, seed=seed) for seed in HIDDEN_VALUE_SEEDS)
        for group, cases in (("values", values), ("shapes", HIDDEN_SHAPES)):
            for case in cases:
                out.append(Recipe(function, f"{group}-{case.seed}", "hidden", case.seed,
                                  lambda f=function, c=case: arguments(f, c), repr(case)))
    return out
