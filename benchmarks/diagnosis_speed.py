"""What naming the mistake adds to grading time.

Grades every example with a typical mistake (submissions/mistake_*.py) with and without diagnosis, alternating
the two so that drift in the machine's speed falls on both, and prints the fastest of the repeats of each (the
least disturbed by other work on the machine), the time added and the ratio. Wall-clock differences this small
drown in noise on a busy machine, so it also times the diagnoses themselves during the gradings with diagnosis,
and one diagnosis alone: every variant of a function run on the handout's case.
Run: .venv/bin/python benchmarks/diagnosis_speed.py [repeats]
"""
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import assignment, fixtures  # noqa: E402
from grader.checks.diagnose import diagnose  # noqa: E402
from grader.grade import grade  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402


def time_gradings(rnn, paths, repeats):
    """{(path, diagnose): [seconds]}, seconds spent inside diagnoses, and the diagnosed ids seen."""
    seconds, seen, inside = {}, set(), []
    checks = rnn.standard  # the standard checks (grader.checks.kinds.Standard) of this assignment
    untimed = checks._diagnosis

    def timed(*args):
        started = time.perf_counter()
        try:
            return untimed(*args)
        finally:
            inside.append(time.perf_counter() - started)

    checks._diagnosis = timed  # every check diagnoses through this function (output names, variants, comparisons)
    try:
        for _ in range(repeats):
            for path in paths:
                for on in (True, False):
                    started = time.perf_counter()
                    graded = grade(path, rnn, Limits(), diagnose=on)
                    seconds.setdefault((path, on), []).append(time.perf_counter() - started)
                    seen.update(d for r in graded.results for d in r.diagnoses)
    finally:
        del checks._diagnosis  # the class's method again
    return seconds, sum(inside) / repeats, seen


def time_one_diagnosis(rnn, function, repeats=20):
    """Median seconds to run all of `function`'s variants on its handout case and compare them."""
    fixture = fixtures.load(rnn.fixtures, "public")[function][0]
    catalogue = rnn.package.mistakes.catalogue
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        diagnose(catalogue, function, fixture.args, ["x"], lambda answer: False)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), len(catalogue.of(function))


def main(repeats):
    rnn = assignment.find("rnn")
    paths = sorted((ROOT / "submissions").glob("mistake_*.py"))
    grade(paths[0], rnn, Limits())  # warm-up: imports, first sandbox start
    seconds, inside, seen = time_gradings(rnn, paths, repeats)
    print(f"{len(paths)} submissions with one typical mistake, {repeats} gradings each way (fastest, seconds)")
    print(f"  {'submission':<34} {'without':>8} {'with':>8} {'added':>8}")
    totals = {True: 0.0, False: 0.0}
    for path in paths:
        off, on = (min(seconds[(path, flag)]) for flag in (False, True))
        totals[True] += on
        totals[False] += off
        print(f"  {path.stem:<34} {off:8.3f} {on:8.3f} {on - off:+8.3f}")
    added = totals[True] - totals[False]
    print(f"  {'all':<34} {totals[False]:8.3f} {totals[True]:8.3f} {added:+8.3f}"
          f"   ratio with/without {totals[True] / totals[False]:.3f}")
    print(f"  time inside diagnoses while grading all {len(paths)} with diagnosis: {inside:.3f} s"
          f" ({inside / totals[True]:.1%} of the grading time)")
    print(f"  mistakes named: {', '.join(sorted(seen))}")
    print("one diagnosis (all of a function's variants on its handout case):")
    for function in rnn.standard.functions:
        median, count = time_one_diagnosis(rnn, function)
        print(f"  {function:<20} {count:2d} variants  {median * 1000:7.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
