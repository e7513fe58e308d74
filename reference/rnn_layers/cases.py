"""Seeded inputs for every graded layer: the notebook's case (public) and other seeds and sizes (hidden).

Sizes follow CS231n: x (N, T, D) or (N, D) for one step, h (N, H), Wx (D, H) (4H columns for an LSTM), Wh (H, H),
b (H,), word indices (N, T) into W (V, D). A backward function's fixture holds its forward's inputs followed by
the upstream gradients; what it expects is the forward's outputs (its cache left out) and the backward's.
"""
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from grader.fixtures import Recipe, expect_backward

from . import solution
from .provided.cs231n.sentiment_data import make_sentiment_data

BACKWARD = tomllib.loads(Path(__file__).with_name("assignment.toml").read_text())["backward"]
FORWARD_OF = {name: table["forward"] for name, table in BACKWARD.items()}


@dataclass(frozen=True)
class Case:
    """Inputs drawn from `numpy.random.default_rng(seed)`."""

    seed: int
    N: int = 3
    T: int = 4
    D: int = 5
    H: int = 6
    V: int = 7



def forward_arguments(function, case):
    rng = np.random.default_rng(case.seed)
    draw = lambda *shape: 0.5 * rng.standard_normal(shape)
    N, T, D, H = case.N, case.T, case.D, case.H
    if function == "word_embedding_forward":
        return rng.integers(0, case.V, size=(N, T)), draw(case.V, D)
    if function == "temporal_average_forward":
        return (draw(N, T, D),)
    step = "step" in function
    x = draw(N, D) if step else draw(N, T, D)
    width = 4 * H if function.startswith("lstm") else H
    states = (draw(N, H), draw(N, H)) if function == "lstm_step_forward" else (draw(N, H),)
    return (x, *states, draw(D, width), draw(H, width), draw(width))


def arguments(function, case):
    """A forward's inputs; a backward's: its forward's inputs, then one upstream gradient per forward output."""
    if function not in FORWARD_OF:
        return forward_arguments(function, case)
    forward = FORWARD_OF[function]
    args = forward_arguments(forward, case)
    outputs = getattr(solution, forward)(*args)[:-1]
    rng = np.random.default_rng(case.seed + 1)
    return (*args, *(rng.standard_normal(o.shape) for o in outputs))


FUNCTIONS = ("rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward", "word_embedding_forward",
             "word_embedding_backward", "temporal_average_forward", "temporal_average_backward",
             "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward")
PUBLIC = Case(seed=231)
HIDDEN_VALUE_SEEDS = (2002, 2003)
HIDDEN_SHAPES = (Case(seed=3001, N=1), Case(seed=3002, H=1), Case(seed=3003, T=1), Case(seed=3004, D=1, V=2),
                 Case(seed=3005, N=2, T=6, D=3, H=4, V=5))


def recipes():
    """Every fixture the grader uses, in a stable order."""
    out = []
    for function in FUNCTIONS:
        expect = expect_backward(solution, FORWARD_OF[function], function) if function in FORWARD_OF else None
        groups = (("public", "public", (PUBLIC,)),
                  ("values", "hidden", tuple(replace(PUBLIC, seed=s) for s in HIDDEN_VALUE_SEEDS)),
                  ("shapes", "hidden", HIDDEN_SHAPES))
        for group, visibility, cases in groups:
            for case in cases:
                name = "notebook" if group == "public" else f"{group}-{case.seed}"
                describe = f"the notebook's case {case!r}" if group == "public" else repr(case)
                out.append(Recipe(function, name, visibility, case.seed,
                                  lambda f=function, c=case: arguments(f, c), describe, expect))
    return out


def model_data(examples, sizes, T=6):
    """The sentiment model's data (seed 001, section 6): `examples` generated sentences of T words of the model's
    input size, with their labels (grader/checks/model.py)."""
    return make_sentiment_data(num_examples=examples, T=T, D=sizes["input_dim"], seed=1)
