"""Calls asked for ahead in one message (Program.prefetch): the same answers as one call at a time, one round trip
for all of them, and a case that raises, hangs or crashes costs only itself, at the call that reaches it."""
import time

import numpy as np
import pytest

from conftest import ROOT, loaded_program
from grader import assignment
from grader.grade import Context
from grader.sandbox import intake
from grader.sandbox.limits import Limits
from grader.sandbox.process import CallTimeout, ChildDied, Raised
from grader.sandbox.program import Dead, Program

SOURCE = '''
import os
import time
import numpy as np
CALLS = []

def slow(x):
    time.sleep(0.3)
    return x

def double(x):
    CALLS.append(x)
    return np.asarray(x) * 2

def calls():
    return len(CALLS)

def raises_on_two(x):
    if x == 2:
        raise ValueError("two")
    return x

def hangs_on_two(x):
    while x == 2:
        pass
    return x

def crashes_on_two(x):
    if x == 2:
        os._exit(3)
    return x
'''
LIMITS = Limits(call_seconds=1.0, load_seconds=20.0, grace_seconds=0.3)
CORRECT = ROOT / "submissions" / "correct.py"


@pytest.fixture
def program(tmp_path):
    made = _loaded(tmp_path, LIMITS)
    yield made
    made.close()


def _loaded(tmp_path, limits):
    return loaded_program(tmp_path, SOURCE, limits)


def counting(program):
    """Count the messages the grader sends to the sandbox from now on."""
    sent = []
    send = program.sandbox.send
    program.sandbox.send = lambda message: (send(message), sent.append(message["op"]))[0]  # once it went
    return sent


def test_answers_asked_ahead_are_the_same_and_cost_one_message(program):
    sent = counting(program)
    program.prefetch("double", [((n,), {}) for n in range(5)])
    got = [program.call("double", n).tolist() for n in range(5)]
    assert got == [0, 2, 4, 6, 8]
    assert sent == ["calls"]
    assert program.call("calls") == 5  # each case ran once, in the sandbox, in order
    assert program.call("double", 7).tolist() == 14  # not asked ahead: a call of its own


def test_the_child_works_on_the_cases_asked_ahead_while_the_grader_works_on_their_answers(program):
    """prefetch sends the cases and returns; each answer is read when a call reaches it. So the child's work on
    the next cases and the grader's on the answers so far (comparing them with the reference) overlap: the time
    is the larger of the two, not their sum, on a machine with a core for each."""
    started = time.monotonic()
    program.prefetch("slow", [((n,), {}) for n in range(3)])
    asked = time.monotonic() - started
    time.sleep(0.9)  # the grader's own work, meanwhile: the child runs the three cases (0.3 s each)
    assert [program.call("slow", n) for n in range(3)] == [0, 1, 2]
    took = time.monotonic() - started
    assert asked < 0.25, asked  # it did not wait for the answers (0.9 s)
    assert took < 0.9 + 0.9 - 0.4, took  # (1.8 s when the answers were read before the grader's work)


def test_cases_past_the_wire_s_size_cap_go_in_as_many_messages_as_it_takes(tmp_path):
    program = _loaded(tmp_path, Limits(call_seconds=30.0, load_seconds=20.0))  # 24 MiB answers take a while
    try:
        big = [np.full(3 * 2**20, float(n)) for n in range(3)]  # 24 MiB each: two fit in one message, three don't
        sent = counting(program)
        program.prefetch("double", [((array,), {}) for array in big])
        assert sent == ["calls", "calls"]
        assert [float(program.call("double", array)[-1]) for array in big] == [0.0, 2.0, 4.0]
        assert sent == ["calls", "calls"]  # every answer was asked ahead
    finally:
        program.close()


def test_an_answer_is_taken_once_and_only_for_the_same_arguments(program):
    program.prefetch("double", [((1,), {})])
    assert program.call("double", 3).tolist() == 6
    assert program.call("double", 1).tolist() == 2
    assert program.call("double", 1).tolist() == 2
    assert program.call("calls") == 3  # 1 ahead (taken once), 3, then 1 again


def test_a_case_that_raises_fails_alone(program):
    program.prefetch("raises_on_two", [((n,), {}) for n in (1, 2, 3)])
    assert program.call("raises_on_two", 1) == 1
    with pytest.raises(Raised, match="two"):
        program.call("raises_on_two", 2)
    assert program.call("raises_on_two", 3) == 3
    assert not program.dead


