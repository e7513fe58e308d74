"""Grades one submission: intake, sandboxed load, every check of the assignment, one result record per check."""
import contextlib
import functools
import itertools
import json
import re
import shutil
import sys
import threading
import time
import traceback
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from . import answers, fixtures
from .checks import wrong_answer
from .checks.kinds import read_only
from .checks.suite import Check, Failure, Skip
from .errors import UsageError
from .sandbox import foreseen, intake, kept, spare
from .sandbox import notebook as notebooks
from .sandbox.limits import Limits
from .sandbox.process import CallTimeout, ChildDied, Forked, Missing, Raised, Sandbox, Unsendable
from .sandbox.program import Dead, Program


@dataclass(frozen=True)
class Result:
    id: str
    function: str | None
    description: str
    points: float
    max_points: float
    status: str  # passed, failed, error, timeout, skipped
    message: str
    optional: bool
    seconds: float
    diagnoses: list = field(default_factory=list)  # ids of the known mistakes the wrong answer matched
    series: dict = field(default_factory=dict)  # {name: [numbers]} a check recorded, such as a loss history
    answer: dict | None = None  # a wrong answer on values, for the class to compare (grader.checks.wrong_answer)


@dataclass(frozen=True)
class Graded:
    submission: intake.Submission
    results: list
    load_error: dict | None
    output: list
    restarts: int
    cells: tuple = ()  # a notebook's cells as they ran (grader.sandbox.cells.CellRun), in order
    isolation: str = "none"  # how the student's code was isolated: bubblewrap, process, or none (it never ran)
    sources: dict = field(default_factory=dict)  # a program split across modules: {function: module graded}


