"""The standard kinds of check, made from an assignment's declarations (grader.checks.declarations): the rubric
names the kinds each function is graded on, and this module supplies their bodies.

  structure      the documented outputs (count, keys, shapes) and cache layout, on the public cases
  public         values on the public cases
  hidden_values  values on the hidden cases named values-*
  hidden_shapes  values on the hidden cases named shapes-*
  properties     hypothesis over generated sizes (assignment.toml, [properties] sizes): agreement with the
                 reference and the declared invariants
  gradcheck      a backward's gradients against centred differences of sum(output * upstream) through the
                 reference forward ([backward.NAME] gradients, [gradcheck] case)
A backward whose forward's cache is each student's own ([backward.NAME] cache = "own") is judged on the cache that
student's forward made (grader.checks.own_caches). Every per-case call of the student's function goes through
`answers`, the one place that talks to the sandbox case by case.
"""
import copy
import dataclasses
import functools
import inspect
import itertools
import weakref
from pathlib import Path
from types import MappingProxyType

import numpy as np
from . import invariants, model, own_caches
from .diagnose import diagnose
from .gradcheck import BOUND, compare_gradient, numeric_gradient
from . import properties
from .properties import check_property, examples
from .standard import differing, named, structure_differences, value_differences
from ..fixtures import expect_backward
from ..sandbox import kept, wire
from .suite import Failure, Suite

KINDS = ("structure", "public", "hidden_values", "hidden_shapes", "properties", "gradcheck")
DESCRIPTIONS = {
    "public": "reproduces the handout's expected output",
    "hidden_values": "is right on other inputs of the handout's sizes",
    "hidden_shapes": "is right on other sizes",
    "properties": "agrees with the reference and keeps its invariants on generated cases",
    "gradcheck": "has gradients that match numeric gradients of sum(output * upstream)",
}


def answers(context, function, argument_lists, **options):
    """The student's answers to `function`, one per argument list, in order: every per-case call of the standard
    checks goes through here. The cases are asked of the sandbox in one message (Context.prefetch), and each
    answer is taken when the check reaches it: raises what the first failing call raises, at that call."""
    argument_lists = list(argument_lists)
    if len(argument_lists) > 1 and not options:
        context.prefetch(function, argument_lists)
    for args in argument_lists:
        yield context.call(function, *args, **options)


def answer(context, function, args, **options):
    return next(answers(context, function, [args], **options))


_PUBLIC = weakref.WeakKeyDictionary()  # a grading's context -> {function: its answers on the public cases}


def _asked(context, function, kind, fixtures):
    """answers() on `fixtures`; on the public cases, asked once per grading: the structure check and the public
    check make the same calls (with their callbacks), and the second takes the first's answers, where every case
    answered (a call that raised, hung or returned None is made again, and says so again)."""
    if kind not in ("structure", "public"):
        yield from answers(context, function, [f.args for f in fixtures])
        return
    kept = _PUBLIC.setdefault(context, {})
    if function in kept:
        yield from kept[function]
        return
    got = []
    for value in answers(context, function, [f.args for f in fixtures]):
        got.append(read_only(value))  # (no check changes an answer: one that tried would raise, not pass it on)
        if len(got) == len(fixtures):  # (kept before it is taken: the caller's zip() ends there)
            kept[function] = got
            context.written(function)  # (the checks after this one may be asked now: grade._when_written)
        yield value


