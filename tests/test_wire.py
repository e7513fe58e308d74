"""The wire as a student's code can attack it: frames written straight to the sandbox's pipe (cut short, claiming
more than they hold, lying about an array's dtype or shape, garbage), each failing only the call that sent it, with
the per-call time limit still in force mid-frame; and the reference's answers remembered by the bytes of their
arguments, never answering a callback that the same call would refuse."""
import collections
import json
import struct
import time

import numpy as np
import pytest

from conftest import loaded_program
from grader.sandbox import answers, wire
from grader.sandbox.limits import Limits
from grader.sandbox.process import CallTimeout, ChildDied, Unsendable
from grader.sandbox.program import Dead

SOURCE = '''
import json, os, struct, sys, time
import numpy as np

READ, WRITE = (int(fd) for fd in sys.argv[sys.argv.index("--fds") + 1].split(","))


def _frame(text, blob=b"", claim=None):
    body = struct.pack(">I", len(text)) + text + blob
    return struct.pack(">Q", len(body) if claim is None else claim) + body


def _blob(data, raw=b""):
    text = json.dumps(data).encode()
    return struct.pack(">I", len(text)) + text + raw


def _returns(data, raw=b""):
    blob = _blob(data, raw)
    return _frame(json.dumps({"op": "return", "value": {"$v": [0, len(blob)]}}).encode(), blob)


def fine(x):
    return np.asarray(x) * 2


def cut_short_then_ends():
    os.write(WRITE, _returns([1, 2])[:-3])
    os._exit(0)


def cut_short_then_waits():
    os.write(WRITE, _returns([1, 2])[:-3])
    time.sleep(60)


def claims_a_huge_message():
    os.write(WRITE, _frame(b"{}", claim=2**40))
    time.sleep(60)


def claims_more_bytes_than_it_holds():
    os.write(WRITE, _returns({"$nd": ["<f8", [3], 0]}, bytes(8)))
    time.sleep(60)


def claims_an_object_dtype():
    os.write(WRITE, _returns({"$nd": ["|O", [1], 0]}, bytes(8)))
    os._exit(0)


def claims_a_shape_of_floats():
    os.write(WRITE, _returns({"$nd": ["<f8", [2.0], 0]}, bytes(16)))
    os._exit(0)


def sends_garbage():
    os.write(WRITE, struct.pack(">Q", 16) + b"not a message!!!")
    time.sleep(60)


def step(x):
    return x


def calls_step_with_a_forged_blob():
    """A callback for the stand-in of this very call, its arguments' blob lying about its array's bytes."""
    blob = _blob({"$tuple": [{"$nd": ["<f8", [4], 0]}]}, bytes(8))
    kwargs = _blob({"$dict": []})
    text = json.dumps({"op": "callback", "function": "step", "args": {"$v": [0, len(blob)]},
                       "kwargs": {"$v": [len(blob), len(kwargs)]}}).encode()
    os.write(WRITE, _frame(text, blob + kwargs))
    length = struct.unpack(">Q", os.read(READ, 8))[0]
    answer = os.read(READ, length)
    return json.loads(answer[4:4 + struct.unpack(">I", answer[:4])[0]])["op"]


def steps(x, n):
    for _ in range(n):
        x = step(x)
    return x


def forward(x):
    return x, None


def backward(d, cache):
    return d


def through(x):
    y, cache = forward(x)
    return backward(y, cache)


def extended_precision():
    return np.zeros(2, np.longdouble)


def reaches_back(x):
    return step(x) + 1


def peeks_then_steps(x):
    """Student code that looks through the child's objects for the answer before it asks for it."""
    import gc
    said = repr(x + 0.123456789).encode()
    sealed = [obj.sealed for obj in gc.get_objects() if type(obj).__name__ == "Child"][0]
    return [len(sealed), any(said in value for value in sealed.values()), step(x)]


def changes_what_step_gave(x):
    first = step(x)
    first[0] = 99.0
    return step(x)


def poisons_what_it_was_told(x):
    """Student code that finds the child's remembered answers and forges them all."""
    import gc
    for obj in gc.get_objects():
        if type(obj).__name__ == "Answered":
            for key, answer in list(obj.kept.items()):
                obj.kept[key] = {**answer, "value": _blob([666.0])}
    return step(x)


def asks_twice(x):
    said = []
    for _ in range(2):
        try:
            said.append(step(x))
        except RuntimeError as exc:
            said.append(str(exc))
    return said
'''
LIMITS = Limits(call_seconds=1.0, load_seconds=20.0, grace_seconds=0.3)