class Context:
    """What a check works with: the student's program, the fixtures, the reference and the tolerance."""

    def __init__(self, assignment, program, public_only=False, diagnose=True):
        self.assignment, self.program, self.public_only = assignment, program, public_only
        self.diagnose = diagnose  # name the known mistake a wrong answer matches (grader.checks.diagnose)
        self.settings = assignment.settings
        self.rtol, self.atol = self.settings["tolerance"]["rtol"], self.settings["tolerance"]["atol"]
        self.public = _fixtures(assignment.fixtures, "public")[1]
        # hidden_files: kept.key of the files the hidden cases were read from (their names, sizes and times)
        self.hidden_files, self.hidden = ([], {}) if public_only else _fixtures(assignment.fixtures, "hidden")
        self.series = {}  # what the running check recorded (record()); moved into its Result
        self._made_stand_ins = {}  # (function, own) -> stand_ins(function, own)
        self.own_steps = set()  # functions that read the caches of their steps: called with their own (_verdict)
        self.passed = set()  # functions a check passed already (run_checks): not a stub or a template
        self.foreseeing = {}  # {calling function or judged backward: an Event set once its callbacks are foreseen}
        self.foresight = None  # the thread that foresees them (_foresee), joined before grade() returns
        self._asked_ahead = {}  # (function, the ids of argument lists) -> those lists, asked by ask_ahead()
        self.when_written = None  # what written() does for the running check (run_checks: _when_written)
        self.once = False  # the process grades this one submission (the command line's): what a check would keep
        # for a next grading of the process is of no use (grader.checks.model: the training's callbacks)

    def call(self, function, *args, keep=None, target=None, method=None, own=False, **kwargs):
        """Call the student's function with the reference in place of the graded functions it calls by design
        (assignment.calls) and of no other, so that it earns only what its own code computes. The public checks
        use the student's own callees, as a student's copy has no reference (see PUBLIC_NOTE).

        `keep`, `target`, `method`: see Program.call (an object or a cache kept in the sandbox, a method of it).
        `own` (grader.checks.own_caches, when a backward can't read the stand-ins' cache tokens): the student's own
        step forwards make the caches, and the reference's step backward answers from each cache's inputs."""
        got = self.program.call(function, *args, **self.stand_ins(function, own), keep=keep, target=target,
                                method=method, **kwargs)
        if target is None and (got is None or function not in self.passed and _empty(got)):
            raise NothingReturned(function, got is not None)  # (a method, an update in place say, may return None)
        return got

    def stand_ins(self, function, own=False):
        """Program.call's substitute, pairs, record and replay for `function` (see call()): made once per grading
        (the assignment's declarations don't change during one; a check makes hundreds of calls), never changed."""
        own = own or function in self.own_steps
        made = self._made_stand_ins.get((function, own))
        if made is None:
            if function in self.foreseeing:  # its first call sends the callbacks' answers along (_foresee)
                self.foreseeing[function].wait()
            made = self._made_stand_ins[function, own] = self._make_stand_ins(function, own)
        return made

    def _make_stand_ins(self, function, own):
        callees, pairs = self.assignment.calls.get(function, ()), self.assignment.pairs
        if own:
            callees = [name for name in callees if name in pairs]  # the step forwards are the student's
        reference = {} if self.public_only else {
            name: getattr(self.assignment.solution, name) for name in callees}
        record = [] if self.public_only or not own else [
            name for name in self.assignment.calls.get(function, ()) if name in pairs.values()]
        replay = {pairs[name]: getattr(self.assignment.solution, pairs[name]) for name in reference if name in pairs}
        return {"substitute": reference, "pairs": pairs, "record": record, "replay": replay}

    def prefetch(self, function, argument_lists, target=None, methods=None, keep=None, encoded=None, asked_as=None):
        """Ask the student's `function` for its answers on every argument list in one message; the calls that
        follow with the same arguments (and `keep`) take them in order (grader.sandbox.program.Program.prefetch).
        `encoded`: the blob of each argument list as a tuple, made already; `asked_as`: see Program.prefetch. Lists
        that ask_ahead() asked already (the very objects) are not asked again."""
        if target is None and self._asked_ahead.pop((function, tuple(map(id, argument_lists))), None) is not None:
            return
        self.program.prefetch(function, [(tuple(args), {}) for args in argument_lists], **self.stand_ins(function),
                              target=target, methods=methods, keep=keep, encoded=encoded, asked_as=asked_as)

    def ask_ahead(self, function, planned):
        """Ask for the answers of several checks of `function` in one message: `planned`, [(check id, its argument
        lists, their blobs or None)] in the checks' order, each check's answers kept for it (Program.forget) and its
        own prefetch() of those lists then sending nothing. The sandbox runs the same calls in the same order as
        when each check asks its own."""
        lists = [args for _, argument_lists, _ in planned for args in argument_lists]
        encoded = [blob for _, argument_lists, blobs in planned
                   for blob in (blobs or [None] * len(argument_lists))]
        owners = [check for check, argument_lists, _ in planned for _ in argument_lists]
        self.program.prefetch(function, [(tuple(args), {}) for args in lists], **self.stand_ins(function),
                              encoded=encoded, owners=owners)
        for _, argument_lists, _ in planned:
            self._asked_ahead[function, tuple(map(id, argument_lists))] = argument_lists

    def written(self, function):
        """Every public case of `function` was answered (kinds._asked: none raised, returned None or can't cross)."""
        if self.when_written is not None:
            self.when_written(function)

    def calls(self, function, argument_lists, target=None, methods=None, remember=True):
        """The answers of `function` (with `methods[i]` of `target`) on each argument list, asked in one message:
        a generator that raises at a case what call() would (Program.calls: `remember`)."""
        return self.program.calls(function, [(tuple(args), {}) for args in argument_lists], **self.stand_ins(function),
                                  target=target, methods=methods, remember=remember)

    def cpu_clock(self):
        """A clock of the CPU seconds spent on the student's code from now on: the sandbox's processes', and this
        thread's (the grader's answers to its calls). A budget on it doesn't run out faster on a busy machine, as
        one on wall time does. None where the sandbox's CPU time can't be read."""
        start = self.program.cpu_seconds()
        if start is None:
            return None
        mine, spent = time.thread_time(), [0.0]

        def clock():
            used = self.program.cpu_seconds()
            if used is not None:  # (a sandbox that ended: the time counted so far stands)
                spent[0] = max(spent[0], used - start)
            return spent[0] + time.thread_time() - mine
        return clock

    def record(self, name, values):
        """Keep a series of numbers (a loss history) with the running check's result, for the reports' plots."""
        self.series[name] = [float(v) for v in values]


