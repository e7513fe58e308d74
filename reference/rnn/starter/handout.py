# The code that the handout gives students, function by function, as its code cells hold it before anyone writes a
# line: signatures, docstrings, the provided lines, `None` placeholders between `### START CODE HERE ###` and
# `### END CODE HERE ###`. The similarity check (`python -m grader similarity`) takes this code out of every
# submission before comparing, so that two independent solutions are not alike for what they were both given.
# Another version of the handout is another file in this folder (a .py or an .ipynb); the code of every file here
# is taken out.
import numpy as np
from rnn_utils import *


def rnn_cell_forward(xt, a_prev, parameters):
    """
    One step of the RNN cell.

    Arguments:
    xt -- input at timestep t, of shape (n_x, m)
    a_prev -- hidden state at timestep t-1, of shape (n_a, m)
    parameters -- dictionary with Wax, Waa, Wya, ba, by

    Returns:
    a_next -- next hidden state, of shape (n_a, m)
    yt_pred -- prediction at timestep t, of shape (n_y, m)
    cache -- tuple needed for the backward pass, (a_next, a_prev, xt, parameters)
    """
    # Retrieve parameters from "parameters"
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]

    ### START CODE HERE ### (~2 lines)
    # compute next activation state using the formula given above
    a_next = None
    # compute output of the current cell using the formula given above
    yt_pred = None
    ### END CODE HERE ###

    # store values you need for backward propagation in cache
    cache = (a_next, a_prev, xt, parameters)

    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    """
    Forward propagation of the RNN over all time steps.

    Arguments:
    x -- input data, of shape (n_x, m, T_x)
    a0 -- initial hidden state, of shape (n_a, m)
    parameters -- dictionary with Waa, Wax, Wya, ba, by

    Returns:
    a -- hidden states for every time step, of shape (n_a, m, T_x)
    y_pred -- predictions for every time step, of shape (n_y, m, T_x)
    caches -- tuple of values needed for the backward pass, (list of caches, x)
    """
    # Initialize "caches" which will contain the list of all caches
    caches = []

    # Retrieve dimensions from shapes of x and parameters["Wya"]
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape

    ### START CODE HERE ###

    # initialize "a" and "y_pred" with zeros (≈2 lines)
    a = None
    y_pred = None

    # Initialize a_next (≈1 line)
    a_next = None

    # loop over all time-steps
    for t in range(None):
        # Update next hidden state, compute the prediction, get the cache (≈1 line)
        a_next, yt_pred, cache = None
        # Save the value of the new "next" hidden state in a (≈1 line)
        a[:, :, t] = None
        # Save the value of the prediction in y (≈1 line)
        y_pred[:, :, t] = None
        # Append "cache" to "caches" (≈1 line)
        None

    ### END CODE HERE ###

    # store values needed for backward propagation in cache
    caches = (caches, x)

    return a, y_pred, caches


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """
    One step of the LSTM cell.

    Arguments:
    xt -- input at timestep t, of shape (n_x, m)
    a_prev -- hidden state at timestep t-1, of shape (n_a, m)
    c_prev -- memory state at timestep t-1, of shape (n_a, m)
    parameters -- dictionary with Wf, bf, Wi, bi, Wc, bc, Wo, bo, Wy, by

    Returns:
    a_next -- next hidden state, of shape (n_a, m)
    c_next -- next memory state, of shape (n_a, m)
    yt_pred -- prediction at timestep t, of shape (n_y, m)
    cache -- (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    """
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
    concat = None

    # Compute values for ft, it, cct, c_next, ot, a_next using the formulas given (≈6 lines)
    ft = None
    it = None
    cct = None
    c_next = None
    ot = None
    a_next = None

    # Compute prediction of the LSTM cell (≈1 line)
    yt_pred = None
    ### END CODE HERE ###

    # store values needed for backward propagation in cache
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)

    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """
    Forward propagation of the LSTM over all time steps.

    Arguments:
    x -- input data, of shape (n_x, m, T_x)
    a0 -- initial hidden state, of shape (n_a, m)
    parameters -- dictionary with Wf, bf, Wi, bi, Wc, bc, Wo, bo, Wy, by

    Returns:
    a -- hidden states, of shape (n_a, m, T_x)
    y -- predictions, of shape (n_y, m, T_x)
    c -- memory states, of shape (n_a, m, T_x)
    caches -- tuple of values needed for the backward pass, (list of all the caches, x)
    """
    # Initialize "caches", which will track the list of all the caches
    caches = []

    ### START CODE HERE ###
    Wy = parameters['Wy']
    # Retrieve dimensions from shapes of x and parameters['Wy'] (≈2 lines)
    n_x, m, T_x = None
    n_y, n_a = None

    # initialize "a", "c" and "y" with zeros (≈3 lines)
    a = None
    c = None
    y = None

    # Initialize a_next and c_next (≈2 lines)
    a_next = None
    c_next = None

    # loop over all time-steps
    for t in range(None):
        # Get the 2D slice 'xt' from the 3D input 'x' at time step 't'
        xt = None
        # Update next hidden state, next memory state, compute the prediction, get the cache (≈1 line)
        a_next, c_next, yt, cache = None
        # Save the value of the new "next" hidden state in a (≈1 line)
        a[:, :, t] = None
        # Save the value of the prediction in y (≈1 line)
        y[:, :, t] = None
        # Save the value of the next cell state (≈1 line)
        c[:, :, t] = None
        # Append the cache into caches (≈1 line)
        None

    ### END CODE HERE ###

    # store values needed for backward propagation in cache
    caches = (caches, x)

    return a, y, c, caches


