"""Check bodies that most "implement these functions" assignments share: structure and values on fixtures.

`outputs` names what a function returns: a tuple of names for a tuple, or one name for a dict (gradients).
`layout` names the outputs whose contents are a documented layout (a cache): compared entry by entry in the
structure check, and left out of the value checks so that one mistake costs once.
"""
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


def structure_differences(outputs, layout, expected, got, rtol, atol):
    """Lines on the first structural difference: container, keys, shapes, and layout entries' values."""
    want, have = dict(named(outputs, expected)), dict(named(outputs, got))
    for name, value in want.items():
        if name not in have:
            return [f"{name} is missing; the result has {', '.join(have) or 'nothing'}"]
        lines = differences(name, value, have[name], rtol, atol, values=name in layout)
        if lines:
            return lines
    return []


def value_differences(outputs, layout, expected, got, rtol, atol):
    """Lines on the first output (outside the layout) whose values differ."""
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
