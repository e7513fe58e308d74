"""Comparing what a student's function returned with what was expected, and saying exactly what differs."""
import numpy as np

from ..sandbox.wire import Handle


def _kind(value):
    """What kind of value this is, to compare: it depends on the type alone, so it is worked out once per type."""
    kind = _KINDS.get(type(value))
    if kind is None:
        kind = _KINDS[type(value)] = _kind_of(value)
    return kind


_KINDS = {}  # type -> _kind_of its values (the wire decodes a few types only)


def _kind_of(value):
    if isinstance(value, (list, tuple)):
        return "sequence"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, Handle):
        return "object"
    if isinstance(value, (np.ndarray, int, float, complex)) and not isinstance(value, bool):
        return "number"
    return type(value).__name__


def differences(name, expected, got, rtol, atol, values=True):
    """Lines describing the first way `got` differs from `expected` (empty if it doesn't).

    With values=False only the structure is compared: containers, keys, lengths and shapes.
    """
    kind = _kind(expected)
    if _kind(got) != kind:
        return [f"{name} is {_describe(got)}; expected {_describe(expected)}"]
    if kind == "sequence":
        if len(got) != len(expected):
            return [f"{name} has {len(got)} items; expected {len(expected)}"]
        for i, (e, g) in enumerate(zip(expected, got)):
            if not _alike(e, g, rtol, atol, values):
                lines = differences(f"{name}[{i}]", e, g, rtol, atol, values)
                if lines:
                    return lines
        return []
    if kind == "dict":
        missing = [k for k in expected if k not in got]
        if missing:
            return [f"{name} has no key {missing[0]!r}; it has {sorted(map(str, got))}"]
        for key in expected:
            if not _alike(expected[key], got[key], rtol, atol, values):
                lines = differences(f"{name}[{key!r}]", expected[key], got[key], rtol, atol, values)
                if lines:
                    return lines
        return []
    if kind == "number":
        return _array_differences(name, np.asarray(expected), np.asarray(got), rtol, atol, values)
    return [] if got == expected else [f"{name} is {got!r}; expected {expected!r}"]


def _alike(expected, got, rtol, atol, values):
    """True where differences() would find nothing, said at once for the commonest item (two arrays of one shape, of
    float64 where values count, within the tolerance) without its name or recursion; False means: ask it."""
    return type(expected) is np.ndarray and type(got) is np.ndarray and expected.shape == got.shape and (
        not values or (expected.dtype == got.dtype == np.float64 and _close(expected, got, rtol, atol)))


SMALL = 16  # entries: up to this many, a loop in Python's floats judges an array faster than numpy's seven calls


def _close(expected, got, rtol, atol):
    """_within() of two float64 arrays of one shape; for a few entries (a step's cache holds dozens of such arrays)
    the same sums entry by entry in Python's floats, which are the same IEEE doubles: the same answer, nan and inf
    included (a comparison with nan is false)."""
    if expected.size > SMALL:  # (numpy's error state only here: entering it costs a third of _within)
        with np.errstate(invalid="ignore", over="ignore"):
            return _within(expected, got, rtol, atol)
    return _entries_close(expected.ravel().tolist(), got.ravel().tolist(), rtol, atol)


def _entries_close(expected, got, rtol, atol):
    """_within() of two lists of Python floats."""
    for e, g in zip(expected, got):
        if not abs(g - e) <= atol + rtol * abs(e):
            return False
    return True


def _array_differences(name, expected, got, rtol, atol, values):
    if got.shape != expected.shape:
        hint = _shape_hint(expected.shape, got.shape)
        return [f"{name} has shape {got.shape}; expected {expected.shape}" + (f" ({hint})" if hint else "")]
    if not values or (expected.dtype == got.dtype == np.float64 and _close(expected, got, rtol, atol)):
        return []
    expected, got = expected.astype(np.float64), got.astype(np.complex128 if got.dtype.kind == "c" else np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(got - expected)
        bad = ~(error <= atol + rtol * np.abs(expected))
    if not bad.any():
        return []
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    index = "".join(f"[{i}]" for i in first)
    finite = np.where(np.isfinite(error), error, np.inf)
    with np.errstate(over="ignore"):  # an error over an expected 0 is an infinite relative error, said as inf
        relative = finite / np.maximum(np.abs(expected), np.finfo(float).tiny)
    return [
        f"{name} differs in {int(bad.sum())} of {bad.size} entries",
        f"first at {name}{index}: expected {expected[first]:.8g}, got {_number(got[first])}",
        f"largest absolute error {finite.max():.3g}, largest relative error {relative.max():.3g}"
        f" (allowed: {atol:g} + {rtol:g} * |expected|)",
    ]


def _within(expected, got, rtol, atol):
    """Whether every entry of `got` is within the tolerance of `expected` (|got - expected| <= atol + rtol *
    |expected|, broadcast), as _array_differences judges it: the common case (a right answer), said without the
    copies and counts a difference needs, and allclose's first try. Under np.errstate(invalid="ignore",
    over="ignore"), entered by the caller."""
    return bool((np.abs(got - expected) <= atol + rtol * np.abs(expected)).all())


def allclose(a, b, rtol, atol):
    """np.allclose(a, b, rtol=rtol, atol=atol) (|a - b| <= atol + rtol * |b|, entry by entry, b finite or equal):
    said at once when every b is finite and every entry close, without np.isclose's general machinery (most of
    an invariant's time on a check's small arrays): in Python's floats where a is an array of a few entries and b
    one of its shape or a number (as _close judges them), else by _within; numpy says the rest."""
    if type(a) is np.ndarray and a.dtype == np.float64 and a.size <= SMALL and (type(b) is float or (
            type(b) is np.ndarray and b.shape == a.shape and b.dtype == np.float64)):
        bs = [b] * a.size if type(b) is float else b.ravel().tolist()  # (a column's sum against 1)
        if _entries_close(bs, a.ravel().tolist(), rtol, atol) and all(y - y == 0 for y in bs):  # (nan: y not finite)
            return True
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            if _within(b, a, rtol, atol) and np.isfinite(b).all():
                return True
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _number(value):
    return f"{value:.8g}" if np.isrealobj(value) else str(value)


def _shape_hint(expected, got):
    if len(expected) == len(got) + 1 and 1 in expected and tuple(n for n in expected if n != 1) == got:
        return "a squeeze(), or a sum without keepdims=True?"
    if len(expected) == 2 and got == expected[::-1]:
        return "transposed?"
    return ""


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}"
    if isinstance(value, Handle):
        return repr(value)
    return f"{value!r}" if len(repr(value)) < 60 else type(value).__name__
