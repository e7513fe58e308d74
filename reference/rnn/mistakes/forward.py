"""Known mistakes in the forward passes. Each variant is the reference with one line changed (marked `# mistake`).

Mistakes in a forward pass that calls the cell use the reference cell, as the student's code does when graded.
"""
import numpy as np

from grader.checks.diagnose import Catalogue

from .. import solution
from ..provided.rnn_utils import sigmoid, softmax

catalogue = Catalogue()
mistake = catalogue.mistake

RNN_STATE = "a<t> = tanh(Waa a<t-1> + Wax x<t> + ba)"
RNN_PREDICTION = "y<t> = softmax(Wya a<t> + by)"


def _rnn_cell(xt, a_prev, parameters, a_next, yt_pred):
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


# --- rnn_cell_forward -------------------------------------------------------------------------------------------

@mistake("rnn_cell_forward", "bias_left_out", "the bias `ba` is left out of a_next",
         f"read your line for a_next against the handout's {RNN_STATE}: is every term of the formula there?")
def _(xt, a_prev, p):
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev)  # mistake
    return _rnn_cell(xt, a_prev, p, a_next, softmax(p["Wya"] @ a_next + p["by"]))


@mistake("rnn_cell_forward", "sigmoid_instead_of_tanh", "a_next goes through a sigmoid instead of tanh",
         f"which activation does the handout's {RNN_STATE} use? Your a_next has no negative values.")
def _(xt, a_prev, p):
    a_next = sigmoid(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])  # mistake
    return _rnn_cell(xt, a_prev, p, a_next, softmax(p["Wya"] @ a_next + p["by"]))


@mistake("rnn_cell_forward", "waa_transposed", "`Waa` is transposed (or multiplied from the other side)",
         f"in {RNN_STATE} the weights act on the column vector a<t-1> as they are; a square Waa fits the shapes"
         " either way round, so only the values show it")
def _(xt, a_prev, p):
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"].T @ a_prev + p["ba"])  # mistake
    return _rnn_cell(xt, a_prev, p, a_next, softmax(p["Wya"] @ a_next + p["by"]))


@mistake("rnn_cell_forward", "prediction_before_update", "yt_pred is computed from a_prev instead of the new a_next",
         f"the handout's {RNN_PREDICTION} uses this step's hidden state: which state does your yt_pred line read?")
def _(xt, a_prev, p):
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    return _rnn_cell(xt, a_prev, p, a_next, softmax(p["Wya"] @ a_prev + p["by"]))  # mistake


@mistake("rnn_cell_forward", "output_bias_left_out", "the bias `by` is left out of yt_pred",
         f"read your line for yt_pred against the handout's {RNN_PREDICTION}: is every term there?")
def _(xt, a_prev, p):
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    return _rnn_cell(xt, a_prev, p, a_next, softmax(p["Wya"] @ a_next))  # mistake


@mistake("rnn_cell_forward", "softmax_over_examples",
         "the softmax is taken over the examples (axis 1) instead of over the classes (axis 0)",
         "a column of yt_pred is one example's distribution over the n_y classes, so each column sums to 1;"
         " check the axis of your softmax (the provided softmax() already takes the right one)")