@pytest.fixture
def program(tmp_path):
    made = loaded_program(tmp_path, SOURCE, LIMITS)
    yield made
    made.close()


@pytest.mark.parametrize("function,fails,says", [
    ("cut_short_then_ends", ChildDied, "ended"),
    ("claims_a_huge_message", ChildDied, "broke the protocol: message of 1099511627776 bytes is larger"),
    ("claims_more_bytes_than_it_holds", ChildDied, "broke the protocol: malformed array bytes"),
    ("sends_garbage", ChildDied, "broke the protocol: a JSON part of"),
    ("claims_an_object_dtype", Unsendable, "dtype '|O' may not cross"),
    ("claims_a_shape_of_floats", Unsendable, "malformed array shape"),
])
def test_a_forged_frame_fails_its_call_alone(program, function, fails, says):
    assert program.call("fine", 2) == 4
    with pytest.raises(fails, match=says):
        program.call(function)
    if fails is ChildDied:  # the protocol is broken: the function is not called again, the sandbox restarts
        with pytest.raises(Dead):
            program.call(function)
    else:  # a value refused, the sandbox kept: this one ends by itself, and the next call starts another
        program.sandbox.process.wait(timeout=5)
    assert program.call("fine", np.arange(3.0)).tolist() == [0.0, 2.0, 4.0]


def test_a_frame_cut_short_does_not_stop_the_call_s_time_limit(program):
    started = time.monotonic()
    with pytest.raises(CallTimeout):
        program.call("cut_short_then_waits")
    assert time.monotonic() - started < LIMITS.call_seconds + 2.0
    assert program.call("fine", 3) == 6


def test_a_forged_callback_blob_is_refused_and_only_its_call_sees_it(program):
    assert program.call("calls_step_with_a_forged_blob", substitute={"step": lambda x: x}) == "callback_raised"
    assert program.call("steps", 1.5, 3, substitute={"step": lambda x: x + 1}) == 4.5


def test_the_reference_answers_a_repeated_callback_from_what_it_answered_before(program):
    asked = []

    def reference(x):
        asked.append(x)
        return x * 10

    before = answers.REFERENCE.found
    assert program.call("steps", 1, 2, substitute={"step": reference}) == 100
    program.sandbox.stop()  # another sandbox (the next submission): only the grader remembers
    assert program.call("steps", 1, 2, substitute={"step": reference}) == 100
    assert asked == [1, 10]  # the second call's two callbacks came from what the first one asked
    assert answers.REFERENCE.found - before == 2
    assert program.call("steps", 2, 1, substitute={"step": reference}) == 20 and asked[-1] == 2  # new arguments
    other = lambda x: x * 10  # noqa: E731 -- another stand-in is another key, though its answers are the same
    assert program.call("steps", 1, 1, substitute={"step": other}) == 10 and answers.REFERENCE.found - before == 2
    assert program.call("steps", 1, 1) == 1 and asked[-1] == 2  # no stand-in: the student's own step, not these


