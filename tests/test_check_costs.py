"""What the checks and the reports do per submission, cut without changing a verdict: the shortcuts give what the
long way gives (tried on the values that could tell them apart), and the crossings cut stay cut."""
import collections
import itertools
import json

import numpy as np
import pytest

from grader.checks import compare, training
from grader.checks.suite import Failure

from conftest import ROOT, mutate

# --- comparing -------------------------------------------------------------------------------------------------

ODD = [0.0, -0.0, 1.0, 1.0 + 1e-6, 1.0 + 2e-5, -3.5, 1e300, -1e300, 1e-310, np.inf, -np.inf, np.nan]


def _pairs():
    for a, b in itertools.product(ODD, repeat=2):
        yield np.array([a, 1.0]), np.array([b, 1.0])
    yield np.ones((2, 3)), np.ones(3)  # broadcast, as numpy would
    yield np.ones((2, 1)), np.ones((1, 3))


@pytest.mark.parametrize("rtol, atol", [(1e-5, 1e-8), (1e-6, 1e-9), (0.0, 0.0)])
def test_allclose_says_what_numpy_says_on_every_odd_value(rtol, atol, monkeypatch):
    """Arrays of a few entries (an invariant's) are judged in Python's floats, not by numpy's calls (_within)."""
    calls, within = collections.Counter(), compare._within
    monkeypatch.setattr(compare, "_within", lambda *a: calls.update(["numpy"]) or within(*a))
    with np.errstate(all="ignore"):
        for a, b in _pairs():
            assert compare.allclose(a, b, rtol, atol) == np.allclose(a, b, rtol=rtol, atol=atol), (a, b)
            for number in ODD:  # against a number, as a column's sum against 1
                assert compare.allclose(a, number, rtol, atol) == np.allclose(a, number, rtol=rtol, atol=atol)
        assert calls["numpy"] == 2  # (the two pairs that broadcast)
        big = np.linspace(0.0, 1.0, compare.SMALL + 1)
        for changed in (big, big + 1e-3, np.where(big > 0.5, np.inf, big), np.where(big > 0.5, np.nan, big)):
            assert compare.allclose(changed, big, rtol, atol) == np.allclose(changed, big, rtol=rtol, atol=atol)
            assert compare.allclose(big, changed, rtol, atol) == np.allclose(big, changed, rtol=rtol, atol=atol)
    assert compare.allclose(np.array([1.0 + 1e-7]), 1.0, rtol=1e-5, atol=1e-6)  # a column sum against 1


def _long_way(expected, got, rtol, atol):
    """_array_differences's judgement as it was made before its shortcut: every entry copied to float64."""
    expected, got = expected.astype(np.float64), got.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return not (~(np.abs(got - expected) <= atol + rtol * np.abs(expected))).any()


def test_an_array_compared_the_short_way_differs_exactly_where_the_long_way_says():
    with np.errstate(all="ignore"):  # (the relative error of an infinite expected value)
        for a, b in _pairs():
            if a.shape != b.shape:
                continue
            lines = compare.differences("x", a, b, 1e-5, 1e-8)
            assert (lines == []) == _long_way(a, b, 1e-5, 1e-8), (a, b, lines)
    lines = compare.differences("x", np.array([1.0, 2.0]), np.array([1.0, 2.5]), 1e-5, 1e-8)
    assert lines[0] == "x differs in 1 of 2 entries" and "expected 2, got 2.5" in lines[1]
    # a kind worked out once per type still tells a bool from a number, and an int64 from both
    assert compare.differences("n", 3, True, 0, 0) == ["n is True; expected 3"]
    assert compare.differences("n", np.int64(3), 3, 0, 0) == ["n is 3; expected np.int64(3)"]


