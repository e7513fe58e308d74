"""The reference's answers to the callbacks that a right submission's checks will make, worked out while its
sandbox starts (grade._prepare: a notebook's imports and cells leave the grader's process idle for a second).

A graded function that calls another by design gets the reference's callee as a stand-in, which the sandbox
reaches back for (program.Program._callback); the reference's answers are remembered by the bytes of the
arguments (answers.py), and a process's first grading computed every one of them while the sandbox
waited. Here each calling function of the reference runs on the arguments the checks will give the student's,
with its callees recorded: every call it makes is one a right submission makes, with the same arguments, so its
answer is remembered under the key that callback would have. A submission that calls with other arguments asks
other keys, answered as before. Nothing reaches the sandbox: an answer is sent only to the callback that asks it.
Only plain callbacks are foreseen (a callee whose cache stays in the grader, assignment.pairs, is left to them).
"""
import copy
import types

from . import answers, wire


def callers(assignment):
    """{function: its callees} of the functions whose callbacks can be foreseen: every callee a plain stand-in."""
    paired = set(assignment.pairs) | set(assignment.pairs.values())
    return {function: callees for function, callees in assignment.calls.items()
            if callees and not paired & {function, *callees}}


def remember(solution, function, callees, argument_lists):
    """Run the reference's `function` on each of `argument_lists` with its `callees` recorded: each call's answer
    is remembered (answers.REFERENCE) under the key of a callback with those arguments. What raises is left."""
    stand_ins = {name: getattr(solution, name) for name in callees}
    recorded = _recording(getattr(solution, function), stand_ins)
    for args in argument_lists:
        try:
            recorded(*copy.deepcopy(tuple(args)))
        except Exception:  # noqa: BLE001 -- (a case the reference refuses): its callbacks are answered as they come
            continue


def _recording(function, stand_ins):
    """`function` with each callee it looks up by name replaced by one that remembers its answer."""
    names = {**function.__globals__, **{name: _recorder(stand_in) for name, stand_in in stand_ins.items()}}
    made = types.FunctionType(function.__code__, names, function.__name__, function.__defaults__,
                              function.__closure__)
    made.__kwdefaults__ = function.__kwdefaults__
    return made


def _recorder(stand_in):
    """The stand-in, remembering the blob of each answer under the key (answers.key) Program._reference_answer
    gives a plain callback: no cache made, none given."""
    def record(*args, **kwargs):
        key = answers.key(stand_in, wire.encode(args), wire.encode(kwargs))
        value = stand_in(*args, **kwargs)
        answers.REFERENCE.put(key, wire.encode(value), None)  # (kept as it was, if it was there)
        return value
    return record