def test_the_callbacks_remembered_to_seal_stay_within_their_bounds(monkeypatch):
    asked = answers.Asked()
    monkeypatch.setattr(asked, "MOST_EACH", 3)
    monkeypatch.setattr(asked, "MOST_BYTES", 800)
    entry = lambda i: ("step", False, bytes([i]) * 100, b"", None)  # noqa: E731
    asked.put("a", [entry(0), entry(1)])
    asked.put("a", [entry(1), entry(2), entry(3)])  # one seen already; one more fits in MOST_EACH
    assert asked.get("a") == (entry(0), entry(1), entry(2))
    asked.put("b", [entry(i) for i in range(4, 7)])  # 300 more bytes: 600 in all
    asked.put("c", [entry(i) for i in range(7, 10)])  # 300 more would be 900: past the 800 bytes
    assert asked.get("b") and asked.get("c") == () and asked.get("d") == ()
    asked.clear()
    asked.put("c", [entry(7)])
    assert asked.get("c") == (entry(7),) and asked.get("a") == ()


def test_remembered_answers_stay_within_their_bounds():
    kept = answers.Answers(most_bytes=1000, most=3)
    for i in range(4):
        kept.put((None, bytes([i]) * 100, b"", False), b"x" * 100, None)
        if i == 2:
            assert kept.get((None, bytes([0]) * 100, b"", False)) == (b"x" * 100, None)  # used: kept longer
    assert kept.get((None, bytes([1]) * 100, b"", False)) is None  # the least recently used went first
    assert kept.get((None, bytes([0]) * 100, b"", False)) == (b"x" * 100, None)
    assert kept.get((None, bytes([3]) * 100, b"", False)) == (b"x" * 100, None)
    assert len(kept._kept) <= 3 and kept._bytes <= 1000
    kept.put((None, b"big", b"", False), b"x" * 2000, None)  # larger than the whole bound: not kept
    assert kept.get((None, b"big", b"", False)) is None


def test_a_batch_of_answers_read_together_is_taken_apart_in_order(program):
    """The grader reads what is there in one go: many answers of one batch arrive in one read."""
    cases = [((np.full(3, float(i)),), {}) for i in range(50)]
    got = list(program.calls("fine", cases))
    assert [float(v[0]) for v in got] == [2.0 * i for i in range(50)]


def test_an_object_met_again_in_a_value_crosses_once_and_arrives_as_copies():
    """The parameters in every step's cache are one dict: its arrays' bytes go once, each place gets its own copy."""
    parameters = {"W": np.arange(4.0).reshape(2, 2), "b": np.zeros(2)}
    x = np.arange(3.0) + 10
    value = [(x, parameters)] * 5 + [x]
    blob = wire.encode(value)
    assert blob.count(np.arange(4.0).tobytes()) == 1 and blob.count(x.tobytes()) == 1
    got = wire.decode(blob)
    assert all(np.array_equal(step[1]["W"], parameters["W"]) for step in got[:5])
    got[0][1]["W"][0, 0] = 99.0
    got[0][0][0] = 99.0
    assert got[1][1]["W"][0, 0] == 0.0 and got[1][0][0] == 10.0 and got[5][0] == 10.0


@pytest.mark.parametrize("times", [1, 4])  # (the fourth time, from the text's recipe)
def test_the_grader_s_answers_are_views_of_one_copy_that_share_no_byte(times):
    """An answer's arrays are views of one buffer of the value's own, each of bytes of its own there: an array met
    again in the value, and one a forger points at bytes another has, are copies, so a write changes one array."""
    x, flags = np.arange(3.0), np.array([True, False])
    value = ([x, {"W": np.ones((2, 2))}, x], flags, np.arange(2.0), np.zeros(0))
    for _ in range(times):
        got = wire.decode(wire.encode(value), views=True)
    (first, parameters, again), mask, after, empty = got
    views = [first, parameters["W"], mask]
    assert all(not a.flags.owndata and a.base is views[0].base for a in views) and type(views[0].base) is bytearray
    assert again.flags.owndata and after.flags.owndata  # (after the bools, its bytes are not 8-aligned: copied)
    assert all(a.flags.writeable for a in (*views, again, after)) and empty.shape == (0,)
    for a in (first, again, parameters["W"], after):
        a.flat[0] += 1
    mask[0] = False
    assert first.tolist() == again.tolist() == [1.0, 1.0, 2.0] and parameters["W"].tolist() == [[2.0, 1.0], [1.0, 1.0]]
    assert mask.tolist() == [False, False] and after.tolist() == [1.0, 1.0]
    forged = _blob({"$tuple": [{"$nd": ["<f8", [2], 0]}, {"$nd": ["<f8", [1], 8]}]}, np.arange(2.0).tobytes())
    one, other = wire.decode(forged, views=True)
    one[1] = 9.0
    assert one.base is not None and other.flags.owndata and other.tolist() == [1.0]


