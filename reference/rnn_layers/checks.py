"""The CS231n-style RNN layers' checks. Every layer: the notebook's case, hidden values, hidden sizes; a backward
layer on the cache its student's own forward made (grader.checks.own_caches). The sentiment model: its loss and
gradients against the reference, a gradient check through the student's own model, and the small-data training
run of seed 001, section 6. Points are in rubric.toml.
"""
import functools
import tomllib
from pathlib import Path

import numpy as np

from grader.checks import own_caches
from grader.checks.compare import differences
from grader.checks.diagnose import diagnose
from grader.checks.gradcheck import BOUND, compare_gradient, numeric_gradient
from grader.checks.suite import Failure, Suite
from grader.checks.training import falls_enough, train

# A student's copy has no reference, recipes or mistakes (DESIGN.md: secrets); only the public checks run there.
REFERENCE = (Path(__file__).parent / "solution.py").is_file()
if REFERENCE:
    from . import solution
    from .mistakes import catalogue
    from .provided.cs231n import optim
    from .provided.cs231n.sentiment_data import make_sentiment_data
else:
    catalogue = None

SETTINGS = tomllib.loads((Path(__file__).parent / "assignment.toml").read_text())
PAIRS = own_caches.pairs(SETTINGS)
FORWARD_OUTPUTS = {"rnn_step_forward": ("next_h",), "rnn_forward": ("h",), "word_embedding_forward": ("out",),
                   "temporal_average_forward": ("out",), "lstm_step_forward": ("next_h", "next_c"),
                   "lstm_forward": ("h",)}
ORDER = ("rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward", "word_embedding_forward",
         "word_embedding_backward", "temporal_average_forward", "temporal_average_backward")
EXTRA = ("lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward")
MODEL = SETTINGS["model"]["class"]

suite = Suite("rnn_layers")


def _fixtures(context, function, kind):
    if kind == "public":
        return context.public.get(function, [])
    group = kind.split("_", 1)[1]
    cases = [f for f in context.hidden.get(function, []) if f.name.startswith(group + "-")]
    if not cases:
        raise Failure("the hidden cases are not available in this copy of the grader")
    return cases


def _forward(context, function, kind):
    names = FORWARD_OUTPUTS[function]
    for fixture in _fixtures(context, function, kind):
        got = context.call(function, *fixture.args)
        if not isinstance(got, tuple) or len(got) != len(names) + 1:
            raise Failure(f"on {fixture.describe}: {function} returned {_what(got)}; expected a tuple"
                          f" ({', '.join(names)}, cache)")
        expected = fixture.expected[:-1]
        for name, e, g in zip(names, expected, got):
            lines = differences(name, e, g, context.rtol, context.atol)
            if lines:
                matched = _diagnosis(context, function, fixture.args, names, expected, got)
                raise matched.explain(f"on {fixture.describe}:", *lines)


def _backward(context, function, kind):
    pair = PAIRS[function]
    notes = []
    for fixture in _fixtures(context, function, kind):
        count = len(fixture.expected["forward"])
        forward_args, upstream = fixture.args[:-count], fixture.args[-count:]
        try:
            notes.append(own_caches.judge(context, pair, forward_args, upstream, fixture.expected,
                                          fixture.describe))
        except Failure as failure:
            if not hasattr(failure, "got"):  # not a comparison of gradients: nothing to diagnose
                raise
            cache = _reference_cache(pair, forward_args, getattr(failure, "forward_got", None))
            matched = _diagnosis(context, function, (*upstream, cache), pair.outputs,
                                 fixture.expected["backward"], failure.got)
            raise matched.explain(*failure.lines) from None
    return notes[-1] if notes else None


def _reference_cache(pair, forward_args, forward_got):
    """The reference forward's cache on these inputs; where the student's forward was wrong (`forward_got`, its
    outputs), with those outputs in it, so a backward's variant reads what the student's backward read."""
    if not REFERENCE:
        return None
    made = getattr(solution, pair.forward)(*forward_args)
    return made[-1] if forward_got is None else own_caches.with_outputs(made[-1], made[:-1], forward_got)


def _diagnosis(context, function, args, names, expected, got):
    """The known mistakes whose answer on `args` is the student's, within the checks' tolerance."""
    rtol, atol = context.rtol, context.atol
    wrong = [n for n, e, g in zip(names, expected, got) if differences(n, e, g, rtol, atol)]

    def same(answer):
        answer = answer if isinstance(answer, tuple) else (answer,)
        return not any(differences(n, a, g, rtol, atol) for n, a, g in zip(names, answer, got))
    use = catalogue if getattr(context, "diagnose", True) and REFERENCE and args[-1] is not None else None
    return diagnose(use, function, args, wrong, same, dict(zip(names, got)))


def _what(value):
    return f"a {type(value).__name__}" + (f" of {len(value)} items" if isinstance(value, (tuple, list)) else "")


def _register(function):
    body = _backward if function in PAIRS else _forward
    texts = {"public": "is right on the notebook's case", "hidden_values": "is right on other draws",
             "hidden_shapes": "is right at other sizes (N = 1, H = 1, T = 1, D = 1, ...)"}
    for kind, text in texts.items():
        suite.check(f"{function}.{kind}", function, description=f"{function} {text}")(
            lambda context, kind=kind: body(context, function, kind))


# --- the sentiment model ----------------------------------------------------------------------------------------

def _data(count, T=6, D=None):
    D = D or SETTINGS["model"]["sizes"]["input_dim"]
    return make_sentiment_data(num_examples=count, T=T, D=D, seed=1)


def _reference_params(sizes, seed):
    model = solution.SentimentRNN(**sizes, weight_scale=SETTINGS["model"]["weight_scale"], seed=seed)
    return {k: v.copy() for k, v in model.params.items()}


