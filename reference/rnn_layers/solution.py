"""Reference solution of the CS231n-style RNN layers (seed 001): vanilla RNN and LSTM steps and sequences, word
embedding, the average-over-time layer, and the sentiment model that stacks them.

Shapes: x (N, T, D) for a sequence, (N, D) for one step; Wx (D, H), Wh (H, H), b (H,); an LSTM has 4H columns,
gates i, f, o, g in that order. Caches are this file's own choice; a student's may be anything.
"""
import numpy as np

from .provided.cs231n.layers import (affine_backward, affine_forward, softmax_loss, temporal_affine_backward,
                                     temporal_affine_forward)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        prev_h, cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(cache)
    return h, caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx, dWx, dWh, db = np.zeros((N, T, D)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    """x (N, T) integer word indices, W (V, D) -> out (N, T, D)."""
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, x, dout)
    return dW


def temporal_average_forward(x):
    """x (N, T, D) -> out (N, D), the mean over the time axis."""
    return x.mean(axis=1), x.shape


def temporal_average_backward(dout, cache):
    N, T, D = cache
    return np.repeat(dout[:, None, :] / T, T, axis=1)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o, g = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tanh_c * o * (1 - o),
                    dc * i * (1 - g ** 2)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    prev_h, prev_c, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        prev_h, prev_c, cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(cache)
    return h, caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx, dWx, dWh, db = np.zeros((N, T, D)), np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c,
                                                                               cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db


class SentimentRNN:
    """Vanilla RNN -> temporal affine -> average over time -> affine -> softmax cross-entropy (seed 001, sec. 5).

    params: Wx (D, H), Wh (H, H), b (H,), W1 (H, M), b1 (M,), W2 (M, C), b2 (C,); h0 is zero."""

    def __init__(self, input_dim=8, hidden_dim=16, fc_dim=16, num_classes=2, weight_scale=0.1, seed=0):
        draw = np.random.default_rng(seed).standard_normal
        shapes = {"Wx": (input_dim, hidden_dim), "Wh": (hidden_dim, hidden_dim), "W1": (hidden_dim, fc_dim),
                  "W2": (fc_dim, num_classes)}
        self.params = {name: weight_scale * draw(shape) for name, shape in shapes.items()}
        self.params.update(b=np.zeros(hidden_dim), b1=np.zeros(fc_dim), b2=np.zeros(num_classes))

    def loss(self, X, y=None):
        p = self.params
        h0 = np.zeros((X.shape[0], p["Wh"].shape[0]))
        h, rnn_cache = rnn_forward(X, h0, p["Wx"], p["Wh"], p["b"])
        steps, step_cache = temporal_affine_forward(h, p["W1"], p["b1"])
        mean, mean_cache = temporal_average_forward(steps)
        scores, out_cache = affine_forward(mean, p["W2"], p["b2"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dmean, grads["W2"], grads["b2"] = affine_backward(dscores, out_cache)
        dsteps = temporal_average_backward(dmean, mean_cache)
        dh, grads["W1"], grads["b1"] = temporal_affine_backward(dsteps, step_cache)
        _, _, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, rnn_cache)
        return loss, grads
