"""Known mistakes of the RNN layers. Variants of a sequence function use the reference step, as the student's code
does while it is graded."""
import numpy as np

from grader.checks.diagnose import Catalogue

from .. import solution

catalogue = Catalogue()
mistake = catalogue.mistake


@mistake("rnn_step_forward", "bias_left_out", "the bias `b` is left out",
         "next_h = tanh(x Wx + prev_h Wh + b): is every term there?")
def _(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh)  # mistake
    return next_h, (x, prev_h, Wx, Wh, next_h)


@mistake("rnn_step_forward", "no_tanh", "the tanh is left out",
         "next_h = tanh(a): the hidden state goes through the nonlinearity")
def _(x, prev_h, Wx, Wh, b):
    next_h = x @ Wx + prev_h @ Wh + b  # mistake
    return next_h, (x, prev_h, Wx, Wh, next_h)


@mistake("rnn_step_backward", "tanh_derivative_of_preactivation",
         "tanh' is written with the pre-activation: 1 - a**2 instead of 1 - tanh(a)**2",
         "d tanh(a) / da = 1 - tanh(a)^2 = 1 - next_h^2; your line squares the value before the tanh")
def _(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    a = np.arctanh(next_h)  # the pre-activation, recovered from next_h = tanh(a)
    da = dnext_h * (1 - a ** 2)  # mistake
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


@mistake("rnn_step_backward", "no_tanh_derivative", "the gradient is not multiplied by tanh' (1 - next_h**2)",
         "the chain rule goes through h = tanh(a): multiply the upstream gradient by 1 - next_h^2 first")
def _(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h  # mistake
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


@mistake("rnn_forward", "reshape_mixes_n_and_t",
         "the steps' hidden states, stacked time first as (T, N, H), are reshaped to (N, T, H)",
         "a reshape keeps the memory order: (T, N, H) becomes (N, T, H) with transpose(1, 0, 2), not reshape")
def _(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    prev_h, states, caches = h0, [], []
    for t in range(T):
        prev_h, cache = solution.rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        states.append(prev_h)
        caches.append(cache)
    return np.array(states).reshape(N, T, -1), caches  # mistake


@mistake("rnn_forward", "h0_ignored", "every step starts from zeros instead of h0 at t = 0",
         "the first step's prev_h is h0, the input the function is given")
def _(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h, prev_h, caches = np.zeros((N, T, h0.shape[1])), np.zeros_like(h0), []  # mistake
    for t in range(T):
        prev_h, cache = solution.rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(cache)
    return h, caches


def _through_time(dh, cache, order=reversed, sum_weights=True, upstream="each step", carry_c=True):
    """The reference rnn_backward or lstm_backward (by its step caches), with switches for the mistakes of its loop."""
    lstm = len(cache[0]) == 10
    step = solution.lstm_step_backward if lstm else solution.rnn_step_backward
    N, T, H = dh.shape
    D, width = cache[0][0].shape[1], cache[0][3].shape[1]
    dx, weights = np.zeros((N, T, D)), [np.zeros((D, width)), np.zeros((H, width)), np.zeros(width)]
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    if upstream == "last step only":
        dprev_h = dh[:, T - 1, :]
    for t in order(range(T)):
        given = {"each step": dh[:, t, :] + dprev_h, "not carried": dh[:, t, :], "last step only": dprev_h}[upstream]
        out = step(given, dprev_c, cache[t]) if lstm else step(given, cache[t])
        dx[:, t, :], dprev_h = out[0], out[1]
        dprev_c = out[2] if lstm and carry_c else dprev_c
        weights = [w + g if sum_weights else g for w, g in zip(weights, out[-3:])]
    return (dx, dprev_h, *weights)


for _function, _step in (("rnn_backward", "rnn_step_backward"), ("lstm_backward", "lstm_step_backward")):
    mistake(_function, "weights_not_summed_over_time",
            "dWx, dWh and db are overwritten at each step instead of summed over time",
            "the weights are shared by every step, so their gradient is the sum of every step's (seed 001, section 4)")(
        lambda dh, cache: _through_time(dh, cache, sum_weights=False))
    mistake(_function, "upstream_not_added", "each step gets only dh[:, t], not the dprev_h coming back from the"
            " step after it", "h_t feeds the loss directly and through step t+1: the step backward gets"
            " dh[:, t] + dprev_h")(
        lambda dh, cache: _through_time(dh, cache, upstream="not carried"))
    mistake(_function, "dh_at_last_step_only", "dh is added only at the last step; the other steps get only the"
            " dprev_h coming back", "every h_t reaches the loss directly (dh[:, t]) as well as through step t+1:"
            f" at each step, {_step} gets both")(
        lambda dh, cache: _through_time(dh, cache, upstream="last step only"))
    mistake(_function, "loop_forward", "the loop over time runs forward (t = 0, 1, ...) instead of backward",
            "step t needs the dprev_h that step t+1 computed, so the loop starts at the last step: reversed(range(T))")(
        lambda dh, cache: _through_time(dh, cache, order=iter))
    mistake(_function, "loop_skips_first_step", "the backward loop stops before t = 0 (range(T - 1, 0, -1))",
            "range(T - 1, 0, -1) ends at t = 1: the first step's dx, its weight gradients and dh0 need t = 0 too."
            " reversed(range(T)) visits every step")(
        lambda dh, cache: _through_time(dh, cache, order=lambda steps: reversed(steps[1:])))
mistake("lstm_backward", "dprev_c_not_carried", "each step gets zeros as dnext_c instead of the dprev_c of the step"
        " after it", "c_t feeds step t+1, so the gradient that reaches it comes back as that step's dprev_c: pass it"
        " to lstm_step_backward at step t")(
    lambda dh, cache: _through_time(dh, cache, carry_c=False))


def _sequence(x, h0, Wx, Wh, b, carry=True, steps=None):
    """The reference rnn_forward, with switches for the mistakes of its loop."""
    N, T, _ = x.shape
    h, prev_h, caches = np.zeros((N, T, h0.shape[1])), h0, []
    for t in range(T) if steps is None else steps(T):
        next_h, cache = solution.rnn_step_forward(x[:, t, :], prev_h if carry else h0, Wx, Wh, b)
        h[:, t, :], prev_h = next_h, next_h
        caches.append(cache)
    return h, caches


@mistake("rnn_forward", "state_not_carried", "every step starts from h0 instead of the hidden state of the step"
         " before", "step t takes h_{t-1}, the hidden state step t-1 returned; which variable does your loop pass"
         " as prev_h?")
def _(x, h0, Wx, Wh, b):
    return _sequence(x, h0, Wx, Wh, b, carry=False)  # mistake


@mistake("rnn_forward", "loop_skips_last_step", "the loop stops one step early (range(T - 1)): h[:, T-1] stays zero",
         "range(T) visits every step t = 0 ... T - 1")
def _(x, h0, Wx, Wh, b):
    return _sequence(x, h0, Wx, Wh, b, steps=lambda T: range(T - 1))  # mistake


@mistake("word_embedding_backward", "index_assignment_instead_of_add_at",
         "dW[x] += dout is used: a word that appears twice gets only one of its gradients",
         "fancy-index assignment does not accumulate over repeated indices; np.add.at(dW, x, dout) does")
def _(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    dW[x] += dout  # mistake
    return dW


@mistake("temporal_average_backward", "no_division_by_t", "the gradient is not divided by T",
         "out is the mean over T steps, so each step's gradient is dout / T")
def _(dout, cache):
    N, T, D = cache
    return np.repeat(dout[:, None, :], T, axis=1)  # mistake


@mistake("lstm_step_forward", "gates_in_wrong_order", "the gates are taken from the 4H columns as i, f, g, o",
         "CS231n's order of the 4H columns is i, f, o, g: the input, forget and output gates, then the block input")
def _(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    sig = lambda z: 1 / (1 + np.exp(-z))
    i, f, g, o = sig(a[:, :H]), sig(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sig(a[:, 3 * H:])  # mistake
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


@mistake("temporal_average_forward", "sum_instead_of_mean", "the steps are summed instead of averaged",
         "the layer's output is the mean over the T steps, x.mean(axis=1): the sum divided by T")
def _(x):
    return x.sum(axis=1), x.shape  # mistake