_LOADED = {}  # (fixtures folder, visibility) -> (kept.key of its files, what fixtures.load made of them)


def _fixtures(folder, visibility):
    """(kept.key of the files: their names, sizes and times; fixtures.load(folder, visibility)), read once per process
    while its files stay the same (a batch grades every submission with them), read-only."""
    files = sorted((Path(folder) / visibility).glob("*/*.json"))
    key = kept.key(files)
    made = _LOADED.get((str(folder), visibility))
    if made is None or made[0] != key:
        made = _LOADED[str(folder), visibility] = (key, fixtures.grouped(_read(folder, visibility, files, key),
                                                                         visibility))
    return made


def _read(folder, visibility, files, key):
    """fixtures.read(files), read-only: kept for the next commands (kept.py) under `key` while the files are as they
    were, each array then a view of the kept bytes (their JSON, 3 MB of floats written for people to read, took a
    command's first grading 0.1 s to parse)."""
    name = kept.named(f"fixtures-{visibility}", folder)
    made = kept.read_value(name, key)
    if made is None:
        made = read_only(fixtures.read(files))
        if kept.writable():
            kept.write_value(name, key, made)
    return made


def _empty(value):
    """None, or a tuple, list or dict of such only: what a handout's template returns before it is written
    (CS231n's `next_h, cache = None, None`; seed 002's `gradients = {"dxt": dxt, ...}` with each left None)."""
    if type(value) in (tuple, list):
        return bool(value) and all(map(_empty, value))
    if type(value) is dict:
        return bool(value) and all(map(_empty, value.values()))
    return value is None


class NothingReturned(Exception):
    """A graded function returned None, or None for each of its outputs (_empty): a stub, a `return` left out, or
    the handout's template left as it was. Said once per function (run_checks)."""

    def __init__(self, function, each=False):
        super().__init__(function)
        self.function, self.each = function, each


# The body a handout's stub has (grader.handout): the report says once that the function is not written yet.
STUB_ERROR = "NotImplementedError"


def grade(source, assignment, limits=Limits(), public_only=False, scratch_root=None, diagnose=True):
    """Grade one submission. `public_only`: only the checks a student may run (assignment.public_kinds), with
    the student's own callees and no diagnosis, so that the report is the same in a student's repository."""
    if not public_only:
        require_fixtures(assignment)
    diagnose = diagnose and not public_only  # the catalogue of mistakes is made of the reference
    scratch, warm = spare.scratch_for(limits, assignment.provided, scratch_root)
    only = warm is not None and spare.started_ahead(warm)  # the command line's one submission (ahead.py)
    program = graded = None
    # The checks get ready (_prepare) from here on, beside the intake, the sandbox's start and the submission's load:
    # a batch's first grading waits for its zygote's boot meanwhile, and the first notebook's cells don't share
    # the machine with it. The command line's one notebook, whose sandbox is ready before the notebook is read,
    # prepares them once it is read, while its cells run: its intake is then the longest path, and the two would
    # share the interpreter's lock (docs/log/speed.md).
    after_intake = only and warm.warm != spare.warm_kind(False)  # (warmed for a notebook: spare.warm_for)
    context = None if after_intake else _beside(_prepare, assignment, public_only, diagnose)
    try:
        if warm is None and Sandbox.forks is None:  # no zygote to fork from: the sandbox starts cold,
            # now, while the submission is taken in (a notebook read), as the command line's does (ahead.py)
            warm = spare.start(scratch, limits, assignment.provided, spare.warm_for(source))
        submission = intake.take_in(source, scratch, assignment.settings.get("expected_names", ()),
                                    assignment.helpers, graded=assignment.functions)
        if public_only:
            submission.notes.append(PUBLIC_NOTE.format(kinds=", ".join(assignment.public_kinds)))
        hold_back(assignment, submission)
        if not spare.fits(warm, submission.kind == "notebook"):
            warm = None
        if warm is None and not submission.problem:  # its interpreter starts while the grader gets ready below
            warm = spare.start(scratch, limits, assignment.provided, spare.warm_kind(submission.kind == "notebook"))
        numbers = {} if public_only else {getattr(assignment.solution, name): number
                                          for name, number in foreseen.numbers(assignment).items()}
        program = Program(scratch, submission, limits, assignment.provided, assignment.settings.get("package"), warm,
                          numbers)
        warm = None
        context = context or _beside(_prepare, assignment, public_only, diagnose)
        loaded = program.load()
        context = context()
        context.program, context.once = program, only
        if not only and scratch_root is None:  # a process that grades once may grade again: the next sandbox is
            # forked from a zygote (not where the caller chose the scratch folder: nothing is left there after it)
            from .sandbox import forkserver  # (not the command line's one grading: its import is 3 ms)
            forkserver.prestart(limits, assignment.provided, None, spare.warm_kind(submission.kind == "notebook"))
        spare.prepare(limits, assignment.provided, scratch_root, submission.kind == "notebook")
        if submission.kind == "modules" and not loaded.error:
            submission.notes.extend(program.choose_sources(assignment.functions))
        results = run_checks(assignment, context, loaded.error)
        if context.foresight is not None:  # (nothing of this grading works on once it returns)
            context.foresight.join()
        graded = Graded(submission, results, loaded.error, program.output(), program.restarts,
                        tuple(program.loaded.cells), program.isolation or "none", sources=dict(program.sources))
        return graded
    finally:
        _release(program, warm, scratch, later=graded is not None, alone=only)


