"""The standard checks of a model class with CS231n's interface: built from keyword sizes, its parameters in a dict
`params`, and `loss(X, y)` returning (loss, grads), the scores when y is None. Declared in assignment.toml:

  [model]      class; sizes (keyword arguments of its constructor); gradcheck_sizes (smaller, for the numeric
               gradients); options (more keyword arguments for the reference's initial parameters, which the
               student's model is given: its own are replaced); data (what the examples are, for the messages);
               loss_data and gradcheck_data (keyword arguments of cases.model_data besides examples and sizes)
  [training]   examples, iterations, learning_rate, margin, budget_seconds (of CPU time): plain SGD (w - learning_rate * dw,
               as CS231n's optim.sgd) applied by the grader to the grader's parameters, the loss at the final
               ones computed by the reference (grader.checks.training)
cases.py gives the data: model_data(examples, sizes, **loss_data) -> (X, y).
"""
import copy
import inspect
from pathlib import Path

import numpy as np

from ..sandbox import foreseen, kept
from .compare import differences
from .gradcheck import BOUND, close, compare_gradient, numeric_gradient, slope
from .suite import Failure
from .training import falls_enough, train

KINDS = ("loss", "gradcheck", "training")
DESCRIPTIONS = {
    "loss": "{function}'s loss(X, y) and every gradient agree with the reference's, with the same parameters",
    "gradcheck": "{function}'s gradients match numeric gradients of its own loss",
    "training": "{function} trained by SGD on {examples} {data} brings its loss down as far as the reference's,"
                " with a margin",
}


