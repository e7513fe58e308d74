"""Known mistakes in the backward passes. Each variant is the reference with one line changed (marked `# mistake`).

Mistakes in a backward pass that calls the cell use the reference cell, as the student's code does when graded.
"""
import functools

import numpy as np

from grader.checks.diagnose import Catalogue

from .. import solution
from ..cases import HANDOUT
from ..provided.rnn_utils import sigmoid

catalogue = Catalogue()
mistake = catalogue.mistake

TANH = "a<t> = tanh(Waa a<t-1> + Wax x<t> + ba)"


def _rnn_cell_gradients(dz, a_prev, xt, p, **changed):
    gradients = {"dxt": p["Wax"].T @ dz, "da_prev": p["Waa"].T @ dz, "dWax": dz @ xt.T, "dWaa": dz @ a_prev.T,
                 "dba": dz.sum(axis=1, keepdims=True)}
    return {**gradients, **changed}


# --- rnn_cell_backward ------------------------------------------------------------------------------------------

@mistake("rnn_cell_backward", "tanh_derivative_left_out", "the factor (1 - a_next**2) is left out",
         f"every gradient goes back through the tanh of {TANH} first, and the handout gives the derivative of"
         " tanh: 1 - tanh(x)^2. Is it in your line for the gradient before the tanh?")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    return _rnn_cell_gradients(da_next, a_prev, xt, p)  # mistake: dz = da_next


@mistake("rnn_cell_backward", "upstream_left_out", "the upstream gradient da_next is left out",
         "by the chain rule, the derivative of tanh multiplies the gradient that arrives from above; is da_next"
         " in your line for the gradient before the tanh?")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    return _rnn_cell_gradients(1 - a_next**2, a_prev, xt, p)  # mistake


@mistake("rnn_cell_backward", "tanh_applied_twice", "the derivative is 1 - tanh(a_next)**2, as if a_next were"
         " the value before the tanh",
         "the cache holds a<t>, which is already tanh(z); the derivative of tanh at z is 1 - a<t>^2, in terms of"
         " the value you have")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    return _rnn_cell_gradients((1 - np.tanh(a_next)**2) * da_next, a_prev, xt, p)  # mistake


@mistake("rnn_cell_backward", "dba_without_keepdims", "dba is summed without keepdims=True",
         "dba must have the shape of ba, (n_a, 1); look at how your sum over the examples keeps the axis")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    dz = (1 - a_next**2) * da_next
    return _rnn_cell_gradients(dz, a_prev, xt, p, dba=dz.sum(axis=1))  # mistake


@mistake("rnn_cell_backward", "dba_wrong_axis", "dba is summed over the hidden units (axis 0) instead of the"
         " examples", "dba must have the shape of ba, (n_a, 1): one value per hidden unit, summed over the"
         " examples. Which axis holds the examples?")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    dz = (1 - a_next**2) * da_next
    return _rnn_cell_gradients(dz, a_prev, xt, p, dba=dz.sum(axis=0, keepdims=True))  # mistake


@mistake("rnn_cell_backward", "dba_not_summed", "dba keeps one column per example instead of their sum",
         "ba is shared by all m examples, so its gradient adds up their contributions: dba has the shape of ba,"
         " (n_a, 1)")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    dz = (1 - a_next**2) * da_next
    return _rnn_cell_gradients(dz, a_prev, xt, p, dba=dz)  # mistake


@mistake("rnn_cell_backward", "weight_gradients_transposed", "dWax and dWaa are transposed (x dz.T instead of"
         " dz x.T)", "a weight's gradient has the shape of the weight: dWax is (n_a, n_x) like Wax; check the"
         " order of the two factors in your dWax and dWaa lines")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    dz = (1 - a_next**2) * da_next
    return _rnn_cell_gradients(dz, a_prev, xt, p, dWax=xt @ dz.T, dWaa=a_prev @ dz.T)  # mistake


@mistake("rnn_cell_backward", "waa_not_transposed", "da_prev multiplies by Waa instead of its transpose",
         "going back through z = Waa a<t-1> + ... multiplies by the transpose of the weight; a square Waa fits"
         " either way round, so only the values show it. Look at your da_prev line.")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    dz = (1 - a_next**2) * da_next
    return _rnn_cell_gradients(dz, a_prev, xt, p, da_prev=p["Waa"] @ dz)  # mistake