def _reference_loss(params, X, y):
    model = solution.SentimentRNN(**{k: 1 for k in ("input_dim", "hidden_dim", "fc_dim", "num_classes")})
    model.params = {k: np.array(v) for k, v in params.items()}
    return model.loss(X, y)


def _model(context, sizes, params):
    """The student's model, built in the sandbox, with the grader's parameters."""
    model = context.call(MODEL, **sizes, keep="all")
    context.call(MODEL, params, target=model, method="params.update")
    return model


@suite.check(f"{MODEL}.loss", MODEL)
def model_loss(context):
    """SentimentRNN's loss(X, y) and every gradient agree with the reference's, with the same parameters"""
    sizes = SETTINGS["model"]["sizes"]
    params, (X, y) = _reference_params(sizes, seed=7), _data(10)
    model = _model(context, sizes, params)
    got = context.call(MODEL, X, y, target=model, method="loss")
    expected_loss, expected_grads = _reference_loss(params, X, y)
    if not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[1], dict):
        raise Failure(f"loss(X, y) returned {_what(got)}; expected (loss, grads) with grads a dict")
    lines = differences("loss", np.float64(expected_loss), np.asarray(got[0], dtype=float), context.rtol,
                        context.atol)
    for name in expected_grads:
        lines = lines or differences(f'grads["{name}"]', expected_grads[name], got[1].get(name), context.rtol,
                                     context.atol)
    if lines:
        raise Failure("on 10 generated sentences, with the reference's parameters:", *lines)
    scores = context.call(MODEL, X, target=model, method="loss")
    lines = differences("loss(X) (the scores)", _reference_loss(params, X, None), scores, context.rtol,
                        context.atol)
    if lines:
        raise Failure("with y=None, loss(X) must return the scores:", *lines)


@suite.check(f"{MODEL}.gradcheck", MODEL)
def model_gradcheck(context):
    """SentimentRNN's gradients match numeric gradients of its own loss"""
    sizes = SETTINGS["model"]["gradcheck_sizes"]
    params = _reference_params(sizes, seed=11)
    X, y = _data(4, T=3, D=sizes["input_dim"])
    model = _model(context, sizes, params)
    got = context.call(MODEL, X, y, target=model, method="loss")
    if not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[1], dict):
        raise Failure(f"loss(X, y) returned {_what(got)}; expected (loss, grads) with grads a dict")

    def loss():
        context.call(MODEL, params, target=model, method="params.update")
        return float(np.asarray(context.call(MODEL, X, y, target=model, method="loss")[0]))

    for name in sorted(params):
        if name not in got[1]:
            raise Failure(f'grads has no key "{name}"; it has {sorted(got[1])}')
        result = compare_gradient(name, numeric_gradient(loss, params[name]), got[1][name])
        if not result.ok:
            index = "".join(f"[{i}]" for i in result.worst_index)
            raise Failure(f'grads["{name}"] fails the gradient check through your own loss',
                          f"relative error {result.max_rel_error:.3g} at {index} (allowed {BOUND:g}):"
                          f" numeric {result.numeric:.6g}, yours {result.analytic:.6g}")


@functools.cache
def reference_training():
    """The reference model's run on the same data, at assignment.toml's settings: (its loss before training, its
    loss after). It is what the student's run is measured against, whatever learning rate that run used."""
    settings = tomllib.loads((Path(__file__).parent / "assignment.toml").read_text())["training"]
    run = _training(lambda params, X, y: _reference_loss(params, X, y), settings, settings["learning_rate"])
    return run.history[0], _final_loss(run)


def _final_loss(run):
    """The true loss at the parameters a run ended with: the reference's loss, not what the model reported."""
    X, y = _data(SETTINGS["training"]["examples"])
    return float(_reference_loss(run.params, X, y)[0])


def _training(loss_and_grads, settings, learning_rate):
    sizes = SETTINGS["model"]["sizes"]
    X, y = _data(settings["examples"])
    configs = {}

    def update(name, value, grad):  # the provided solver's update rule, applied here with the grader's params
        configs.setdefault(name, {"learning_rate": learning_rate})
        value, configs[name] = optim.sgd(value, grad, configs[name])
        return value
    return train(lambda params: loss_and_grads(params, X, y), _reference_params(sizes, seed=0), update,
                 settings["iterations"], settings["budget_seconds"])


@suite.check(f"{MODEL}.training", MODEL)
def model_training(context):
    """SentimentRNN trained by the provided solver's update on 100 generated sentences brings its loss down as
    far as the reference's, with a margin"""
    settings = SETTINGS["training"]
    model = context.call(MODEL, **SETTINGS["model"]["sizes"], keep="all")

    def step(params, X, y):
        context.call(MODEL, params, target=model, method="params.update")
        return context.call(MODEL, X, y, target=model, method="loss")
    try:
        run = _training(step, settings, settings["learning_rate"])
    except Failure as failure:
        context.record("loss", getattr(failure, "history", []))
        raise
    context.record("loss", run.history)
    first, last = reference_training()
    true_last = _final_loss(run)
    falls_enough(first, true_last, len(run.history), first / last, settings["margin"])
    return (f"the loss fell from {first:.4g} to {true_last:.4g} in {len(run.history)} iterations"
            f" ({run.seconds:.2f} s); the reference's falls to {last:.4g}")


for _function in ORDER:
    _register(_function)
# The model uses the graded layers, so its checks come after theirs (assignment.toml, [calls]).
suite.checks = {**{k: v for k, v in suite.checks.items() if not k.startswith(MODEL)},
                **{k: v for k, v in suite.checks.items() if k.startswith(MODEL)}}
for _function in EXTRA:
    _register(_function)