def test_a_backward_given_a_token_is_remembered_with_the_very_cache_it_stands_for(program):
    """The reference's forward keeps its cache in the grader (the child gets a token); its backward, given the
    token, is answered from memory only for that same cache object, which a remembered forward hands out again."""
    made, used = [], []

    def forward(x):
        made.append(x)
        return x * 0, {"seen": x}  # the backward's arguments are the same for every x: only its cache differs

    def backward(d, cache):
        used.append(cache["seen"])
        return d + cache["seen"]

    options = {"substitute": {"forward": forward, "backward": backward}, "pairs": {"backward": "forward"}}
    assert program.call("through", 3, **options) == 3
    program.sandbox.stop()  # (each call in a new sandbox: the child's own remembered answers are not asked)
    assert program.call("through", 3, **options) == 3
    assert made == [3] and used == [3]
    assert program.call("through", 4, **options) == 4 and made == [3, 4] and used == [3, 4]
    answers.REFERENCE.clear()  # the forward's cache made again is another object: its backward is asked again
    program.sandbox.stop()
    assert program.call("through", 3, **options) == 3 and made == [3, 4, 3] and used == [3, 4, 3]


def _blob(data, raw=b""):
    text = json.dumps(data).encode()
    return struct.pack(">I", len(text)) + text + raw


def test_a_json_text_met_before_still_needs_every_byte_it_describes():
    """A text that passed twice is rebuilt from its recipe the next time, without parsing it again: the bytes after
    it are another blob's, so one that holds fewer than its arrays need is refused as the first would have been."""
    text = {"$tuple": [{"$nd": ["<f8", [3], 0]}, {"$nd": ["<i4", [2, 1], 24]}]}
    whole = np.arange(3.0).tobytes() + np.array([7, 8], np.int32).tobytes()
    for _ in range(4):  # the fourth time, from the recipe
        got = wire.decode(_blob(text, whole))
        assert got[0].tolist() == [0.0, 1.0, 2.0] and got[1].tolist() == [[7], [8]]
    for short in (whole[:-1], whole[:24], b""):
        with pytest.raises(wire.Malformed, match="malformed array bytes"):
            wire.decode(_blob(text, short))


def test_a_value_rebuilt_from_its_recipe_is_a_new_value_each_time():
    value = ([np.zeros(2)], {"k": [np.ones(1)]}, (1, "s"), wire.Handle(5, "thing"))
    blob = wire.encode(value)
    wire.decode(blob), wire.decode(blob), wire.decode(blob)  # (its recipe made)
    first, second = wire.decode(blob), wire.decode(blob)
    first[0][0][0] = 9.0
    first[0].append(1)
    first[1]["k"][0][0] = 9.0
    first[1]["new"] = 1
    assert second[0][0].tolist() == [0.0] * 2 and len(second[0]) == 1
    assert second[1] == {"k": [np.ones(1)]} and second[2] == (1, "s") and second[3] == wire.Handle(5, "thing")
    assert second[0][0].flags.writeable and second[0][0].flags.owndata
    resolved = []
    assert wire.decode(blob, lambda id: resolved.append(id) or "kept")[3] == "kept" and resolved == [5]


