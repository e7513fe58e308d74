"""Independent solutions of the seed-002 functions in five styles that students write, for tests/test_similarity.py.

Each is written here for these tests (no real student's file): the same algorithm, as it must be, in different
hands. `textbook` fills in the handout's skeleton with np.dot; `operators` rewrites everything with `@` and dict
lookups inline; `matmul` uses np.matmul, other names and orders, and a while loop; `helpers` builds on small helpers
of its own and np.einsum; `verbose` spells every step out with np.multiply / np.transpose and temporaries.
"""

TEXTBOOK = '''
import numpy as np
from rnn_utils import *


def rnn_cell_forward(xt, a_prev, parameters):
    """One step of the RNN cell."""
    # Retrieve parameters from "parameters"
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]

    ### START CODE HERE ### (~2 lines)
    # compute next activation state using the formula given above
    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)
    # compute output of the current cell using the formula given above
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    ### END CODE HERE ###

    # store values you need for backward propagation in cache
    cache = (a_next, a_prev, xt, parameters)

    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    """Forward propagation of the RNN."""
    # Initialize "caches" which will contain the list of all caches
    caches = []

    # Retrieve dimensions from shapes of x and parameters["Wya"]
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape

    ### START CODE HERE ###

    # initialize "a" and "y_pred" with zeros (≈2 lines)
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))

    # Initialize a_next (≈1 line)
    a_next = a0

    # loop over all time-steps
    for t in range(T_x):
        # Update next hidden state, compute the prediction, get the cache (≈1 line)
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        # Save the value of the new "next" hidden state in a (≈1 line)
        a[:, :, t] = a_next
        # Save the value of the prediction in y (≈1 line)
        y_pred[:, :, t] = yt_pred
        # Append "cache" to "caches" (≈1 line)
        caches.append(cache)

    ### END CODE HERE ###

    # store values needed for backward propagation in cache
    caches = (caches, x)

    return a, y_pred, caches


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One step of the LSTM cell."""
    # Retrieve parameters from "parameters"
    Wf = parameters["Wf"]
    bf = parameters["bf"]
    Wi = parameters["Wi"]
    bi = parameters["bi"]
    Wc = parameters["Wc"]
    bc = parameters["bc"]
    Wo = parameters["Wo"]
    bo = parameters["bo"]
    Wy = parameters["Wy"]
    by = parameters["by"]

    # Retrieve dimensions from shapes of xt and Wy
    n_x, m = xt.shape
    n_y, n_a = Wy.shape

    ### START CODE HERE ###
    # Concatenate a_prev and xt (≈1 line)
    concat = np.concatenate((a_prev, xt), axis=0)

    # Compute values for ft, it, cct, c_next, ot, a_next using the formulas given (≈6 lines)
    ft = sigmoid(np.dot(Wf, concat) + bf)
    it = sigmoid(np.dot(Wi, concat) + bi)
    cct = np.tanh(np.dot(Wc, concat) + bc)
    c_next = ft * c_prev + it * cct
    ot = sigmoid(np.dot(Wo, concat) + bo)
    a_next = ot * np.tanh(c_next)

    # Compute prediction of the LSTM cell (≈1 line)
    yt_pred = softmax(np.dot(Wy, a_next) + by)
    ### END CODE HERE ###

    # store values needed for backward propagation in cache
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)

    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """Forward propagation of the LSTM."""
    # Initialize "caches", which will track the list of all the caches
    caches = []

    ### START CODE HERE ###
    Wy = parameters['Wy']
    # Retrieve dimensions from shapes of x and parameters['Wy'] (≈2 lines)
    n_x, m, T_x = x.shape
    n_y, n_a = Wy.shape

    # initialize "a", "c" and "y" with zeros (≈3 lines)
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))

    # Initialize a_next and c_next (≈2 lines)
    a_next = a0
    c_next = np.zeros((n_a, m))

    # loop over all time-steps
    for t in range(T_x):
        # Get the 2D slice 'xt' from the 3D input 'x' at time step 't'
        xt = x[:, :, t]
        # Update next hidden state, next memory state, compute the prediction, get the cache (≈1 line)
        a_next, c_next, yt, cache = lstm_cell_forward(xt, a_next, c_next, parameters)
        # Save the value of the new "next" hidden state in a (≈1 line)
        a[:, :, t] = a_next
        # Save the value of the prediction in y (≈1 line)
        y[:, :, t] = yt
        # Save the value of the next cell state (≈1 line)
        c[:, :, t] = c_next
        # Append the cache into caches (≈1 line)
        caches.append(cache)

    ### END CODE HERE ###

    # store values needed for backward propagation in cache
    caches = (caches, x)

    return a, y, c, caches


def rnn_cell_backward(da_next, cache):
    """The backward pass of one RNN cell."""
    # Retrieve values from cache
    (a_next, a_prev, xt, parameters) = cache

    # Retrieve values from parameters
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]

    ### START CODE HERE ###
    # compute the gradient of tanh with respect to a_next (≈1 line)
    dtanh = (1 - a_next ** 2) * da_next

    # compute the gradient of the loss with respect to Wax (≈2 lines)
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)

    # compute the gradient with respect to Waa (≈2 lines)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)

    # compute the gradient with respect to b (≈1 line)
    dba = np.sum(dtanh, axis=1, keepdims=True)

    ### END CODE HERE ###

    # Store the gradients in a python dictionary
    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}

    return gradients


def rnn_backward(da, caches):
    """The backward pass of the RNN."""
    ### START CODE HERE ###

    # Retrieve values from the first cache (t=1) of caches (≈2 lines)
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]

    # Retrieve dimensions from da's and x1's shapes (≈2 lines)
    n_a, m, T_x = da.shape
    n_x, m = x1.shape

    # initialize the gradients with the right sizes (≈6 lines)
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros((n_a, m))

    # Loop through all the time steps
    for t in reversed(range(T_x)):
        # Compute gradients at time step t. Choose wisely the "da_next" and the "cache" to use in the backward propagation step. (≈1 line)
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        # Retrieve derivatives from gradients (≈ 1 line)
        dxt, da_prevt, dWaxt, dWaat, dbat = gradients["dxt"], gradients["da_prev"], gradients["dWax"], gradients["dWaa"], gradients["dba"]
        # Increment global derivatives w.r.t parameters by adding their derivative at time-step t (≈4 lines)
        dx[:, :, t] = dxt
        dWax += dWaxt
        dWaa += dWaat
        dba += dbat

    # Set da0 to the gradient of a which has been backpropagated through all time-steps (≈1 line)
    da0 = da_prevt
    ### END CODE HERE ###

    # Store the gradients in a python dictionary
    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}

    return gradients
'''

