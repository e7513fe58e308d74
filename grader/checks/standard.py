"""Check bodies that most "implement these functions" assignments share: structure and values on fixtures.

`outputs` names what a function returns: a tuple of names for a tuple, or one name for a dict (gradients).
`layout` names the outputs whose contents are a documented layout (a cache): checked entry by entry in the
structure check against the student's own outputs and the inputs they were given (so a wrong value costs in the
value checks only), and left out of the value checks.
"""
import numpy as np

from .compare import differences
from .suite import Failure


def named(outputs, value):
    """[(name, value)] of a function's return value, or raise Failure if it isn't the documented container."""
    if isinstance(outputs, str):
        if not isinstance(value, dict):
            raise Failure(f"returned {_what(value)}; expected a dict `{outputs}`")
        return [(f'{outputs}["{key}"]', item) for key, item in value.items()]
    if not isinstance(value, (tuple, list)) or len(value) != len(outputs):
        raise Failure(f"returned {_what(value)}; expected a tuple of {len(outputs)}: ({', '.join(outputs)})")
    return list(zip(outputs, value))


def _what(value):
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def structure_differences(outputs, layout, expected, got, rtol, atol, args=()):
    """Lines on the first structural difference: container, keys, shapes, then what each layout entry holds.

    An entry of the expected layout that is one of the function's outputs or inputs must hold the student's own
    output or that input; other entries (intermediate values) are checked for shape only.
    """
    want, have = dict(named(outputs, expected)), dict(named(outputs, got))
    for name, value in want.items():
        if name not in have:
            return [f"{name} is missing; the result has {', '.join(have) or 'nothing'}"]
        lines = differences(name, value, have[name], rtol, atol, values=False)
        if lines:
            return lines
    if not layout:
        return []
    sources = [(want[name], have[name], f"your {name}") for name in want if name not in layout]
    sources += [(arg, arg, f"the input {path}") for path, arg, _ in _leaves("argument", args, args)]
    for name in layout:
        for path, entry, student in _leaves(name, want[name], have[name]):
            source = next((s for s in sources if _same(s[0], entry)), None)
            lines = source and differences(path, source[1], student, rtol, atol)
            if lines:
                return [f"{path} should hold {source[2]}", *lines]
    return []


def _leaves(name, expected, got):
    """(path, expected leaf, got leaf) of two structures already known to match in shape."""
    if isinstance(expected, (list, tuple)):
        for i, (e, g) in enumerate(zip(expected, got)):
            yield from _leaves(f"{name}[{i}]", e, g)
    elif isinstance(expected, dict):
        for key in expected:
            yield from _leaves(f"{name}[{key!r}]", expected[key], got[key])
    else:
        yield name, expected, got


def _same(a, b):
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)


def value_differences(outputs, layout, expected, got, rtol, atol, args=()):
    """Lines on the first output (outside the layout) whose values differ. (`args`: unused, the signature is
    structure_differences'.)"""
    have = dict(named(outputs, got))
    for name, value in named(outputs, expected):
        if name in layout:
            continue
        if name not in have:
            return [f"{name} is missing"]
        lines = differences(name, value, have[name], rtol, atol)
        if lines:
            return lines
    return []


def differing(outputs, layout, expected, got, rtol, atol):
    """Names of the outputs (outside the layout) whose values differ: what a diagnosis is about."""
    have = dict(named(outputs, got))
    return [name for name, value in named(outputs, expected)
            if name not in layout and (name not in have or differences(name, value, have[name], rtol, atol))]