def test_a_right_answers_small_arrays_are_judged_without_numpy_and_as_numpy_judges_them(monkeypatch):
    """A step's cache holds dozens of arrays of a few entries: each is judged in Python's floats, not by numpy's
    seven calls (_within) nor under numpy's error state (a third of their cost), and an entry that differs is still
    found and named where it is, odd values included."""
    calls = collections.Counter()
    within, errstate = compare._within, np.errstate
    monkeypatch.setattr(compare, "_within", lambda *a: calls.update(["numpy"]) or within(*a))
    monkeypatch.setattr(np, "errstate", lambda **kw: calls.update(["errstate"]) or errstate(**kw))
    right = (np.arange(6.0).reshape(2, 3), [np.ones(4), {"b": np.full(5, 0.5)}])
    close = (right[0] + 1e-12, [np.ones(4), {"b": np.full(5, 0.5 - 1e-12)}])
    assert compare.differences("x", right, close, 1e-5, 1e-8) == []
    assert calls["numpy"] == calls["errstate"] == 0
    with np.errstate(all="ignore"):
        for a, b in _pairs():
            if a.shape != b.shape:
                continue
            for n in (1, 16, 17):  # the Python loop up to 16 entries, numpy past them: the same verdicts
                expected, got = np.resize(a, n) if n > 1 else a[:1], np.resize(b, n) if n > 1 else b[:1]
                lines = compare.differences("x", ([np.ones(3)], {"k": expected}), ([np.ones(3)], {"k": got}), 1e-5,
                                            1e-8)
                assert (lines == []) == _long_way(expected, got, 1e-5, 1e-8), (expected, got, lines)
                assert not lines or lines[0].startswith("x[1]['k'] differs in")
    assert calls["numpy"] > 0 and calls["errstate"] > 0  # (the arrays of 17 entries)


# --- the training's budget --------------------------------------------------------------------------------------

def _train(budget, clock, iterations=30):
    params = {"w": np.zeros(2)}
    return training.train(lambda p: (1.0, {"w": np.ones(2)}), params, lambda name, value, grad: value - grad,
                          iterations, budget, clock)


def test_the_cpu_clock_is_not_read_while_the_budget_cannot_have_been_reached():
    reads = collections.Counter()

    def clock():
        reads["read"] += 1
        return 0.0
    run = _train(20.0, clock)
    assert len(run.history) == 30 and reads["read"] == 0


def test_a_budget_within_reach_stops_at_the_iteration_that_reading_every_time_stops_at():
    spent = iter(np.arange(0.0, 10.0, 0.02))  # each read 0.02 s of CPU more: past 0.09 at the 6th read
    with pytest.raises(Failure) as stopped:
        _train(0.09, lambda: next(spent))
    assert "training stopped after 5 of 30 iterations" in str(stopped.value)
    assert len(stopped.value.history) == 5


# --- the reports ------------------------------------------------------------------------------------------------

def _document(text, checks=3):
    from grader.report import bounds
    record = {"id": "f.public", "function": "f", "description": text, "points": 0.0, "max_points": 2.0,
              "status": "failed", "message": text, "optional": False, "seconds": 0.1, "diagnoses": [text]}
    document = {"schema_version": "1.0", "grader_version": "0", "assignment": "a", "submission": text, "kind": "py",
                "score": 0.0, "max_score": 2.0, "extra_credit": 0.0, "extra_credit_max": 0.0, "isolation": "none",
                "loaded": True, "functions": {"f": {"score": 0.0, "max_score": 2.0, "optional": False}},
                "checks": [dict(record) for _ in range(checks)], "cells": [], "notes": [text], "sources": {},
                "output": {"stdout": text, "stderr": text}, "limits": {}, "tolerance": {"rtol": 0, "atol": 0}}
    return document, bounds


@pytest.mark.parametrize("text", ['"' * 3000, "<&>" * 1000, "\x01\x7f" * 1000, "\U0001f600" * 1000, "`|*_" * 800,
                                  "", "x"])
@pytest.mark.parametrize("everywhere", [True, False])
def test_the_size_said_from_report_json_bounds_every_rendered_file(text, everywhere):
    """bounds.fits says a report fits from report.json's size alone where FACTOR times it (and FLOOR) is within
    the limit: every file rendered from it must be that small, whatever the text escapes to (in every field, or
    only in a message, which junit.xml writes twice, 4 bytes for each <)."""
    document, bounds = _document(text) if everywhere else _document("x")
    if not everywhere:
        document["checks"][0]["message"] = text * 10
    estimate = bounds.FACTOR * len(json.dumps(document, indent=1)) + bounds.FLOOR
    assert bounds.size(document) <= estimate
    assert bounds.fits(document, estimate) and not bounds.fits(document, bounds.size(document) - 1)


# --- crossings --------------------------------------------------------------------------------------------------

def test_a_judged_backward_gets_its_cases_in_two_messages(tmp_path, monkeypatch):
    """A backward judged on its student's own caches: the forward's cases in one message, then the backward's on
    the caches they made in one more, not one round trip per case; the verdicts are those of the correct example."""
    from grader import assignment
    from grader.sandbox import answers
    monkeypatch.setattr(answers, "ASKED", answers.Asked())  # as the first grading of a process: nothing sealed along
    document, sent = _sent_while_grading(ROOT / "submissions" / "rnn_layers" / "layers_correct.py",
                                         assignment.find("rnn_layers"))
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    # the model's checks' 8 calls (a model made, its parameters set, its loss), the public case of the 6 forwards
    # and of the 6 judged backwards (2 calls: the forward's cache, then the backward): no other case asked alone
    assert sent["call"] == 8 + 6 + 2 * 6, sent
    # 914 callbacks, 109 of them asked again in the same sandbox and answered there (child.Answered)
    assert 0 < sent["callback_return"] <= 805, sent