OPERATORS = '''
import numpy as np
from rnn_utils import softmax, sigmoid


def rnn_cell_forward(xt, a_prev, parameters):
    p = parameters
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    yt_pred = softmax(p["Wya"] @ a_next + p["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x, a0, parameters):
    T = x.shape[2]
    states, outputs, caches = [], [], []
    h = a0
    for step in range(T):
        h, out, cache = rnn_cell_forward(x[..., step], h, parameters)
        states.append(h)
        outputs.append(out)
        caches.append(cache)
    return np.stack(states, axis=-1), np.stack(outputs, axis=-1), (caches, x)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    p = parameters
    z = np.vstack([a_prev, xt])
    ft = sigmoid(p["Wf"] @ z + p["bf"])
    it = sigmoid(p["Wi"] @ z + p["bi"])
    cct = np.tanh(p["Wc"] @ z + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(p["Wo"] @ z + p["bo"])
    a_next = ot * np.tanh(c_next)
    return a_next, c_next, softmax(p["Wy"] @ a_next + p["by"]), (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)


def lstm_forward(x, a0, parameters):
    hs, cs, ys, caches = [], [], [], []
    h, c = a0, np.zeros_like(a0)
    for step in range(x.shape[-1]):
        h, c, out, cache = lstm_cell_forward(x[..., step], h, c, parameters)
        hs.append(h)
        cs.append(c)
        ys.append(out)
        caches.append(cache)
    return np.stack(hs, -1), np.stack(ys, -1), np.stack(cs, -1), (caches, x)


def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, p = cache
    g = da_next * (1 - np.square(a_next))
    return {"dxt": p["Wax"].T @ g, "da_prev": p["Waa"].T @ g, "dWax": g @ xt.T, "dWaa": g @ a_prev.T,
            "dba": g.sum(1, keepdims=True)}


def rnn_backward(da, caches):
    cache_list, x = caches
    grads = {"dx": np.zeros_like(x), "dWax": 0, "dWaa": 0, "dba": 0}
    carry = np.zeros_like(da[..., 0])
    for step in range(x.shape[-1] - 1, -1, -1):
        g = rnn_cell_backward(da[..., step] + carry, cache_list[step])
        grads["dx"][..., step] = g["dxt"]
        for key in ("dWax", "dWaa", "dba"):
            grads[key] = grads[key] + g[key]
        carry = g["da_prev"]
    grads["da0"] = carry
    return grads
'''

