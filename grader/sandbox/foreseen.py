"""The reference's answers to the callbacks that a right submission's checks will make, worked out while its
sandbox starts (grade._prepare: a notebook's imports and cells leave the grader's process idle for a second).

A graded function that calls another by design gets the reference's callee as a stand-in, which the sandbox
reaches back for (program.Program._callback); the reference's answers are remembered by the bytes of the
arguments (answers.py), and a process's first grading computed every one of them while the sandbox
waited. Here each calling function of the reference runs on the arguments the checks will give the student's,
with its callees recorded: every call it makes is one a right submission makes, with the same arguments, so its
answer is remembered under the key that callback would have, and the call's callbacks under its arguments, so
that the call is sent with their answers sealed (Program._sealed: each opens only for the very callback that asks
it, as those a next grading sends). A submission that calls with other arguments asks other keys, answered as
before. A forward stand-in's cache (assignment.pairs) stays in the grader, as Program._callback keeps it; a
backward judged on its student's own forward's cache (grader.checks.own_caches) is foreseen on the step caches the
reference's forward made on the same case (remember_judged), which are those a right forward's callbacks get.
"""
import copy
import types

from . import answers, kept, program, wire


def numbers(assignment):
    """{graded callee (assignment.calls): its number, from 1, in the order they are declared}: a Program numbers the
    reference's function of each so before any call (its `numbers`), in every command alike, so that a callback's
    question, and the seal of its answer that keep() keeps, are the same in the next command."""
    callees = dict.fromkeys(callee for callees in assignment.calls.values() for callee in callees)
    return {callee: number for number, callee in enumerate(callees, 1)}


def callers(assignment):
    """The functions whose callbacks can be foreseen: they call stand-ins, and no backward of assignment.pairs is
    among them or their callees."""
    backwards = set(assignment.pairs)
    return [function for function, callees in assignment.calls.items()
            if callees and not backwards & {function, *callees}]


def remember(assignment, function, fixtures, argument_lists):
    """Run the reference's `function` (one of callers()) on the arguments of each of its `fixtures` and on each of
    `argument_lists`, with its callees recorded: each call's answer is remembered (answers.REFERENCE) under the key
    of a callback with those arguments, and the callbacks of each argument list under the function and that list's
    blob (answers.FORESEEN), so that a call with it gets their answers sealed along (Program._sealed) in a process's
    first grading too. What raises is left. Returns [(each key of answers.FORESEEN put, its callbacks)] (keep())."""
    made, solution, put = [], assignment.solution, []
    callees = {callee: getattr(solution, callee) for callee in assignment.calls[function]}
    recorded = recording(getattr(solution, function), callees, assignment.pairs, made)
    for args in [f.args for f in fixtures] + list(argument_lists):
        made.clear()
        try:
            recorded(*copy.deepcopy(tuple(args)))
        except Exception:  # noqa: BLE001 -- (a case the reference refuses): its callbacks are answered as they come
            continue
        put.append(((function, wire.encode(tuple(args))), list(made)))
        answers.FORESEEN.put(*put[-1])
    return put


def judged(assignment):
    """{backward: its forward} of the pairs whose callbacks can be foreseen for a backward judged on its student's
    own cache (grader.checks.own_caches): both call stand-ins by design (the step functions of a sequence)."""
    return {backward: forward for backward, forward in assignment.pairs.items()
            if assignment.calls.get(backward) and assignment.calls.get(forward)}


