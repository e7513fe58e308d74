"""The second assignment's reference (reference/rnn_layers/) and its fixtures, pinned by something other than
themselves: the values CS231n's notebooks publish for their own linspace inputs, layers written here again from
the equations (einsum, one gate at a time: another code path than the reference's), and gradients taken
numerically through those layers.

Published values: CS231n's assignment 3 notebooks as handed out, RNN_Captioning.ipynb and LSTM_Captioning.ipynb
(for instance github.com/0809zheng/CS231n-assignment2019 at 3f5c853986637e2eba33f70c982fac7c618ff0f3,
assignment3/), printed to 8 decimals. Seed 001 (a student's report of the same course) prints only training losses
on CS231n's own data, which this assignment's generated sentences can't reproduce.
"""
import numpy as np
import pytest

from grader import assignment, fixtures
from grader.checks.gradcheck import compare_gradient, numeric_gradient


@pytest.fixture(scope="module")
def layers():
    return assignment.find("rnn_layers")


def _ramp(low, high, *shape):
    return np.linspace(low, high, num=int(np.prod(shape))).reshape(shape)


# (function, its inputs, the outputs the notebook prints)
PUBLISHED = [
    ("rnn_step_forward", lambda: (_ramp(-0.4, 0.7, 3, 10), _ramp(-0.2, 0.5, 3, 4), _ramp(-0.1, 0.9, 10, 4),
                                  _ramp(-0.3, 0.7, 4, 4), _ramp(-0.2, 0.4, 4)),
     [[[-0.58172089, -0.50182032, -0.41232771, -0.31410098], [0.66854692, 0.79562378, 0.87755553, 0.92795967],
       [0.97934501, 0.99144213, 0.99646691, 0.99854353]]]),
    ("rnn_forward", lambda: (_ramp(-0.1, 0.3, 2, 3, 4), _ramp(-0.3, 0.1, 2, 5), _ramp(-0.2, 0.4, 4, 5),
                             _ramp(-0.4, 0.1, 5, 5), _ramp(-0.7, 0.1, 5)),
     [[[[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
        [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
        [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
       [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
        [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
        [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]]]]),
    ("word_embedding_forward", lambda: (np.array([[0, 3, 1, 2], [2, 1, 0, 3]]), _ramp(0, 1, 5, 3)),
     [[[[0., 0.07142857, 0.14285714], [0.64285714, 0.71428571, 0.78571429],
        [0.21428571, 0.28571429, 0.35714286], [0.42857143, 0.5, 0.57142857]],
       [[0.42857143, 0.5, 0.57142857], [0.21428571, 0.28571429, 0.35714286],
        [0., 0.07142857, 0.14285714], [0.64285714, 0.71428571, 0.78571429]]]]),
    ("lstm_step_forward", lambda: (_ramp(-0.4, 1.2, 3, 4), _ramp(-0.3, 0.7, 3, 5), _ramp(-0.4, 0.9, 3, 5),
                                   _ramp(-2.1, 1.3, 4, 20), _ramp(-0.7, 2.2, 5, 20), _ramp(0.3, 0.7, 20)),
     [[[0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
       [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
       [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]],
      [[0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
       [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
       [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]]]),
    ("lstm_forward", lambda: (_ramp(-0.4, 0.6, 2, 3, 5), _ramp(-0.4, 0.8, 2, 4), _ramp(-0.2, 0.9, 5, 16),
                              _ramp(-0.3, 0.6, 4, 16), _ramp(0.2, 0.7, 16)),
     [[[[0.01764008, 0.01823233, 0.01882671, 0.0194232], [0.11287491, 0.12146228, 0.13018446, 0.13902939],
        [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
       [[0.45767879, 0.4761092, 0.4936887, 0.51041945], [0.6704845, 0.69350089, 0.71486014, 0.7346449],
        [0.81733511, 0.83677871, 0.85403753, 0.86935314]]]]),
]


# The layers again, from the equations: h_t = tanh(x_t Wx + h_{t-1} Wh + b); an LSTM's a = x Wx + h Wh + b split
# into i, f, o, g (sigmoid, sigmoid, sigmoid, tanh), c_t = f c_{t-1} + i g, h_t = o tanh(c_t).
def _sigmoid(a):
    return np.exp(-np.logaddexp(0, -a))


def rnn_step(x, h, Wx, Wh, b):
    return (np.tanh(np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", h, Wh) + b),)


def rnn_sequence(x, h0, Wx, Wh, b):
    hs, h = [], h0
    for t in range(x.shape[1]):
        (h,) = rnn_step(x[:, t], h, Wx, Wh, b)
        hs.append(h)
    return (np.stack(hs, axis=1),)


def lstm_step(x, h, c, Wx, Wh, b):
    H = h.shape[1]
    a = np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", h, Wh) + b
    gate = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate("ifog")}
    c = _sigmoid(gate["f"]) * c + _sigmoid(gate["i"]) * np.tanh(gate["g"])
    return _sigmoid(gate["o"]) * np.tanh(c), c


def lstm_sequence(x, h0, Wx, Wh, b):
    hs, h, c = [], h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h, c = lstm_step(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
    return (np.stack(hs, axis=1),)


def embedding(words, W):
    return (np.stack([[W[int(w)] for w in row] for row in words]),)


def average(x):
    return (np.einsum("ntd->nd", x) / x.shape[1],)


FORWARD = {"rnn_step_forward": rnn_step, "rnn_forward": rnn_sequence, "lstm_step_forward": lstm_step,
           "lstm_forward": lstm_sequence, "word_embedding_forward": embedding, "temporal_average_forward": average}
BACKWARD = {"rnn_step_backward": "rnn_step_forward", "rnn_backward": "rnn_forward",
            "lstm_step_backward": "lstm_step_forward", "lstm_backward": "lstm_forward",
            "word_embedding_backward": "word_embedding_forward",
            "temporal_average_backward": "temporal_average_forward"}


@pytest.mark.parametrize("function,make,printed", PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_the_reference_and_these_layers_give_the_values_cs231n_publishes(layers, function, make, printed):
    ours = FORWARD[function](*make())
    reference = getattr(layers.solution, function)(*make())[:-1]
    for got, again, value in zip(reference, ours, printed, strict=True):
        np.testing.assert_allclose(got, value, rtol=0, atol=1e-8, err_msg=f"the reference's {function}")
        np.testing.assert_allclose(again, value, rtol=0, atol=1e-8, err_msg=f"{function} written again here")


def _cases(layers, functions):
    return [(visibility, case) for visibility in ("public", "hidden")
            for function, cases in fixtures.load(layers.fixtures, visibility).items() if function in functions
            for case in cases]


def test_every_forward_fixture_is_what_the_equations_give(layers):
    cases = _cases(layers, FORWARD)
    assert len(cases) == 6 * 8
    for visibility, case in cases:
        expected = case.expected[:-1]  # the reference's cache is its own choice
        for got, want in zip(FORWARD[case.function](*case.args), expected, strict=True):
            np.testing.assert_allclose(want, got, rtol=1e-12, atol=1e-12, err_msg=f"{visibility}/{case.name}")


def test_every_backward_fixture_is_the_numeric_gradient_of_the_equations(layers):
    """Centred differences of sum(outputs * upstream gradients) through the layers above, for every input that
    is not a word index: the fixtures' gradients, hidden ones included."""
    cases = _cases(layers, BACKWARD)
    assert len(cases) == 6 * 8
    for visibility, case in cases:
        forward = FORWARD[BACKWARD[case.function]]
        outputs = len(case.expected["forward"])
        inputs, upstream = [np.array(a, dtype=float) for a in case.args[:-outputs]], case.args[-outputs:]
        for got, want in zip(forward(*inputs), case.expected["forward"], strict=True):
            np.testing.assert_allclose(want, got, rtol=1e-12, atol=1e-12)

        def loss():
            return float(sum(np.sum(o * u) for o, u in zip(forward(*inputs), upstream)))
        differentiable = [i for i, a in enumerate(case.args[:-outputs]) if np.asarray(a).dtype.kind == "f"]
        for index, analytic in zip(differentiable, case.expected["backward"], strict=True):
            result = compare_gradient(f"argument {index}", numeric_gradient(loss, inputs[index]), analytic)
            assert result.ok, f"{visibility}/{case.function}/{case.name}: {result}"
