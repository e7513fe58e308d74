# rnn_forward calls rnn_step_forward and takes each step's state from the cache of the step before, as students
# may (the cache's layout is their own); rnn_backward calls rnn_step_backward on each step cache.
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da.dot(Wx.T), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    caches = []
    for t in range(T):
        prev_h = caches[-1][4] if caches else h0
        h[:, t, :], step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        caches.append(step_cache)
    return h, caches


def rnn_backward(dh, caches):
    N, T, H = dh.shape
    dprev_h, dxs, dWx, dWh, db = np.zeros((N, H)), [None] * T, 0, 0, 0
    for t in reversed(range(T)):
        dxs[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, caches[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return np.stack(dxs, axis=1), dprev_h, dWx, dWh, db