_later = []  # where a batch worker has each grading's release done (release_later)
_alongside = {"on": False, "threads": []}  # the command line's one grading (released_alongside)


def release_later(run):
    """From now on, hand the release of each grading that finished in a sandbox forked from the zygote (the
    sandbox stopped, its scratch folder removed: a few hundredths of a second, mostly the child's own exit) to
    `run`, which a batch worker has done in a thread while its next submission is graded. Nothing of one submission
    is reachable from the next meanwhile: each fork sees only its own folder of the pool (zygote.py). A grading
    that raised, or whose sandbox started cold, still releases before grade() returns."""
    _later[:] = [run]


@contextlib.contextmanager
def released_alongside():
    """Within it, the release of a grading in the sandbox the command line started ahead of its one submission
    (ahead.py) runs in a thread while the caller writes its report: the child's own end (0.02-0.04 s) is then off
    the command's path. The threads are joined when it ends, so nothing of the sandbox outlives it."""
    _alongside.update(on=True, threads=[])
    try:
        yield
    finally:
        _alongside["on"] = False
        for thread in _alongside["threads"]:
            thread.join()


def _release(program, warm, scratch, later=False, alone=False):
    def release():
        if program is not None:
            program.close()
        elif warm is not None:  # intake refused the submission before a program took the spare sandbox
            warm.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    if later and _later and isinstance(getattr(program.sandbox, "process", None), Forked):
        _later[0](release)
    elif later and alone and _alongside["on"]:
        _alongside["threads"].append(threading.Thread(target=release, name="grading-release"))
        _alongside["threads"][-1].start()
    else:
        release()


def _prepare(assignment, public_only, diagnose):
    """The checks' Context (its program given once the submission is taken in), with the fixtures read, the
    standard checks' stored examples in place and what their checks compute alike for every submission made
    (kinds.Standard.ahead), while the sandbox starts and loads the submission. The foreseen callbacks (_foresee)
    are worked out after it is ready, beside the first checks: a calling function's first call waits for its own."""
    context = Context(assignment, None, public_only, diagnose)
    if assignment.standard is not None and not public_only:
        assignment.standard.prepare(fixtures.stored_examples(assignment.fixtures),
                                    fixtures.stored_gradients(assignment.fixtures))
        files = assignment.depends_on  # (what an earlier command kept is taken while they are as they were)
        taken = assignment.standard.take_kept(files, context)
        asked = assignment.standard.ahead([check.id for check in assignment.checks()])
        context.foreseeing = {function: threading.Event()
                              for function in (*foreseen.callers(assignment), *foreseen.judged(assignment))}
        context.foresight = threading.Thread(target=_foresee, args=(assignment, context, asked, files, taken),
                                             daemon=True, name="grading-foresee")
        context.foresight.start()
    return context


