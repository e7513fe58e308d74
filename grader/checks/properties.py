"""Running a hypothesis property against student code, derandomized, and reporting the smallest failing example.

Hypothesis is imported only when it has work to do: drawing the examples where `make fixtures` did not store them
(properties.json in the fixtures folder: record() makes its content, use() takes it), and finding and shrinking the smallest failing example. A grading whose examples
all pass, or whose simplest example fails (nothing to shrink), never imports it (with its entry-point plugins, it is
most of the command line's imports).
"""
import os
from dataclasses import dataclass

from ..install import extras
from ..sandbox.process import Raised
from .suite import Failure


@dataclass(frozen=True)
class Sizes:
    """The generated cases: `case(seed=..., **sizes)` with the seed in [0, 2**31 - 1] and each size in its range.

    `ranges`: ((name, low, high), ...), in the order assignment.toml lists them."""

    case: type
    ranges: tuple

    def describe(self):
        """What the examples are drawn from, as text: a stored example list is used only for the same one."""
        sizes = ", ".join(f"{name}=integers({low}, {high})" for name, low, high in self.ranges)
        return f"builds({self.case.__module__.split('.')[-1]}.{self.case.__qualname__}, seed=integers(0, 2**31 - 1)," \
               f" {sizes})"

    def strategy(self):
        st = _hypothesis().strategies
        return st.builds(self.case, seed=st.integers(0, 2**31 - 1),
                         **{name: st.integers(low, high) for name, low, high in self.ranges})

    def fields(self, case):
        """The keyword arguments that rebuild `case` (stored in properties.json)."""
        return {name: getattr(case, name) for name in ("seed", *(r[0] for r in self.ranges))}

    def simplest(self):
        """fields() of the simplest case, which hypothesis tries first and shrinks towards: each integer at the value
        of its range nearest 0 (hypothesis's choice order, `shrink_towards`)."""
        return {"seed": 0, **{name: min(max(0, low), high) for name, low, high in self.ranges}}


def check_property(sizes, test, max_examples, ahead=None):
    """Run `test(example)` over examples of `sizes` (a Sizes); raise Failure naming the smallest failing example.

    Derandomized and without an example database, so one submission always gets the same verdict: a run in which
    every example passes tries the same examples in the same order, whatever the test. So those examples are
    drawn once (stored by `make fixtures`, else once per process) and tried directly; only when one of them fails
    does hypothesis run, to find and shrink the smallest failing example, exactly as it always would, unless the one
    that failed is the simplest example, the first tried, which its shrinking would end with.
    `ahead(examples)`: called once with those examples before they are tried, so that a test can ask the sandbox
    for every answer it will need in one message (Context.prefetch); the tests then take those answers.
    """
    drawn = examples(sizes, max_examples)
    if ahead is not None:
        ahead(drawn)
    try:
        for example in drawn:
            test(example)
        return
    except Exception as exc:  # noqa: BLE001 -- an example fails (or raises, or hangs): hypothesis shrinks it
        failed = (example, exc)
    if isinstance(failed[1], (Failure, Raised)) and sizes.fields(example) == sizes.simplest():
        _raise(*failed)  # what hypothesis would shrink it to: no example is simpler (nor imported, nor run, 0.15 s)
    _run(sizes.strategy(), test, max_examples)
    _raise(*failed)  # hypothesis found none (a test that fails only now and then): the example that failed, as is


def _raise(example, exc):
    if isinstance(exc, Failure):
        raise Failure(f"fails for {example!r}", *exc.lines) from None
    if isinstance(exc, Raised):
        raise Failure(f"fails for {example!r}", f"raised {exc}") from None
    raise exc


_EXAMPLES = {}  # (Sizes, max_examples) -> the examples that a run passing them all tries, in order


def examples(sizes, max_examples):
    """The examples a run of `max_examples` that passes them all tries, in order (drawn once per process, unless
    use() gave them)."""
    key = (sizes, max_examples)
    if key not in _EXAMPLES:
        _EXAMPLES[key] = draw(sizes, max_examples)
    return _EXAMPLES[key]


def draw(sizes, max_examples):
    """The examples hypothesis tries, in order, in a run of `max_examples` that passes them all."""
    tried = []
    _run(sizes.strategy(), tried.append, max_examples)
    return tried


def record(sizes, max_examples):
    """What properties.json holds for `sizes`: the examples drawn here, and what drew them."""
    drawn = draw(sizes, max_examples)
    for case in drawn:
        if sizes.case(**sizes.fields(case)) != case:
            raise ValueError(f"{case!r} is not rebuilt from its fields {sizes.fields(case)}: the property tests'"
                             " case must take the seed and the sizes as keyword arguments and keep them as fields")
    return {"strategy": sizes.describe(), "max_examples": max_examples, "hypothesis": hypothesis_version(),
            "examples": [sizes.fields(case) for case in drawn]}


def use(stored, sizes, max_examples):
    """Take the examples of a properties.json record (`stored`, read as JSON) for `sizes`, if it was drawn from the
    same cases, as many, by the hypothesis installed here (another version draws others, and would not find a
    failing one again to shrink it). True if taken; else they are drawn when first needed."""
    entry = next((e for e in stored.get("properties", []) if isinstance(e, dict)
                  and e.get("strategy") == sizes.describe() and e.get("max_examples") == max_examples), None)
    if entry is None or entry.get("hypothesis") != hypothesis_version():
        return False
    try:
        _EXAMPLES.setdefault((sizes, max_examples), [sizes.case(**fields) for fields in entry["examples"]])
    except (TypeError, KeyError):  # not what record() writes: drawn again, as without the file
        return False
    return True


def hypothesis_version():
    """The installed hypothesis's version (without importing it)."""
    return extras.version("hypothesis")


def _hypothesis():
    """hypothesis, imported now. Its entry-point plugins (trio registers one, which imports pytest) have nothing
    to do with grading and cost more than hypothesis itself: off, unless the user has set the variable."""
    unset = "HYPOTHESIS_NO_PLUGINS" not in os.environ
    if unset:
        os.environ["HYPOTHESIS_NO_PLUGINS"] = "1"  # read once, as hypothesis is first imported
    try:
        import hypothesis
        import hypothesis.strategies  # noqa: F401
    finally:
        if unset:
            del os.environ["HYPOTHESIS_NO_PLUGINS"]
    _without_local_constants()
    return hypothesis


def _without_local_constants():
    """Hypothesis (6.13x on) mixes into its draws the literals of the "local" modules loaded in the process (the
    grader's own code when run from a checkout, the tests under pytest): the same derandomized run would try other
    examples in the command line, a batch worker, an installed grader or the grader's next edit. Here it never
    does: that pool is left empty. (A private function, for the version that drew properties.json; another
    version's examples are drawn again, and tests/test_start_costs.py compares them with the stored ones.)"""
    from hypothesis.internal.conjecture import providers
    if getattr(providers, "_get_local_constants", None) not in (None, _no_constants):
        _no_constants.empty = providers.Constants()
        providers._get_local_constants = _no_constants
        providers.CONSTANTS_CACHE.cache.clear()


def _no_constants():
    return _no_constants.empty


def _run(strategy, test, max_examples):
    h = _hypothesis()
    tried = []

    @h.settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                phases=(h.Phase.generate, h.Phase.shrink), suppress_health_check=list(h.HealthCheck),
                print_blob=False, report_multiple_bugs=False, verbosity=h.Verbosity.quiet)
    @h.given(strategy)
    def run(example):
        tried.append(example)
        test(example)

    try:
        run()
    except (Failure, Raised) as exc:
        _raise(tried[-1], exc)