class Standard:
    """The standard checks of one assignment: its declarations, reference, recipes and known mistakes."""

    def __init__(self, settings, functions, solution=None, cases=None, catalogue=None):
        self.settings, self.functions = settings, functions
        self.solution, self.cases, self.catalogue = solution, cases, catalogue
        self.model = model.ModelChecks(settings, solution, cases) if "model" in settings else None
        self.pairs = {name: own_caches.Pair(f.backward.forward, name, _tuple(f.outputs),
                                            tuple(g[0] for g in f.backward.gradients))
                      for name, f in functions.items() if f.backward and f.backward.cache == "own"}
        self._made = {}  # what every submission's checks compute alike: see _case() and _gradients()
        self._ahead_ran = False  # (in this process: see take_kept())

    def prepare(self, stored=None, gradients=None):
        """Have the property tests' examples ready: those `make fixtures` stored (`stored`, properties.json read
        as JSON) where they are what this hypothesis draws, else drawn now (once per process), while a
        submission's sandbox starts. `gradients`: the reference's numeric gradients `make fixtures` stored
        (gradients_record(), as fixtures.stored_gradients reads them), taken if made on this [gradcheck] case;
        else ahead() computes them."""
        if self.cases is not None and "properties" in self.settings:
            sizes, count = self.sizes(), self.settings["properties"]["max_examples"]
            if not properties.use(stored or {}, sizes, count):
                examples(sizes, count)
        case, made = gradients or (None, {})
        if made and case == self.settings.get("gradcheck", {}).get("case"):
            for function, numeric in made.items():
                for key, value in numeric.items():
                    self._made.setdefault((function, key), read_only(value))

    def gradients_record(self):
        """What `make fixtures` stores of the gradient checks: ([gradcheck] case, {function: {gradient's name: the
        reference's numeric gradient}}), computed now; None when no function has a gradient check. A grading then
        takes them (prepare()) instead of computing them: two losses per entry, a third of a first grading's
        preparation."""
        made = {}
        for function, declared in self.functions.items():
            if self._standard(function, "gradcheck"):
                _, inputs, _, _, loss = self._gradcheck_case(declared)
                made[function] = {name: numeric_gradient(loss, variable)  # (not _made's: it may hold the stored)
                                  for name, variable in _gradient_variables(declared.backward, inputs)}
        return (self.settings["gradcheck"]["case"], made) if made else None

    def _standard(self, function, kind):
        """Whether `function` is graded here by the standard check `kind`: declared, with recipes, a kind it can be
        graded on, and not the model's (its own checks grade it)."""
        return (function in self.functions and self.cases is not None and kind in self.kinds(function)
                and not (self.model is not None and function == self.model.name))

    def ahead(self, check_ids):
        """Make now, once per process, what the property tests and the gradient checks among `check_ids` compute
        alike for every submission (each example's arguments, the reference's answer and their blobs; the reference's
        numeric gradients), so that a grading makes them while its sandbox starts (grade._prepare), not while the
        sandbox waits for the checks' first answers. What fails here is left to the check, which says so.
        Returns {function: the argument lists those checks give it when its answers are right}."""
        asked = {}
        for check_id in check_ids:
            function, kind = check_id.rsplit(".", 1)
            if not self._standard(function, kind):
                continue
            declared = self.functions[function]
            lists = asked.setdefault(function, [])
            try:
                if kind == "properties" and function in self.pairs:
                    for case in examples(self.sizes(), self.settings["properties"]["max_examples"]):
                        lists.append(self._judged_case(declared, case)[0])
                elif kind == "properties":
                    for case in examples(self.sizes(), self.settings["properties"]["max_examples"]):
                        self._encoded(declared, case)
                        lists.extend(self._planned(declared, case))
                elif kind == "gradcheck":
                    _, inputs, out, upstream, loss = self._gradcheck_case(declared)
                    lists.append((*upstream, out[-1]))
                    for name, variable in _gradient_variables(declared.backward, inputs):
                        self._numeric_gradient(declared, name, variable, loss)
            except Exception:  # noqa: BLE001 -- (a reference that raises on a case, say): the check reports it
                continue
        self._ahead_ran = True
        return asked

    def take_kept(self, depends_on, context):
        """Have what ahead() makes alike in every command, kept by an earlier command (keep()) where nothing it depends
        on changed since (`depends_on`: the assignment's files; the checks' code; the files `context`'s hidden cases
        were read from), before ahead() runs: it then finds it made; and what asked() makes of those cases. True where
        nothing is left to keep: it was taken, or ahead() ran in this process already."""
        if self._ahead_ran or self.solution is None or self.cases is None or "properties" not in self.settings:
            return True
        found = kept.read(kept.name("made", self.solution), self._kept_key(depends_on, context))
        if found is None:
            return False
        (entries, record), blobs = found
        made, case = {}, self.sizes().case
        try:
            arrays = kept.arrays_of(record, blobs)
            for kind, function, fields, value in entries:
                if kind == "fixtures":  # a function's hidden cases' blobs (asked()), given to this process's cases
                    lists = [f.args for f in _fixtures(context, function, fields)]
                    encoded = kept.unpack(value, blobs, arrays)
                    if len(encoded) == len(lists):
                        made["fixtures", function, fields] = (lists, encoded)
                    continue
                made[(function, case(**fields)) if kind == "case" else (kind, function, case(**fields))] = \
                    kept.unpack(value, blobs, arrays)
        except (ValueError, TypeError, KeyError, IndexError, Failure):  # not ours: made again
            return False
        for key, value in made.items():
            self._made.setdefault(key, value)
        return True

    def keep(self, depends_on, context):
        """Keep what ahead() made for the next command (take_kept()): each generated case's arguments and the
        reference's answer, its invariants' arguments, their blobs, a judged backward's case, a gradient check's
        case, and the blobs of the hidden cases that asked() gives (made here if its checks have not made them
        yet: `context`'s, kept while their files are as they were); the argument lists asked are not kept: _planned
        makes them of those, the same objects."""
        if not kept.writable():
            return
        for function, kind in itertools.product(self.functions, ("hidden_values", "hidden_shapes")):
            try:
                self.asked(context, f"{function}.{kind}")
            except Exception:  # noqa: BLE001 -- (a reference that raises on a case, say): not kept
                continue
        sizes, entries, blobs, arrays = self.sizes(), [], kept.Blobs(), {}
        try:
            for key, value in list(self._made.items()):  # (the checks may be adding to it)
                if len(key) == 2 and isinstance(key[1], sizes.case):
                    entries.append(["case", key[0], sizes.fields(key[1]), kept.pack(value, blobs, arrays)])
                elif key[0] == "fixtures":  # (the blobs only: the cases are this process's fixtures)
                    entries.append(["fixtures", key[1], key[2], kept.pack(value[1], blobs, arrays)])
                elif key[0] in ("again", "judged", "encoded", "gradcheck"):
                    entries.append([key[0], key[1], sizes.fields(key[2]), kept.pack(value, blobs, arrays)])
        except TypeError:  # (a value of a kind kept.pack does not keep: made again in each command)
            return
        kept.write(kept.name("made", self.solution), self._kept_key(depends_on, context),
                   [entries, kept.arrays_record(arrays, blobs)], blobs.blobs)

    def _kept_key(self, depends_on, context):
        here = Path(__file__).parent
        return [*kept.key([*depends_on, *sorted(here.glob("*.py")), here.parent / "fixtures.py", wire.__file__,
                           kept.__file__]), context.hidden_files]

    def examples_record(self):
        """What `make fixtures` stores of the property tests' examples (grader.checks.properties.record); None when
        there are no property tests."""
        if self.cases is None or "properties" not in self.settings:
            return None
        return properties.record(self.sizes(), self.settings["properties"]["max_examples"])

    def kinds(self, function):
        """The standard kinds that `function` can be graded on."""
        if self.model is not None and function == self.model.name:
            return model.KINDS
        declared = self.functions.get(function)
        if declared is None:
            return ()
        reference_cache = declared.backward is not None and declared.backward.cache == "reference"
        own = declared.own or function in self.pairs  # a cache of the student's own layout: no structure to check
        return tuple(k for k in KINDS if (k != "gradcheck" or reference_cache) and (k != "structure" or not own))

    def register(self, suite, function, kind):
        """Register the check `function.kind` in `suite`."""
        if self.model is not None and function == self.model.name:
            text = self.model.description(kind, self.settings["model"].get("descriptions", {}).get(kind))
            suite.check(f"{function}.{kind}", function, description=text)(getattr(self.model, kind))
            return
        declared = self.functions[function]
        text = self.settings.get("descriptions", {}).get(kind) or DESCRIPTIONS.get(kind) or _structure(declared)
        body = {"structure": self._structure, "public": self._values, "hidden_values": self._values,
                "hidden_shapes": self._values, "properties": self._properties, "gradcheck": self._gradcheck}[kind]
        suite.check(f"{function}.{kind}", function, description=f"{function} {text}")(
            lambda context: body(context, declared, kind))

    # --- on the fixtures ------------------------------------------------------------------------------------------

    def _structure(self, context, declared, kind):
        fixtures = context.public.get(declared.name, [])
        for fixture, got in zip(fixtures, _asked(context, declared.name, kind, fixtures)):
            self._container(declared, got, fixture.describe)
            lines = structure_differences(declared.outputs, declared.layout, fixture.expected, got, context.rtol,
                                          context.atol, fixture.args)
            if lines:
                raise self._diagnosis(context, declared, fixture.args, fixture.expected, got).explain(
                    f"on {fixture.describe}:", *lines)

    def _values(self, context, declared, kind):
        fixtures = _fixtures(context, declared.name, kind)
        if declared.name in self.pairs:
            return self._judged(context, declared, fixtures)
        for fixture, got in zip(fixtures, _asked(context, declared.name, kind, fixtures)):
            self._container(declared, got, fixture.describe)
            lines = value_differences(declared.outputs, declared.excluded, fixture.expected, got, context.rtol,
                                      context.atol)
            if lines:
                raise self._diagnosis(context, declared, fixture.args, fixture.expected, got).explain(
                    f"on {fixture.describe}:", *lines)

    def _container(self, declared, got, describe):
        """A forward whose cache is the student's own says so when its tuple is wrong (the others: `named`)."""
        outputs = declared.outputs
        if declared.own and (not isinstance(got, tuple) or len(got) != len(outputs)):
            raise Failure(f"on {describe}: {declared.name} returned {_what(got)}; expected a tuple"
                          f" ({', '.join(outputs)})")

    def _judged(self, context, declared, fixtures):
        """A backward on each fixture where its student's forward made a cache; skipped where it made none."""
        made = self._ask_forwards(context, declared, [(f.args, f.expected) for f in fixtures])
        notes, skipped = [], []
        for i, fixture in enumerate(fixtures):
            try:
                notes.append(self._judge(context, declared, fixture.args, fixture.expected, fixture.describe,
                                         made[i] if i < len(made) else None))
            except own_caches.ForwardRaised as raised:
                skipped.append(raised)
        if skipped and not notes:
            raise skipped[0]
        note = notes[-1] if notes else None
        if skipped:
            note = f"{note}; {len(skipped)} of {len(fixtures)} cases {skipped[0]}"
        return note

    def _judge(self, context, declared, args, expected, describe, made=None):
        """A backward on the cache its student's forward made from the forward's arguments in `args` (`made`: the
        forward's answer, asked ahead by _ask_forwards)."""
        pair = self.pairs[declared.name]
        count = len(expected["forward"])
        forward_args, upstream = args[:-count], args[-count:]
        try:
            return own_caches.judge(context, pair, forward_args, upstream, expected, describe, made)
        except Failure as failure:
            if not hasattr(failure, "got"):  # not a comparison with the reference: nothing to diagnose
                raise
            cache = self._reference_cache(pair, forward_args, getattr(failure, "forward_got", None))
            diagnosis = self._diagnosis(context, declared, (*upstream, cache), expected["backward"], failure.got)
            raise diagnosis.explain(*failure.lines) from None

    def _ask_forwards(self, context, declared, cases):
        """The student's forward's answer on each of a judged backward's `cases`, [(args, expected)], asked in one
        message, and the backward's on each cache made in one more (own_caches.ask_ahead): what own_caches.judge
        takes for each case (as many as ask_ahead returns; the rest are asked as they come)."""
        if len(cases) < 2:
            return []
        count = len(cases[0][1]["forward"])
        return own_caches.ask_ahead(context, self.pairs[declared.name],
                                    [(args[:-count], args[-count:]) for args, _ in cases], count)

    def _reference_cache(self, pair, forward_args, forward_got):
        """The reference forward's cache on these inputs; where the student's forward was wrong (`forward_got`, its
        outputs), with those outputs in it, so a backward's variant reads what the student's backward read."""
        if not self.solution:
            return None
        made = getattr(self.solution, pair.forward)(*copy.deepcopy(forward_args))
        return made[-1] if forward_got is None else own_caches.with_outputs(made[-1], made[:-1], forward_got)

    def _diagnosis(self, context, declared, args, expected, got):
        """The known mistakes whose answer on `args` is the student's `got`, within the checks' tolerance."""
        outputs, excluded, rtol, atol = declared.outputs, declared.excluded, context.rtol, context.atol
        try:
            wrong = differing(outputs, excluded, expected, got, rtol, atol)
            values = {name: value for name, value in named(outputs, _as(outputs, got)) if name not in excluded}
        except Failure:  # not even the documented container: no value to diagnose
            wrong, values = [], None
        same = lambda answer: not value_differences(outputs, excluded, _as(outputs, answer), got, rtol, atol)  # noqa
        usable = getattr(context, "diagnose", True) and self.solution is not None and args[-1] is not None
        return diagnose(self.catalogue if usable else None, declared.name, args, wrong, same, values)

    # --- on generated cases ---------------------------------------------------------------------------------------

    def _properties(self, context, declared, kind):
        sizes = self.sizes()
        max_examples = self.settings["properties"]["max_examples"]
        if declared.name in self.pairs:
            judged, skipped, made = [], [], {}

            def ahead(drawn):
                asked = self._ask_forwards(context, declared, [self._judged_case(declared, case) for case in drawn])
                for case, answer in zip(drawn, asked):
                    made.setdefault(case, []).append(answer)
            check_property(sizes, lambda case: self._judge_generated(context, declared, case, judged, skipped,
                                                                     _taken(made, case)), max_examples, ahead)
            if skipped and not judged:
                raise skipped[0]
            return None

        def asked(drawn):
            lists, encoded = self._planned_all(declared, drawn)
            context.prefetch(declared.name, lists, encoded=encoded)
        self._diagnosing(context, declared, lambda last: check_property(
            sizes, lambda case: self._generated(context, declared, case, last), max_examples, asked))

    def takes_public(self, check_id):
        """Whether the standard check `check_id` judges the public cases' answers that its function's first check
        asked (_asked: structure and public), calling nothing more."""
        function, kind = check_id.rsplit(".", 1)
        return kind in ("structure", "public") and self._standard(function, kind) and function not in self.pairs

    def asked(self, context, check_id):
        """(argument lists, their blobs or None) that the standard check `check_id` asks its function for in one
        message when every answer is right (Context.ask_ahead asks several checks' at once); None where it asks
        otherwise (one case, a judged backward, the gradient check) or can't be graded here."""
        function, kind = check_id.rsplit(".", 1)
        if not self._standard(function, kind) or function in self.pairs or \
                kind not in ("hidden_values", "hidden_shapes", "properties"):
            return None
        if kind == "properties":
            return self._planned_all(self.functions[function], examples(self.sizes(),
                                                                        self.settings["properties"]["max_examples"]))
        try:
            lists = [f.args for f in _fixtures(context, function, kind)]
        except Failure:  # (the hidden cases are not in this copy of the grader: the check says so)
            return None
        if len(lists) < 2:
            return None
        made = self._made.get(("fixtures", function, kind))  # their blobs, made once per process (read-only cases)
        if made is None or len(made[0]) != len(lists) or any(a is not b for a, b in zip(made[0], lists)):
            made = self._made["fixtures", function, kind] = (lists, [wire.encode(tuple(args)) for args in lists])
        return lists, made[1]

    def _planned_all(self, declared, drawn):
        """(_planned's argument lists of every example `drawn`, in order; their blobs)."""
        return ([a for case in drawn for a in self._planned(declared, case)],
                [b for case in drawn for b in self._encoded(declared, case)])

    def _case(self, function, case):
        """(arguments, the reference's answer) of a generated case: the same for every submission, so made once per
        process, and read-only, so that nothing a check does to them reaches the next submission."""
        key = (function, case)
        if key not in self._made:
            args = self.cases.arguments(function, case)
            self._made[key] = read_only((args, getattr(self.solution, function)(*copy.deepcopy(args))))
        return self._made[key]

    def _planned(self, declared, case):
        """The argument lists _generated asks the student's function for on `case` when every answer is right, in
        its order: the case's arguments, then each invariant's call (invariants.arguments). Made once per process,
        as _case's."""
        key = ("planned", declared.name, case)
        if key not in self._made:
            args, _ = self._case(declared.name, case)
            self._made[key] = [args, *(a for a in self._again(declared, case) if a is not None)]
        return self._made[key]

    def _encoded(self, declared, case):
        """The blob of each of _planned's argument lists (as the tuple a call sends), made once per process: the
        same read-only values are asked of every submission."""
        key = ("encoded", declared.name, case)
        if key not in self._made:
            self._made[key] = [wire.encode(tuple(args)) for args in self._planned(declared, case)]
        return self._made[key]

    def _again(self, declared, case):
        """invariants.arguments() of each invariant on `case`'s arguments (None: it calls nothing), made once per
        process, read-only, as _case's: the very objects a property test asks for ahead and then calls with."""
        key = ("again", declared.name, case)
        if key not in self._made:
            args, _ = self._case(declared.name, case)
            positions = _positions(getattr(self.solution, declared.name))
            self._made[key] = read_only([invariants.arguments(invariant, args, positions)
                                         for invariant in declared.invariants])
        return self._made[key]

    def sizes(self):
        """What the property tests' examples are drawn from (grader.checks.properties.Sizes)."""
        ranges = self.settings["properties"]["sizes"]
        return properties.Sizes(self.cases.Case, tuple((name, low, high) for name, (low, high) in ranges.items()))

    def _judged_case(self, declared, case):
        """(arguments, the reference's forward outputs and gradients) of a judged backward's generated case: made
        once per process, read-only, as _case's."""
        key = ("judged", declared.name, case)
        if key not in self._made:
            args = self.cases.arguments(declared.name, case)
            expect = expect_backward(self.solution, declared.backward.forward, declared.name)
            self._made[key] = read_only((args, expect(*copy.deepcopy(args))))
        return self._made[key]

    def _judge_generated(self, context, declared, case, judged, skipped, made=None):
        args, expected = self._judged_case(declared, case)
        try:
            self._judge(context, declared, args, expected, repr(case), made)
            judged.append(case)
        except own_caches.ForwardRaised as raised:  # not this backward's fault: the example is not judged
            skipped.append(raised)

    def _generated(self, context, declared, case, last):
        last.clear()
        args, expected = self._case(declared.name, case)
        got = answer(context, declared.name, args)
        last.append((args, got))
        outputs, rtol, atol = declared.outputs, context.rtol, context.atol
        self._container(declared, got, repr(case))
        lines = [] if declared.own else structure_differences(outputs, (), expected, got, rtol, atol)
        if lines:
            raise Failure(*lines)
        positions = _positions(getattr(self.solution, declared.name))
        for invariant, again in zip(declared.invariants, self._again(declared, case)):
            invariants.check(invariant, outputs, got, args, positions,
                             lambda *a: answer(context, declared.name, a), (again,))
        lines = value_differences(outputs, declared.excluded, expected, got, rtol, atol)
        if lines:
            raise Failure("differs from the reference:", *lines)

    def _diagnosing(self, context, declared, run):
        """Run a check that records each answer in `last` as (args, got), and diagnose the last one if it fails.

        A property test tries its smallest failing case last, so that is the case diagnosed."""
        last = []
        try:
            run(last)
        except Failure as failure:
            if not last:
                raise
            args, got = last[-1]
            expected = getattr(self.solution, declared.name)(*copy.deepcopy(args))
            raise self._diagnosis(context, declared, args, expected, got).explain(*failure.lines) from None

    def _gradcheck(self, context, declared, kind):
        self._diagnosing(context, declared, lambda last: self._gradients(context, declared, last))

    def _gradients(self, context, declared, last):
        case, inputs, out, upstream, loss = self._gradcheck_case(declared)
        got = answer(context, declared.name, (*upstream, out[-1]))
        last.append(((*upstream, out[-1]), got))
        for key, variable, analytic in _gradient_pairs(declared.backward, inputs, got):
            if analytic.shape != variable.shape:
                raise Failure(f'{key} has shape {analytic.shape}; expected {variable.shape}'
                              f" like the variable it is the gradient of")
            result = compare_gradient(key, self._numeric_gradient(declared, key, variable, loss), analytic)
            if not result.ok:
                index = "".join(f"[{i}]" for i in result.worst_index)
                raise Failure(f'{key} fails the gradient check on {case!r}',
                              f"relative error {result.max_rel_error:.3g} at {index} (allowed {BOUND:g}):"
                              f" numeric {result.numeric:.6g}, yours {result.analytic:.6g}")

    def _gradcheck_case(self, declared):
        """(the case, the forward's inputs, the reference forward's outputs on them, the upstream gradients, the
        loss sum(output * upstream) through the reference forward at the inputs as they are now) of a gradient check.
        The inputs, outputs and upstream gradients are made once per process, read-only, and kept (keep()): a cold
        command that reads them back imports no numpy.random (5-7 ms on its path to the first check); the inputs
        given are a copy, whose entries a numeric gradient may move."""
        backward = declared.backward
        forward = getattr(self.solution, backward.forward)
        case = self.cases.Case(**self.settings["gradcheck"]["case"])
        positions = backward.upstream
        if ("gradcheck", declared.name, case) not in self._made:
            inputs = self.cases.arguments(backward.forward, case)
            draw = np.random.default_rng(case.seed + 1).standard_normal
            out = forward(*copy.deepcopy(inputs))
            self._made["gradcheck", declared.name, case] = read_only(
                (inputs, out, [draw(out[p].shape) for p in positions]))
        made, out, upstream = self._made["gradcheck", declared.name, case]
        inputs = copy.deepcopy(made)

        def loss():
            result = forward(*inputs)
            return sum(float(np.sum(result[p] * u)) for p, u in zip(positions, upstream))
        return case, inputs, out, upstream, loss

    def _numeric_gradient(self, declared, key, variable, loss):
        """The reference's numeric gradient of `loss` at `variable` (the gradient named `key`): the same for every
        submission, so made once per process, read-only."""
        if (declared.name, key) not in self._made:
            self._made[declared.name, key] = read_only(numeric_gradient(loss, variable))
        return self._made[declared.name, key]


