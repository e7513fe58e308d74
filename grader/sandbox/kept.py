"""What a command's first grading works out alike for every submission, kept in a file for the next commands.

A cold `grade` command computes the same things in every run: the reference's answers to a right submission's
callbacks (foreseen.py) and the property tests' arguments and the reference's answers on them (kinds.Standard.ahead).
The first command writes them into a file beside the grader's compiled modules, under a key of what they depend on
(the files' names, sizes and times, numpy's and Python's versions); a command whose key is the same reads them back
instead. Only bytes are read back, never an object unpickled: an 8-byte length, a JSON head, then the blobs it
points to (each array's bytes, or a wire blob), and an array comes back as a read-only view of them (as those made
for every submission are made read-only, kinds.read_only). Where the folder can't be written, nothing is kept.
"""
import hashlib
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from ..whole import write_whole

FOLDER = Path(__file__).with_name("__pycache__") / "kept"


def name(what, module):
    """The name of the file that keeps `what` for an assignment whose reference is `module`; None for a module of no
    file (one made in a test): nothing is kept for it."""
    where = getattr(module, "__file__", None)
    return None if where is None else named(what, where)


def named(what, path):
    """The name of the file that keeps `what` made of the file or folder at `path`."""
    return f"{what}-{hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]}.bin"


def key(files):
    """What a kept file is valid for: each of `files`' name, size and time (None: none), numpy's and Python's
    versions."""
    found = []
    for path in files:
        try:
            stat = Path(path).stat()
            found.append([str(path), stat.st_size, stat.st_mtime_ns])
        except OSError:
            found.append([str(path), None, None])
    return [found, np.__version__, sys.version]


def read(name, valid_for):
    """(the head, [the blobs]) kept under `name` for the key `valid_for`, or None."""
    if name is None:
        return None
    try:
        data = (FOLDER / name).read_bytes()
        size = int.from_bytes(data[:8], "big")
        head = json.loads(data[8:8 + size])
        if head["key"] != valid_for or 8 + size + sum(head["sizes"]) != len(data):
            return None
        blobs, at = [], 8 + size
        for length in head["sizes"]:
            blobs.append(data[at:at + length])
            at += length
        return head["content"], blobs
    except (OSError, ValueError, KeyError, TypeError):  # none, cut short, or not ours: worked out again
        return None


def writable():
    """Whether a file can be kept (the nearest folder of FOLDER's that exists may be written), before its content is
    made (0.02 s for both of the first assignment's): an installed grader's folder may be read-only."""
    folder = FOLDER
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def write(name, valid_for, content, blobs):
    """Keep `content` (JSON) and the `blobs` it points to under `name` for the key `valid_for`."""
    if name is None:
        return
    head = json.dumps({"key": valid_for, "sizes": [len(blob) for blob in blobs], "content": content}).encode()
    try:
        write_whole(FOLDER / name, b"".join([len(head).to_bytes(8, "big"), head, *blobs]), make_folder=True)
    except OSError:
        pass


def read_value(name, valid_for):
    """The value that write_value() kept under `name` for the key `valid_for`, or None (none, or not ours)."""
    found = read(name, valid_for)
    if found is None:
        return None
    try:
        (content, record), blobs = found
        return unpack(content, blobs, arrays_of(record, blobs))
    except (ValueError, TypeError, KeyError, IndexError):
        return None


def write_value(name, valid_for, value):
    """Keep `value` (what pack() packs) under `name` for the key `valid_for`; nothing where a part of it is of a kind
    pack() does not keep (it is then made again in each command)."""
    blobs, arrays = Blobs(), {}
    try:
        content = pack(value, blobs, arrays)
    except TypeError:
        return
    write(name, valid_for, [content, arrays_record(arrays, blobs)], blobs.blobs)


class Blobs:
    """The blobs of a file to write: each distinct one once, by its index."""

    def __init__(self):
        self.blobs, self._index = [], {}

    def at(self, blob):
        if blob not in self._index:
            self._index[blob] = len(self.blobs)
            self.blobs.append(blob)
        return self._index[blob]


def pack(value, blobs, arrays):
    """`value` (arrays, bytes, numbers, strings, None in tuples, lists and dicts with string keys) as JSON: an array
    as its number in `arrays` ({id: number}, then arrays_record()), each container as a list that its tag begins;
    each bytes and each array's bytes put in `blobs` (Blobs). An array met again (the same object) is the same
    array when unpacked."""
    kind = type(value)
    if kind is np.ndarray:
        if id(value) not in arrays:
            arrays[id(value)] = (len(arrays), value)
        return arrays[id(value)][0]
    if kind is bytes:
        return ["b", blobs.at(value)]
    if kind is tuple or kind is list:
        return ["t" if kind is tuple else "l", *[pack(item, blobs, arrays) for item in value]]
    if kind is dict and all(type(k) is str for k in value):
        return ["d", *[part for k, item in value.items() for part in (k, pack(item, blobs, arrays))]]
    if value is None or kind in (bool, int, float, str):
        return ["v", value]
    raise TypeError(f"can't keep a {kind.__name__}")


def arrays_record(arrays, blobs):
    """The arrays pack() met, in their numbers' order: [dtype, where it starts in its dtype's blob, shape...] each,
    the bytes of all those of one dtype in one blob ({dtype: its blob})."""
    made, parts, starts = [], {}, {}
    for _, value in sorted(arrays.values(), key=lambda entry: entry[0]):
        array = np.ascontiguousarray(value)
        dtype = array.dtype.str
        made.append([dtype, starts.get(dtype, 0), *array.shape])
        starts[dtype] = starts.get(dtype, 0) + array.size
        parts.setdefault(dtype, []).append(array.tobytes())
    return [made, {dtype: blobs.at(b"".join(found)) for dtype, found in parts.items()}]


def arrays_of(record, blobs):
    """The arrays of arrays_record(), each a read-only view of its dtype's blob."""
    made, dtypes = record
    buffers = {dtype: np.frombuffer(blobs[blob], dtype) for dtype, blob in dtypes.items()}
    arrays = []
    for dtype, start, *shape in made:
        size = math.prod(shape)
        if start < 0 or start + size > buffers[dtype].size:
            raise ValueError("an array beyond its blob")
        arrays.append(buffers[dtype][start:start + size].reshape(shape))
    return arrays


def unpack(data, blobs, arrays):
    """The value pack() packed (`arrays`: arrays_of())."""
    if type(data) is int:
        return arrays[data]
    kind = data[0]
    if kind == "t":
        return tuple([unpack(item, blobs, arrays) for item in data[1:]])
    if kind == "l":
        return [unpack(item, blobs, arrays) for item in data[1:]]
    if kind == "d":
        return {data[i]: unpack(data[i + 1], blobs, arrays) for i in range(1, len(data), 2)}
    if kind == "b":
        return blobs[data[1]]
    if kind == "v":
        return data[1]
    raise ValueError(f"not a kept value: {kind!r}")