_FORESEEN = weakref.WeakKeyDictionary()  # a reference solution -> the functions whose callbacks were foreseen


def _foresee(assignment, context, asked, files, taken):
    """The reference's answers to the callbacks of every calling function's checks, then of the judged backwards'
    (foreseen.py: on its fixtures and the argument lists `asked` of kinds.Standard.ahead), worked out once per
    process and solution, or read back from what an earlier command kept while the assignment's `files` are as they
    were (foreseen.keep); each function's Event (context.foreseeing) set once its own are. Then, unless `taken`
    (kinds.Standard.take_kept), what ahead() made is kept for the next command."""
    done, judged = _FORESEEN.setdefault(assignment.solution, set()), foreseen.judged(assignment)
    numbers = foreseen.numbers(assignment)
    try:
        todo = [function for function in context.foreseeing if function not in done]
        kept = foreseen.kept_answers(files, assignment.solution, todo, numbers) if todo else set()
        done |= kept  # (an earlier command's, if nothing they depend on changed since)
        put = {}
        for function, ready in context.foreseeing.items():  # (the calling functions first, as _prepare lists them)
            if function not in done:
                done.add(function)
                remember = foreseen.remember_judged if function in judged else foreseen.remember
                put[function] = remember(assignment, function, (*context.public.get(function, ()),
                                                                *context.hidden.get(function, ())),
                                         asked.get(function, []))
            ready.set()
        if put and not kept:
            foreseen.keep(files, assignment.solution, put, numbers)
    finally:  # (what raised: its callbacks are answered as they come)
        for ready in context.foreseeing.values():
            ready.set()
    if not taken:
        assignment.standard.keep(files, context)


