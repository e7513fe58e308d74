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
import hashlib
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
_KINDS = {name: (dtype, dtype.itemsize, dtype.isnative) for name, dtype in _DTYPES.items()}  # (read per array decoded)
_HEADER = struct.Struct(">Q")
_JSON_LENGTH = struct.Struct(">I")
_JSON = json.JSONEncoder(separators=(",", ":")).encode
if json.encoder.c_make_encoder is not None:  # made once: json.dumps and JSONEncoder.encode make one per call
    _JSON = functools.partial(lambda encoder, data: "".join(encoder(data, 0)), json.encoder.c_make_encoder(
        None, None, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True))
_PARSE = json.JSONDecoder().raw_decode
_SHAPES = {}  # {shape: its JSON text}, the shapes met most (the first 4096)
_HEADS = {}  # {(dtype, shape): an array's text up to its offset} (the first 4096)
_STRING = json.encoder.encode_basestring_ascii  # a str as JSON text, quoted, escaped and ASCII
HEADER_BYTES = _HEADER.size
_NO_ITEMS = _JSON_LENGTH.pack(12) + b'{"$dict":[]}'  # the blob of {}: most calls' and callbacks' keyword arguments


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
    if type(value) is dict and not value:  # (a call's keyword arguments, as a rule: made once)
        return _NO_ITEMS
    arrays = _Arrays(keep)
    text = arrays.text(value, 0).encode()
    if arrays.size + len(text) > MAX_MESSAGE_BYTES:
        raise WireError(f"a value of {arrays.size + len(text)} bytes is larger than {MAX_MESSAGE_BYTES}")
    return b"".join([_JSON_LENGTH.pack(len(text)), text, *arrays.raw])


class _Arrays:
    """The JSON text of a value, written as it is walked (no tree of dicts for a JSON encoder to walk again), and
    the raw bytes of the arrays met, in order. An array or a dict met again (the same object: the parameters in
    every step's cache) is described again, not walked again: its bytes are there once, each description pointing
    at them (the decoder copies each out, as before)."""

    __slots__ = ("raw", "size", "seen", "keep")

    def __init__(self, keep):
        self.raw, self.size, self.seen, self.keep = [], 0, {}, keep
        # seen: {(id, depth): its text}, of the value's own objects (alive while it is walked)

    def text(self, value, depth):
        """JSON text for `value`; the kinds are tried in the order they are met most."""
        kind = type(value)
        if kind is np.ndarray:
            return self.seen.get(id(value)) or self.ndarray(value)
        elif kind is tuple or kind is list:
            items = ",".join(self.items(value, depth + 1))
            return f"[{items}]" if kind is list else f'{{"$tuple":[{items}]}}'
        elif kind is float:
            return repr(value) if value - value == 0 else f'{{"$float":"{value!r}"}}'  # nan and inf are no JSON
        elif kind is str:
            return _STRING(value)
        elif value is None:
            return "null"
        elif kind is bool:
            return "true" if value else "false"
        elif kind is int:
            return str(value) if -2**63 <= value < 2**63 else self.text(float(value), depth)
        elif kind is dict:
            return self.mapping(value, depth)
        return self.other(value, kind)

    def items(self, values, depth):
        """The texts of `values`, the items of a container at `depth`; an array's made here (the most frequent item
        by far: a call to text() for each costs as much as the rest of its work)."""
        if depth > MAX_DEPTH:
            raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
        texts, seen = [], self.seen
        for value in values:
            if type(value) is np.ndarray:
                texts.append(seen.get(id(value)) or self.ndarray(value))
            else:
                texts.append(self.text(value, depth))
        return texts

    def mapping(self, value, depth):
        for key in value:  # (a loop: all() of a generator costs more than the rest, for a few keys)
            if type(key) is not str and type(key) is not int:
                return self.other(value, dict)
        text = self.seen.get((id(value), depth))
        if text is None:
            keys = [_STRING(k) if type(k) is str else str(k) for k in value]
            items = ",".join([f"[{k},{v}]" for k, v in zip(keys, self.items(value.values(), depth + 1))])
            text = self.seen[id(value), depth] = f'{{"$dict":[{items}]}}'
        return text

    def ndarray(self, value):
        """The text of a plain ndarray met for the first time in this value (remembered: see the class)."""
        head = _HEADS.get((value.dtype, value.shape))  # (its dtype's name and its shape, both allowed already)
        if head is None and _NAMES.get(value.dtype) is None:
            text = self.other(value, np.ndarray)
        else:
            if head is None:
                head = _head(value)
            raw, offset = value.tobytes(), self.size
            self.raw.append(raw)
            self.size = offset + len(raw)
            text = f"{head}{offset}]}}"
        self.seen[id(value)] = text
        return text

    def other(self, value, kind):
        """The text of a value of a kind met seldom: a numpy scalar, a subclass of ndarray, a complex, a handle."""
        if isinstance(value, (np.generic, np.ndarray)) and value.dtype.kind in "biufc":
            value = np.asarray(value)  # a subclass crosses as the plain array of its values
            if value.dtype not in _NAMES:  # not little-endian: made so (or a dtype that the decoder refuses)
                value = value.astype(value.dtype.newbyteorder("<"))
            return self.array(value, _NAMES.get(value.dtype) or value.dtype.str)
        if kind is complex:
            return f'{{"$complex":["{value.real!r}","{value.imag!r}"]}}'
        if kind is Handle:
            return f'{{"$handle":[{value.id},{_STRING(value.kind)}]}}'
        if self.keep is None:
            raise WireError(f"a value of type {kind.__name__} can't cross to the sandbox")
        return f'{{"$handle":[{self.keep(value)},{_STRING(kind.__name__[:80])}]}}'

    def array(self, value, name):
        if value.size > MAX_ARRAY_ELEMENTS:
            raise WireError(f"array of shape {value.shape} has more than {MAX_ARRAY_ELEMENTS} elements")
        raw, offset = value.tobytes(), self.size
        self.raw.append(raw)
        self.size = offset + len(raw)
        return f'{{"$nd":["{name}",{_SHAPES.get(value.shape) or _shape(value.shape)},{offset}]}}'


