"""The values that cross between the grader and the sandboxed child.

A message is its length, then the length of its JSON part, the JSON, and the raw bytes of the arrays it holds: an
array travels as dtype, shape and the place of its bytes after the JSON (no base64, and no JSON string of its bytes
to scan, which cost more than the calls themselves when a model's data crossed every iteration); tuples, dicts and
handles are tagged objects. This file is copied into the sandbox, so it imports nothing from the grader. The grader decodes
with `decode(..., trusted=False)`: every array is rebuilt as a plain ndarray of an allowed numeric dtype within the
size caps, so nothing the child made (a subclass, an object with its own comparison methods) reaches a check.
"""
import json
import math
import struct

import numpy as np

MAX_MESSAGE_BYTES = 64 * 2**20
MAX_ARRAY_ELEMENTS = 4 * 2**20
MAX_DEPTH = 32
MAX_STRING = 2**20
ALLOWED_DTYPES = frozenset("|b1 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 <f2 <f4 <f8 <c8 <c16".split())
_DTYPES = {name: np.dtype(name) for name in ALLOWED_DTYPES}
_NAMES = {dtype: name for name, dtype in _DTYPES.items()}  # (a dtype's .str costs more than the rest of encode)
_HEADER = struct.Struct(">Q")
_JSON_LENGTH = struct.Struct(">I")


class WireError(Exception):
    """A message that breaks the protocol: too large, malformed, or holding a value that may not cross."""


class Handle:
    """An object that stays in the child; the grader can only pass it back."""

    __slots__ = ("id", "kind")

    def __init__(self, id, kind):
        self.id, self.kind = id, kind

    def __repr__(self):
        return f"<{self.kind} object kept in the sandbox>"

    def __eq__(self, other):
        return isinstance(other, Handle) and other.id == self.id

    def __hash__(self):
        return hash(self.id)


def encode(value, keep=None, depth=0):
    """Turn a value into JSON-ready data. `keep(obj) -> id` stores what can't cross (child side only)."""
    if depth > MAX_DEPTH:
        raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if abs(value) < 2**63 else float(value)
    if kind is float:
        return {"$float": repr(value)} if value != value or value in (float("inf"), float("-inf")) else value
    if kind is complex:
        return {"$complex": [repr(value.real), repr(value.imag)]}
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return encode(np.asarray(value), keep, depth)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        if value.size > MAX_ARRAY_ELEMENTS:
            raise WireError(f"array of shape {value.shape} has more than {MAX_ARRAY_ELEMENTS} elements")
        name = _NAMES.get(value.dtype)
        if name is None:  # not little-endian: made so
            value = value.astype(value.dtype.newbyteorder("<"))
            name = value.dtype.str
        return {"$nd": [name, list(value.shape), value.tobytes()]}  # pack() puts the bytes after the JSON
    if kind in (list, tuple):
        items = [encode(v, keep, depth + 1) for v in value]
        return items if kind is list else {"$tuple": items}
    if kind is dict and all(type(k) in (str, int) for k in value):
        return {"$dict": [[k, encode(v, keep, depth + 1)] for k, v in value.items()]}
    if isinstance(value, Handle):
        return {"$handle": [value.id, value.kind]}
    if keep is None:
        raise WireError(f"a value of type {kind.__name__} can't cross to the sandbox")
    return {"$handle": [keep(value), kind.__name__[:80]]}


def decode(data, resolve=None, depth=0):
    """Rebuild a value from JSON data, validating everything. `resolve(id)` maps handles back (child side)."""
    if depth > MAX_DEPTH:
        raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
    if type(data) is dict and len(data) == 1 and "$nd" in data:  # the most frequent value by far
        return _array(data["$nd"])
    if data is None or type(data) in (bool, float):
        return data
    if type(data) is int:
        if not -2**63 <= data < 2**63:
            raise WireError(f"integer with {len(str(data))} digits is out of the int64 range")
        return data
    if type(data) is str:
        if len(data) > MAX_STRING:
            raise WireError(f"string of {len(data)} characters is longer than {MAX_STRING}")
        return data
    if type(data) is list:
        return [decode(v, resolve, depth + 1) for v in data]
    if type(data) is not dict or len(data) != 1:
        raise WireError(f"malformed value {str(data)[:80]!r}")
    (tag, body), = data.items()
    if tag == "$tuple" and type(body) is list:
        return tuple(decode(v, resolve, depth + 1) for v in body)
    if tag == "$dict" and type(body) is list:
        return {_key(pair): decode(pair[1], resolve, depth + 1) for pair in body}
    if tag == "$float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "$complex" and type(body) is list and len(body) == 2:
        return complex(float(body[0]), float(body[1]))
    if tag == "$nd":
        return _array(body)
    if tag == "$handle" and type(body) is list and len(body) == 2 and type(body[0]) is int:
        return resolve(body[0]) if resolve else Handle(body[0], str(body[1])[:80])
    raise WireError(f"malformed value with tag {tag!r}")