MATMUL = '''
import numpy as np
from rnn_utils import *

def rnn_cell_forward(xt, a_prev, parameters):
    W_x = parameters['Wax']; W_a = parameters['Waa']; W_y = parameters['Wya']
    b_a = parameters['ba']; b_y = parameters['by']
    z_a = np.matmul(W_x, xt) + np.matmul(W_a, a_prev) + b_a
    a_next = np.tanh(z_a)
    z_y = np.matmul(W_y, a_next) + b_y
    yt_pred = softmax(z_y)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache

def rnn_forward(x, a0, parameters):
    nx, batch, steps = x.shape
    ny = parameters['Wya'].shape[0]
    na = parameters['Waa'].shape[0]
    a = np.empty((na, batch, steps))
    y_pred = np.empty((ny, batch, steps))
    cache_list = []
    prev = a0.copy()
    t = 0
    while t < steps:
        prev, y_t, c_t = rnn_cell_forward(x[:, :, t], prev, parameters)
        a[:, :, t], y_pred[:, :, t] = prev, y_t
        cache_list += [c_t]
        t += 1
    return a, y_pred, (cache_list, x)

def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    stacked = np.concatenate([a_prev, xt])
    gate = lambda name: np.matmul(parameters['W' + name], stacked) + parameters['b' + name]
    forget = sigmoid(gate('f'))
    update = sigmoid(gate('i'))
    candidate = np.tanh(gate('c'))
    out_gate = sigmoid(gate('o'))
    c_next = np.add(np.multiply(forget, c_prev), np.multiply(update, candidate))
    a_next = out_gate * np.tanh(c_next)
    yt_pred = softmax(np.matmul(parameters['Wy'], a_next) + parameters['by'])
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, forget, update, candidate, out_gate, xt, parameters)

def lstm_forward(x, a0, parameters):
    nx, batch, steps = x.shape
    ny, na = parameters['Wy'].shape
    a = np.empty((na, batch, steps)); c = np.empty((na, batch, steps)); y = np.empty((ny, batch, steps))
    cache_list = []
    h_t, c_t = a0, np.zeros(a0.shape)
    t = 0
    while t < steps:
        h_t, c_t, y_t, cache_t = lstm_cell_forward(x[:, :, t], h_t, c_t, parameters)
        a[:, :, t], c[:, :, t], y[:, :, t] = h_t, c_t, y_t
        cache_list += [cache_t]
        t += 1
    return a, y, c, (cache_list, x)

def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    dz = np.multiply(da_next, 1.0 - np.power(a_next, 2))
    dWax = np.matmul(dz, np.transpose(xt))
    dWaa = np.matmul(dz, np.transpose(a_prev))
    dba = np.sum(dz, axis=-1).reshape(-1, 1)
    dxt = np.matmul(np.transpose(parameters['Wax']), dz)
    da_prev = np.matmul(np.transpose(parameters['Waa']), dz)
    return dict(dxt=dxt, da_prev=da_prev, dWax=dWax, dWaa=dWaa, dba=dba)

def rnn_backward(da, caches):
    cache_list, x = caches
    nx, batch, steps = x.shape
    na = da.shape[0]
    dx = np.zeros(x.shape)
    dWax, dWaa, dba = np.zeros((na, nx)), np.zeros((na, na)), np.zeros((na, 1))
    running = np.zeros((na, batch))
    t = steps - 1
    while t >= 0:
        step = rnn_cell_backward(da[:, :, t] + running, cache_list[t])
        dx[:, :, t] = step['dxt']
        dWax = dWax + step['dWax']
        dWaa = dWaa + step['dWaa']
        dba = dba + step['dba']
        running = step['da_prev']
        t -= 1
    return dict(dx=dx, da0=running, dWax=dWax, dWaa=dWaa, dba=dba)
'''