def _head(value):
    """The text of a plain array of an allowed dtype up to its offset, remembered for the first 4096 (dtype, shape)
    met; WireError for one past the size cap."""
    if value.size > MAX_ARRAY_ELEMENTS:
        raise WireError(f"array of shape {value.shape} has more than {MAX_ARRAY_ELEMENTS} elements")
    head = f'{{"$nd":["{_NAMES[value.dtype]}",{_SHAPES.get(value.shape) or _shape(value.shape)},'
    if len(_HEADS) < 4096:
        _HEADS[value.dtype, value.shape] = head
    return head


def _shape(shape):
    """The JSON text of an array's shape, remembered for the first 4096 shapes met."""
    text = str(list(shape)).replace(" ", "")
    if len(_SHAPES) < 4096:
        _SHAPES[shape] = text
    return text


def decode(blob, resolve=None, views=False):
    """The value in `blob` (encode()), validating everything. `resolve(id)` maps handles back (child side).
    Raises Malformed for a blob no encode() makes, WireError for a value that may not cross. Each array is a copy
    of its own; with `views` (the grader's answers), the value's arrays are copied out of the blob at once, into one
    buffer of the value's own, and each array whose bytes come after the last one's (as encode() writes them) is a
    view of its bytes there: no two of them share a byte, so a write into one changes that array alone, as with
    copies, for a third of an array's cost. (Not the child's arguments: a view does not own its memory, and the
    student's code may resize() an argument.)

    A JSON part met before (the same text, byte for byte: a batch's cases, a training loop's steps) is not parsed
    and validated again: the recipe made from it the third time it passed rebuilds the value (see _Recipe). Not
    before: a recipe costs several parses to make, and most texts of one grading come once or twice (176 of the
    200 values of a `.py`'s first grading; with recipes made the second time, its answers decoded in 1.8 ms more)."""
    if type(blob) is not bytes:
        raise Malformed(f"a value of type {type(blob).__name__}, not a blob")
    if blob == _NO_ITEMS:
        return {}
    text, raw = _frame(blob, "value")
    recipe = _RECIPES.get(text)
    buffer = bytearray(raw) if views else None
    made = recipe is not None and type(recipe) is not int  # (else: the times the text passed, if any)
    if made and recipe.need <= len(raw):
        return recipe.build(raw, resolve, buffer)
    data = _parse(text)
    value = _Values(raw, resolve, buffer).value(data, 0)  # it passed: the same text will pass again
    if len(text) <= RECIPE_TEXT and not made:
        if len(_RECIPES) >= RECIPES:
            _RECIPES.clear()
        passed = (recipe or 0) + 1
        _RECIPES[bytes(text)] = _Recipe(data) if passed >= RECIPE_AFTER else passed
    return value