def _sent_while_grading(path, chosen):
    from benchmarks.grade_speed import messages_sent
    from grader.api import grade_submission
    with messages_sent() as sent:
        return grade_submission(path, chosen), sent


def test_the_structure_and_public_checks_ask_the_public_case_once(rnn):
    """Both call each function on its public case: the public check takes the structure check's answers (with
    the callbacks they made), and says the same as when it asked again."""
    document, sent = _sent_while_grading(ROOT / "submissions" / "correct.py", rnn)
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    # one call per function's public case, one per backward's gradient check: no other case is asked alone
    assert sent["call"] == 8 + 4, sent


def test_a_function_s_checks_that_ask_in_one_message_each_share_one(grade_source, monkeypatch):
    """Once a function's first check found it written, its checks that would each ask it in one message (hidden
    values, hidden shapes, properties) are asked in one (grade._ask_ahead), each taking its own answers: one batch
    per function, not three. A case that hangs still fails its own check, the function is not called again, and
    the other functions are graded; an unwritten function (a stub) is asked once."""
    from grader.sandbox import process
    sent, send = [], process.Sandbox.send
    monkeypatch.setattr(process.Sandbox, "send",
                        lambda sandbox, message: sent.append(message) or send(sandbox, message))
    source = mutate("    a_next = np.tanh(", "    while xt.shape != (3, 10):  # not the handout's sizes\n        pass\n"
                                            "    a_next = np.tanh(")
    source = mutate("def lstm_cell_backward(da_next, dc_next, cache):\n",
                    "def lstm_cell_backward(da_next, dc_next, cache):\n    raise NotImplementedError\n", source)
    status = {check["id"]: check["status"] for check in grade_source(source)["checks"]}
    assert [status[f"rnn_cell_forward.{kind}"] for kind in ("structure", "hidden_values", "hidden_shapes",
                                                             "properties")] == ["passed", "passed", "timeout",
                                                                                "skipped"]
    assert status["lstm_cell_backward.structure"] == "error" and status["lstm_cell_backward.properties"] == "skipped"
    assert all(outcome == "passed" for check, outcome in status.items() if check.split(".")[0] not in
               ("rnn_cell_forward", "lstm_cell_backward")), status
    batches = collections.Counter(message["function"] for message in sent if message["op"] == "calls")
    assert batches == {function: 1 for function in ("rnn_cell_forward", "rnn_forward", "lstm_cell_forward",
                                                    "lstm_forward", "rnn_cell_backward", "rnn_backward",
                                                    "lstm_backward")}, batches
    assert [message["op"] for message in sent if message.get("function") == "lstm_cell_backward"] == ["call"]


def test_a_function_s_batch_is_sent_while_its_first_check_judges_and_never_before_a_public_case_asked_again(
        grade_source, monkeypatch):
    """Once every public case of a function is answered, the message of its next checks (hidden values, hidden
    shapes, properties) is sent while its first check judges those answers (grade._when_written), not once the next
    check begins. A public case that raised is asked again by the public check before that message, as before: the
    sandbox runs the same calls in the same order."""
    from grader import grade as grading
    from grader.sandbox import process
    events, send, verdict = [], process.Sandbox.send, grading._verdict
    monkeypatch.setattr(process.Sandbox, "send", lambda sandbox, message: events.append(
        (message["op"], message.get("function"))) or send(sandbox, message))
    monkeypatch.setattr(grading, "_verdict", lambda check, *args: events.append(("check", check.id)) or verdict(
        check, *args))
    status = {c["id"]: c["status"] for c in grade_source(
        mutate("    a_next = np.tanh(", "    raise ValueError('mine')\n    a_next = np.tanh("))["checks"]}

    def sent(function):  # [(each message's op, the check running when it was sent)]
        running = [event[1] if event[0] == "check" else None for event in events]
        running = list(itertools.accumulate(running, lambda last, now: now or last))
        return [(op, check) for (op, name), check in zip(events, running) if op != "check" and name == function]
    assert sent("rnn_forward") == [("call", "rnn_forward.structure"), ("calls", "rnn_forward.structure")]
    assert sent("rnn_cell_forward") == [("call", "rnn_cell_forward.structure"), ("call", "rnn_cell_forward.public"),
                                        ("calls", "rnn_cell_forward.hidden_values")]
    assert status["rnn_cell_forward.hidden_values"] == "error" and status["rnn_forward.properties"] == "passed"