def _key(pair):
    if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
        raise WireError(f"malformed dict entry {str(pair)[:80]!r}")
    return pair[0]


def _array(body):
    if type(body) is not list or len(body) != 3 or type(body[2]) is not bytes:
        raise WireError("malformed array")
    dtype, shape, raw = body
    dt = _DTYPES.get(dtype) if type(dtype) is str else None
    if dt is None:
        raise WireError(f"arrays of dtype {str(dtype)[:80]!r} may not cross")
    if type(shape) is not list or len(shape) > MAX_DEPTH or any(type(n) is not int or n < 0 for n in shape):
        raise WireError(f"malformed array shape {shape!r}")
    size = math.prod(shape)
    if size > MAX_ARRAY_ELEMENTS:
        raise WireError(f"array of shape {tuple(shape)} has more than {MAX_ARRAY_ELEMENTS} elements")
    if len(raw) != size * dt.itemsize:
        raise WireError(f"array of shape {tuple(shape)} arrived with {len(raw)} bytes")
    if not dt.isnative:
        return np.frombuffer(raw, dtype=dt).reshape(shape).astype(dt.newbyteorder("="))
    array = np.empty(shape, dtype=dt)  # its own writeable memory, the message's bytes copied in
    if size:
        memoryview(array).cast("B")[:] = raw
    return array


def pack(message):
    """Bytes for one message (of encode()d values): an 8-byte length, then the body (see unpack())."""
    buffers, size = [], [0]

    def out_of_band(value):  # an array's bytes: [where they start after the JSON, how many]
        if type(value) is not bytes:
            raise TypeError(f"a value of type {type(value).__name__} is not JSON")
        buffers.append(value)
        size[0] += len(value)
        return [size[0] - len(value), len(value)]

    text = json.dumps(message, separators=(",", ":"), default=out_of_band).encode()
    length = _JSON_LENGTH.size + len(text) + size[0]
    if length > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {length} bytes is larger than {MAX_MESSAGE_BYTES}")
    return b"".join([_HEADER.pack(length), _JSON_LENGTH.pack(len(text)), text, *buffers])


def unpack(body):
    """The message in `body` (what follows the 8-byte length): a 4-byte length, the JSON, the arrays' bytes. An
    array's [offset, length] becomes a copy of those bytes, checked to lie within the body (so that the body, with
    whatever else it held, is freed once this returns); decode() then validates the array around them. Raises
    WireError or ValueError on a malformed body."""
    if len(body) < _JSON_LENGTH.size:
        raise WireError("a message shorter than its header")
    (text_length,) = _JSON_LENGTH.unpack_from(body)
    start = _JSON_LENGTH.size + text_length
    if start > len(body):
        raise WireError(f"a JSON part of {text_length} bytes in a message of {len(body)}")
    raw = memoryview(body)[start:]
    end = len(raw)

    def in_band(obj):  # called on every JSON object, so it returns at once for all but an array's
        array = obj.get("$nd")
        if array.__class__ is not list or len(array) != 3 or array[2].__class__ is not list or len(obj) != 1:
            return obj
        place = array[2]
        if len(place) != 2 or place[0].__class__ is not int or place[1].__class__ is not int or place[0] < 0 \
                or place[1] < 0 or place[0] + place[1] > end:
            raise WireError(f"malformed array bytes {str(place)[:80]!r}")
        array[2] = bytes(raw[place[0]:place[0] + place[1]])  # a copy: the message itself is not kept
        return obj

    return json.loads(bytes(body[_JSON_LENGTH.size:start]), object_hook=in_band)


def unpack_length(header):
    (length,) = _HEADER.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {length} bytes is larger than {MAX_MESSAGE_BYTES}")
    return length


HEADER_BYTES = _HEADER.size