class ModelChecks:
    def __init__(self, settings, solution, cases):
        self.settings, self.solution, self.cases = settings, solution, cases
        self.declared = settings["model"]
        self.name = self.declared["class"]
        # the reference's run is made at the settings as loaded, whatever the student's run is given later
        self.reference_settings = copy.deepcopy(settings.get("training", {}))
        self._reference_run = None
        self._foreseen = False  # whether the reference's run remembered its layers' answers (reference_training)
        self._foreseen_gradcheck = False  # whether the gradient check's losses were foreseen (gradcheck)

    def description(self, kind, text=None):
        return (text or DESCRIPTIONS[kind]).format(function=self.name, data=self.declared.get("data", "examples"),
                                                   examples=self.settings.get("training", {}).get("examples"))

    def _data(self, examples, sizes, extra=None):
        return self.cases.model_data(examples, sizes, **(extra or {}))

    def _reference_params(self, sizes, seed):
        cls = getattr(self.solution, self.name)
        options = dict(self.declared.get("options", {}))
        if "seed" in inspect.signature(cls).parameters:
            options["seed"] = seed
        else:
            np.random.seed(seed)  # a model that draws its initial weights from numpy's global generator
        return {k: np.array(v, dtype=np.float64) for k, v in cls(**sizes, **options).params.items()}

    def _reference_loss(self, params, X, y, loss=None):
        """The reference model's loss(X, y) at `params` (`loss`: its method recorded, foreseen.recording)."""
        model = getattr(self.solution, self.name)(**self.declared["sizes"], **self.declared.get("options", {}))
        model.params = {k: np.array(v) for k, v in params.items()}
        return model.loss(X, y) if loss is None else loss(model, X, y)

    def _foreseen_loss(self, context, params, X, y, after_update=False):
        """The reference model's loss(X, y) at `params`, its layers' answers remembered and expected of the student's
        loss(X, y) when it follows params.update(params) in one batch (`after_update`), or comes alone (foreseen.
        expect): the call is then sent with those answers sealed, in a process's first grading too."""
        stand_ins = context.stand_ins(self.name)
        if not stand_ins["substitute"]:
            return self._reference_loss(params, X, y)
        made = []
        value = self._reference_loss(params, X, y, self._recorded_loss(stand_ins, made))
        foreseen.expect(self.name, "loss", (X, y), (params,) if after_update else None, made)
        return value

    def _recorded_loss(self, stand_ins, made=None):
        """The reference model's loss method, the layers it is given as a student's model is (Context.stand_ins)
        remembering their answers (foreseen.recording)."""
        return foreseen.recording(getattr(self.solution, self.name).loss, stand_ins["substitute"], stand_ins["pairs"],
                                  made)

    def _model(self, context, sizes, params):
        """The student's model, built in the sandbox, with the grader's parameters."""
        model = context.call(self.name, **sizes, keep="all")
        context.call(self.name, params, target=model, method="params.update")
        return model

    def loss(self, context):
        sizes, extra = self.declared["sizes"], self.declared.get("loss_data", {"examples": 10})
        extra = dict(extra)
        examples = extra.pop("examples")
        params, (X, y) = self._reference_params(sizes, seed=7), self._data(examples, sizes, extra)
        model = self._model(context, sizes, params)
        expected_loss, expected_grads = self._foreseen_loss(context, params, X, y)
        got = context.call(self.name, X, y, target=model, method="loss")
        _answer(got)
        lines = differences("loss", np.float64(expected_loss), np.asarray(got[0], dtype=float), context.rtol,
                            context.atol)
        for name in expected_grads:
            lines = lines or differences(f'grads["{name}"]', expected_grads[name], got[1].get(name), context.rtol,
                                         context.atol)
        if lines:
            raise Failure(f"on {examples} {self.declared.get('data', 'examples')}, with the reference's"
                          f" parameters:", *lines)
        scores = context.call(self.name, X, target=model, method="loss")
        lines = differences("loss(X) (the scores)", self._reference_loss(params, X, None), scores, context.rtol,
                            context.atol)
        if lines:
            raise Failure("with y=None, loss(X) must return the scores:", *lines)

    def gradcheck(self, context):
        """Each gradient is checked along two seeded random directions (four losses, whatever its size); only one
        that disagrees is then differenced entry by entry, which says where (and decides: it is the check)."""
        sizes = self.declared["gradcheck_sizes"]
        extra = dict(self.declared.get("gradcheck_data", {"examples": 4}))
        params = self._reference_params(sizes, seed=11)
        X, y = self._data(extra.pop("examples"), sizes, extra)
        model = self._model(context, sizes, params)
        foresee = not self._foreseen_gradcheck  # (once per process: the same losses in every grading)
        if foresee:
            self._foreseen_loss(context, params, X, y)
        got = context.call(self.name, X, y, target=model, method="loss")
        _answer(got)

        def loss():
            context.call(self.name, params, target=model, method="params.update")
            return float(np.asarray(context.call(self.name, X, y, target=model, method="loss")[0]))

        draw = np.random.default_rng(0).standard_normal
        directions = {name: [draw(params[name].shape) for _ in range(2)] for name in sorted(params)}

        def along(loss):  # the loss's derivative along each direction of each parameter
            return {name: [slope(loss, params[name], v) for v in directions[name]] for name in sorted(params)}
        _ask_ahead(context, self.name, model, params, X, y, along,
                   foresee and (lambda perturbed: self._foreseen_loss(context, perturbed, X, y, after_update=True)))
        self._foreseen_gradcheck = True
        slopes = along(loss)  # takes every answer asked ahead, in order, before any other call is made
        for name in sorted(params):
            if name not in got[1]:
                raise Failure(f'grads has no key "{name}"; it has {sorted(got[1])}')
            if _agrees(got[1][name], params[name].shape, directions[name], slopes[name]):
                continue
            if np.shape(got[1][name]) != params[name].shape:
                raise Failure(f'grads["{name}"] has shape {np.shape(got[1][name])}; expected {params[name].shape}'
                              f' like params["{name}"]')
            _ask_ahead(context, self.name, model, params, X, y, lambda loss: numeric_gradient(loss, params[name]))
            result = compare_gradient(name, numeric_gradient(loss, params[name]), got[1][name])
            if not result.ok:
                index = "".join(f"[{i}]" for i in result.worst_index)
                raise Failure(f'grads["{name}"] fails the gradient check through your own loss',
                              f"relative error {result.max_rel_error:.3g} at {index} (allowed {BOUND:g}):"
                              f" numeric {result.numeric:.6g}, yours {result.analytic:.6g}")

    def reference_training(self, stand_ins, assignment, once):
        """The reference model's run on the same data: (its loss before training, its loss after). `stand_ins`
        (Context.stand_ins: the reference's layers a student's model is given): their answers in the run are
        remembered (foreseen.recording), so that a right model's training, whose steps are the reference's, has
        its callbacks answered without running the reference's layers again. A run's two losses are kept for the
        next command (kept.py, while no file of the `assignment` changes); `once` (the command line's one grading)
        takes them from there, if they are, and makes no run: no next grading of the process would ask its
        answers, and keeping them costs more than computing them as they are asked (training())."""
        if once and self._reference_run is None:
            found = kept.read(kept.name("training", self.solution), self._kept_key(assignment))
            if found is not None and len(found[0]) == 2 and all(type(loss) is float for loss in found[0]):
                self._reference_run = tuple(found[0])
                return self._reference_run
        foresee = bool(stand_ins and stand_ins["substitute"]) and not self._foreseen
        if self._reference_run is None or foresee:
            settings, loss = self.reference_settings, self._reference_loss
            if foresee:
                recorded = self._recorded_loss(stand_ins)
                loss, self._foreseen = (lambda params, X, y: self._reference_loss(params, X, y, recorded)), True
            run = self._training(loss, settings, settings["learning_rate"])
            self._reference_run = (run.history[0], self._final_loss(run))
            if kept.writable():
                kept.write(kept.name("training", self.solution), self._kept_key(assignment), list(self._reference_run),
                           [])
        return self._reference_run

    def _kept_key(self, assignment):
        here = Path(__file__).parent
        return [*kept.key([*assignment.depends_on, here / "model.py", here / "training.py", kept.__file__]),
                self.reference_settings, self.declared]

    def _final_loss(self, run):
        """The true loss at the parameters a run ended with: the reference's loss, not what the model reported."""
        X, y = self._data(self.settings["training"]["examples"], self.declared["sizes"])
        return float(self._reference_loss(run.params, X, y)[0])

    def _training(self, loss_and_grads, settings, learning_rate, cpu_clock=None):
        sizes = self.declared["sizes"]
        X, y = self._data(settings["examples"], sizes)
        return train(lambda params: loss_and_grads(params, X, y), self._reference_params(sizes, seed=0),
                     lambda name, value, grad: value - learning_rate * grad,  # SGD, the grader's own update
                     settings["iterations"], settings["budget_seconds"], cpu_clock)

    def training(self, context):
        settings = self.settings["training"]
        model = context.call(self.name, **self.declared["sizes"], keep="all")
        # (first: it foresees the callbacks, unless the command line's one grading took its losses as kept: they
        # are then answered as they come, neither looked up nor kept)
        first, last = self.reference_training(context.stand_ins(self.name), context.assignment, context.once)

        def step(params, X, y):  # one message to the sandbox per iteration: the update and the loss
            _, loss = context.calls(self.name, [(params,), (X, y)], target=model, methods=["params.update", "loss"],
                                    remember=self._foreseen)
            return loss
        try:
            run = self._training(step, settings, settings["learning_rate"], context.cpu_clock())
        except Failure as failure:
            context.record("loss", getattr(failure, "history", []))
            raise
        context.record("loss", run.history)
        true_last = self._final_loss(run)
        falls_enough(first, true_last, len(run.history), first / last, settings["margin"])
        # No seconds in the message: the same submission gets the same report (the check's own time is reported)
        return (f"the loss fell from {first:.4g} to {true_last:.4g} in {len(run.history)} iterations;"
                f" the reference's falls to {last:.4g}")