def test_a_grading_asks_the_grader_each_callback_once_per_sandbox_and_encodes_each_case_once(rnn, monkeypatch):
    """The child answers a callback asked again (the same stand-in, the same arguments' bytes) itself: a property
    test's causal invariant asks a forward on the same steps but the last. And a case asked for ahead is taken by
    its very (read-only) arguments: only a call not asked ahead has its arguments encoded again to be looked up."""
    from grader.sandbox import answers, foreseen
    from grader.sandbox.program import Program
    looked_up, ahead = [], Program._ahead
    monkeypatch.setattr(Program, "_ahead", lambda program, request: looked_up.append(request) or ahead(program, request))
    monkeypatch.setattr(answers, "ASKED", answers.Asked())  # nothing sealed along: every callback is the grader's
    monkeypatch.setattr(answers, "FORESEEN", answers.Asked())
    monkeypatch.setattr(foreseen, "callers", lambda assignment: {})
    document, sent = _sent_while_grading(ROOT / "submissions" / "correct.py", rnn)
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    # 410 callbacks, 40 of them a causal invariant's steps asked again (370 when the grader answered each once)
    assert 0 < sent["callback_return"] <= 370, sent
    assert len(looked_up) == sent["call"] == 12, (len(looked_up), sent)


def test_a_next_grading_encodes_the_property_tests_arguments_no_more(rnn, monkeypatch):
    """A property test's cases are the same read-only values for every submission of a process: their blobs are
    made once, with them. The next grading of the same submission encodes only what is not made once per process
    (its hidden and public cases, 68 values; 1,152 when every case was encoded to be asked, and again to be found)."""
    from grader.api import grade_submission
    from grader.sandbox import wire
    encoded, encode = [], wire.encode
    grade_submission(ROOT / "submissions" / "correct.py", rnn)
    monkeypatch.setattr(wire, "encode", lambda *a, **k: encoded.append(1) or encode(*a, **k))
    document = grade_submission(ROOT / "submissions" / "correct.py", rnn)
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    assert 0 < len(encoded) <= 100, len(encoded)


def test_a_public_case_that_raised_is_asked_again_by_the_public_check(grade_source):
    from conftest import mutate
    document = grade_source(mutate("    a_next = np.tanh(", "    raise ValueError('mine')\n    a_next = np.tanh("))
    said = {c["id"]: (c["status"], c["message"]) for c in document["checks"]}
    assert said["rnn_cell_forward.structure"][0] == said["rnn_cell_forward.public"][0] == "error"
    assert said["rnn_cell_forward.structure"][1] == said["rnn_cell_forward.public"][1]
    assert "ValueError: mine" in said["rnn_cell_forward.public"][1]


def test_a_grading_makes_each_function_s_stand_ins_once(rnn, monkeypatch):
    """The reference stand-ins, pairs and replays of a function's calls are made once per grading, not for each of
    its hundreds of calls (318 for the correct example: 16 functions and variants at most)."""
    from grader.grade import Context
    made, make = [], Context._make_stand_ins
    monkeypatch.setattr(Context, "_make_stand_ins", lambda context, *a: made.append(a) or make(context, *a))
    document, _ = _sent_while_grading(ROOT / "submissions" / "correct.py", rnn)
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    assert 0 < len(made) == len(set(made)) <= 16, made


@pytest.mark.parametrize("name, path, most", [("rnn", "correct.py", 0),
                                              ("rnn_layers", "rnn_layers/layers_correct.py", 408)])
def test_a_next_grading_gets_its_callbacks_answers_sealed_along_and_asks_few(name, path, most, monkeypatch):
    """The second grading of the same submission in a process (a batch's next correct submission asks the same)
    gets the reference's answers to the callbacks the first one made sealed along with each call (wire.seal), where
    the question and its answer are small (wire.SEAL_MOST_BYTES): none of the first assignment's 370 remain round
    trips (its largest, the hidden shapes' LSTM steps, are 9.4 kB; with an 8 kB bound 48 did); of the second's 805,
    the training's sequences (128 kB) and 8 of the judged backwards' 108 steps (those of the calls that are not
    asked ahead: a call holds the handle of its forward's cache, another object in each sandbox, and only a call
    asked ahead is known by its case, Program.prefetch's `asked_as`; 508 when none was)."""
    from grader import assignment
    from grader.sandbox import answers, foreseen
    monkeypatch.setattr(answers, "ASKED", answers.Asked())
    monkeypatch.setattr(answers, "FORESEEN", answers.Asked())  # nothing foreseen (see the next test)
    monkeypatch.setattr(foreseen, "callers", lambda assignment: {})
    monkeypatch.setattr(foreseen, "judged", lambda assignment: {})
    chosen = assignment.find(name)
    first, asked = _sent_while_grading(ROOT / "submissions" / path, chosen)
    document, sent = _sent_while_grading(ROOT / "submissions" / path, chosen)
    assert document["score"] == first["score"] == document["max_score"] + document["extra_credit_max"]
    assert [c["status"] for c in document["checks"]] == [c["status"] for c in first["checks"]]
    assert asked["callback_return"] > 300 and sent["callback_return"] <= most, (asked, sent)