def _frame(data, what):
    """(the JSON part, a view of the bytes after it) of `data`, a `what`: a 4-byte length, the JSON, bytes."""
    if len(data) < _JSON_LENGTH.size:
        raise Malformed(f"a {what} shorter than its header")
    (text_length,) = _JSON_LENGTH.unpack_from(data)
    start = _JSON_LENGTH.size + text_length
    if start > len(data):
        raise Malformed(f"a JSON part of {text_length} bytes in a {what} of {len(data)}")
    return data[_JSON_LENGTH.size:start], memoryview(data)[start:]


def _split(data, what):
    """(the parsed JSON part, a view of the bytes after it) of `data`, a `what` (see _frame)."""
    text, raw = _frame(data, what)
    return _parse(text), raw


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
    """Rebuilds the values of one blob from its JSON data and its arrays' bytes (`raw`; `buffer`, a copy of them
    whose views the arrays are, or None: see decode)."""

    __slots__ = ("raw", "length", "resolve", "buffer", "end")

    def __init__(self, raw, resolve, buffer=None):
        self.raw, self.length, self.resolve, self.buffer = raw, len(raw), resolve, buffer
        self.end = 0  # where the last view ends

    def value(self, data, depth):
        kind = type(data)
        if kind is dict and len(data) == 1:
            body = data.get("$nd")
            if body is not None:  # the most frequent value by far
                return self.array(body)
            (tag, body), = data.items()
            if tag == "$tuple" and type(body) is list:
                return tuple(self.items(body, depth))
            if tag == "$dict" and type(body) is list:
                if depth >= MAX_DEPTH:
                    raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
                return self.mapping(body, depth + 1)
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
        """The values of a list's items; an array's made here (most items are: a call to value() for each costs
        as much as the rest of its work)."""
        if depth >= MAX_DEPTH:
            raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
        made, depth = [], depth + 1
        for item in data:
            if type(item) is dict and len(item) == 1:
                body = item.get("$nd")
                if body is not None:
                    made.append(self.array(body))
                    continue
            made.append(self.value(item, depth))
        return made

    def mapping(self, body, depth):
        """The dict of a $dict's [key, value] pairs; an array's value made here, as in items()."""
        made = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
                raise WireError(f"malformed dict entry {str(pair)[:80]!r}")
            item = pair[1]
            if type(item) is dict and len(item) == 1:
                nd = item.get("$nd")
                if nd is not None:
                    made[pair[0]] = self.array(nd)
                    continue
            made[pair[0]] = self.value(item, depth)
        return made

    def array(self, body):
        if type(body) is not list or len(body) != 3:
            raise WireError("malformed array")
        dtype, shape, offset = body
        known = _KINDS.get(dtype) if type(dtype) is str else None
        if known is None:
            raise WireError(f"arrays of dtype {str(dtype)[:80]!r} may not cross")
        dt, itemsize, native = known
        if type(shape) is not list or len(shape) > MAX_DEPTH:
            raise WireError(f"malformed array shape {str(shape)[:80]}")
        count = 1
        for n in shape:  # (a loop: any() of a generator costs twice as much, on every array that crosses)
            if type(n) is not int or n < 0:
                raise WireError(f"malformed array shape {str(shape)[:80]}")
            if n > MAX_ARRAY_ELEMENTS:  # even beside a 0, which numpy would refuse
                raise WireError(f"array of shape {tuple(shape)} has more than {MAX_ARRAY_ELEMENTS} elements")
            count *= n
        if count > MAX_ARRAY_ELEMENTS:
            raise WireError(f"array of shape {tuple(shape)} has more than {MAX_ARRAY_ELEMENTS} elements")
        size = count * itemsize
        if type(offset) is not int or offset < 0 or offset + size > self.length:
            raise Malformed(f"malformed array bytes: {size} at {str(offset)[:40]} in {self.length}")
        if not native:
            return np.frombuffer(self.raw, dt, count, offset).reshape(shape).astype(dt.newbyteorder("="))
        if self.buffer is not None and offset == self.end and size and not offset % itemsize:
            self.end = offset + size
            return np.ndarray(shape, dt, self.buffer, offset)
        array = np.empty(shape, dt)  # its own writeable memory, the blob's bytes copied in
        if size:
            array.data.cast("B")[:] = self.raw[offset:offset + size]
        return array


