# rnn_forward does its steps itself; rnn_backward calls rnn_step_backward on those caches of its own making.
import numpy as np
from cs231n.layers import *

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)

def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)

def rnn_forward(x, h0, Wx, Wh, b):
    # the loop written out, without rnn_step_forward
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    caches = []
    prev = h0
    for t in range(T):
        nxt = np.tanh(x[:, t] @ Wx + prev @ Wh + b)
        caches.append((x[:, t], prev, Wx, Wh, nxt))
        h[:, t] = nxt
        prev = nxt
    return h, caches

def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]))
    dWx, dWh, db = 0, 0, 0
    dprev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev, a, c, d = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dWx, dWh, db = dWx + a, dWh + c, db + d
    return dx, dprev, dWx, dWh, db
