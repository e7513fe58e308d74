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


def _rnn_backward(dh, cache, sum_weights=True, carry=True):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx, dWx, dWh, db = np.zeros((N, T, D)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        upstream = dh[:, t, :] + dprev_h if carry else dh[:, t, :]
        dx[:, t, :], step_dprev_h, dWx_t, dWh_t, db_t = solution.rnn_step_backward(upstream, cache[t])
        dprev_h = step_dprev_h
        if sum_weights:
            dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
        else:
            dWx, dWh, db = dWx_t, dWh_t, db_t
    return dx, dprev_h, dWx, dWh, db


@mistake("rnn_backward", "weights_not_summed_over_time",
         "dWx, dWh and db are overwritten at each step instead of summed over time",
         "the weights are shared by every step, so their gradient is the sum of every step's (seed 001, section 4)")
def _(dh, cache):
    return _rnn_backward(dh, cache, sum_weights=False)  # mistake


@mistake("rnn_backward", "upstream_not_added",
         "each step gets only dh[:, t] or only the dprev_h coming back, not their sum",
         "h_t feeds the loss directly and through step t+1: the step backward gets dh[:, t] + dprev_h")
def _(dh, cache):
    return _rnn_backward(dh, cache, carry=False)  # mistake


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
