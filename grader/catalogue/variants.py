"""Each variant of an assignment's catalogue of known mistakes run on the public case of its function: it must give
an answer that differs from the reference's and from every other variant's at the checks' tolerance, or the grader
could never tell that mistake apart."""
import copy

import numpy as np

from .. import fixtures
from ..checks.compare import differences


def public_arguments(assignment, function):
    """(the arguments a variant of `function` takes on the public case, the reference's answer on them).

    A backward that takes its forward's cache ([backward.NAME] in assignment.toml) gets the upstream gradients
    and the cache of the reference forward on the case's inputs; any other function, the case's arguments."""
    case = fixtures.load(assignment.fixtures, "public").get(function, [None])[0]
    if case is None:
        return None, None
    args = case.args
    forward = assignment.pairs.get(function)
    if forward is not None and isinstance(case.expected, dict) and "forward" in case.expected:
        count = len(case.expected["forward"])
        made = getattr(assignment.solution, forward)(*copy.deepcopy(args[:-count]))
        args = (*args[-count:], made[-1])
    return args, getattr(assignment.solution, function)(*copy.deepcopy(args))


def check_catalogue(assignment, catalogue):
    """Lines naming each variant the public case can't tell apart from the reference or from another variant."""
    tolerance = assignment.settings["tolerance"]
    same = lambda a, b: not differences("answer", _plain(a), _plain(b), tolerance["rtol"], tolerance["atol"])
    problems = []
    for function in dict.fromkeys(m.function for m in catalogue.mistakes.values()):
        args, reference = public_arguments(assignment, function)
        if args is None:
            problems.append(f"{function}: no public case to try its {len(catalogue.of(function))} variants on")
            continue
        answers = {}
        for mistake in catalogue.of(function):
            try:
                with np.errstate(all="ignore"):
                    answers[mistake.id] = mistake.variant(*copy.deepcopy(args))
            except Exception as exc:  # noqa: BLE001 -- a variant that can't run on the public case is reported
                problems.append(f"{mistake.id} raises {type(exc).__name__} on the public case: {exc}")
        ids = list(answers)
        for i, one in enumerate(ids):
            if same(answers[one], reference):
                problems.append(f"{one} gives the reference's answer on the public case")
            problems += [f"{one} and {other} give the same answer on the public case"
                         for other in ids[i + 1:] if same(answers[one], answers[other])]
    return problems


def _plain(value):
    """Tuples as lists, so that a variant returning a list where the reference returns a tuple still compares."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