def remember_judged(assignment, backward, fixtures, argument_lists):
    """Run the reference's forward of `backward` and then `backward` on each case of its `fixtures` and of
    `argument_lists` (a case's arguments: its forward's, then the upstream gradients) with their callees recorded, as
    a right submission's own forward and backward call them: the forward's callbacks are remembered under the forward
    and its arguments, as remember() does, and the backward's, given the step caches the forward made (those its
    student's forward gets tokens for), under the backward and the case's arguments (Program.prefetch's `asked_as`:
    the handle of the cache that the backward's call holds is another in each grading). What raises is left.
    Returns what it put, as remember() does."""
    if not fixtures:
        return []
    forward, solution, size = assignment.pairs[backward], assignment.solution, len(fixtures[0].args)
    count = len(fixtures[0].expected["forward"])  # (the upstream gradients, one for each output but the cache)
    made = {forward: [], backward: []}
    run = {name: recording(getattr(solution, name), {callee: getattr(solution, callee) for callee in
                                                     assignment.calls[name]}, assignment.pairs, made[name])
           for name in made}
    put = []
    for args in [f.args for f in fixtures] + [args for args in argument_lists if len(args) == size]:
        for asked in made.values():
            asked.clear()
        try:
            run[backward](*copy.deepcopy(tuple(args[-count:])), run[forward](*copy.deepcopy(tuple(args[:-count])))[-1])
        except Exception:  # noqa: BLE001 -- (a case the reference refuses): its callbacks are answered as they come
            continue
        put += [((forward, wire.encode(tuple(args[:-count]))), list(made[forward])),
                ((backward, wire.encode(tuple(args))), list(made[backward]))]
        for key, callbacks in put[-2:]:
            answers.FORESEEN.put(key, callbacks)
    return put


def recording(function, substitute, pairs, made=None):
    """`function` of the reference (a method of its model class, say) with the stand-ins `substitute` ({callee:
    the reference's function}, those a student's code is given) remembering their answers (answers.REFERENCE), the
    backwards of `pairs` ({backward: forward}) theirs by the cache a recorded forward made, as their callbacks are
    by the cache its token stands for: a student's code that calls the stand-ins as `function` does, with the same
    arguments, is answered without the reference running again (a model's training: the reference's own run
    foresees a right model's callbacks, 400 in the second assignment's). `made`: a list that gets each call's
    question, for expect()."""
    forwards = set(pairs.values())
    return _recording(function, {name: (stand_in, name in forwards, name in pairs)
                                 for name, stand_in in substitute.items()}, made)


def expect(function, method, args, before, made):
    """The callbacks `made` (recording()'s, by the reference's `method`) are what a student's call of `method` of
    their `function` (an object kept in the sandbox) with `args` will ask, after a call with `before` (None: none
    before it in its batch): the call is sent with their answers sealed (Program._sealed), in a first grading too."""
    answers.FORESEEN.put((function, method, wire.encode(tuple(args)), None if before is None else
                          wire.encode(tuple(before))), list(made))


def _recording(function, stand_ins, made):
    """`function` with each callee it looks up by name replaced by one that remembers its answer, and its
    question in `made` (unless None) as Program._callback records a callback's (answers.Asked)."""
    names = {**function.__globals__, **{name: _recorder(name, *stand_in, made) for name, stand_in in stand_ins.items()}}
    recording = types.FunctionType(function.__code__, names, function.__name__, function.__defaults__,
                                   function.__closure__)
    recording.__kwdefaults__ = function.__kwdefaults__
    return recording


def _recorder(name, stand_in, makes_cache, takes_cache, made):
    """The stand-in, remembering the blob of each answer (and the cache it makes, which stays in the grader) under
    the key (answers.key) Program._reference_answer gives its callback: the cache given (`takes_cache`: the last
    argument, which the child sends as a token) or none. A forward returns the cache kept under its key, so that a
    backward given it has the key of a callback given that cache's token."""
    def record(*args, **kwargs):
        given = args[-1] if takes_cache and args else None
        args_blob, kwargs_blob = wire.encode(args[:-1] if takes_cache else args), wire.encode(kwargs)
        value = stand_in(*args, **kwargs)
        answer, cache = (tuple(value[:-1]), value[-1]) if makes_cache else (value, None)
        key = answers.key(stand_in, args_blob, kwargs_blob, makes_cache, given)
        cache = answers.REFERENCE.put(key, wire.encode(answer), cache)  # (kept as it was, if it was there)
        if made is not None:
            made.append((name, makes_cache, args_blob, kwargs_blob, given))
        return (*answer, cache) if makes_cache else value
    return record