def test_a_next_grading_seals_no_answer_and_encodes_no_hidden_case_again(rnn, monkeypatch):
    """What a grading sends along with its calls is the same in the next grading of a process (a batch's next correct
    submission): the answers sealed once (370 here, 4-6 ms of hashing a grading) and the same ciphertexts sent
    again; the hidden cases' arguments encoded once (56), as the property tests' are: only the 12 single calls' are
    encoded again (their arguments are looked up by their blobs)."""
    from grader import grade as grading
    from grader.sandbox import answers, process, program, wire
    # as a process's first grading (the test below): what gradings of other tests in this process left in these
    # stores changed which answers the first grading sealed along (two fewer than the second, in some orders)
    monkeypatch.setattr(answers, "ASKED", answers.Asked())
    monkeypatch.setattr(answers, "FORESEEN", answers.Asked())
    monkeypatch.setattr(answers, "REFERENCE", answers.Answers())
    monkeypatch.setattr(grading, "_FORESEEN", grading.weakref.WeakKeyDictionary())
    made, seal, encode = collections.Counter(), wire.seal, wire.encode
    monkeypatch.setattr(wire, "seal", lambda *a: made.update(["sealed"]) or seal(*a))
    monkeypatch.setattr(wire, "encode", lambda *a, **k: made.update(["encoded"]) or encode(*a, **k))
    monkeypatch.setattr(program, "_SEALS", {})
    messages, send = [], process.Sandbox.send
    monkeypatch.setattr(process.Sandbox, "send", lambda sandbox, m: messages.append(m) or send(sandbox, m))
    first, _ = _sent_while_grading(ROOT / "submissions" / "correct.py", rnn)
    sealed, sent_first, messages[:] = made["sealed"], [m.get("sealed") for m in messages], []
    made["encoded"] = 0
    document, _ = _sent_while_grading(ROOT / "submissions" / "correct.py", rnn)
    assert document["score"] == first["score"] == document["max_score"] + document["extra_credit_max"]
    assert sealed > 300 and made["sealed"] == sealed, (sealed, made)
    assert [m.get("sealed") for m in messages] == sent_first
    assert made["encoded"] <= 12, made


@pytest.mark.parametrize("name, path, most", [("rnn", "correct.py", 0),
                                              ("rnn_layers", "rnn_layers/layers_correct.py", 408)])
def test_a_first_grading_gets_the_foreseen_callbacks_answers_sealed_along(name, path, most, monkeypatch):
    """The callbacks of a right submission that grade._prepare foresaw (grader.sandbox.foreseen: the reference's
    calling functions run on the checks' arguments) are sealed along with each call in a process's first grading
    too, as a next grading's are: none of 370 remain round trips, as in the test above; of the second assignment's,
    408 as in the test above (its forwards' steps are foreseen, with the caches they make, and its judged backwards'
    steps on those caches, foreseen.remember_judged: 508 when these were not)."""
    from grader import assignment
    from grader import grade as grading
    from grader.sandbox import answers
    monkeypatch.setattr(answers, "ASKED", answers.Asked())  # a process's first grading
    monkeypatch.setattr(answers, "FORESEEN", answers.Asked())
    # (and an empty store: the answers of another assignment graded before in this process, the second's training
    # sequences, would crowd out this grading's foreseen ones, which then come back as round trips)
    monkeypatch.setattr(answers, "REFERENCE", answers.Answers())
    monkeypatch.setattr(grading, "_FORESEEN", grading.weakref.WeakKeyDictionary())
    document, sent = _sent_while_grading(ROOT / "submissions" / path, assignment.find(name))
    assert document["score"] == document["max_score"] + document["extra_credit_max"]
    assert sent["calls"] > 0 and sent["callback_return"] <= most, sent
