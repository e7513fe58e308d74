"""Layers handed out with the assignment (not graded): affine, temporal affine, softmax loss."""
import numpy as np


def affine_forward(x, w, b):
    """x (N, D), w (D, M), b (M,) -> out (N, M), cache."""
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    return dx, dw, dout.sum(axis=0)


def temporal_affine_forward(x, w, b):
    """x (N, T, D), w (D, M), b (M,) -> out (N, T, M), cache: an affine layer applied at every step."""
    N, T, D = x.shape
    out = (x.reshape(N * T, D) @ w).reshape(N, T, w.shape[1]) + b
    return out, (x, w, b, out)


def temporal_affine_backward(dout, cache):
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = (dout.reshape(N * T, M) @ w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, M)
    return dx, dw, dout.sum(axis=(0, 1))


def softmax_loss(x, y):
    """Softmax cross-entropy of scores x (N, C) for labels y (N,): (mean loss, dx)."""
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return loss, dx / N
