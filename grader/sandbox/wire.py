"""The values that cross between the grader and the sandboxed child.

A message is its length, then the length of its JSON part, the JSON (the protocol's own fields: op, function, ...),
and the values it carries, each a blob of bytes. A field that holds a value says where its blob lies after the JSON
({"$v": [offset, length]}). A value's blob is framed the same way: the length of its JSON, the JSON, then the raw
bytes of its arrays, each array in the JSON as its dtype, shape and the offset of its bytes (no base64, no JSON
string of its bytes to scan); tuples, dicts and handles are tagged objects. A value is encoded once, into its blob,
by one walk, and decoded by one walk that validates it and copies each array out of the blob: a blob is bytes, so
the grader can compare two calls' arguments, or key a cache on them, without decoding them.

This file is copied into the sandbox, so it imports nothing from the grader. What comes from the child is decoded
with validation: every array is rebuilt as a plain ndarray of an allowed numeric dtype within the size caps, so
nothing the child made (a subclass, an object with its own comparison methods) reaches a check.
"""
import functools
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
_JSON = json.JSONEncoder(separators=(",", ":")).encode
if json.encoder.c_make_encoder is not None:  # made once: json.dumps and JSONEncoder.encode make one per call
    _JSON = functools.partial(lambda encoder, data: "".join(encoder(data, 0)), json.encoder.c_make_encoder(
        None, None, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True))
_PARSE = json.JSONDecoder().raw_decode
HEADER_BYTES = _HEADER.size


class WireError(Exception):
    """A message that breaks the protocol: too large, malformed, or holding a value that may not cross."""


class Malformed(WireError):
    """A blob that no encode() makes (its framing, its JSON, an array's bytes outside it): only a forger sends it."""


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


def encode(value, keep=None):
    """The blob of `value`. `keep(obj) -> id` stores what can't cross, in the child only (else WireError)."""
    arrays = _Arrays()
    text = _JSON(arrays.tree(value, keep, 0)).encode()
    if arrays.size + len(text) > MAX_MESSAGE_BYTES:
        raise WireError(f"a value of {arrays.size + len(text)} bytes is larger than {MAX_MESSAGE_BYTES}")
    return b"".join([_JSON_LENGTH.pack(len(text)), text, *arrays.raw])


class _Arrays:
    """The raw bytes of the arrays met while a value is walked (encode), in order. An array or a dict met again
    (the same object: the parameters in every step's cache) is described again, not walked again: its bytes are
    there once, each description pointing at them (the decoder copies each out, as before)."""

    __slots__ = ("raw", "size", "seen")

    def __init__(self):
        self.raw, self.size, self.seen = [], 0, {}  # seen: {(id, depth): its JSON data}, of the value's own objects

    def tree(self, value, keep, depth):
        """JSON-ready data for `value`; the kinds are tried in the order they are met most."""
        kind = type(value)
        if kind is np.ndarray and value.dtype.kind in "biufc":
            data = self.seen.get((id(value), 0))
            if data is None:
                data = self.seen[id(value), 0] = self.array(value)
            return data
        if kind is tuple or kind is list:
            if depth >= MAX_DEPTH:
                raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
            items = [self.tree(v, keep, depth + 1) for v in value]
            return items if kind is list else {"$tuple": items}
        if kind is float:
            return value if value - value == 0 else {"$float": repr(value)}  # nan, inf and -inf are no JSON
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value if -2**63 <= value < 2**63 else float(value)
        if kind is dict and all(type(k) is str or type(k) is int for k in value):
            if depth >= MAX_DEPTH:
                raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
            data = self.seen.get((id(value), depth))
            if data is None:
                data = {"$dict": [[k, self.tree(v, keep, depth + 1)] for k, v in value.items()]}
                self.seen[id(value), depth] = data
            return data
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":
            return self.array(np.asarray(value))
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            return self.array(np.asarray(value))  # a subclass crosses as the plain array of its values
        if kind is complex:
            return {"$complex": [repr(value.real), repr(value.imag)]}
        if kind is Handle:
            return {"$handle": [value.id, value.kind]}
        if keep is None:
            raise WireError(f"a value of type {kind.__name__} can't cross to the sandbox")
        return {"$handle": [keep(value), kind.__name__[:80]]}

    def array(self, value):
        if value.size > MAX_ARRAY_ELEMENTS:
            raise WireError(f"array of shape {value.shape} has more than {MAX_ARRAY_ELEMENTS} elements")
        name = _NAMES.get(value.dtype)
        if name is None:  # not little-endian: made so
            value = value.astype(value.dtype.newbyteorder("<"))
            name = value.dtype.str
        raw = value.tobytes()
        self.raw.append(raw)
        self.size += len(raw)
        return {"$nd": [name, value.shape, self.size - len(raw)]}