def _(xt, a_prev, p):
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    z = p["Wya"] @ a_next + p["by"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return _rnn_cell(xt, a_prev, p, a_next, e / e.sum(axis=1, keepdims=True))  # mistake


@mistake("rnn_cell_forward", "softmax_over_everything",
         "the softmax divides by the sum over the whole array instead of over each column",
         "a column of yt_pred is one example's distribution over the n_y classes, so each column sums to 1;"
         " check what your softmax sums over (the provided softmax() already does it)")
def _(xt, a_prev, p):
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    e = np.exp(p["Wya"] @ a_next + p["by"])
    return _rnn_cell(xt, a_prev, p, a_next, e / e.sum())  # mistake


# --- rnn_forward ------------------------------------------------------------------------------------------------

def _rnn_forward(x, a0, parameters, carry=True, store_before=False):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a, y_pred, caches = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
    a_next = a0
    for t in range(T_x):
        a_prev = a_next if carry else a0
        a_next, y_pred[:, :, t], cache = solution.rnn_cell_forward(x[:, :, t], a_prev, parameters)
        a[:, :, t] = a_prev if store_before else a_next
        caches.append(cache)
    return a, y_pred, (caches, x)


@mistake("rnn_forward", "a0_ignored", "the hidden state starts at zeros instead of a0",
         "the handout says: initialize the \"next\" hidden state as a0; which state does your first step read?")
def _(x, a0, parameters):
    return _rnn_forward(x, np.zeros_like(a0), parameters)  # mistake


@mistake("rnn_forward", "state_not_carried", "every step reads a0 instead of the hidden state of the step before",
         "step t takes a<t-1>, the hidden state that step t-1 returned; which variable does your loop pass to"
         " rnn_cell_forward?")
def _(x, a0, parameters):
    return _rnn_forward(x, a0, parameters, carry=False)  # mistake


@mistake("rnn_forward", "state_stored_before_update",
         "a[:, :, t] holds the hidden state before step t (a<t-1>) instead of the one step t returns",
         "the handout's loop runs rnn_cell_forward, then stores the new \"next\" hidden state in a at position t;"
         " which state does your loop store?")
def _(x, a0, parameters):
    return _rnn_forward(x, a0, parameters, store_before=True)  # mistake


# --- lstm_cell_forward ------------------------------------------------------------------------------------------

GATE = "Γ = σ(W [a<t-1>, x<t>] + b)"
CELL = "c<t> = Γf * c<t-1> + Γu * c~<t>"
HIDDEN = "a<t> = Γo * tanh(c<t>)"


def _gates(concat, p, gate=sigmoid, candidate=np.tanh):
    ft = gate(p["Wf"] @ concat + p["bf"])
    it = gate(p["Wi"] @ concat + p["bi"])
    cct = candidate(p["Wc"] @ concat + p["bc"])
    ot = gate(p["Wo"] @ concat + p["bo"])
    return ft, it, cct, ot


def _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, a_next, from_state=None):
    yt_pred = softmax(p["Wy"] @ (a_next if from_state is None else from_state) + p["by"])
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p)


@mistake("lstm_cell_forward", "concat_order", "the concatenation is [xt; a_prev] instead of [a_prev; xt]",
         "the handout's concat stacks a<t-1> above x<t>, and the first n_a columns of each W act on a<t-1>:"
         " check the order in your concat")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([xt, a_prev]), p)  # mistake
    c_next = ft * c_prev + it * cct
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_next))


@mistake("lstm_cell_forward", "forget_gate_left_out", "c_prev is added without the forget gate",
         f"compare your c_next line with the handout's {CELL}: what multiplies c<t-1>?")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([a_prev, xt]), p)
    c_next = c_prev + it * cct  # mistake
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_next))


@mistake("lstm_cell_forward", "c_prev_left_out", "c_next leaves out the previous cell state c_prev",
         f"compare your c_next line with the handout's {CELL}: the previous cell state is part of it")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([a_prev, xt]), p)
    c_next = it * cct  # mistake
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_next))


@mistake("lstm_cell_forward", "gates_swapped", "the forget and update gates trade places in c_next",
         f"in {CELL}, which gate multiplies the old cell state and which the candidate c~<t>?")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([a_prev, xt]), p)
    c_next = it * c_prev + ft * cct  # mistake
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_next))


@mistake("lstm_cell_forward", "tanh_of_c_prev", "a_next uses tanh(c_prev) instead of tanh(c_next)",
         f"the handout's {HIDDEN} uses this step's cell state: which one does your a_next line use?")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([a_prev, xt]), p)
    c_next = ft * c_prev + it * cct
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_prev))  # mistake


@mistake("lstm_cell_forward", "tanh_of_c_left_out", "a_next is ot * c_next, without the tanh",
         f"compare your a_next line with the handout's {HIDDEN}")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([a_prev, xt]), p)
    c_next = ft * c_prev + it * cct
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * c_next)  # mistake