HELPERS = '''
import numpy as np
from rnn_utils import softmax, sigmoid


def linear(W, v, b):
    return np.einsum("ij,jk->ik", W, v) + b


def rnn_cell_forward(xt, a_prev, parameters):
    hidden = np.tanh(linear(parameters["Waa"], a_prev, 0) + linear(parameters["Wax"], xt, parameters["ba"]))
    prediction = softmax(linear(parameters["Wya"], hidden, parameters["by"]))
    return hidden, prediction, (hidden, a_prev, xt, parameters)


def sizes(x, W):
    return x.shape + W.shape


def rnn_forward(x, a0, parameters):
    n_x, m, T_x, n_y, n_a = sizes(x, parameters["Wya"])
    a, y_pred, caches = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
    for t, xt in enumerate(np.moveaxis(x, 2, 0)):
        prev = a0 if t == 0 else a[:, :, t - 1]
        a[:, :, t], y_pred[:, :, t], cache = rnn_cell_forward(xt, prev, parameters)
        caches.append(cache)
    return a, y_pred, (caches, x)


def gate(parameters, name, stacked, activation):
    return activation(linear(parameters["W" + name], stacked, parameters["b" + name]))


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    stacked = np.row_stack((a_prev, xt))
    f, i, o = (gate(parameters, g, stacked, sigmoid) for g in "fio")
    cand = gate(parameters, "c", stacked, np.tanh)
    c_next = f * c_prev + i * cand
    a_next = o * np.tanh(c_next)
    y = softmax(linear(parameters["Wy"], a_next, parameters["by"]))
    return a_next, c_next, y, (a_next, c_next, a_prev, c_prev, f, i, cand, o, xt, parameters)


def lstm_forward(x, a0, parameters):
    n_x, m, T_x, n_y, n_a = sizes(x, parameters["Wy"])
    a, c, y, caches = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
    for t, xt in enumerate(np.moveaxis(x, 2, 0)):
        prev_a = a0 if t == 0 else a[:, :, t - 1]
        prev_c = np.zeros_like(a0) if t == 0 else c[:, :, t - 1]
        a[:, :, t], c[:, :, t], y[:, :, t], cache = lstm_cell_forward(xt, prev_a, prev_c, parameters)
        caches.append(cache)
    return a, y, c, (caches, x)


def tanh_backward(upstream, activated):
    return upstream * (1 - activated * activated)


def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    local = tanh_backward(da_next, a_next)
    return {"dxt": np.einsum("ji,jk->ik", parameters["Wax"], local),
            "da_prev": np.einsum("ji,jk->ik", parameters["Waa"], local),
            "dWax": np.einsum("ik,jk->ij", local, xt), "dWaa": np.einsum("ik,jk->ij", local, a_prev),
            "dba": local.sum(axis=1)[:, None]}


def rnn_backward(da, caches):
    caches, x = caches
    n_x, m, T_x = x.shape
    total = {"dx": np.zeros_like(x), "dWax": 0.0, "dWaa": 0.0, "dba": 0.0}
    da_prev = 0.0
    for t in range(T_x)[::-1]:
        g = rnn_cell_backward(da[:, :, t] + da_prev, caches[t])
        total["dx"][:, :, t] = g.pop("dxt")
        da_prev = g.pop("da_prev")
        total.update({k: total[k] + v for k, v in g.items()})
    total["da0"] = da_prev
    return total
'''