# What remember() worked out, kept for the next command (kept.py): a process's first grading runs the reference on
# 160 argument lists and encodes 1,390 values (0.035 s of the grader's CPU, beside the first checks, each of whose
# returns from a wait for the sandbox may then wait for the interpreter's lock too). Where every callback of a function
# is plain (no cache kept in the grader: all of the first assignment's), the blobs of its questions and of the
# reference's answers are kept, under a key of every file of the assignment (its reference, its recipes, its
# fixtures' manifest) and of the wire's format and this code; the next command reads them back in 3-5 ms. Each
# answer reaches the sandbox as before, sealed by its question, and a question that is no longer asked is never
# opened.


def kept_answers(depends_on, solution, functions, numbers):
    """Put back into answers.FORESEEN and answers.REFERENCE what keep() kept of `functions` for the reference module
    `solution`, where the files it depends on (`depends_on`) are as they were, and each answer's seal (numbers: {callee:
    the number numbers() gives it}); returns the functions put back."""
    calls, blobs = kept.read(kept.name("foreseen", solution), _key(depends_on)) or ({}, [])
    replies, asked, seals = [], [], []  # (all read before any is put back)
    try:
        found = {function: calls[function] for function in functions if function in calls}
        for function, made_on in found.items():
            for args, made in made_on:
                replies += [(answers.key(getattr(solution, callee), blobs[question], blobs[keywords]), blobs[reply])
                            for callee, question, keywords, reply, _, _ in made]
                asked.append(((function, blobs[args]), [(callee, False, blobs[question], blobs[keywords], None)
                                                        for callee, question, keywords, *_ in made]))
                seals += [(*program.plain_seal(callee, numbers[callee], blobs[question], blobs[keywords], blobs[reply]),
                           (blobs[index], blobs[sealed])) for callee, question, keywords, reply, index, sealed in made]
    except (ValueError, TypeError, IndexError, KeyError, AttributeError):  # not ours: worked out again
        return set()
    for key, reply in replies:
        answers.REFERENCE.put(key, reply, None)
    for key, made in asked:
        answers.FORESEEN.put(key, made)
    for question, plain, made in seals:
        program.keep_seal(question, plain, made)
    return set(found)


def keep(depends_on, solution, put, numbers):
    """Keep for the next command what remember() put ({function: its list}), of the functions whose callbacks are
    all plain and answered in answers.REFERENCE, with each answer's seal (by `numbers`, as kept_answers() reads
    it): a command's first grading sealed the first assignment's 410 answers again (4-7 ms of its checks' CPU)."""
    if not kept.writable():
        return
    blobs, functions = kept.Blobs(), {}
    for function, entries in put.items():
        calls = []
        for (_, args), made in entries:
            replies = [None if cache or given is not None else answers.REFERENCE.known(answers.key(
                getattr(solution, callee), question, keywords)) for callee, cache, question, keywords, given in made]
            if None in replies:
                break
            seals = [program.seal_once(*program.plain_seal(callee, numbers[callee], question, keywords, reply))
                     for (callee, _, question, keywords, _), reply in zip(made, replies)]
            calls.append([blobs.at(args), [[callee, blobs.at(question), blobs.at(keywords), blobs.at(reply),
                                            blobs.at(index), blobs.at(sealed)]
                                           for (callee, _, question, keywords, _), reply, (index, sealed)
                                           in zip(made, replies, seals)]])
        else:
            functions[function] = calls
    if functions:
        kept.write(kept.name("foreseen", solution), _key(depends_on), functions, blobs.blobs)


def _key(depends_on):
    return kept.key([*depends_on, wire.__file__, answers.__file__, kept.__file__, program.__file__, __file__])