def _beside(function, *args):
    """Run function(*args) in a thread; returns a callable that waits for it and returns its value (or raises
    its exception). The grader's process is idle while its sandbox loads, and reading fixtures is work it can do."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 -- raised again in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="grading-prepare", daemon=True)
    thread.start()

    def result():
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]
    return result


PUBLIC_NOTE = ("public checks only ({kinds}): the other checks, on hidden cases among them, run when the"
               " instructor grades. A function that calls another graded function used your own version of it"
               " here, so one bug can fail several functions.")


def hold_back(assignment, submission):
    """The code cells of the items people grade with `run = false` (a Keras model's training, say) are shown as
    handed in and not run again; a cell that defines a graded function still runs."""
    held = answers.not_run(assignment.manual, submission, set(assignment.functions))
    if held:
        submission.not_run = frozenset(held)
        submission.notes.append(f"{len(held)} cells were not run: they are answers that a person grades "
                                "(manual.toml, run = false), shown as handed in")


def require_fixtures(assignment):
    """Full grading needs every hidden fixture that the manifest lists; say so before any grading starts."""
    manifest = assignment.fixtures / fixtures.MANIFEST
    listed = json.loads(manifest.read_text())["files"] if manifest.is_file() else {}
    missing = [name for name in listed if not (assignment.fixtures / name).is_file()]
    if not manifest.is_file() or missing:
        what = f"{len(missing)} fixtures are missing ({missing[0]}, ...)" if missing else f"no {manifest}"
        raise UsageError(f"{what}: run `make fixtures`, or grade with --public to run only the public checks")


def run_checks(assignment, context, load_error):
    loads = Check("submission.loads", None, "the submission loads without an error", lambda _: None)
    results, status, unwritten, asked_ahead = [], {}, {}, set()
    checks = [loads, *assignment.checks(context.public_only)]
    for i, check in enumerate(checks):
        points, optional = assignment.points(check)
        started = time.monotonic()
        diagnoses, answer = [], {}
        context.series = {}
        if check.function in unwritten:  # one message per function not written or not defined, not one per check
            first, said = unwritten[check.function]
            outcome, message = "skipped", f"not run: {said} (see {first})"
        else:
            ahead = None
            if i > 1 and check.function == checks[i - 1].function:  # (its first check found it written)
                ahead = functools.partial(_ask_ahead, checks[i:], context, asked_ahead)
            context.when_written = functools.partial(_when_written, checks[i + 1:], context, asked_ahead)
            outcome, message = _verdict(check, context, load_error, status, diagnoses, answer, ahead)
            said = _said_once(check, outcome, message, context)
            if said:
                unwritten[check.function] = check.id, said
        context.program.forget(check.id)  # answers asked for ahead belong to the check that asked
        if check.function in context.own_steps and outcome != "skipped":
            steps = " and ".join(_forward_steps(check.function, context))
            message = "; ".join(filter(None, [message, OWN_STEPS.format(function=check.function, steps=steps)]))
        status[check.id] = outcome
        if outcome == "passed":
            context.passed.add(check.function)
        earned = points if outcome == "passed" else 0.0
        results.append(Result(check.id, check.function, check.description, earned, points, outcome, message,
                              optional, round(time.monotonic() - started, 3), diagnoses, context.series,
                              answer or None))
    return results


UNWRITTEN = "{function} is not written yet: "
MISSING = re.compile(r"(\w+) is not defined in the submission")  # (_verdict: Missing)
OWN_STEPS = ("judged with your own {steps}, as your {function} reads the caches it returns (the reference's, which"
             " stands in for it otherwise, gives tokens its code can't read)")


def _said_once(check, outcome, message, context):
    """Why every check of the function would fail alike, which its first check says and the others only name: it is
    not written yet, or it (or the forward whose caches it takes) is not defined. None otherwise."""
    if outcome not in ("error", "failed"):
        return None
    if message.startswith(UNWRITTEN.format(function=check.function)):
        return f"{check.function} is not written yet"
    missing = MISSING.fullmatch(message)
    if missing and missing[1] in (check.function, context.assignment.pairs.get(check.function)):
        return message
    return None


def _ask_ahead(checks, context, done):
    """Once per function (`done`), from its second check on: the standard checks from the first that asks its
    function in one message, up to the first that asks otherwise, asked in one message (Context.ask_ahead), so that
    the sandbox runs the same calls in the same order. Not at the first check, unless every public case it asked was
    answered (_when_written): a function that turns out unwritten (a stub, a body without `return`) is not called
    again."""
    function, standard = checks[0].function, context.assignment.standard
    if function in done or standard is None:
        return
    planned = []
    for check in checks:
        try:
            asked = None if check.function != function or check.depends else standard.asked(context, check.id)
        except Exception:  # noqa: BLE001 -- (a reference that raises on a case, say): the check reports it
            asked = None
        if asked is None:
            break
        planned.append((check.id, *asked))
    if planned:  # (else this check asks otherwise: the next may begin them)
        done.add(function)
    if len(planned) > 1:
        context.ask_ahead(function, planned)


def _when_written(later, context, done, function):
    """The running check got an answer to every public case of `function` (Context.written): the checks of it that
    follow the ones judging those answers (kinds.Standard.takes_public) are asked for now, in one message
    (_ask_ahead), so that the sandbox works on them while this check judges, not once the next check begins. The
    sandbox runs the same calls in the same order: a public case that raised or returned None never gets here (the
    public check asks it again before the rest). Where the message can't be sent, the checks ask as they would
    have (at the next, _ask_ahead tries again)."""
    standard = context.assignment.standard
    rest = list(itertools.dropwhile(lambda check: check.function == function and standard.takes_public(check.id),
                                    later)) if standard is not None else []
    if rest and rest[0].function == function and function not in done:
        try:
            _ask_ahead(rest, context, done)
        except Exception:  # noqa: BLE001 -- (the sandbox ended meanwhile, say): left to the check that asks
            done.discard(function)


def _own_stub(function, error, assignment):
    """The function raised NotImplementedError itself, not through the stub of another graded function it calls
    (that one's message names it: see grader.handout.source.stub)."""
    if error.get("type") != STUB_ERROR:
        return False
    graded = {check.function for check in assignment.suite.checks.values()} - {function}
    message = error.get("message", "")
    return not any(re.search(rf"(?<![\w.]){re.escape(other)} is not written yet", message) for other in graded)


def _reads_step_caches(function, error, context):
    """The function read the cache a stand-in step gave it (a token: the reference's cache stays in the grader),
    as a sequence forward that takes its last state from its step's cache does (CS231n's students may: the layout
    is their own). It is then called with the student's own steps, whose caches it can read, as a backward judged
    on its student's caches is (grader.checks.own_caches): the points stay its own code's."""
    return (not context.public_only and function not in context.own_steps and bool(_forward_steps(function, context))
            and error.get("type") in ("TypeError", "AttributeError") and "CacheToken" in str(error.get("message")))


def _forward_steps(function, context):
    """The graded functions `function` calls by design that are not backwards (its steps, for a sequence)."""
    return [name for name in context.assignment.calls.get(function, ()) if name not in context.assignment.pairs]


# A line that unpacks a bare None (`n_x, m = None`): a placeholder left to fill in (Coursera's notebooks have them),
# which raises TypeError on every call, whatever the inputs.
PLACEHOLDER = re.compile(r"\(?\s*\w+(\s*,\s*\w+)+\s*,?\s*\)?\s*=\s*None\s*(#.*)?")
_FRAME = re.compile(r'File "[^"]*", line \d+, in (\w+)')


def _placeholder(function, error, assignment):
    """Where the function stopped at a placeholder in its own body, said for its message, or None: a line that
    unpacks None, a line of the handout's with None in it (`for t in reversed(range(None)):`), or a name still None
    from the handout's line that set it (`gradients = None`, told by the child). Its last frame of the student's
    code must be the function's: one in another graded function it calls is that one's, and its message says so."""
    if error.get("type") != "TypeError" or _FRAME.findall(str(error.get("traceback") or ""))[-1:] != [function]:
        return None
    starter = assignment.settings.get("starter")
    code, handout = str(error.get("code") or ""), _handout_lines(assignment.folder / starter) if starter else ()
    where = f"at line {error.get('line')} of {error.get('file')}: {code}"
    if PLACEHOLDER.fullmatch(code) or code in handout and re.search(r"\bNone\b", code):
        return f"it stops at a placeholder, {where}"
    none = error.get("none")
    if type(none) is list and len(none) == 3 and type(none[0]) is str and none[0].isidentifier() and \
            len(none[0]) <= 80 and type(none[1]) is int and type(none[2]) is str and none[2] in handout:
        return f"{none[0]} is still None {where} (the handout's placeholder, line {none[1]}: {none[2]})"
    return None


@functools.cache
def _handout_lines(folder):
    """The lines of the handout's code (the files of the assignment's `starter` folder: .py and notebooks), each
    stripped."""
    found = set()
    for path in sorted(Path(folder).rglob("*")):
        try:
            if path.suffix == ".py":
                found.update(path.read_text(encoding="utf-8").splitlines())
            elif path.suffix == ".ipynb":
                for cell in notebooks.code_cells(notebooks.read(path)[0]):
                    found.update(cell.source.splitlines())
        except (OSError, ValueError, notebooks.NotANotebook):
            continue
    return frozenset(line.strip() for line in found) - {""}


def _verdict(check, context, load_error, status, diagnoses, answer, ahead=None):
    """(status, message) of one check, never raising; a failure's diagnosed mistakes go into `diagnoses`, and its
    wrong answer's record into `answer` (not in public mode: the record is the instructor's). `ahead`: called as
    the check begins (_ask_ahead), where what the sandbox does to its message is the check's outcome, as it is
    for the check's own first message."""
    program, function = context.program, check.function
    if load_error and function is None:
        return "error", describe_load_error(load_error)
    if load_error:
        return "skipped", "not graded: the submission did not load"
    waiting = [d for d in check.depends if status.get(d) != "passed"]
    if waiting:
        return "skipped", f"not run: it waits on {waiting[0]}, which did not pass"
    if function in program.dead:
        return "skipped", f"not called again: {program.dead[function][1]}"
    try:
        if ahead is not None:
            ahead()
        note = check.run(context)  # a check that passes may say how it judged (a string), or return None
        return "passed", note if isinstance(note, str) else ""
    except Skip as skip:
        return "skipped", str(skip)
    except Failure as failure:
        if function in program.dead:  # it hung or crashed inside a property test
            return program.dead[function]
        diagnoses.extend(failure.diagnoses)
        if getattr(failure, "answer", ()) and not context.public_only:
            answer.update(_answer_record(failure.answer, context))
        return "failed", str(failure)
    except CallTimeout:
        return program.dead[function]
    except (Dead, ChildDied):
        return program.dead.get(function, ("error", "the sandbox failed"))
    except NothingReturned as nothing:
        if nothing.function in context.passed:  # not a stub: an answer missing on some cases only
            return "failed", (f"{nothing.function} returned None on a case of this check (it answered the checks"
                              " before it: is a `return` missing on some path?)")
        if nothing.each:
            return "failed", (UNWRITTEN.format(function=nothing.function) + "each value it returned is None, as in"
                              " the handout's template; write its body")
        return "failed", (UNWRITTEN.format(function=nothing.function) + "it returned None, as a stub does; write its"
                          " body (or is a `return` missing?)")
    except Raised as raised:
        if _own_stub(function, raised.error, context.assignment):
            return "error", (UNWRITTEN.format(function=function) + "it raises NotImplementedError, as the"
                             " handout's stub does; write its body in place of that `raise`, under # YOUR CODE HERE")
        if _reads_step_caches(function, raised.error, context):  # judged again, and its next checks, with its
            context.own_steps.add(function)  # own steps; what was asked with the stand-ins is dropped
            context.program.forget(check.id)
            return _verdict(check, context, load_error, status, diagnoses, answer)
        placeholder = None if function in context.passed else _placeholder(function, raised.error, context.assignment)
        if placeholder:
            return "error", (UNWRITTEN.format(function=function) + placeholder + "; put the code it stands for in"
                             " place of the None")
        return "error", describe_raised(function, raised.error, context.assignment.calls.get(function, ()))
    except Missing as missing:
        return "failed", f"{missing} is not defined in the submission"
    except Unsendable as exc:
        return "failed", f"{function} returned a value the grader can't accept: {exc}"
    except Exception:  # a bug in a check must not stop the grading of the other checks
        traceback.print_exc(file=sys.stderr)
        return "error", f"internal error in check {check.id}; the instructor has the details"


def _answer_record(answer, context):
    """The fingerprint of a wrong answer; none (and the grading goes on) if its values can't be read as numbers."""
    try:
        return wrong_answer.record(*answer, context.rtol, context.atol)
    except Exception:  # noqa: BLE001 -- an odd value costs the class page one grouping, never the report
        traceback.print_exc(file=sys.stderr)
        return {}


def describe_load_error(error):
    where = f" (line {error['line']} of {error['file']}: {error['code']})" if error.get("line") else ""
    python2 = any(sign in str(error.get("message", "")) for sign in PYTHON2_SIGNS)
    return (f"the submission did not load: {error.get('message', 'an error')}{where}"
            + (": this looks like Python 2 code, and the grader runs Python 3 (print(...) is a function)"
               if python2 else ""))


# What Python 3 says about the commonest Python 2 statements (print, exec, `except E, e`, backquotes, 0777).
PYTHON2_SIGNS = ("Missing parentheses in call to 'print'", "Missing parentheses in call to 'exec'",
                 "multiple exception types must be parenthesized", "leading zeros in decimal integer literals")


_STAND_IN_RAISED = re.compile(r"RuntimeError: (\w+): (\w+: .*)", re.S)  # (callback_raised, in the child)


def describe_raised(function, error, stand_ins=()):
    """What the function raised, where; a call of a graded callee it made with what that callee can't take says so:
    the reference standing in for the callee (one of `stand_ins`) raised, and the child raised RuntimeError in the
    student's code with the callee's name and error (grader.sandbox.program: callback_raised)."""
    where = f" at line {error['line']} of {error['file']}: {error['code']}" if error.get("line") else ""
    called = _STAND_IN_RAISED.fullmatch(str(error.get("message") or ""))
    if error.get("type") == "RuntimeError" and called and called[1] in stand_ins:
        return (f"{function} called {called[1]} with arguments it can't take: the reference's {called[1]}, which"
                f" stands in for yours while {function} is graded, raised {called[2]}{where}")
    return f"{function} raised {error.get('message', 'an error')}{where}"