@mistake("rnn_cell_backward", "dwaa_uses_a_next", "dWaa uses a_next instead of a_prev",
         "Waa multiplies the previous hidden state in z = Waa a<t-1> + Wax x<t> + ba; which state does your dWaa"
         " line use?")
def _(da_next, cache):
    a_next, a_prev, xt, p = cache
    dz = (1 - a_next**2) * da_next
    return _rnn_cell_gradients(dz, a_prev, xt, p, dWaa=dz @ a_next.T)  # mistake


# --- rnn_backward and lstm_backward -----------------------------------------------------------------------------

def _through_time(da, caches, order=reversed, accumulate=True, upstream="each step", overwrite=False, dc=True):
    """The reference backward pass through time, with switches for the mistakes made in its loop."""
    step_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    lstm = len(step_caches[0]) == 10
    cell = solution.lstm_cell_backward if lstm else solution.rnn_cell_backward
    names = [f"d{k}{g}" for k in "Wb" for g in "fico"] if lstm else ["dWax", "dWaa", "dba"]
    gradients = {"dx": np.zeros((n_x, m, T_x))}
    parameters = step_caches[0][-1]
    gradients.update({name: np.zeros_like(parameters[name[1:]]) for name in names})
    da_prev, dc_prev = np.zeros((n_a, m)), np.zeros((n_a, m))
    if upstream == "last step only":
        da_prev = da[:, :, T_x - 1]
    for t in order(range(T_x)):
        da_next = {"each step": da[:, :, t] + da_prev, "last step only": da_prev}[upstream]
        da_next = da_next if accumulate else da[:, :, t]
        step = cell(da_next, dc_prev, step_caches[t]) if lstm else cell(da_next, step_caches[t])
        gradients["dx"][:, :, t] = step["dxt"]
        for name in names:
            gradients[name] = step[name] if overwrite else gradients[name] + step[name]
        da_prev = step["da_prev"]
        dc_prev = step["dc_prev"] if lstm and dc else np.zeros((n_a, m))
    gradients["da0"] = da_prev
    return gradients


for _function in ("rnn_backward", "lstm_backward"):
    _cell = _function.replace("backward", "cell_backward")
    mistake(_function, "no_da_prev_accumulation", "each step gets only da[:, :, t], without the da_prev of the"
            " step after it", f"a<t> feeds the loss directly and through step t+1, so the gradient {_cell} gets"
            " at step t has both parts; look at what your loop passes to it")(
        lambda da, caches: _through_time(da, caches, accumulate=False))
    mistake(_function, "loop_forward", "the loop over time runs forward (t = 0, 1, ...) instead of backward",
            "step t needs the da_prev that step t+1 computed, so the loop starts at the last step;"
            " look at the range of your loop")(
        lambda da, caches: _through_time(da, caches, order=iter))
    mistake(_function, "loop_skips_first_step", "the backward loop stops before t = 0 (range(T_x - 1, 0, -1))",
            "range(T_x - 1, 0, -1) ends at t = 1: the first step's dx, its share of the weight gradients and da0"
            " need t = 0 too. reversed(range(T_x)) visits every step")(
        lambda da, caches: _through_time(da, caches, order=lambda steps: reversed(steps[1:])))
    mistake(_function, "upstream_not_added", "the upstream da[:, :, t] is added only at the last step",
            "the loss reaches every hidden state a<t> directly: at each step, the gradient passed to"
            f" {_cell} includes da[:, :, t]")(
        lambda da, caches: _through_time(da, caches, upstream="last step only"))
    mistake(_function, "weight_gradients_overwritten", "the weight gradients are overwritten at each step"
            " instead of summed over time", "the same weights act at every step, so their gradient adds up"
            " the contributions of all the steps; look at how your loop updates them")(
        lambda da, caches: _through_time(da, caches, overwrite=True))

mistake("lstm_backward", "prev_gradients_not_carried", "da_prevt and dc_prevt are never updated in the loop: every"
        " step gets da[:, :, t] alone and zeros as dc_next", "each step's lstm_cell_backward returns da_prev and"
        " dc_prev, the gradients that step t-1 needs: does your loop keep them for the next step?")(
    lambda da, caches: _through_time(da, caches, accumulate=False, dc=False))
mistake("lstm_backward", "dc_prev_not_carried", "each step gets zeros as dc_next instead of the dc_prev of the"
        " step after it", "c<t> feeds step t+1, so the gradient that reaches it comes back as the dc_prev of"
        " that step; look at what your loop passes as dc_next")(
    lambda da, caches: _through_time(da, caches, dc=False))