RECIPES = 512  # texts remembered at most (then all forgotten), each of at most RECIPE_TEXT bytes
RECIPE_TEXT = 16384
RECIPE_AFTER = 3  # the times a text passes before its recipe is made
_RECIPES = {}  # {JSON text: its _Recipe, or the times it passed}; dict operations are atomic, so threads may share it


class _Recipe:
    """How to rebuild the value of a JSON text that _Values accepted: a builder per node, made once. It trusts
    nothing but that text: the arrays' bytes are another blob's, so `need` (where the last array ends) is checked
    on each use, and the rest is the text's own (dtypes, shapes, offsets, nesting), validated already. Each array is
    a fresh copy, or the same view _Values makes of `buffer`, and each list and dict a new one, as _Values makes
    them; numbers and strings are shared. build(raw, resolve, buffer)."""

    __slots__ = ("build", "need", "end")

    def __init__(self, data):
        self.need = self.end = 0  # end: where _Values's last view would end, as the text is walked in its order
        self.build = self._builder(data)

    def _builder(self, data):
        kind = type(data)
        if kind is list:
            parts = [self._builder(v) for v in data]
            return lambda raw, resolve, buffer: [part(raw, resolve, buffer) for part in parts]
        if kind is not dict:
            return lambda raw, resolve, buffer: data  # a number, a string, True, False or None
        (tag, body), = data.items()
        if tag == "$nd":
            return self._array(*body)
        if tag == "$tuple":
            parts = [self._builder(v) for v in body]
            return lambda raw, resolve, buffer: tuple([part(raw, resolve, buffer) for part in parts])
        if tag == "$dict":
            parts = [(key, self._builder(v)) for key, v in body]
            return lambda raw, resolve, buffer: {key: part(raw, resolve, buffer) for key, part in parts}
        if tag == "$handle":
            id, name = body[0], str(body[1])[:80]
            return lambda raw, resolve, buffer: resolve(id) if resolve else Handle(id, name)
        value = _Values(b"", None).value(data, 0)  # $float, $complex: a number
        return lambda raw, resolve, buffer: value

    def _array(self, dtype, shape, offset):
        dt, shape = _DTYPES[dtype], tuple(shape)
        count = math.prod(shape)
        self.need = max(self.need, offset + count * dt.itemsize)
        if not count:
            return lambda raw, resolve, buffer: np.empty(shape, dtype=dt)
        if not dt.isnative:
            native = dt.newbyteorder("=")
            return lambda raw, resolve, buffer: np.frombuffer(raw, dt, count, offset).reshape(shape).astype(native)
        end = offset + count * dt.itemsize
        view = offset == self.end and not offset % dt.itemsize
        if view:
            self.end = end

        def array(raw, resolve, buffer):  # (a fresh array, the bytes copied in: cheaper than frombuffer's copy())
            if view and buffer is not None:
                return np.ndarray(shape, dt, buffer, offset)
            made = np.empty(shape, dtype=dt)
            made.data.cast("B")[:] = raw[offset:end]
            return made
        return array


def pack(message):
    """Bytes for one message: an 8-byte length, then the body (see unpack()). `message` is a dict of the
    protocol's fields; a field whose value is a blob (bytes: encode()), at any depth, is carried after the JSON."""
    blobs = []
    text = _field(message, blobs, [0]).encode()
    length = _JSON_LENGTH.size + len(text) + sum([len(blob) for blob in blobs])
    if length > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {length} bytes is larger than {MAX_MESSAGE_BYTES}")
    return b"".join([_HEADER.pack(length), _JSON_LENGTH.pack(len(text)), text, *blobs])


