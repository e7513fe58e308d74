"""A wrong answer as a class can compare it: which inputs it was given, and a fingerprint of what came back.

Students whose wrong outputs are the same on the same inputs share a misconception (or the handout has an error),
and the class page groups them (grader/report/wrong_answers.py). The values are the ones that crossed the sandbox,
read here in the grader's process. Two ways keep float noise (another summation order, `@` for np.dot) from
splitting a group:
  - `fingerprint` hashes the outputs rounded to a grid a hundred times finer than the tolerance and far coarser
    than float noise, so equal answers almost never fall on two sides of a grid line;
  - `probe` holds a few seeded random projections of the outputs and `scale` what bounds their difference when the
    answers are equal at the tolerance (|a - b| <= atol + rtol |b| entry by entry): two fingerprints of the same
    inputs whose probes are that close are merged into one group (grader/report/wrong_answers.py, `close`).
The record is instructor-only: it is the `answer` of a check in report.json, and no student-facing output shows it.
"""
import hashlib
import math

import numpy as np

PROBES = 4
FINER = 100  # grid steps per tolerance


def record(args, outputs, rtol, atol):
    """{"case", "fingerprint", "shapes", "probe", "scale"} of the named `outputs` ({name: value}) a function returned on
    `args`: JSON-ready, a few dozen bytes whatever the sizes."""
    case = _digest(_canonical(args, exact=True))
    leaves = list(_leaves(outputs))
    digits = max(1, math.ceil(-math.log10(rtol / FINER))) if rtol > 0 else 17
    shapes = [(path, value.shape) for path, value in leaves]
    rounded = [(path, _rounded(value, digits, atol)) for path, value in leaves]
    fingerprint = _digest(repr((case, shapes)).encode() + b"".join(p.encode() + r for p, r in rounded))
    flat = np.concatenate([np.nan_to_num(v.ravel(), nan=0.0, posinf=1e300, neginf=-1e300)
                           for _, v in leaves]) if leaves else np.zeros(0)
    directions = np.random.default_rng(flat.size).uniform(-1, 1, (PROBES, flat.size))
    return {"case": case, "fingerprint": fingerprint, "shapes": _digest(repr(shapes).encode()),
            "probe": [float(p) for p in directions @ flat],
            "scale": [float(flat.size * atol), float(rtol * np.abs(flat).sum())]}


def _leaves(value, path="out"):
    """(path, float64 array) of every number in a structure of dicts, sequences and arrays, in a fixed order."""
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from _leaves(value[key], f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return
        yield path, array


def _rounded(array, digits, atol):
    """The bytes of `array` rounded to `digits` significant digits; entries within atol of zero count as zero."""
    with np.errstate(all="ignore"):
        small = np.abs(array) <= atol
        exponent = np.floor(np.log10(np.where(small | ~np.isfinite(array), 1.0, np.abs(array))))
        step = 10.0 ** (exponent - digits + 1)
        mantissa = np.where(small, 0.0, np.where(np.isnan(array), 0.5, np.round(array / step)))  # NaN: 0.5
    return np.stack([mantissa, np.where(small, 0.0, exponent)]).tobytes()


def _canonical(value, exact):
    """Bytes that identify an input structure (arrays by dtype, shape and content)."""
    if isinstance(value, dict):
        return b"{" + b",".join(repr(k).encode() + b":" + _canonical(value[k], exact)
                               for k in sorted(value, key=str)) + b"}"
    if isinstance(value, (list, tuple)):
        return b"[" + b",".join(_canonical(v, exact) for v in value) + b"]"
    if isinstance(value, np.ndarray):
        return f"{value.dtype.str}{value.shape}".encode() + np.ascontiguousarray(value).tobytes()
    if isinstance(value, (int, float, complex, str, bool, type(None), np.generic)):
        return repr(value).encode()
    return type(value).__name__.encode()  # an opaque handle: its identity is not part of the inputs


def _digest(data):
    return hashlib.blake2b(data, digest_size=8).hexdigest()
