"""The student's program as the checks see it: loaded once in a sandbox, called by name, restarted after a hang.

A function that hangs or kills its sandbox is recorded as dead and never called again; the next call to another
function starts a fresh sandbox and loads the submission again.
"""
from dataclasses import dataclass, field

import numpy as np

from . import answers, cells, usage, wire
from .intake import choose_definition
from .process import CallTimeout, ChildDied, Missing, Raised, Sandbox, Unsendable


class Dead(Exception):
    """The function hung or crashed its sandbox earlier, so it is not called again."""


@dataclass
class Loaded:
    error: dict | None = None
    functions: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    definitions: dict = field(default_factory=dict)  # split program: {function: {module: digest of its source}}
    module_errors: dict = field(default_factory=dict)  # split program: {module: the error that stopped its import}


class Program:
    def __init__(self, scratch, submission, limits, provided=None, package=None, warm=None, numbers=None):
        self.scratch, self.submission, self.limits, self.provided = scratch, submission, limits, provided
        self.warm = warm  # a sandbox started in `scratch` ahead of the submission (spare.py), for the first load
        self.package = package  # the provided package a lone module is loaded into (see loader._load_module)
        self.sandbox = None
        self.loaded = None
        self.dead = {}  # function -> (status, why it is not called again)
        self.restarts = 0
        self.isolation = None  # what the sandbox used (bubblewrap, process); None if none was started
        self.sources = {}  # split program: {function: the module whose definition is graded}
        self.caches = {}  # token -> the cache a reference stand-in made (see _callback)
        self._tokens = {}  # id(a cache in caches) -> its latest token (see _sealed)
        self._prefetched = []  # [(a call's request, its outcome, what it was asked with)] asked for ahead
        # (prefetch), in order; what it was asked with: (its fields, its method, its args, its kwargs, its owner)
        self._pending = []  # [(a call's request, what it was asked with, how to hear it)]: sent ahead, its answer
        # not read yet (see prefetch); each comes before those after it, and after every _prefetched one
        self._reaching_back = set()  # functions whose calls reached back for a stand-in (see prefetch)
        # a stand-in -> the number the child knows it by (see _fields): `numbers` ({stand-in: 1, 2, ...}) first, so
        # that a callback's question is the same in every command (foreseen.numbers: its sealed answer can be kept)
        self._versions = dict(numbers or {})
        self._remembers = True  # whether a callback's answer is looked up and kept (answers.REFERENCE; see calls())

    def load(self):
        """Start a sandbox and load the submission into it (a notebook: run its cells); the first load's report
        is kept. A reload runs a notebook again without the cells that hung or crashed the first time."""
        if self.submission.problem:  # nothing can run; the report says why
            loaded = Loaded({"type": "NotGradable", "message": self.submission.problem})
        elif self.submission.kind == "notebook":
            loaded = self._run_notebook()
        else:
            self.sandbox, error = self._start()
            definitions, module_errors = self._split_program(self._answer)
            loaded = Loaded(error, self._functions, definitions=definitions, module_errors=module_errors)
        if self.loaded is None:
            self.loaded = loaded
        return loaded

    def _start(self):
        """(a fresh sandbox that has answered the "load" request, its load error or None)."""
        if self.sandbox is not None:
            self.sandbox.stop()
        sandbox, self.warm = self.warm, None
        if sandbox is not None and sandbox.alive:
            sandbox.adopt()
        else:
            if sandbox is not None:  # it ended before the submission came: what it left ends too
                sandbox.stop()
            sandbox = Sandbox(self.scratch, self.limits, self.provided)
            sandbox.start()
        self.isolation = sandbox.isolation
        request = {"op": "load", "kind": self.submission.kind, "entry": self.submission.entry,
                   "entries": list(self.submission.entries), "package": self.package}
        try:
            answer = sandbox.request(request, self.limits.load_seconds)
        except CallTimeout:
            answer = {"error": {"type": "Timeout", "message":
                                f"loading the submission took longer than {self.limits.load_seconds:g} s"}}
        except ChildDied as exc:
            answer = {"error": {"type": "Exit", "message": f"loading the submission failed: {exc}"}}
        self.sandbox, self._functions, self._answer = sandbox, answer.get("functions", []), answer
        return sandbox, answer.get("error")

    def _split_program(self, answer):
        """(definitions, module_errors) of the child's answer, keeping only well-formed entries about the
        submission's own modules: the child is not trusted."""
        modules = set(self.submission.entries)
        definitions, errors = answer.get("definitions"), answer.get("module_errors")
        definitions = {function: {m: str(digest) for m, digest in found.items() if m in modules}
                       for function, found in (definitions if isinstance(definitions, dict) else {}).items()
                       if isinstance(function, str) and isinstance(found, dict)}
        errors = {m: e for m, e in (errors if isinstance(errors, dict) else {}).items()
                  if m in modules and isinstance(e, dict)}
        return {f: found for f, found in definitions.items() if found}, errors

    def choose_sources(self, functions):
        """For a program split across modules: pick the definition of each of `functions` that is graded (see
        intake.choose_definition); returns the notes that say why, where there was a choice to make."""
        notes = [f"{module} stopped with {str(error.get('message') or 'an error').splitlines()[-1]}"
                 + (f" at line {error['line']}" if error.get("line") else "") + "; what it defined before that was graded"
                 for module, error in self.loaded.module_errors.items()]
        for function in functions:
            if self.loaded.definitions.get(function):
                self.sources[function], note = choose_definition(function, self.loaded.definitions[function])
                notes += [note] if note else []
        return notes

    def _run_notebook(self):
        lost = {run.number for run in (self.loaded.cells if self.loaded else ()) if run.lost_process
                or run.status == "timeout"}
        runner = cells.Runner(self._start, self.limits)
        held = {cell.number for cell in self.submission.cells() if cell.index in self.submission.not_run}
        error, runs = runner.run(self.submission.cells(), skip=lost | held)
        self.sandbox = runner.sandbox
        return Loaded(error, [], runs)

    def call(self, function, *args, substitute=None, pairs=None, keep=None, target=None, method=None, record=(),
             replay=None, **kwargs):
        """Call the student's `function`; `substitute` maps graded callees to grader-side stand-ins.

        `pairs` ({backward: forward}, among the substitutes): the forward's cache (its last output) stays here and
        the child gets a token for it, which the stand-in backward turns back into that cache. `keep` ("all" or
        "last"): the value, or its last item, stays in the child as a handle. `target` (a handle) and `method` (a
        dotted name): call that method of an object kept in the child; `function` then names what is graded.
        `record`: the student's own callees (step forwards) whose caches the child remembers with their inputs;
        `replay` ({forward: reference}): a stand-in backward given such a cache gets the reference's cache made
        from those inputs, so that it answers with the reference's gradients for the student's own steps.
        An answer asked for ahead (prefetch) is taken from there, as if the call had just been made."""
        if function in self.dead:
            raise Dead(self.dead[function][1])
        substitute = substitute or {}
        # A stand-in forward's cache stays here (the child gets a token) even when its backward isn't a stand-in
        # in this call: the reference's intermediate values never reach the sandbox.
        pairs = {b: f for b, f in (pairs or {}).items() if b in substitute or f in substitute}
        fields = self._fields(function, substitute, pairs, keep, target, record)
        outcome = self._ahead_same(fields, _method(method, target), args, kwargs)
        if outcome is None:
            request = {**fields, "args": wire.encode(args), "kwargs": _kwargs(kwargs), **_method(method, target)}
            outcome = self._ahead(request)
        if outcome is None:  # the child answers a message only after the cases sent ahead of it
            self._hear(len(self._pending))
        for _ in range(2) if outcome is None else ():
            if self.sandbox is None or not self.sandbox.alive:
                self.restarts += 1
                self.load()
            outcome = self._ask(function, request, substitute, pairs, replay,
                                sealed=self._sealed([_asked_key(request)], substitute, pairs))
            # A sandbox that ended without a word may have been ending before this call reached it (the function
            # called before exited just after its answer, and the process was not yet seen gone): asked once more
            # in a new sandbox, the call is judged on what it does itself.
            if outcome[:1] != ("died",) or outcome[2]:
                break
        return self._value(function, outcome)

    def prefetch(self, function, cases, substitute=None, pairs=None, keep=None, target=None, methods=None, record=(),
                 replay=None, encoded=None, owners=None, asked_as=None):
        """Ask for the answers of calls to come in one message: `cases`, [(args, kwargs)], of `function` (with
        `methods[i]` of `target`, if given), run in order in the sandbox, each answer sent back as it ends. call()
        then takes each answer from here instead of a round trip. Every case has the per-call time limit; one that
        raises is only that case's answer; one that hangs or crashes the sandbox stops the batch, and the call that
        reaches it gets the timeout or the crash, so the function is dead from the same call as one by one.
        `encoded`: wire.encode(args) of each case (or None), made already (the checks' values, the same in every
        grading).
        `owners`: for each case, the check it is asked for, where that is a later check than the running one, whose
        answers forget() keeps until that check is done.
        `asked_as`: for each case, the argument list whose blob stands for its arguments' in the key its callbacks
        are remembered and foreseen under (_asked_key): a judged backward's case, whose call holds the handle of a
        cache its student's forward made, another in each grading (foreseen.remember_judged).

        The answers are read as the calls reach them (_hear), not here: while the grader compares one answer
        with the reference, the child works on the next cases (two cores, where there are two)."""
        if function in self.dead or not cases:
            return
        self._hear(len(self._pending))  # one batch at a time: its answers can't fill the pipe behind a new one
        substitute = substitute or {}
        pairs = {b: f for b, f in (pairs or {}).items() if b in substitute or f in substitute}
        common = self._fields(function, substitute, pairs, keep, target, record)  # once for the whole batch
        encoded = [wire.encode(args) if blob is None else blob
                   for (args, _), blob in zip(cases, encoded or [None] * len(cases))]
        requests = [{**common, "args": encoded[i], "kwargs": _kwargs(kwargs),
                     **_method(methods[i] if methods else None, target)} for i, (args, kwargs) in enumerate(cases)]
        asked = {id(request): (common, _method(methods[i] if methods else None, target), *cases[i],
                               owners[i] if owners else None)
                 for i, request in enumerate(requests)}  # what each was asked with, for _ahead_same and forget
        keyed = {id(request): {**request, "args": wire.encode(tuple(asked_as[i]))}
                 for i, request in enumerate(requests)} if asked_as else {}
        if self.sandbox is None or not self.sandbox.alive:
            self.restarts += 1
            self.load()
        hearing = (function, substitute, pairs, replay)
        waiting = [requests]
        while waiting:
            batch = waiting.pop(0)
            if not self._hear(len(self._pending)):  # (a batch split in parts: the part before is heard first)
                return  # the sandbox was stopped: the rest is asked when it is reached
            keys = _asked_keys([keyed.get(id(request), request) for request in batch])
            try:
                self.sandbox.send({**common, "op": "calls", "cases": [
                    {k: r[k] for k in ("args", "kwargs", "method") if k in r} for r in batch],
                    **_field("sealed", self._sealed(keys, substitute, pairs))})
            except wire.WireError:  # past the wire's size cap (nothing was sent): in two halves, one by one at worst
                if len(batch) == 1:
                    raise
                waiting[:0] = [batch[:len(batch) // 2], batch[len(batch) // 2:]]
                continue
            self._pending += [(request, asked[id(request)], (*hearing, i + 1 < len(batch), keys[i]))
                              for i, request in enumerate(batch)]

    def _hear(self, count):
        """Read the answers of the first `count` cases sent ahead (prefetch) into _prefetched, answering their
        callbacks; a case whose sandbox was stopped (a hang, a crash) ends them all: the rest are asked when
        reached, in a new sandbox. False if that happened."""
        for _ in range(count):
            if not self._pending:
                break
            request, asked, (function, substitute, pairs, replay, more, key) = self._pending.pop(0)
            heard = []
            outcome = self._ask(function, request, substitute, pairs, replay, sent=True, heard=heard,
                                patient=more and function not in self._reaching_back, key=key)
            if len(heard) > 1:  # (its answer is heard too) it reached back: the child waits for the grader
                self._reaching_back.add(function)
            self._prefetched.append((request, _decoded(outcome), asked))
            if outcome[0] != "answer":
                self._pending = []
                return False
        return True

    def _fields(self, function, substitute, pairs, keep, target, record):
        """A call request's fields but its arguments and method, those that are not the child's defaults only (a
        plain call is four fields to write and read). `versions`: a number for each stand-in, the same for the same
        function, so that the child gives an answer of the grader's again only to a call of the stand-in that gave
        it (child.Answered); it tells the child nothing else."""
        names = sorted(substitute)
        versions = [self._versions.setdefault(substitute[name], len(self._versions) + 1) for name in names]
        fields = {"op": "call", "function": function, "substitute": names, "versions": versions,
                  "module": self.sources.get(function), "pairs": pairs, "keep": keep, "record": list(record),
                  "target": target.id if target is not None else None}
        return {name: value for name, value in fields.items() if value or name == "function"}

    def calls(self, function, cases, remember=True, **options):
        """What call() returns for each of `cases` in turn, asked in one message (prefetch, same `options`): a
        generator that raises at a case what call() would raise there. For calls made once, in order (a training
        step), where looking each answer up again would encode the arguments twice. `remember`: False where no
        later call will ask their callbacks again (a training step of a process's only grading): the reference
        answers each, its answer neither looked up nor kept (answers.REFERENCE: keeping a training's 40 MB of
        answers and arguments cost more than computing them, in memory the process had never used)."""
        if function in self.dead:
            raise Dead(self.dead[function][1])
        before = len(self._prefetched)
        self._remembers = remember
        try:
            self.prefetch(function, cases, **options)
            self._hear(len(self._pending))
        finally:
            self._remembers = True
        answered, self._prefetched = self._prefetched[before:], self._prefetched[:before]
        for i, (args, kwargs) in enumerate(cases):
            if i < len(answered):
                yield self._value(function, answered[i][1])
            else:  # the sandbox stopped at an earlier case: ask again, as call() would
                method = (options.get("methods") or [None] * len(cases))[i]
                yield self.call(function, *args, **{k: v for k, v in options.items() if k != "methods"},
                                method=method, **kwargs)

    def forget(self, done=None):
        """Drop the answers asked for ahead and not taken at a check's end (`done`: the check), once they are read;
        those asked for a later check (prefetch's `owners`) are kept for it."""
        def later(asked):
            return asked[4] not in (None, done)
        self._hear(max((i + 1 for i, (_, asked, _) in enumerate(self._pending) if not later(asked)), default=0))
        self._prefetched = [entry for entry in self._prefetched if later(entry[2])]

    def _ahead(self, request):
        """The outcome asked for ahead of the first request equal to this one (compared as encoded: the same
        function, arguments, stand-ins and target), taken out; None if there is none."""
        return self._take(lambda asked, _: asked == request)

    def _ahead_same(self, fields, method, args, kwargs):
        """_ahead() without encoding the arguments: the outcome asked for ahead with these very objects, where
        they are the first asked with these fields and can't have changed since (each array read-only: the checks'
        cases and fixtures, made read-only for every submission of a process); None where that isn't known."""
        def same(_, how):
            common, asked_method, asked_args, asked_kwargs, _ = how
            if common != fields or asked_method != method:
                return False
            if kwargs or asked_kwargs or len(args) != len(asked_args) or \
                    any(a is not b for a, b in zip(args, asked_args)) or not _fixed(args):
                return None
            return True
        return self._take(same)

    def _take(self, matches):
        """The outcome of the first call asked ahead for which `matches(request, what it was asked with)` is true,
        taken out (its answer read first, if it is still coming), or None: if there is none, or where `matches`
        says None first (not known to be the same)."""
        for i, (request, _, how) in enumerate(self._prefetched):
            found = matches(request, how)
            if found is not False:
                return self._prefetched.pop(i)[1] if found else None
        for i, (request, how, _) in enumerate(self._pending):
            found = matches(request, how)
            if found is not False:
                if not found:
                    return None
                self._hear(i + 1)
                if self._prefetched and self._prefetched[-1][0] is request:
                    return self._prefetched.pop()[1]
                return None  # its sandbox was stopped at an earlier case: it is asked again
        return None

    def _ask(self, function, request, substitute, pairs, replay, sent=False, patient=False, heard=None, sealed=None,
             key=None):
        """("answer", the child's final answer), or ("timeout",) or ("died", why, whether the child said anything
        for this request first) once the sandbox is stopped. `patient`: a case of a batch, more of whose answers
        are coming (Sandbox.answer); `heard` gets an item for each message the child sent before its answer.
        `sealed`: the answers sent along with the request (not sent yet), see _sealed. The plain callbacks the
        call made are remembered for the next grading (answers.ASKED), under `key` (_asked_keys)."""
        heard, made = [] if heard is None else heard, []

        def respond(message, _):
            heard.append(True)
            return self._callback(message, function, substitute, pairs, replay or {}, made)
        try:
            if sent:
                answer = self.sandbox.answer(self.limits.call_seconds, respond, patient)
            else:
                answer = self.sandbox.request({**request, **_field("sealed", sealed)}, self.limits.call_seconds,
                                              respond)
            answers.ASKED.put(key or _asked_key(request), made)
            return "answer", answer
        except CallTimeout:
            return ("timeout",)
        except ChildDied as exc:
            return "died", str(exc), bool(heard)

    def _value(self, function, outcome):
        """What the call returns, or raises, given its outcome (asked now or ahead)."""
        if outcome[0] == "timeout":
            self.dead[function] = ("timeout", f"{function} ran past its {self.limits.call_seconds:g} s limit and was stopped")
            raise CallTimeout()
        if outcome[0] == "died":
            self.dead[function] = ("error", f"{function} ended its sandbox: {outcome[1]}")
            raise ChildDied(outcome[1])
        answer = outcome[1]
        op = answer.get("op")
        if outcome[0] == "decoded":
            return answer["value"]
        if op == "return":
            try:
                return wire.decode(answer.get("value"), views=True)
            except wire.Malformed as exc:  # no child of ours sends it: a forger, stopped as one that breaks framing
                if self.sandbox is not None:
                    self.sandbox.stop()
                return self._value(function, ("died", f"the sandbox broke the protocol: {str(exc)[:300]}"))
            except wire.WireError as exc:
                raise Unsendable(str(exc)) from None
        if op == "raised":
            raise Raised(answer["error"])
        if op == "missing":
            raise Missing(function)
        if op == "unsendable":
            raise Unsendable(answer.get("message", ""))
        if self.sandbox is not None:
            self.sandbox.stop()
        raise ChildDied(f"the sandbox answered {op!r}")

    def _callback(self, message, function, substitute, pairs, replay, made=None):
        """Answer a graded callee that the child reached back for; False ends the wait for the call.

        Only the stand-ins of this call answer: a stand-in kept from an earlier call, or a message forged for any
        other name, is refused, so a function under grading can't borrow another function's reference answers.
        The cache of a stand-in forward (a callee in `pairs`' values) stays here; the child gets a token for it."""
        if message.get("op") != "callback":
            return False
        name = message.get("function")
        stand_in = substitute.get(name) if isinstance(name, str) else None
        if stand_in is None:
            allowed = ", ".join(sorted(substitute)) or "none"
            self.sandbox.send({"op": "callback_raised", "message": (
                f"{str(name)[:80]} is not answered by the grader while {function} is graded (it answers only"
                f" the functions that {function} calls by design: {allowed})")})
            return True
        makes_cache = name in pairs.values()
        try:
            blob, cache = self._reference_answer(message, stand_in, makes_cache, pairs, replay)
            reply = {"op": "callback_return", "value": blob}
            args, kwargs = message.get("args"), message.get("kwargs")
            if made is not None and type(args) is bytes and type(kwargs) is bytes and "inputs" not in message \
                    and wire.sealable((args, kwargs), blob):
                # a question that a sealed answer can answer next time (given: the cache a token stands for)
                made.append((name, makes_cache, args, kwargs, self.caches[message["token"]] if "token" in message
                             else None))
            if makes_cache:  # the cache stays here; the child gets its token
                token = len(self.caches) + 1
                self.caches[token], reply["token"], self._tokens[id(cache)] = cache, token, token
        except Exception as exc:  # the student's call to the callee was wrong: tell their code, as numpy would
            reply = {"op": "callback_raised", "message": f"{message.get('function')}: {type(exc).__name__}: {exc}"}
        self.sandbox.send(reply)
        return True

    def _reference_answer(self, message, stand_in, makes_cache, pairs, replay):
        """(the blob of the stand-in's answer, the cache it keeps here or None); a callback with plain arguments
        already answered, in this grading or an earlier one in this process, is answered as it was (answers.py)."""
        args, kwargs = message.get("args"), message.get("kwargs")
        given = self.caches[message["token"]] if "token" in message else None  # a stand-in forward's cache
        key = None
        if self._remembers and type(args) is bytes and type(kwargs) is bytes and "inputs" not in message:
            key = answers.key(stand_in, args, kwargs, makes_cache, given)
            known = answers.REFERENCE.get(key)
            if known is not None:
                return known
        args, kwargs = wire.decode(args), wire.decode(kwargs)
        if "token" in message:  # a stand-in backward given the token of a stand-in forward's cache
            args = (*args, given)
        elif "inputs" in message:  # given a student's own step cache: the reference's, from that step's inputs
            inputs, keywords = wire.decode(message["inputs"])
            args = (*args, replay[pairs[message.get("function")]](*inputs, **keywords)[-1])
        value, cache = stand_in(*args, **kwargs), None
        if makes_cache:
            value, cache = tuple(value[:-1]), value[-1]
        blob = wire.encode(value)
        if key is not None:
            answers.REFERENCE.put(key, blob, cache)
        return blob, cache

    def _sealed(self, keys, substitute, pairs):
        """[[index, ciphertext]]: the reference's answers to the callbacks that the requests of these `keys`
        (_asked_keys) made before (answers.ASKED), or else that the reference made on their arguments (answers.
        FORESEEN), each sealed by its question (wire.seal), for the child to open if its code asks the same. A
        stand-in forward's cache stays here under a token, as _callback keeps it; a backward's answer given that
        token is sealed too (its question holds the token)."""
        sealed, tokens = [], self._tokens
        asked = [entry for key in keys
                 for entry in answers.ASKED.get(key) or answers.FORESEEN.get(_foreseen_key(key))]
        for name, makes_cache, args, kwargs, given in sorted(asked, key=lambda entry: entry[4] is not None):
            stand_in = substitute.get(name)  # (the forwards first: a backward's question holds their tokens)
            if stand_in is None or makes_cache != (name in pairs.values()) or \
                    (given is not None and id(given) not in tokens):
                continue
            known = answers.REFERENCE.get(answers.key(stand_in, args, kwargs, makes_cache, given))
            if known is None:
                continue
            blob, cache = known
            if not wire.sealable((args, kwargs), blob):  # (asked: hashing it costs more than a round trip)
                continue
            token = 0
            if makes_cache:  # (a cache given a token already keeps it: a backward's question may hold it)
                token = tokens.get(id(cache)) or len(self.caches) + 1
                self.caches[token], tokens[id(cache)] = cache, token
            question = wire.callback_question(name, self._versions[stand_in], makes_cache,
                                              None if given is None else tokens[id(given)], args, kwargs)
            sealed.append(list(seal_once(question, token.to_bytes(8, "big") + blob)))
        return sealed

    def cpu_seconds(self):
        """CPU seconds that the running sandbox's processes have used so far, or None where that can't be read."""
        if self.sandbox is None or self.sandbox.process is None:
            return None
        return usage.cpu_seconds(self.sandbox.process.pid)

    def close(self):
        for sandbox in (self.sandbox, self.warm):
            if sandbox is not None:
                sandbox.stop()

    def output(self):
        return self.sandbox.output() if self.sandbox else ["", ""]


_SEALS = {}  # {a callback's question: (its answer, wire.seal's pair)}, SEALS_MOST_BYTES of answers at most
SEALS_MOST_BYTES = 32 * 2**20
_sealed_bytes = [0]  # (counted as the answers' lengths, twice: the ciphertexts are as long)


def seal_once(question, plain):
    """wire.seal(question, plain), made once per process: every grading of a batch seals the same answers to the same
    questions (410 a grading of the first assignment: 4-6 ms of hashing), and a question sealed before with another
    answer (a token that now stands for another cache) is sealed anew."""
    known = _SEALS.get(question)
    if known is not None and known[0] == plain:
        return known[1]
    return keep_seal(question, plain, wire.seal(question, plain))


def keep_seal(question, plain, made):
    """Have `made`, wire.seal(question, plain), taken by the next seal_once of that very question and answer (an earlier
    command's, kept: foreseen.kept_answers); returns it."""
    if _sealed_bytes[0] + 2 * len(plain) > SEALS_MOST_BYTES:  # (answers of at most 16 kB: forgotten all at once)
        _SEALS.clear()
        _sealed_bytes[0] = 0
    _SEALS[question] = (plain, made)
    _sealed_bytes[0] += 2 * len(plain)
    return made


def plain_seal(name, number, args, kwargs, reply):
    """(question, plain): what _sealed seals `reply` by, the answer of stand-in `name` (known to the child by
    `number`) to a callback with these arguments' blobs that keeps no cache in the grader (no token)."""
    return wire.callback_question(name, number, False, None, args, kwargs), bytes(8) + reply


def _method(method, target):
    """The method field of a call request: only for a method of an object kept in the child (`target`)."""
    return {"method": method} if method is not None or target is not None else {}


def _kwargs(kwargs):
    """The blob of a call's keyword arguments (most calls have none: that blob is made once)."""
    return wire.encode(kwargs) if kwargs else _NO_KWARGS


_NO_KWARGS = wire.encode({})


def _fixed(value):
    """Whether `value` is made of read-only arrays, numbers, strings and handles in tuples, lists and dicts: what
    the checks pass to a call and never change (kinds.read_only)."""
    kind = type(value)
    if kind is np.ndarray:
        return not value.flags.writeable
    if kind is dict:
        value = value.values()
    elif kind is not tuple and kind is not list:
        return kind in _SCALARS or kind is wire.Handle
    for item in value:  # (a loop: all() of a generator costs more than the rest, on every call of a check)
        if type(item) is np.ndarray:
            if item.flags.writeable:
                return False
        elif not _fixed(item):
            return False
    return True


_SCALARS = (int, float, str, bool, type(None), np.float64, np.int64)


def _decoded(outcome):
    """A batch's outcome with its value decoded already, while the child runs the next cases (a value that fails
    to decode is left as it came: the call that reaches it fails as it would have)."""
    if outcome[0] == "answer" and outcome[1].get("op") == "return":
        try:
            return "decoded", {"value": wire.decode(outcome[1].get("value"), views=True)}
        except wire.WireError:
            pass
    return outcome


def _asked_key(request, before=None):
    """What makes a call ask the same callbacks again: the function (and method), its stand-ins and its arguments'
    blobs, and those of the case `before` it in its batch (a model's loss after its update); not the object it is
    called on (a model kept in the child is another object in each grading)."""
    return (request.get("function"), request.get("method"), request.get("module"),
            tuple(request.get("substitute", ())), request.get("args"), request.get("kwargs"),
            before and _asked_key(before))


def _foreseen_key(key):
    """The key of answers.FORESEEN for a request's _asked_key: a plain call's function and arguments' blob; a
    method's, with the method and the arguments' blob of the case before it in its batch (None: none)."""
    function, method, _, _, args, kwargs, before = key
    if kwargs != _NO_KWARGS:
        return None
    return (function, args) if method is None else (function, method, args, before and before[4])


def _asked_keys(batch):
    """_asked_key of each request of a batch."""
    return [_asked_key(request, batch[i - 1] if i else None) for i, request in enumerate(batch)]


def _field(name, value):
    """{name: value}, or nothing where value is empty: a message's optional field."""
    return {name: value} if value else {}