def _field(value, blobs, size):
    """The JSON text of a message's field `value`, its blobs put in `blobs` ({"$v": [where it starts after the
    JSON, how long it is]} in their place; `size`: [their length so far]). The protocol's own fields are strings,
    None, numbers, lists and dicts of them: written here, without a JSON encoder's setting up for each."""
    kind = type(value)
    if kind is bytes:
        blobs.append(value)
        size[0] += len(value)
        return f'{{"$v":[{size[0] - len(value)},{len(value)}]}}'
    if kind is str:
        return _STRING(value)
    if value is None:
        return "null"
    if kind is dict and all([type(key) is str for key in value]):
        return "{" + ",".join([f"{_STRING(k)}:{_field(v, blobs, size)}" for k, v in value.items()]) + "}"
    if kind is list or kind is tuple:
        return "[" + ",".join([_field(v, blobs, size) for v in value]) + "]"
    if kind is int or kind is float or kind is bool or kind is dict:
        return _JSON(value)  # (a dict whose keys JSON makes strings: only if it holds no blob)
    raise TypeError(f"a value of type {kind.__name__} is not JSON")


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


# --- answers sealed by their question -------------------------------------------------------------------------------
# The grader may send, with a request, the answers that the reference's stand-ins gave to the callbacks that the same
# request made before (in an earlier grading of this process), each sealed by its question: the key that opens it
# is a hash of the callback's own bytes (which stand-in, and the blobs of its arguments), and the child finds it by
# another hash of that key. So an answer opens only for a call that the code in the sandbox makes, with exactly
# those arguments, as the grader would answer that call itself (a round trip saved, nothing told that was not
# asked): a call with other arguments finds nothing, and the ciphertext tells nothing without the arguments.

SEAL_INDEX_BYTES = 16
# A question and its answer sealed at most: sealing and opening 16 kB cost about what a callback's round trip costs
# the two processes' CPU (0.1-0.13 ms), and save its wall (the hand-over to the other process, and back).
SEAL_MOST_BYTES = 16384


def _sealing_key(parts):
    """32 bytes that only these parts (bytes) make: each length-prefixed, so no two lists of parts give one input."""
    digest = hashlib.blake2b(digest_size=32, person=b"grader-sealkey")
    for part in parts:
        digest.update(_JSON_LENGTH.pack(len(part)))
        digest.update(part)
    return digest.digest()


def seal_index(key):
    """Where an answer sealed with `key` is found: a hash of the key that does not give the key."""
    return hashlib.blake2b(key, digest_size=SEAL_INDEX_BYTES, person=b"grader-sealidx").digest()


def _keystream_xor(key, data):
    stream = hashlib.shake_256(b"grader-sealstream" + key).digest(len(data))
    return (np.frombuffer(data, np.uint8) ^ np.frombuffer(stream, np.uint8)).tobytes()


def callback_question(name, version, makes_cache, token, args, kwargs):
    """The parts a callback's sealed answer is sealed by: the stand-in (its name and the number the child knows it
    by), whether it makes a cache, the token of the cache it was given (None: none), its arguments' blobs. The
    grader seals with them and the child opens with them, so both make them here."""
    return (name.encode(), str(version).encode(), b"1" if makes_cache else b"0",
            b"" if token is None else str(token).encode(), args, kwargs)


def sealable(parts, plain=b""):
    """Whether a question of these parts (and its answer) is small enough to be sealed (SEAL_MOST_BYTES)."""
    return sum([len(part) for part in parts]) + len(plain) <= SEAL_MOST_BYTES


def seal(parts, plain):
    """(index, ciphertext) of `plain` (bytes), opened only with `parts` (the question's bytes): see above."""
    key = _sealing_key(parts)
    return seal_index(key), _keystream_xor(key, plain)


def unseal(parts, sealed):
    """The bytes sealed with `parts` in `sealed` ({index: ciphertext}), or None if none were."""
    if not sealed or not sealable(parts):
        return None
    key = _sealing_key(parts)
    found = sealed.get(seal_index(key))
    return None if type(found) is not bytes else _keystream_xor(key, found)
