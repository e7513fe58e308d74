# rnn_forward calls rnn_step_forward; rnn_backward does each step's arithmetic itself, reading the step caches.
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    caches = []
    prev_h = h0
    for t in range(T):
        prev_h, c = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(c)
    return h, caches


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    x0 = cache[0][0]
    dx = np.zeros((N, T, x0.shape[1]))
    dWx = np.zeros((x0.shape[1], H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dnext = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        x, prev_h, Wx, Wh, next_h = cache[t]
        da = (dh[:, t, :] + dnext) * (1 - next_h ** 2)
        dx[:, t, :] = da.dot(Wx.T)
        dnext = da.dot(Wh.T)
        dWx += x.T.dot(da)
        dWh += prev_h.T.dot(da)
        db += da.sum(axis=0)
    return dx, dnext, dWx, dWh, db
