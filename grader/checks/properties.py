"""Running a hypothesis property against student code, derandomized, and reporting the smallest failing example."""
from hypothesis import HealthCheck, Phase, Verbosity, given, settings

from ..sandbox.process import Raised
from .suite import Failure


def check_property(strategy, test, max_examples, ahead=None):
    """Run `test(example)` over examples from `strategy`; raise Failure naming the smallest failing example.

    Derandomized and without an example database, so one submission always gets the same verdict: a run in which
    every example passes tries the same examples in the same order, whatever the test. So those examples are
    drawn once per process (hypothesis's engine costs more than the calls) and tried directly; only when one of
    them fails does hypothesis run, to find and shrink the smallest failing example, exactly as it always would.
    `ahead(examples)`: called once with those examples before they are tried, so that a test can ask the sandbox
    for every answer it will need in one message (Context.prefetch); the tests then take those answers.
    """
    drawn = examples(strategy, max_examples)
    if ahead is not None:
        ahead(drawn)
    try:
        for example in drawn:
            test(example)
        return
    except Exception:  # noqa: BLE001 -- an example fails (or raises, or hangs): hypothesis runs and shrinks it
        pass
    _run(strategy, test, max_examples)


_EXAMPLES = {}  # (repr of the strategy, max_examples) -> the examples that a run passing them all tries, in order


def examples(strategy, max_examples):
    """The examples a run of `max_examples` that passes them all tries, in order (drawn once per process)."""
    key = (repr(strategy), max_examples)
    if key not in _EXAMPLES:
        tried = []
        _run(strategy, tried.append, max_examples)
        _EXAMPLES[key] = tried
    return _EXAMPLES[key]


def _run(strategy, test, max_examples):
    tried = []

    @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
              phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck), print_blob=False,
              report_multiple_bugs=False, verbosity=Verbosity.quiet)
    @given(strategy)
    def run(example):
        tried.append(example)
        test(example)

    try:
        run()
    except Failure as failure:
        raise Failure(f"fails for {tried[-1]!r}", *failure.lines) from None
    except Raised as raised:
        raise Failure(f"fails for {tried[-1]!r}", f"raised {raised}") from None