def _gradient_variables(backward, inputs):
    """(name, the forward input it is the gradient of) of every declared gradient, named as _gradient_pairs names
    them."""
    dict_of = isinstance(backward.outputs, str)
    items = backward.gradients.items() if dict_of else zip(backward.outputs, backward.gradients)
    for key, (position, entry) in items:
        yield (f'{backward.outputs}["{key}"]' if dict_of else key), (
            inputs[position] if entry is None else inputs[position][entry])


def _gradient_pairs(backward, inputs, got):
    """(name, the forward input it is the gradient of, the student's gradient) of every declared gradient."""
    if isinstance(backward.outputs, str):
        if not isinstance(got, dict):
            raise Failure(f"returned {type(got).__name__}; expected a dict of gradients")
        items = list(backward.gradients.items())
    else:
        got = _tuple(got)
        if len(got) != len(backward.outputs):
            raise Failure(f"returned {len(got)} values; expected {len(backward.outputs)}:"
                          f" ({', '.join(backward.outputs)})")
        items = list(zip(backward.outputs, backward.gradients))
    for index, (key, (position, entry)) in enumerate(items):
        if isinstance(backward.outputs, str) and key not in got:
            raise Failure(f'{backward.outputs} has no key "{key}"; it has {sorted(got)}')
        variable = inputs[position] if entry is None else inputs[position][entry]
        value = got[key] if isinstance(backward.outputs, str) else got[index]
        name = f'{backward.outputs}["{key}"]' if isinstance(backward.outputs, str) else key
        yield name, variable, np.asarray(value)


