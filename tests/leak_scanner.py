"""A submission that looks for the grader's expected values everywhere it can reach in the sandbox, and prints what
it found. tests/test_grading.py fills in TARGET_BITS (the float64 bit patterns of every expected value) and grades
it; it defines only rnn_cell_forward, so no other function's inputs reach the child, and returns zeros, so no value
it computes can be mistaken for a leak.

Where it looks: every object the garbage collector tracks and everything they hold (numpy arrays and floats are not
tracked themselves, so they are reached through their containers), every frame of every thread with its locals,
the environment, and every file it can read but the Python installation's (readable by design, see the README).
A float counts when its bits are a target's; text (a str, bytes, a file) when a number written in it parses to a
target's bits, as JSON and repr() write them; binary data when a target's 8 bytes are in it at any offset.
"""
import gc
import os
import re
import struct
import sys

import numpy as np

TARGET_BITS = ()  # filled in by the test
SCANNED_CALLS = 12  # at most: each check of a function that returns zeros stops at its first case
NUMBER = re.compile(rb"-?\d+\.\d+(?:[eE][-+]?\d+)?")
SKIPPED_TREES = ("/proc", "/sys", "/dev", "/usr")
_targets = np.unique(np.array(TARGET_BITS, dtype=np.uint64))  # sorted, for searchsorted
_bits = set(TARGET_BITS)
_calls = [0]
_NOTHING_INSIDE = (int, bool, type(None), type, complex, range)


def _text_hits(data):
    data = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
    return any(_bits_of(float(token)) in _bits for token in NUMBER.findall(data))


def _bits_of(number):
    return struct.unpack("<Q", struct.pack("<d", number))[0]


def _binary_hits(data):
    data = bytes(data)
    for start in range(8):
        usable = (len(data) - start) // 8 * 8
        if usable and _any_target(np.frombuffer(data[start:start + usable], dtype=np.uint64)):
            return True
    return False


def _any_target(words):
    """Whether any of these uint64 words is a target's bits (np.isin would sort the targets at every call)."""
    if not len(_targets) or not words.size:
        return False
    where = np.minimum(np.searchsorted(_targets, words), len(_targets) - 1)
    return bool((_targets[where] == words).any())


def _leaf_hit(obj):
    """True/False for what holds values itself; None for a container to look inside."""
    if type(obj) in _NOTHING_INSIDE:
        return False
    if isinstance(obj, (float, np.floating)):
        return _bits_of(float(obj)) in _bits
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            return _any_target(np.ascontiguousarray(obj, dtype=np.float64).ravel().view(np.uint64))
        if obj.dtype.kind in "SU":
            return any(_text_hits(str(item)) for item in obj.ravel())
        return None if obj.dtype == object else False
    if isinstance(obj, str):
        return len(obj) >= 3 and _text_hits(obj)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _text_hits(obj) or _binary_hits(obj)
    return None


def _roots():
    """What the child holds, but the scanner's own frames (their locals are the scan's own working lists)."""
    gc.collect()  # what an earlier scan left in reference cycles is not the child's
    roots = list(gc.get_objects()) + list(sys.modules.values())
    for frame in sys._current_frames().values():
        while frame is not None:
            if frame.f_code not in _SCANNER_CODE:
                roots += [frame.f_locals, frame.f_globals]
            frame = frame.f_back
    return roots


def scan_memory():
    """(objects looked at, kinds of the objects that held a target)."""
    found, stack = [], _roots()
    seen = {id(_targets), id(_bits), id(TARGET_BITS), id(_calls), id(found), id(stack)}
    seen.add(id(seen))
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        hit = _leaf_hit(obj)
        if hit:
            found.append(type(obj).__name__)
        elif hit is None:
            if isinstance(obj, np.ndarray):
                stack.extend(obj.ravel().tolist())
            elif isinstance(obj, dict):
                stack.extend(obj.keys())
                stack.extend(obj.values())
            else:
                stack.extend(gc.get_referents(obj))
    return len(seen), sorted(set(found))


def scan_environment():
    return [name for name, value in os.environ.items() if _text_hits(value) or _text_hits(name)]


def scan_files():
    """(files read, the paths that held a target)."""
    installation = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    read, found = 0, []
    for folder, subfolders, files in os.walk("/"):
        subfolders[:] = [s for s in subfolders if not _skipped(os.path.join(folder, s), installation)]
        for name in files:
            path = os.path.join(folder, name)
            try:
                if os.path.islink(path) or os.path.getsize(path) > 16 * 2**20:
                    continue
                with open(path, "rb") as file:
                    data = file.read()
            except OSError:
                continue
            read += 1
            if _text_hits(data) or _binary_hits(data):
                found.append(path)
    return read, found


def _skipped(path, installation):
    real = os.path.realpath(path)
    return os.path.islink(path) or real.startswith(SKIPPED_TREES) or real in installation


def report(when, with_files=False):
    objects, in_memory = scan_memory()
    line = f"leak scan {when}: {objects} objects; found in memory {in_memory}; in the environment {scan_environment()}"
    if with_files:
        files, in_files = scan_files()
        line += f"; {files} files read; found in files {in_files}"
    print(line, flush=True)


_SCANNER_CODE = {f.__code__ for f in (_roots, scan_memory, scan_files, report)}
report("at import")


def rnn_cell_forward(xt, a_prev, parameters):
    _calls[0] += 1
    if _calls[0] <= SCANNED_CALLS:
        report(f"in call {_calls[0]}", with_files=_calls[0] == 1)
    n_a, m = a_prev.shape
    a_next, yt_pred = np.zeros((n_a, m)), np.zeros((parameters["Wya"].shape[0], m))
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