def decode(blob, resolve=None):
    """The value in `blob` (encode()), validating everything. `resolve(id)` maps handles back (child side).
    Raises Malformed for a blob no encode() makes, WireError for a value that may not cross."""
    if type(blob) is not bytes:
        raise Malformed(f"a value of type {type(blob).__name__}, not a blob")
    data, raw = _split(blob, "value")
    return _Values(raw, resolve).value(data, 0)


def _split(data, what):
    """(the parsed JSON part, a view of the bytes after it) of `data`, a `what`: a 4-byte length, the JSON, bytes."""
    if len(data) < _JSON_LENGTH.size:
        raise Malformed(f"a {what} shorter than its header")
    (text_length,) = _JSON_LENGTH.unpack_from(data)
    start = _JSON_LENGTH.size + text_length
    if start > len(data):
        raise Malformed(f"a JSON part of {text_length} bytes in a {what} of {len(data)}")
    view = memoryview(data)
    return _parse(view[_JSON_LENGTH.size:start]), view[start:]


def _parse(text):
    """JSON data of `text` (a bytes-like object), the whole of it; Malformed otherwise (deep nesting included)."""
    try:
        string = str(text, "utf-8")
        data, end = _PARSE(string)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Malformed(f"malformed JSON: {str(exc)[:200]}") from None
    if end != len(string):
        raise Malformed("malformed JSON: more after its end")
    return data


