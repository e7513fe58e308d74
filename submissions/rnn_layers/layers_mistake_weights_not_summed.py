# rnn_backward: dWx, dWh and db are overwritten at each step instead of summed over time
from __future__ import print_function, division
from builtins import range
import numpy as np

from .layers import *


"""
This file defines layer types that are commonly used for recurrent neural
networks.
"""


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """
    Run the forward pass for a single timestep of a vanilla RNN that uses a tanh
    activation function.

    Inputs:
    - x: Input data for this timestep, of shape (N, D).
    - prev_h: Hidden state from previous timestep, of shape (N, H)
    - Wx: Weight matrix for input-to-hidden connections, of shape (D, H)
    - Wh: Weight matrix for hidden-to-hidden connections, of shape (H, H)
    - b: Biases of shape (H,)

    Returns a tuple of:
    - next_h: Next hidden state, of shape (N, H)
    - cache: Tuple of values needed for the backward pass.
    """
    next_h, cache = None, None
    ##############################################################################
    # TODO: Implement a single forward step for the vanilla RNN.                 #
    ##############################################################################
    # *****START OF YOUR CODE*****
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    next_h = np.tanh(a)
    cache = {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "next_h": next_h}
    # *****END OF YOUR CODE*****
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """
    Backward pass for a single timestep of a vanilla RNN.

    Returns a tuple of:
    - dx, dprev_h, dWx, dWh, db
    """
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # *****START OF YOUR CODE*****
    da = dnext_h * (1 - cache["next_h"] ** 2)
    dx = da.dot(cache["Wx"].T)
    dprev_h = da.dot(cache["Wh"].T)
    dWx = cache["x"].T.dot(da)
    dWh = cache["prev_h"].T.dot(da)
    db = np.sum(da, axis=0)
    # *****END OF YOUR CODE*****
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """
    Run a vanilla RNN forward on an entire sequence of data. We assume an input
    sequence composed of T vectors, each of dimension D. The RNN uses a hidden
    size of H, and we work over a minibatch containing N sequences. After running
    the RNN forward, we return the hidden states for all timesteps.
    """
    h, cache = None, None
    # *****START OF YOUR CODE*****
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    # *****END OF YOUR CODE*****
    return h, cache


def rnn_backward(dh, cache):
    """
    Compute the backward pass for a vanilla RNN over an entire sequence of data.
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # *****START OF YOUR CODE*****
    N, T, H = dh.shape
    dprev_h = np.zeros((N, H))
    dx_steps = []
    for t in reversed(range(T)):
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dx_steps.insert(0, dx_t)
        dWx, dWh, db = dWx_t, dWh_t, db_t
    dx = np.stack(dx_steps, axis=1)
    dh0 = dprev_h
    # *****END OF YOUR CODE*****
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    # *****START OF YOUR CODE*****
    out = W[x, :]
    cache = (x, W)
    # *****END OF YOUR CODE*****
    return out, cache


def word_embedding_backward(dout, cache):
    # *****START OF YOUR CODE*****
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    # *****END OF YOUR CODE*****
    return dW


def temporal_average_forward(x):
    out = np.mean(x, axis=1)
    cache = x.shape[1]
    return out, cache


def temporal_average_backward(dout, cache):
    T = cache
    dx = np.repeat(np.expand_dims(dout / T, axis=1), T, axis=1)
    return dx


def sigmoid(x):
    """
    A numerically stable version of the logistic sigmoid function.
    """
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    # *****START OF YOUR CODE*****
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    ai, af, ao, ag = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    i, f, o, g = sigmoid(ai), sigmoid(af), sigmoid(ao), np.tanh(ag)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    # *****END OF YOUR CODE*****
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    # *****START OF YOUR CODE*****
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    dnext_c = dnext_c + dnext_h * o * (1 - np.tanh(next_c) ** 2)
    di = dnext_c * g
    df = dnext_c * prev_c
    do = dnext_h * np.tanh(next_c)
    dg = dnext_c * i
    dprev_c = dnext_c * f
    da = np.hstack((di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)))
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = da.sum(axis=0)
    # *****END OF YOUR CODE*****
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    # *****START OF YOUR CODE*****
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c = np.zeros((N, H))
    prev_h = h0
    cache = []
    for t in range(T):
        prev_h, c, step_cache = lstm_step_forward(x[:, t, :], prev_h, c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    # *****END OF YOUR CODE*****
    return h, cache


def lstm_backward(dh, cache):
    # *****START OF YOUR CODE*****
    N, T, H = dh.shape
    dprev_h = np.zeros((N, H))
    dprev_c = np.zeros((N, H))
    dx = None
    for t in reversed(range(T)):
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        if dx is None:
            dx = np.zeros((N, T, dx_t.shape[1]))
            dWx, dWh, db = np.zeros_like(dWx_t), np.zeros_like(dWh_t), np.zeros_like(db_t)
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    # *****END OF YOUR CODE*****
    return dx, dh0, dWx, dWh, db


class SentimentRNN(object):
    """
    vanilla RNN -> temporal affine -> average over time -> affine -> softmax
    """

    def __init__(self, input_dim=8, hidden_dim=16, fc_dim=16, num_classes=2, weight_scale=1e-1, seed=None):
        self.params = {}
        self.params['Wx'] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params['Wh'] = weight_scale * np.random.randn(hidden_dim, hidden_dim)
        self.params['b'] = np.zeros(hidden_dim)
        self.params['W1'] = weight_scale * np.random.randn(hidden_dim, fc_dim)
        self.params['b1'] = np.zeros(fc_dim)
        self.params['W2'] = weight_scale * np.random.randn(fc_dim, num_classes)
        self.params['b2'] = np.zeros(num_classes)

    def loss(self, X, y=None):
        Wx, Wh, b = self.params['Wx'], self.params['Wh'], self.params['b']
        W1, b1, W2, b2 = self.params['W1'], self.params['b1'], self.params['W2'], self.params['b2']
        N = X.shape[0]
        h0 = np.zeros((N, Wh.shape[0]))
        h, rnn_cache = rnn_forward(X, h0, Wx, Wh, b)
        out, ta_cache = temporal_affine_forward(h, W1, b1)
        avg, avg_cache = temporal_average_forward(out)
        scores, fc_cache = affine_forward(avg, W2, b2)
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        davg, grads['W2'], grads['b2'] = affine_backward(dscores, fc_cache)
        dout = temporal_average_backward(davg, avg_cache)
        dh, grads['W1'], grads['b1'] = temporal_affine_backward(dout, ta_cache)
        dx, dh0, grads['Wx'], grads['Wh'], grads['b'] = rnn_backward(dh, rnn_cache)
        return loss, grads
