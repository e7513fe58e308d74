"""Batch grading speed: a class of N notebooks (correct, buggy and hostile mixed) graded with 1 and 2 workers.

Prints the submissions graded per minute with each and the speed-up (goal: at least 1.7 on a 2-core machine),
and checks that both runs gave every student the same scores. Then, where Otter-Grader can be installed from PyPI
into a throwaway virtual environment under /tmp (never the project's), it times `otter run` on the same
notebooks with equivalent tests and prints the ratio; where it can't, it says why.

Run: .venv/bin/python benchmarks/batch_speed.py [N] [--repeats R] [--modules] [--no-otter]
  N          students in the class (default 40)
  --repeats  grade the class R times with each number of workers and keep the fastest (default 1)
  --modules  .py submissions instead of notebooks
  --no-otter skip the comparison with Otter-Grader
"""
import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import classroom  # noqa: E402

# Short limits, the same for both runs: the hostile submissions cost their limits, not the defaults' minutes.
LIMITS = ["--call-timeout", "2", "--load-timeout", "10", "--cell-timeout", "5"]


def busy_seconds():
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def ours():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grade_all(folder, out, workers):
    """Seconds `python -m grader grade-all` took, {student: score}, and the cores other processes kept busy."""
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), "--workers",
               str(workers), "--force", *LIMITS]
    busy, mine, started = busy_seconds(), ours(), time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    others = None if busy is None else max(0.0, (busy_seconds() - busy) - (ours() - mine)) / seconds
    if run.returncode != 0:
        raise SystemExit(f"grade-all failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    with open(Path(out) / "gradebook.csv") as f:
        return seconds, {row["student"]: row["score"] for row in csv.DictReader(f)}, others


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=40)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--modules", action="store_true")
    parser.add_argument("--no-otter", action="store_true")
    options = parser.parse_args()
    kind = "modules" if options.modules else "notebooks"
    print(f"{options.n} {kind}, {os.cpu_count()} cores, limits {' '.join(LIMITS)}")
    with tempfile.TemporaryDirectory(prefix="batch-speed-") as scratch:
        folder = Path(scratch) / "class"
        made = classroom.build(folder, options.n, notebooks=not options.modules)
        mix = {what: list(made.values()).count(what) for what in dict.fromkeys(made.values())}
        print("class: " + ", ".join(f"{count} {what}" for what, count in mix.items()))
        timings, scores, shared = {}, {}, {}
        for workers in (1, 2):
            runs = [grade_all(folder, Path(scratch) / f"out{workers}-{r}", workers) for r in range(options.repeats)]
            timings[workers], scores[workers], shared[workers] = min(runs, key=lambda run: run[0])
            others = "" if shared[workers] is None else f"   other processes kept {shared[workers]:.2f} cores busy"
            print(f"{workers} worker{'s' if workers > 1 else ' '}: {timings[workers]:6.1f} s   "
                  f"{options.n / timings[workers] * 60:6.1f} submissions per minute{others}")
        speedup = timings[1] / timings[2]
        print(f"speed-up at 2 workers: {speedup:.2f}x (goal: at least 1.7x on 2 cores)"
              f"{'' if speedup >= 1.7 else '  BELOW THE GOAL'}")
        if (shared[2] or 0) > 0.2:
            print("  note: other processes shared the cores during the runs, so this speed-up is a lower bound; "
                  "measure on an otherwise idle machine")
        print("same scores in both runs: " + ("yes" if scores[1] == scores[2] else
                                              f"NO: {sorted(k for k in scores[1] if scores[1][k] != scores[2].get(k))}"))
        if options.no_otter:
            print("otter: skipped (--no-otter)")
        elif options.modules:
            print("otter: not compared on modules (`otter run` grades notebooks); run without --modules")
        else:
            from benchmarks import otter_compare
            otter = otter_compare.compare(folder, made, timings[1], Path(scratch) / "otter", Path(scratch) / "out1-0")
            if otter:
                print(f"ratio otter / ours at 2 workers: {otter / timings[2]:.2f}")


if __name__ == "__main__":
    main()