def test_an_empty_dict_crosses_without_a_walk_as_the_walk_writes_it(monkeypatch):
    """Most calls and callbacks have no keyword arguments (700 in a grading of correct.py, the child's and the
    grader's): their {} is one blob, the one the walk writes, given and read back without a walk, a new dict each
    time."""
    text = wire._Arrays(None).text({}, 0).encode()
    assert wire.encode({}) == struct.pack(">I", len(text)) + text
    monkeypatch.setattr(wire, "_Arrays", None)
    monkeypatch.setattr(wire, "_parse", None)
    first, second = wire.decode(wire.encode({})), wire.decode(wire.encode({}), views=True)
    assert first == second == {} and first is not second


def test_an_array_s_text_up_to_its_offset_is_made_once_per_dtype_and_shape(monkeypatch):
    """An array's text is its (dtype, shape) head, made the first time those are met (within the size cap), and its
    offset: the child's 11,000 arrays of a grading are of a few hundred heads."""
    monkeypatch.setattr(wire, "_HEADS", {})
    a, b, c = np.zeros((2, 3)), np.ones((2, 3)), np.arange(3, dtype=np.int32)
    got = wire.decode(wire.encode([a, (b, c), {"k": b[0]}]))
    assert list(wire._HEADS) == [(a.dtype, (2, 3)), (c.dtype, (3,)), (a.dtype, (3,))]
    assert got[0].tolist() == a.tolist() and got[1][0].tolist() == b.tolist() and got[1][1].tolist() == [0, 1, 2]
    assert got[2]["k"].tolist() == [1.0] * 3 and got[1][1].dtype == np.int32
    with pytest.raises(wire.WireError, match="elements"):
        wire.encode(np.zeros(wire.MAX_ARRAY_ELEMENTS + 1, np.uint8))
    assert len(wire._HEADS) == 3


def test_a_recipe_is_made_the_third_time_a_text_comes_not_before(monkeypatch):
    """Most texts of one grading come once or twice: parsed, not made into a recipe, which costs several parses."""
    made, recipe = [], wire._Recipe
    monkeypatch.setattr(wire, "_RECIPES", {})
    monkeypatch.setattr(wire, "_Recipe", lambda data: made.append(data) or recipe(data))
    blob = wire.encode((np.arange(3.0), {"k": [1, "s"]}))
    assert wire.decode(blob)[0].tolist() == [0.0, 1.0, 2.0] and made == []
    assert wire.decode(blob)[1] == {"k": [1, "s"]} and made == []
    assert wire.decode(blob)[1] == {"k": [1, "s"]} and len(made) == 1
    assert wire.decode(blob)[0].tolist() == [0.0, 1.0, 2.0] and len(made) == 1  # from the recipe


def test_a_dtype_the_decoder_refuses_is_refused_not_a_crash_of_the_child(program):
    """An extended-precision array is numeric, but no dtype the wire lets through: the call is unsendable."""
    with pytest.raises(wire.WireError, match="may not cross"):
        wire.decode(wire.encode(np.zeros(2, np.longdouble)))
    with pytest.raises(Unsendable, match="may not cross"):
        program.call("extended_precision")
    assert program.call("fine", 1) == 2


def test_a_message_carries_only_json_and_blobs():
    message = {"op": "calls", "cases": [{"args": b"ab", "kwargs": b"c"}], "pairs": {"b": "f"}, "n": (1, 2.5, None)}
    assert wire.unpack(wire.pack(message)[wire.HEADER_BYTES:]) == {**message, "n": [1, 2.5, None]}
    with pytest.raises(TypeError, match="not JSON"):
        wire.pack({"op": "call", "x": object()})


