"""Naming the mistake behind a wrong answer: an assignment's catalogue of known mistakes, each a variant of its
reference function that makes one mistake, and the search for the variants that give what the student's code gave.

The variants run here, in the grader's process, on the inputs the check used; student code is never run for a
diagnosis. A variant is a plain function with the graded function's signature. One that calls another graded
function calls the reference of it, as the student's code does during the check.
"""
import copy
from dataclasses import dataclass

import numpy as np

from .suite import Failure


@dataclass(frozen=True)
class Mistake:
    """A known mistake: `when` completes "what <function> returns when ...", `hint` points at the formula."""

    id: str
    function: str
    when: str
    hint: str
    variant: object  # the reference function with this one mistake in it


class Catalogue:
    """The known mistakes of one assignment, by function, in the order they were written."""

    def __init__(self, mistakes=()):
        self.mistakes = {}
        for mistake in mistakes:
            self._add(mistake)

    def mistake(self, function, name, when, hint):
        """Register the decorated function as the variant of `function` that makes mistake `name`."""
        def register(variant):
            self._add(Mistake(f"{function}.{name}", function, when, hint, variant))
            return variant
        return register

    def _add(self, mistake):
        if mistake.id in self.mistakes:
            raise ValueError(f"mistake {mistake.id!r} is in the catalogue twice")
        self.mistakes[mistake.id] = mistake

    def of(self, function):
        return [m for m in self.mistakes.values() if m.function == function]

    def __add__(self, other):
        return Catalogue([*self.mistakes.values(), *other.mistakes.values()])

    def __len__(self):
        return len(self.mistakes)


@dataclass(frozen=True)
class Diagnosis:
    """What a wrong answer matched: none, one or several mistakes of `function` (`tried` were compared)."""

    function: str
    outputs: tuple  # names of the student's outputs that differ from the expected ones
    matched: tuple = ()
    tried: int = 0
    answer: tuple = ()  # (inputs, {name: the student's value}) of a wrong answer on values (grader.checks.wrong_answer)

    @property
    def ids(self):
        return [m.id for m in self.matched]

    def explain(self, *lines):
        """`lines` of a failure, with the diagnosis around them: the mistake first, the hints last."""
        failure = Failure(*self._summary(), *lines, *self._hints(), diagnoses=self.ids)
        failure.answer = self.answer
        return failure

    def _summary(self):
        if not self.matched:
            return []
        whens = " or when ".join(m.when for m in self.matched)
        yours = "your " + _names(self.outputs)
        verb = "matches" if len(self.outputs) == 1 else "match"
        apart = f" (these inputs can't tell the {len(self.matched)} apart)" if len(self.matched) > 1 else ""
        return [f"{yours} {verb} what {self.function} returns when {whens}{apart}"]

    def _hints(self):
        if not self.tried:
            return []
        if not self.matched:
            return [f"it matches none of the known mistakes of {self.function}"]
        if len(self.matched) == 1:
            return [f"hint: {self.matched[0].hint}"]
        return [f"hint, if {m.when}: {m.hint}" for m in self.matched]


def _names(outputs):
    if len(outputs) > 3:
        return "outputs"
    return " and ".join(outputs) if len(outputs) < 3 else f"{outputs[0]}, {outputs[1]} and {outputs[2]}"


def diagnose(catalogue, function, args, outputs, same, got=None):
    """The mistakes of `function` whose variant, called on `args`, gives an answer that `same(answer)` accepts.

    `outputs` names the student's outputs that differ from the expected ones; with none (the difference is in
    a documented layout, not in a value) there is nothing to diagnose. A variant that raises on these inputs
    (sizes it can't take) is not what the student did. `got` ({name: value}): the student's outputs, which the
    failure carries for the class's comparison of wrong answers (grader.checks.wrong_answer), with or without a
    catalogue.
    """
    if got is not None and any(_holds_none(got.get(name)) for name in outputs):
        outputs = []  # an output left None (a stub's `dxt = None`) is not written yet: no value to diagnose
    mistakes = catalogue.of(function) if catalogue is not None and outputs else []
    matched = []
    for mistake in mistakes:
        try:
            with np.errstate(all="ignore"):
                answer = mistake.variant(*copy.deepcopy(args))
            if same(answer):
                matched.append(mistake)
        except Exception:  # noqa: BLE001 -- a variant or comparison that fails on these inputs matches nothing
            continue
    kept = (args, got) if got is not None and outputs else ()
    return Diagnosis(function, tuple(outputs), tuple(matched), len(mistakes), kept)


def _holds_none(value):
    if isinstance(value, (list, tuple)):
        return any(_holds_none(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_none(item) for item in value.values())
    return value is None
