"""Running a hypothesis property against student code, derandomized, and reporting the smallest failing example."""
from hypothesis import HealthCheck, Phase, Verbosity, given, settings

from ..sandbox.process import Raised
from .suite import Failure


def check_property(strategy, test, max_examples, rehearsal=None):
    """Run `test(example)` over examples from `strategy`; raise Failure naming the smallest failing example.

    Derandomized and without an example database, so one submission always gets the same verdict: the examples
    are the same in every run that passes them. `rehearsal` (the context's): a first run inside it, with the
    reference answering, tells the sandbox every call a right answer leads to, in one message; the run that
    grades then takes those answers instead of a round trip each.
    """
    if rehearsal is not None:
        with rehearsal():
            try:
                _run(strategy, test, max_examples)
            except Exception:  # noqa: BLE001 -- what the rehearsal recorded is asked ahead; the real run judges
                pass
    _run(strategy, test, max_examples)


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