def test_a_batch_whose_cases_reach_back_is_answered_case_by_case(program):
    """The grader naps while a batch's answers come, but not for a function whose calls reach back for a stand-in
    (the child waits for the grader there): every case gets its own answer either way."""
    cases = [((float(i),), {}) for i in range(20)]
    assert list(program.calls("fine", cases)) == [2.0 * i for i in range(20)]
    assert list(program.calls("reaches_back", cases, substitute={"step": lambda x: x * 10})) == \
        [10.0 * i + 1 for i in range(20)]
    assert program._reaching_back == {"reaches_back"}
    program.prefetch("fine", [((np.zeros(2),), {})] * 2)  # decoded as they came: each call gets a value of its own
    first, second = program.call("fine", np.zeros(2)), program.call("fine", np.zeros(2))
    first[0] = 1.0
    assert second.tolist() == [0.0, 0.0] and not program._prefetched


def test_a_callback_asked_again_in_one_sandbox_is_answered_there_as_the_grader_answered_it(program, monkeypatch):
    """The child gives the grader's answer again to the same stand-in asked the same arguments (no round trip), as
    a new value each time; another stand-in under the same name, or an answer that raised, is the grader's again."""
    from grader.sandbox import process
    asked, replies, send = [], collections.Counter(), process.Sandbox.send
    monkeypatch.setattr(process.Sandbox, "send", lambda box, message: replies.update([message["op"]]) or send(box, message))

    def reference(v):
        asked.append(np.array(v, copy=True))
        return v * 10

    answers.REFERENCE.clear()
    assert program.call("changes_what_step_gave", np.arange(3.0), substitute={"step": reference}).tolist() == \
        [0.0, 10.0, 20.0]  # its own change to the first answer is not in the second
    assert len(asked) == 1 and replies["callback_return"] == 1
    assert program.call("steps", 1.0, 1, substitute={"step": reference}) == 10.0 and len(asked) == 2
    assert program.call("steps", 1.0, 1, substitute={"step": reference}) == 10.0 and len(asked) == 2
    assert replies["callback_return"] == 2
    assert program.call("steps", 1.0, 1, substitute={"step": lambda v: v * 100}) == 100.0  # another stand-in
    assert program.call("steps", 1.0, 1) == 1.0  # no stand-in: the student's own step

    def refuses(v):
        raise ValueError("not this one")
    assert program.call("asks_twice", 1.0, substitute={"step": refuses}) == ["step: ValueError: not this one"] * 2
    assert replies["callback_raised"] == 2
    assert program.call("steps", 1.0, 1, substitute={"step": reference}) == 10.0 and len(asked) == 2
    # a question of more than 32 kB is not kept in the child (a model's sequences are never asked twice, and
    # keeping them grew its heap): asked again, it is the grader's again, from the reference's remembered answers
    big = np.arange(5000.0)
    assert program.call("changes_what_step_gave", big, substitute={"step": reference}).tolist()[:3] == \
        [0.0, 10.0, 20.0]
    assert len(asked) == 3 and replies["callback_return"] == 5  # (3 before it)


def test_a_restarted_sandbox_remembers_nothing_of_the_one_before(program, monkeypatch):
    from grader.sandbox import process
    replies, send = collections.Counter(), process.Sandbox.send
    monkeypatch.setattr(process.Sandbox, "send", lambda box, message: replies.update([message["op"]]) or send(box, message))
    monkeypatch.setattr(answers, "ASKED", answers.Asked())  # (no answers sent along, sealed: see the next tests)
    reference = lambda v: v + 1  # noqa: E731
    assert program.call("steps", 1.0, 2, substitute={"step": reference}) == 3.0 and replies["callback_return"] == 2
    program.sandbox.stop()
    answers.ASKED.clear()
    assert program.call("steps", 1.0, 2, substitute={"step": reference}) == 3.0 and replies["callback_return"] == 4