def read_only(value):
    """`value` with every array in it made read-only: a value cached for every submission of a process, which
    no check may change for the next (one that tried would raise, not spoil the next grading)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (list, tuple)):
        for item in value:
            read_only(item)
    elif isinstance(value, dict):
        for item in value.values():
            read_only(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):  # a fixture
        for item in dataclasses.fields(value):
            read_only(getattr(value, item.name))
    return value


def _fixtures(context, function, kind):
    if kind in ("public", "structure"):
        return context.public.get(function, [])
    group = kind.split("_", 1)[1]
    cases = [f for f in context.hidden.get(function, []) if f.name.startswith(group + "-")]
    if not cases:
        raise Failure("the hidden cases are not available in this copy of the grader")
    return cases


def _taken(made, case):
    """The next answer asked ahead for `case` ({case: [answers]}), or None."""
    answers = made.get(case)
    return answers.pop(0) if answers else None


@functools.lru_cache(maxsize=256)  # inspect.signature costs 0.1 ms, and every generated case asks again
def _positions(function):
    return MappingProxyType({name: i for i, name in enumerate(inspect.signature(function).parameters)})


def _structure(declared):
    outputs = declared.outputs
    returns = ", ".join(outputs) if isinstance(outputs, tuple) else f"a dict of {outputs}"
    return f"returns ({returns}) with the documented shapes" + (" and cache layout" if declared.layout else "")


def _tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _as(outputs, answer):
    """A variant's answer in the container `outputs` names (a backward of one output may return it alone)."""
    return answer if not isinstance(outputs, tuple) or isinstance(answer, (tuple, list)) else (answer,)


def _what(value):
    return f"a {type(value).__name__}" + (f" of {len(value)} items" if isinstance(value, (tuple, list)) else "")


def suite(name, standard, rubric, custom=None):
    """The assignment's checks in the rubric's order: for each function's table, each kind it gives points to, the
    standard check of that kind or the custom one of checks.py (`custom`, a Suite) with that id."""
    made = Suite(name)
    for function, table in rubric.items():
        if function == "submission" or not isinstance(table, dict):
            continue
        for kind in (k for k in table if k != "optional"):
            check_id = f"{function}.{kind}"
            if custom is not None and check_id in custom.checks:
                made.checks[check_id] = custom.checks[check_id]
            elif kind in standard.kinds(function):
                standard.register(made, function, kind)
    return made
