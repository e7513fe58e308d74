"""The helpers handed out with the CS231n-style RNN assignment: layers, optim, solver and the sentiment data.

A student's `from cs231n.layers import *` and, in a lone rnn_layers.py, `from .layers import *` import these.
"""