# --- lstm_cell_backward -----------------------------------------------------------------------------------------

PATHS = ("c<t> reaches the loss by two paths: it feeds the next step (dc_next) and it makes a<t> = Γo * tanh(c<t>)"
         " (da_next)")


def _lstm_cell_gradients(dz, cache, dc_prev, concat_order="a, x", keepdims=True, transposed=False):
    """Weight, bias and input gradients from the gradients before each gate's activation, `dz`."""
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_next.shape[0]
    concat = np.concatenate([a_prev, xt] if concat_order == "a, x" else [xt, a_prev])
    gradients, dconcat = {}, 0
    for gate, d in dz.items():
        gradients["dW" + gate] = concat @ d.T if transposed else d @ concat.T
        gradients["db" + gate] = d.sum(axis=1, keepdims=keepdims)
        dconcat = dconcat + p["W" + gate].T @ d
    return {**gradients, "da_prev": dconcat[:n_a], "dxt": dconcat[n_a:], "dc_prev": dc_prev}


def _reference_dz(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    dc = dc_next + da_next * ot * (1 - np.tanh(c_next)**2)
    dz = {"f": dc * c_prev * ft * (1 - ft), "i": dc * cct * it * (1 - it), "c": dc * it * (1 - cct**2),
          "o": da_next * np.tanh(c_next) * ot * (1 - ot)}
    return dz, dc * ft


@mistake("lstm_cell_backward", "dc_prev_without_da_path", "dc_prev leaves out the path through a_next",
         f"c<t-1> reaches the loss only through c<t> = Γf * c<t-1> + ..., and {PATHS}. Does your dc_prev line"
         " follow both?")
def _(da_next, dc_next, cache):
    dz, _ = _reference_dz(da_next, dc_next, cache)
    return _lstm_cell_gradients(dz, cache, dc_next * cache[4])  # mistake: dc_prev = dc_next * ft


@mistake("lstm_cell_backward", "dc_prev_without_dc_next", "dc_prev leaves out dc_next",
         f"c<t-1> reaches the loss only through c<t> = Γf * c<t-1> + ..., and {PATHS}. Does your dc_prev line"
         " follow both?")
def _(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    dz, _ = _reference_dz(da_next, dc_next, cache)
    return _lstm_cell_gradients(dz, cache, da_next * ot * (1 - np.tanh(c_next)**2) * ft)  # mistake


@mistake("lstm_cell_backward", "dc_without_da_path", "the gradient of c_next leaves out the path through a_next"
         " (dc = dc_next)", f"{PATHS}. Do the gradients of your gates Γf, Γu and c~ follow both?")
def _(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    dc = dc_next  # mistake
    dz = {"f": dc * c_prev * ft * (1 - ft), "i": dc * cct * it * (1 - it), "c": dc * it * (1 - cct**2),
          "o": da_next * np.tanh(c_next) * ot * (1 - ot)}
    return _lstm_cell_gradients(dz, cache, dc * ft)


@mistake("lstm_cell_backward", "tanh_of_c_prev", "the backward pass uses tanh(c_prev) instead of tanh(c_next)",
         "a<t> = Γo * tanh(c<t>) uses this step's cell state, and so do its derivatives; which cell state do"
         " your lines use?")
def _(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    tanh_c = np.tanh(c_prev)  # mistake
    dc = dc_next + da_next * ot * (1 - tanh_c**2)
    dz = {"f": dc * c_prev * ft * (1 - ft), "i": dc * cct * it * (1 - it), "c": dc * it * (1 - cct**2),
          "o": da_next * tanh_c * ot * (1 - ot)}
    return _lstm_cell_gradients(dz, cache, dc * ft)


@mistake("lstm_cell_backward", "gate_derivatives_left_out", "the gates' gradients leave out the derivatives of"
         " their activations (ft * (1 - ft), 1 - cct**2, ...)", "the weights act before the activation:"
         " Γ = σ(W [a<t-1>, x<t>] + b), so dW needs the gradient before σ, which includes σ' = Γ (1 - Γ);"
         " the candidate's is 1 - c~<t>^2")
def _(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    dc = dc_next + da_next * ot * (1 - np.tanh(c_next)**2)
    dz = {"f": dc * c_prev, "i": dc * cct, "c": dc * it, "o": da_next * np.tanh(c_next)}  # mistake
    return _lstm_cell_gradients(dz, cache, dc * ft)


@mistake("lstm_cell_backward", "activations_as_pre_activations", "the gates' derivatives are computed as if ft,"
         " it, cct, ot were the values before the activation (sigmoid(ft) * (1 - sigmoid(ft)), ...)",
         "the cache holds the gates after their activation: with Γ = σ(z), σ'(z) = Γ (1 - Γ), written with the"
         " value you have; the same goes for the candidate's tanh")
def _(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    dc = dc_next + da_next * ot * (1 - np.tanh(c_next)**2)
    ds = {name: sigmoid(g) * (1 - sigmoid(g)) for name, g in (("f", ft), ("i", it), ("o", ot))}  # mistake
    dz = {"f": dc * c_prev * ds["f"], "i": dc * cct * ds["i"], "c": dc * it * (1 - np.tanh(cct)**2),
          "o": da_next * np.tanh(c_next) * ds["o"]}
    return _lstm_cell_gradients(dz, cache, dc * ft)


@mistake("lstm_cell_backward", "weight_gradients_for_weights", "da_prev and dxt multiply by the weights' gradients"
         " (dWf, dWi, ...) instead of the weights", "going back through Γ = σ(W [a<t-1>, x<t>] + b) multiplies by"
         " the weight W itself (parameters[\"Wf\"], ...), not by its gradient dW: look at your da_prev and dxt lines")
def _(da_next, dc_next, cache):
    dz, dc_prev = _reference_dz(da_next, dc_next, cache)
    gradients = _lstm_cell_gradients(dz, cache, dc_prev)
    with_dw = {**cache[-1], **{"W" + gate: gradients["dW" + gate] for gate in "fico"}}  # mistake
    return _lstm_cell_gradients(dz, (*cache[:-1], with_dw), dc_prev)


@functools.cache
def _notebook_weights():
    """The notebook's global Wf, Wi, Wc, Wo when the backward cells run: drawn by the handout's lstm_forward cell
    (its lstm_backward cell draws the same). np.random's global state is put back: the grader's own runs on."""
    state = np.random.get_state()
    try:
        return HANDOUT["lstm_forward"]()[2]
    finally:
        np.random.set_state(state)


@mistake("lstm_cell_backward", "weights_from_notebook_globals", "da_prev and dxt use the notebook's global Wf, Wi,"
         " Wc and Wo, which the handout's test cells drew, instead of the weights in parameters",
         "your function uses Wf, Wi, Wc and Wo without defining them, so Python takes the notebook's variables of"
         " those names; read them from parameters (in the cache)")
def _(da_next, dc_next, cache):
    dz, dc_prev = _reference_dz(da_next, dc_next, cache)
    globals_ = {**cache[-1], **{"W" + gate: _notebook_weights()["W" + gate] for gate in "fico"}}  # mistake
    return _lstm_cell_gradients(dz, (*cache[:-1], globals_), dc_prev)


@mistake("lstm_cell_backward", "bias_gradients_without_keepdims", "the bias gradients are summed without"
         " keepdims=True", "each db must have the shape of its b, (n_a, 1); look at how your sums over the"
         " examples keep the axis")
def _(da_next, dc_next, cache):
    dz, dc_prev = _reference_dz(da_next, dc_next, cache)
    return _lstm_cell_gradients(dz, cache, dc_prev, keepdims=False)  # mistake


@mistake("lstm_cell_backward", "weight_gradients_transposed", "the weight gradients are transposed (concat dz.T"
         " instead of dz concat.T)", "a weight's gradient has the shape of the weight, (n_a, n_a + n_x); check"
         " the order of the two factors in your dW lines")
def _(da_next, dc_next, cache):
    dz, dc_prev = _reference_dz(da_next, dc_next, cache)
    return _lstm_cell_gradients(dz, cache, dc_prev, transposed=True)  # mistake


@mistake("lstm_cell_backward", "concat_order", "the weight gradients use [xt; a_prev] instead of [a_prev; xt]",
         "the forward pass stacks a<t-1> above x<t>, and the weights' gradients multiply by that same"
         " concatenation; check the order in the concat of your backward pass")
def _(da_next, dc_next, cache):
    dz, dc_prev = _reference_dz(da_next, dc_next, cache)
    return _lstm_cell_gradients(dz, cache, dc_prev, concat_order="x, a")  # mistake