def test_a_sealed_answer_opens_only_for_its_very_question():
    parts = (b"step", b"1", b"0", b"", wire.encode((1.0,)), wire.encode({}))
    index, sealed = wire.seal(parts, b"the answer")
    assert wire.unseal(parts, {index: sealed}) == b"the answer"
    assert b"the answer" not in sealed and len(sealed) == len(b"the answer")
    for other in ((b"step", b"2", *parts[2:]), (*parts[:4], wire.encode((1.0000000000000002,)), parts[5]),
                  (b"ste", b"p1", *parts[2:]), (*parts[:3], b"1", *parts[4:])):
        assert wire.unseal(other, {index: sealed}) is None, other  # another stand-in, argument, split or token


def test_a_call_made_again_gets_its_callbacks_answers_sealed_along_and_asks_nothing(program, monkeypatch):
    """The callbacks a call made are answered, the next time the same call is made (the next submission of a
    batch), by the reference's answers sent along with it, each sealed by its question: no round trip for a call
    that asks the same, a round trip as before for one that asks something else, and the same values."""
    from grader.sandbox import process
    replies, send = collections.Counter(), process.Sandbox.send
    monkeypatch.setattr(process.Sandbox, "send", lambda box, message: replies.update([message["op"]]) or send(box, message))
    monkeypatch.setattr(answers, "ASKED", answers.Asked())
    reference = lambda v: v + 0.123456789  # noqa: E731
    assert program.call("steps", 1.0, 2, substitute={"step": reference}) == 1.246913578
    assert replies["callback_return"] == 2
    program.sandbox.stop()  # a new sandbox: it remembers nothing, the answers come sealed with the call
    assert program.call("steps", 1.0, 2, substitute={"step": reference}) == 1.246913578
    assert replies["callback_return"] == 2
    assert program.call("steps", 2.0, 1, substitute={"step": reference}) == 2.123456789  # never asked: asked now
    assert replies["callback_return"] == 3
    # the sealed answers lie in the child as ciphertext: its code finds no answer before it asks, then the right one
    program.sandbox.stop()
    assert program.call("peeks_then_steps", 1.0, substitute={"step": reference}) == [0, False, 1.123456789]
    assert replies["callback_return"] == 4
    program.sandbox.stop()
    assert program.call("peeks_then_steps", 1.0, substitute={"step": reference}) == [1, False, 1.123456789]
    assert replies["callback_return"] == 4  # it was sealed along, and opened only by the call


def test_the_sealed_answers_of_another_call_open_for_nothing_else(program, monkeypatch):
    from grader.sandbox import process
    replies, send = collections.Counter(), process.Sandbox.send
    monkeypatch.setattr(process.Sandbox, "send", lambda box, message: replies.update([message["op"]]) or send(box, message))
    monkeypatch.setattr(answers, "ASKED", answers.Asked())
    reference = lambda v: v * 3  # noqa: E731
    assert program.call("steps", 1.0, 1, substitute={"step": reference}) == 3.0 and replies["callback_return"] == 1
    program.sandbox.stop()
    assert program.call("steps", 1.0, 1, substitute={"step": lambda v: v * 5}) == 5.0  # another stand-in: asked
    assert program.call("steps", 1.0, 1, substitute={"step": reference}) == 3.0  # (sealed, then given again)
    assert replies["callback_return"] == 2


def test_answers_forged_in_the_child_stay_in_that_child(program):
    """The child's remembered answers are the student's to spoil (their code runs beside them), and only theirs:
    nothing of them goes back to the grader, whose own remembered answers, and the next sandbox, are the reference's."""
    reference = lambda v: v * 10  # noqa: E731
    assert program.call("steps", 1.0, 1, substitute={"step": reference}) == 10.0
    assert program.call("poisons_what_it_was_told", 1.0, substitute={"step": reference}) == [666.0]
    program.sandbox.stop()
    assert program.call("steps", 1.0, 1, substitute={"step": reference}) == 10.0