@pytest.mark.parametrize("function, status, error", [("hangs_on_two", "timeout", CallTimeout),
                                                     ("crashes_on_two", "error", ChildDied)])
def test_a_case_that_hangs_or_crashes_stops_its_function_at_the_call_that_reaches_it(program, function, status,
                                                                                    error):
    started = time.monotonic()
    program.prefetch(function, [((n,), {}) for n in (1, 2, 3)])
    assert time.monotonic() - started < LIMITS.call_seconds + 5  # the batch waited one call's limit, no more
    assert not program.dead  # not yet: no call has reached the case
    assert program.call(function, 1) == 1
    with pytest.raises(error):
        program.call(function, 2)
    assert program.dead[function][0] == status
    with pytest.raises(Dead):  # not called again
        program.call(function, 3)
    assert program.call("double", 4).tolist() == 8  # the other functions: a fresh sandbox
    assert program.restarts == 1


def test_a_hang_that_no_call_reaches_kills_nothing_but_the_sandbox(program):
    program.prefetch("hangs_on_two", [((n,), {}) for n in (1, 2)])
    assert program.call("hangs_on_two", 1) == 1
    program.forget()  # the check ended before its second case
    assert not program.dead
    assert program.call("hangs_on_two", 3) == 3  # still graded, in a fresh sandbox


# --- the standard property tests: every call of every generated case in one message --------------------------------

@pytest.mark.parametrize("function", ["lstm_cell_forward", "rnn_forward"])
def test_a_property_test_asks_for_all_its_calls_in_one_message(tmp_path, function, monkeypatch):
    """The cases' arguments and each invariant's call on them (a batch cut to one example, a last step changed) are
    known before any answer: one "calls" message holds them all, and no call is sent one at a time. rnn_forward's
    stand-in rnn_cell_forward is still answered by the grader, one step at a time (its callbacks), in the first
    grading of a process that foresaw nothing (else, by the answers sealed along: tests/test_check_costs.py)."""
    from grader.sandbox import answers
    monkeypatch.setattr(answers, "ASKED", answers.Asked())
    monkeypatch.setattr(answers, "FORESEEN", answers.Asked())
    rnn = assignment.find("rnn")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    program = Program(scratch, intake.take_in(CORRECT, scratch), Limits(call_seconds=20.0), rnn.provided)
    try:
        program.load()
        sent = []
        send = program.sandbox.send
        program.sandbox.send = lambda message: (sent.append(message), send(message))[1]
        assert rnn.suite.checks[f"{function}.properties"].run(Context(rnn, program)) is None  # passed
    finally:
        program.close()
    batches = [message for message in sent if message["op"] == "calls"]
    assert len(batches) == 1 and not [message for message in sent if message["op"] == "call"]
    examples = rnn.settings["properties"]["max_examples"]
    assert examples < len(batches[0]["cases"]) <= 3 * examples  # each case, and the invariants' calls on it
    callbacks = [message for message in sent if message["op"] != "calls"]
    assert all(message["op"] == "callback_return" for message in callbacks)
    assert bool(callbacks) == (function == "rnn_forward")


def test_a_backward_judged_on_its_own_forwards_caches_asks_every_forward_in_one_message(tmp_path):
    """rnn_backward's property test (CS231n's layout: each student's own cache): the forwards of all generated
    cases are asked in one message, their caches kept in the sandbox; then the backward on each case's cache (its
    handle from the forward's answer) in one more, where it was a message each."""
    layers = assignment.find("rnn_layers")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    submission = intake.take_in(ROOT / "submissions" / "rnn_layers" / "layers_correct.py", scratch)
    program = Program(scratch, submission, Limits(call_seconds=20.0), layers.provided, layers.settings.get("package"))
    try:
        program.load()
        sent = []
        send = program.sandbox.send
        program.sandbox.send = lambda message: (sent.append(message), send(message))[1]
        check = layers.suite.checks["rnn_backward.properties"]
        assert check.run(Context(layers, program)) is None  # passed
    finally:
        program.close()
    examples = layers.settings["properties"]["max_examples"]
    batches = [message for message in sent if message["op"] == "calls"]
    assert [(b["function"], b.get("keep"), len(b["cases"])) for b in batches] == [  # (a default field is not sent)
        ("rnn_forward", "last", examples), ("rnn_backward", None, examples)]
    assert [message for message in sent if message["op"] == "call"] == []
