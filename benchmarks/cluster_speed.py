"""The local pool against a two-worker Dask cluster on this machine: is grading through Dask any slower?

Grades the same made-up class (correct, buggy and hostile mixed) with `grade-all --workers 2` and with
`grade-all --scheduler` on a Dask LocalCluster of two single-threaded worker processes started here, alternately,
R times each, keeping the fastest run of each. Prints submissions per minute, the overhead per submission, the
cluster's start-up time, and whether every student got the same scores both ways.

Run: .venv/bin/python benchmarks/cluster_speed.py [N] [--repeats R] [--notebooks]
  N            students in the class (default 24)
  --repeats    runs of each kind, alternated, the fastest kept (default 2)
  --notebooks  notebooks instead of .py modules
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import classroom  # noqa: E402

LIMITS = ["--call-timeout", "2", "--load-timeout", "10", "--cell-timeout", "5"]


def grade_all(folder, out, *how):
    """Seconds `python -m grader grade-all` took and {student: score}."""
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), "--force", *LIMITS, *how]
    started = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"grade-all {' '.join(how)} failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    with open(Path(out) / "gradebook.csv") as f:
        return seconds, {row["student"]: row["score"] for row in csv.DictReader(f)}


def start_cluster():
    """A LocalCluster of two worker processes, one thread each, on 127.0.0.1 only, without a dashboard."""
    from distributed import LocalCluster
    os.environ["PYTHONPATH"] = str(ROOT)  # the workers import this checkout's grader even where it is not installed
    started = time.perf_counter()
    local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0")
    return local, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=24)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--notebooks", action="store_true")
    options = parser.parse_args()
    print(f"{options.n} {'notebooks' if options.notebooks else 'modules'}, {os.cpu_count()} cores, "
          f"limits {' '.join(LIMITS)}")
    with tempfile.TemporaryDirectory(prefix="cluster-speed-") as scratch:
        folder = Path(scratch) / "class"
        made = classroom.build(folder, options.n, notebooks=options.notebooks)
        mix = {what: list(made.values()).count(what) for what in dict.fromkeys(made.values())}
        print("class: " + ", ".join(f"{count} {what}" for what, count in mix.items()))
        local, startup = start_cluster()
        try:
            print(f"LocalCluster of 2 workers started in {startup:.1f} s")
            runs = {"local pool": [], "cluster": []}
            for r in range(options.repeats):  # alternated, so a busy moment of the machine hits both alike
                runs["local pool"].append(grade_all(folder, Path(scratch) / f"local{r}", "--workers", "2"))
                runs["cluster"].append(grade_all(folder, Path(scratch) / f"cluster{r}", "--scheduler",
                                                 local.scheduler_address))
        finally:
            local.close()
        best = {kind: min(found, key=lambda run: run[0]) for kind, found in runs.items()}
        for kind, (seconds, _) in best.items():
            every = ", ".join(f"{s:.1f}" for s, _ in runs[kind])
            print(f"{kind:10}: {seconds:6.1f} s  {options.n / seconds * 60:6.1f} submissions per minute   "
                  f"(runs: {every} s)")
        extra = best["cluster"][0] - best["local pool"][0]
        print(f"overhead of the cluster: {extra:+.1f} s per batch, {extra / options.n:+.2f} s per submission "
              f"({extra / best['local pool'][0] * 100:+.0f} %), plus {startup:.1f} s to start the cluster")
        same = best["cluster"][1] == best["local pool"][1]
        print("same scores both ways: " + ("yes" if same else "NO: " + ", ".join(
            sorted(k for k, v in best["local pool"][1].items() if best["cluster"][1].get(k) != v))))


if __name__ == "__main__":
    main()