def _agrees(analytic, shape, directions, slopes):
    """Whether the gradient `analytic` (of a variable of `shape`) agrees with each of the loss's `slopes` along
    `directions`."""
    try:
        analytic = np.asarray(analytic, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return analytic.shape == shape and all(close(found, float(np.sum(analytic * v)))
                                           for found, v in zip(slopes, directions))


def _ask_ahead(context, name, model, params, X, y, losses, foresee=None):
    """Ask the model, in one message, for every loss that `losses(loss)` takes (slope() or numeric_gradient() of
    `params`): each perturbed set of parameters, then the loss at it, in that order (the calls take them).
    `foresee(parameters)`, if given, for each perturbed set first (ModelChecks._foreseen_loss)."""
    perturbed = []

    def record():
        perturbed.append({k: v.copy() for k, v in params.items()})
        return 0.0
    losses(record)
    for each in perturbed if foresee else ():
        foresee(each)
    context.prefetch(name, [args for p in perturbed for args in ((p,), (X, y))], target=model,
                     methods=["params.update", "loss"] * len(perturbed))


def _answer(got):
    if not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[1], dict):
        raise Failure(f"loss(X, y) returned {_what(got)}; expected (loss, grads) with grads a dict")


def _what(value):
    return f"a {type(value).__name__}" + (f" of {len(value)} items" if isinstance(value, (tuple, list)) else "")