class _Values:
    """Rebuilds the values of one blob from its JSON data and its arrays' bytes (`raw`)."""

    __slots__ = ("raw", "resolve")

    def __init__(self, raw, resolve):
        self.raw, self.resolve = raw, resolve

    def value(self, data, depth):
        kind = type(data)
        if kind is dict and len(data) == 1:
            (tag, body), = data.items()
            if tag == "$nd":  # the most frequent value by far
                return self.array(body)
            if tag == "$tuple" and type(body) is list:
                return tuple(self.items(body, depth))
            if tag == "$dict" and type(body) is list:
                if depth >= MAX_DEPTH:
                    raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
                return {_key(pair): self.value(pair[1], depth + 1) for pair in body}
            if tag == "$float" and body in ("nan", "inf", "-inf"):
                return float(body)
            if tag == "$complex" and type(body) is list and len(body) == 2:
                return complex(float(body[0]), float(body[1]))
            if tag == "$handle" and type(body) is list and len(body) == 2 and type(body[0]) is int:
                return self.resolve(body[0]) if self.resolve else Handle(body[0], str(body[1])[:80])
            raise WireError(f"malformed value with tag {tag!r}")
        if kind is float or kind is bool or data is None:
            return data
        if kind is list:
            return self.items(data, depth)
        if kind is int:
            if not -2**63 <= data < 2**63:
                raise WireError(f"integer with {len(str(data))} digits is out of the int64 range")
            return data
        if kind is str:
            if len(data) > MAX_STRING:
                raise WireError(f"string of {len(data)} characters is longer than {MAX_STRING}")
            return data
        raise WireError(f"malformed value {str(data)[:80]!r}")

    def items(self, data, depth):
        if depth >= MAX_DEPTH:
            raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
        return [self.value(v, depth + 1) for v in data]

    def array(self, body):
        if type(body) is not list or len(body) != 3:
            raise WireError("malformed array")
        dtype, shape, offset = body
        dt = _DTYPES.get(dtype) if type(dtype) is str else None
        if dt is None:
            raise WireError(f"arrays of dtype {str(dtype)[:80]!r} may not cross")
        if type(shape) is not list or len(shape) > MAX_DEPTH:
            raise WireError(f"malformed array shape {str(shape)[:80]}")
        size = dt.itemsize
        for n in shape:  # (a loop: any() of a generator costs twice as much, on every array that crosses)
            if type(n) is not int or n < 0:
                raise WireError(f"malformed array shape {str(shape)[:80]}")
            if n > MAX_ARRAY_ELEMENTS:  # even beside a 0, which numpy would refuse
                raise WireError(f"array of shape {tuple(shape)} has more than {MAX_ARRAY_ELEMENTS} elements")
            size *= n
        if size > MAX_ARRAY_ELEMENTS * dt.itemsize:
            raise WireError(f"array of shape {tuple(shape)} has more than {MAX_ARRAY_ELEMENTS} elements")
        if type(offset) is not int or offset < 0 or offset + size > len(self.raw):
            raise Malformed(f"malformed array bytes: {size} at {str(offset)[:40]} in {len(self.raw)}")
        if not dt.isnative:
            return np.frombuffer(self.raw, dt, size // dt.itemsize, offset).reshape(shape).astype(dt.newbyteorder("="))
        array = np.empty(shape, dtype=dt)  # its own writeable memory, the blob's bytes copied in
        if size:
            array.data.cast("B")[:] = self.raw[offset:offset + size]
        return array


def _key(pair):
    if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
        raise WireError(f"malformed dict entry {str(pair)[:80]!r}")
    return pair[0]


def pack(message):
    """Bytes for one message: an 8-byte length, then the body (see unpack()). `message` is a dict of the
    protocol's fields; a field whose value is a blob (bytes: encode()), at any depth, is carried after the JSON."""
    blobs, size = [], [0]

    def after(blob):  # a blob: [where it starts after the JSON, how long it is]
        if type(blob) is not bytes:
            raise TypeError(f"a value of type {type(blob).__name__} is not JSON")
        blobs.append(blob)
        size[0] += len(blob)
        return {"$v": [size[0] - len(blob), len(blob)]}

    text = json.dumps(message, separators=(",", ":"), default=after).encode()
    length = _JSON_LENGTH.size + len(text) + size[0]
    if length > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {length} bytes is larger than {MAX_MESSAGE_BYTES}")
    return b"".join([_HEADER.pack(length), _JSON_LENGTH.pack(len(text)), text, *blobs])


def take(buffer, n):
    """The first `n` bytes of `buffer` (a bytearray that holds them), taken out of it: as a rule one message read
    whole, copied once (both sides' readers)."""
    if len(buffer) == n:
        data = bytes(buffer)
        buffer.clear()
        return data
    data = bytes(memoryview(buffer)[:n])
    del buffer[:n]
    return data


def unpack(body):
    """The message in `body` (what follows the 8-byte length): a 4-byte length, the JSON, the blobs. A field's
    {"$v": [offset, length]} becomes a copy of those bytes (the blob of a value, for decode()), checked to lie
    within the body. Raises Malformed on a malformed body, or one that is not a dict."""
    message, raw = _split(body, "message")
    if type(message) is not dict:
        raise Malformed(f"a message of type {type(message).__name__}")
    return _blobs(message, raw, 0)


def _blobs(data, raw, depth):
    """`data` (parsed JSON) with each {"$v": [offset, length]} replaced by those bytes of `raw`."""
    if type(data) is dict:
        place = data.get("$v")
        if place is not None and len(data) == 1:
            if type(place) is not list or len(place) != 2 or type(place[0]) is not int or \
                    type(place[1]) is not int or place[0] < 0 or place[1] < 0 or place[0] + place[1] > len(raw):
                raise Malformed(f"malformed value bytes {str(place)[:80]!r}")
            return bytes(raw[place[0]:place[0] + place[1]])  # a copy: the message itself is not kept
        items = data.items()
    elif type(data) is list:
        items = enumerate(data)
    else:
        return data
    if depth >= MAX_DEPTH:
        raise Malformed(f"a message nested deeper than {MAX_DEPTH} levels")
    for key, item in items:
        if type(item) is dict or type(item) is list:
            data[key] = _blobs(item, raw, depth + 1)
    return data


def unpack_length(header):
    (length,) = _HEADER.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {length} bytes is larger than {MAX_MESSAGE_BYTES}")
    return length