def rnn_cell_backward(da_next, cache):
    """
    The backward pass of one RNN cell.

    Arguments:
    da_next -- gradient of the loss with respect to the next hidden state
    cache -- the output of rnn_cell_forward()

    Returns:
    gradients -- dictionary with dxt, da_prev, dWax, dWaa, dba
    """
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
    dtanh = None

    # compute the gradient of the loss with respect to Wax (≈2 lines)
    dxt = None
    dWax = None

    # compute the gradient with respect to Waa (≈2 lines)
    da_prev = None
    dWaa = None

    # compute the gradient with respect to b (≈1 line)
    dba = None

    ### END CODE HERE ###

    # Store the gradients in a python dictionary
    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}

    return gradients


def rnn_backward(da, caches):
    """
    The backward pass of the RNN over the whole input sequence.

    Arguments:
    da -- upstream gradients of all hidden states, of shape (n_a, m, T_x)
    caches -- tuple with the information from the forward pass (rnn_forward)

    Returns:
    gradients -- dictionary with dx, da0, dWax, dWaa, dba
    """
    ### START CODE HERE ###

    # Retrieve values from the first cache (t=1) of caches (≈2 lines)
    (caches, x) = None
    (a1, a0, x1, parameters) = None

    # Retrieve dimensions from da's and x1's shapes (≈2 lines)
    n_a, m, T_x = None
    n_x, m = None

    # initialize the gradients with the right sizes (≈6 lines)
    dx = None
    dWax = None
    dWaa = None
    dba = None
    da0 = None
    da_prevt = None

    # Loop through all the time steps
    for t in reversed(range(None)):
        # Compute gradients at time step t. Choose wisely the "da_next" and the "cache" to use in the backward propagation step. (≈1 line)
        gradients = None
        # Retrieve derivatives from gradients (≈ 1 line)
        dxt, da_prevt, dWaxt, dWaat, dbat = gradients["dxt"], gradients["da_prev"], gradients["dWax"], gradients["dWaa"], gradients["dba"]
        # Increment global derivatives w.r.t parameters by adding their derivative at time-step t (≈4 lines)
        dx[:, :, t] = None
        dWax += None
        dWaa += None
        dba += None

    # Set da0 to the gradient of a which has been backpropagated through all time-steps (≈1 line)
    da0 = None
    ### END CODE HERE ###

    # Store the gradients in a python dictionary
    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}

    return gradients


def lstm_cell_backward(da_next, dc_next, cache):
    """
    The backward pass of one LSTM cell.

    Arguments:
    da_next -- gradient of the next hidden state, of shape (n_a, m)
    dc_next -- gradient of the next cell state, of shape (n_a, m)
    cache -- the output of lstm_cell_forward()

    Returns:
    gradients -- dictionary with dxt, da_prev, dc_prev, dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo
    """
    # Retrieve information from "cache"
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache

    ### START CODE HERE ###
    # Retrieve dimensions from xt's and a_next's shape (≈2 lines)
    n_x, m = None
    n_a, m = None

    # Compute gates related derivatives (≈4 lines)
    dot = None
    dcct = None
    dit = None
    dft = None

    # Compute parameters related derivatives (≈8 lines)
    dWf = None
    dWi = None
    dWc = None
    dWo = None
    dbf = None
    dbi = None
    dbc = None
    dbo = None

    # Compute derivatives w.r.t previous hidden state, previous memory state and input (≈3 lines)
    da_prev = None
    dc_prev = None
    dxt = None
    ### END CODE HERE ###

    # Save gradients in dictionary
    gradients = {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, "dWf": dWf, "dbf": dbf, "dWi": dWi,
                 "dbi": dbi, "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}

    return gradients


def lstm_backward(da, caches):
    """
    The backward pass of the LSTM over the whole input sequence.

    Arguments:
    da -- gradients with respect to the hidden states, of shape (n_a, m, T_x)
    caches -- cache storing information from the forward pass (lstm_forward)

    Returns:
    gradients -- dictionary with dx, da0, dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo
    """
    # Retrieve values from the first cache (t=1) of caches.
    (caches, x) = caches
    (a1, c1, a0, c0, f1, i1, cc1, o1, x1, parameters) = caches[0]

    ### START CODE HERE ###
    # Retrieve dimensions from da's and x1's shapes (≈2 lines)
    n_a, m, T_x = None
    n_x, m = None

    # initialize the gradients with the right sizes (≈12 lines)
    dx = None
    da0 = None
    da_prevt = None
    dc_prevt = None
    dWf = None
    dWi = None
    dWc = None
    dWo = None
    dbf = None
    dbi = None
    dbc = None
    dbo = None

    # loop back over the whole sequence
    for t in reversed(range(None)):
        # Compute all gradients using lstm_cell_backward
        gradients = None
        # Store or add the gradient to the parameters' previous step's gradient
        dx[:, :, t] = None
        dWf += None
        dWi += None
        dWc += None
        dWo += None
        dbf += None
        dbi += None
        dbc += None
        dbo += None
    # Set the first activation's gradient to the backpropagated gradient da_prev.
    da0 = None

    ### END CODE HERE ###

    # Store the gradients in a python dictionary
    gradients = {"dx": dx, "da0": da0, "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}

    return gradients