@mistake("lstm_cell_forward", "gates_use_tanh", "the gates (ft, it, ot) use tanh instead of sigmoid",
         f"each gate is {GATE}, a value between 0 and 1: which activation do yours use?")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([a_prev, xt]), p, gate=np.tanh)  # mistake
    c_next = ft * c_prev + it * cct
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_next))


@mistake("lstm_cell_forward", "candidate_uses_sigmoid", "the candidate cct uses sigmoid instead of tanh",
         "the handout's candidate is c~<t> = tanh(Wc [a<t-1>, x<t>] + bc), not a gate: which activation does your"
         " cct line use?")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([a_prev, xt]), p, candidate=sigmoid)  # mistake
    c_next = ft * c_prev + it * cct
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_next))


@mistake("lstm_cell_forward", "update_gate_with_forget_weights", "the update gate uses the forget gate's Wf and bf",
         "every gate has its own weights; the handout's update gate Γu is `Wi` and `bi` in parameters. Which"
         " weights does your it line use?")
def _(xt, a_prev, c_prev, p):
    concat = np.concatenate([a_prev, xt])
    ft, _, cct, ot = _gates(concat, p)
    it = sigmoid(p["Wf"] @ concat + p["bf"])  # mistake
    c_next = ft * c_prev + it * cct
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_next))


@mistake("lstm_cell_forward", "prediction_before_update", "yt_pred is computed from a_prev instead of the new a_next",
         "the prediction softmax(Wy a<t> + by) uses this step's hidden state: which state does your yt_pred read?")
def _(xt, a_prev, c_prev, p):
    ft, it, cct, ot = _gates(np.concatenate([a_prev, xt]), p)
    c_next = ft * c_prev + it * cct
    return _lstm_cell(xt, a_prev, c_prev, p, ft, it, cct, ot, c_next, ot * np.tanh(c_next), from_state=a_prev)


# --- lstm_forward -----------------------------------------------------------------------------------------------

def _lstm_forward(x, a0, parameters, c0=None, carry_c=True, carry_a=True):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a, c, y, caches = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
    a_next, c_next = a0, np.zeros((n_a, m)) if c0 is None else c0
    for t in range(T_x):
        a_prev = a_next if carry_a else a0
        c_prev = c_next if carry_c else np.zeros((n_a, m))
        a_next, c_next, y[:, :, t], cache = solution.lstm_cell_forward(x[:, :, t], a_prev, c_prev, parameters)
        a[:, :, t], c[:, :, t] = a_next, c_next
        caches.append(cache)
    return a, y, c, (caches, x)


@mistake("lstm_forward", "a0_ignored", "the hidden state starts at zeros instead of a0",
         "the first step reads the initial hidden state a0 that lstm_forward is given; which state does yours read?")
def _(x, a0, parameters):
    return _lstm_forward(x, np.zeros_like(a0), parameters)  # mistake


@mistake("lstm_forward", "c0_from_a0", "the cell state starts at a0 instead of zeros",
         "the handout: c<0> is initialized with zeros. What does your first step get as c_prev?")
def _(x, a0, parameters):
    return _lstm_forward(x, a0, parameters, c0=a0)  # mistake


@mistake("lstm_forward", "cell_state_not_carried", "every step gets zeros as c_prev instead of the step before's c_next",
         "step t takes c<t-1>, the cell state that step t-1 returned; which variable does your loop pass as c_prev?")
def _(x, a0, parameters):
    return _lstm_forward(x, a0, parameters, carry_c=False)  # mistake


@mistake("lstm_forward", "state_not_carried", "every step reads a0 instead of the hidden state of the step before",
         "step t takes a<t-1>, the hidden state that step t-1 returned; which variable does your loop pass as a_prev?")
def _(x, a0, parameters):
    return _lstm_forward(x, a0, parameters, carry_a=False)  # mistake


@mistake("lstm_forward", "c_aliases_a", "c is the same array as a (c = a), so a ends up holding the cell states",
         "`c = a` gives the array a second name, it does not copy it: each c[:, :, t] = c_next overwrites"
         " a[:, :, t]. Give c its own np.zeros")
def _(x, a0, parameters):
    a, y, c, caches = _lstm_forward(x, a0, parameters)
    return c, y, c, caches  # mistake