VERBOSE = '''
import numpy as np
from rnn_utils import *


# GRADED FUNCTION: rnn_cell_forward
def rnn_cell_forward(xt, a_prev, parameters):
    # get the weights
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]
    part1 = Wax.dot(xt)
    part2 = Waa.dot(a_prev)
    total = part1 + part2
    total = total + ba
    a_next = np.tanh(total)
    scores = Wya.dot(a_next)
    scores = scores + by
    yt_pred = softmax(scores)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


# GRADED FUNCTION: rnn_forward
def rnn_forward(x, a0, parameters):
    caches = []
    n_x = x.shape[0]
    m = x.shape[1]
    T_x = x.shape[2]
    n_y = parameters["Wya"].shape[0]
    n_a = parameters["Wya"].shape[1]
    a = np.zeros(shape=(n_a, m, T_x), dtype=float)
    y_pred = np.zeros(shape=(n_y, m, T_x), dtype=float)
    a_current = a0
    for i in range(0, T_x, 1):
        x_i = x[:, :, i]
        result = rnn_cell_forward(x_i, a_current, parameters)
        a_current = result[0]
        a[:, :, i] = result[0]
        y_pred[:, :, i] = result[1]
        caches.append(result[2])
    caches = (caches, x)
    return a, y_pred, caches


# GRADED FUNCTION: lstm_cell_forward
def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    n_x = xt.shape[0]
    m = xt.shape[1]
    n_a = a_prev.shape[0]
    concat = np.zeros((n_a + n_x, m))
    concat[:n_a, :] = a_prev
    concat[n_a:, :] = xt
    forget_gate = sigmoid(parameters["Wf"].dot(concat) + parameters["bf"])
    update_gate = sigmoid(parameters["Wi"].dot(concat) + parameters["bi"])
    c_tilde = np.tanh(parameters["Wc"].dot(concat) + parameters["bc"])
    c_next = np.multiply(forget_gate, c_prev) + np.multiply(update_gate, c_tilde)
    output_gate = sigmoid(parameters["Wo"].dot(concat) + parameters["bo"])
    a_next = np.multiply(output_gate, np.tanh(c_next))
    yt_pred = softmax(parameters["Wy"].dot(a_next) + parameters["by"])
    cache = (a_next, c_next, a_prev, c_prev, forget_gate, update_gate, c_tilde, output_gate, xt, parameters)
    return a_next, c_next, yt_pred, cache


# GRADED FUNCTION: lstm_forward
def lstm_forward(x, a0, parameters):
    caches = []
    n_x = x.shape[0]
    m = x.shape[1]
    T_x = x.shape[2]
    n_y = parameters["Wy"].shape[0]
    n_a = parameters["Wy"].shape[1]
    a = np.zeros(shape=(n_a, m, T_x), dtype=float)
    c = np.zeros(shape=(n_a, m, T_x), dtype=float)
    y = np.zeros(shape=(n_y, m, T_x), dtype=float)
    a_current = a0
    c_current = np.zeros(shape=(n_a, m), dtype=float)
    for i in range(0, T_x, 1):
        result = lstm_cell_forward(x[:, :, i], a_current, c_current, parameters)
        a_current = result[0]
        c_current = result[1]
        a[:, :, i] = a_current
        c[:, :, i] = c_current
        y[:, :, i] = result[2]
        caches.append(result[3])
    caches = (caches, x)
    return a, y, c, caches


# GRADED FUNCTION: rnn_cell_backward
def rnn_cell_backward(da_next, cache):
    a_next = cache[0]
    a_prev = cache[1]
    xt = cache[2]
    parameters = cache[3]
    one_minus = 1 - np.multiply(a_next, a_next)
    dtanh = np.multiply(one_minus, da_next)
    dxt = np.transpose(parameters["Wax"]).dot(dtanh)
    dWax = dtanh.dot(np.transpose(xt))
    da_prev = np.transpose(parameters["Waa"]).dot(dtanh)
    dWaa = dtanh.dot(np.transpose(a_prev))
    dba = np.sum(dtanh, axis=1)
    dba = dba.reshape(dba.shape[0], 1)
    gradients = {}
    gradients["dxt"] = dxt
    gradients["da_prev"] = da_prev
    gradients["dWax"] = dWax
    gradients["dWaa"] = dWaa
    gradients["dba"] = dba
    return gradients


# GRADED FUNCTION: rnn_backward
def rnn_backward(da, caches):
    all_caches = caches[0]
    x = caches[1]
    n_a = da.shape[0]
    m = da.shape[1]
    T_x = da.shape[2]
    n_x = x.shape[0]
    dx = np.zeros(shape=(n_x, m, T_x), dtype=float)
    dWax = np.zeros(shape=(n_a, n_x), dtype=float)
    dWaa = np.zeros(shape=(n_a, n_a), dtype=float)
    dba = np.zeros(shape=(n_a, 1), dtype=float)
    da_prevt = np.zeros(shape=(n_a, m), dtype=float)
    for i in range(T_x - 1, -1, -1):
        upstream = da[:, :, i] + da_prevt
        grads = rnn_cell_backward(upstream, all_caches[i])
        dx[:, :, i] = grads["dxt"]
        da_prevt = grads["da_prev"]
        dWax = np.add(dWax, grads["dWax"])
        dWaa = np.add(dWaa, grads["dWaa"])
        dba = np.add(dba, grads["dba"])
    da0 = da_prevt
    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
'''

STYLES = {"textbook": TEXTBOOK, "operators": OPERATORS, "matmul": MATMUL, "helpers": HELPERS, "verbose": VERBOSE}
