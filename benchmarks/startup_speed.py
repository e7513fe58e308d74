"""What the command line costs before it does anything: `grader --help`, and grading one .py module, in this
checkout and in the commit before the verbs imported what they need lazily (BEFORE), side by side in one run, with a
bare Python start as the floor. Each figure is the median wall time of RUNS runs of a new process.

    .venv/bin/python benchmarks/startup_speed.py [--runs 7] [--before COMMIT]

The older commit is unpacked from git into a temporary folder and run from there (its own grader/, reference/ and
fixtures/), with this checkout's Python environment.
"""
import argparse
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "4ed60fe"  # main before issue 19: every verb imported matplotlib, the report and numpy at start-up
SUBMISSION = "submissions/correct.py"


def _median_seconds(command, cwd, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _modules(cwd):
    """The heavy packages `grader --help` imports, by name."""
    code = ("import sys, runpy\nsys.argv = ['grader', '--help']\ntry:\n    runpy.run_module('grader', run_name="
            "'__main__')\nexcept SystemExit:\n    pass\nprint(' '.join(sorted(m for m in ('numpy', 'matplotlib', "
            "'flask', 'dask', 'distributed', 'hypothesis', 'IPython', 'jinja2') if m in sys.modules)), file=sys.stderr)")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True).stderr.strip()


def _unpack(commit, folder):
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")


def measure(cwd, runs, out):
    python = [sys.executable, "-m", "grader"]  # the current folder comes first on sys.path: its grader/ is run
    return {"help": _median_seconds(python + ["--help"], cwd, runs),
            "grade": _median_seconds(python + ["grade", SUBMISSION, "--out", str(out), "--assignment", "rnn"], cwd,
                                     max(3, runs // 2)),
            "modules": _modules(cwd) or "none"}


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=7)
    options.add_argument("--before", default=BEFORE)
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "before"
        _unpack(args.before, old)
        floor = _median_seconds([sys.executable, "-c", "pass"], ROOT, args.runs)
        before = measure(old, args.runs, Path(scratch) / "out-before")
        after = measure(ROOT, args.runs, Path(scratch) / "out-after")
    print(f"median of {args.runs} runs (grading: {max(3, args.runs // 2)}), python {sys.version.split()[0]}")
    print(f"{'':36} {'before (' + args.before + ')':>18} {'now':>10} {'now/before':>11}")
    for key, label in (("help", "grader --help"), ("grade", f"grader grade {SUBMISSION}")):
        print(f"{label:36} {before[key]:17.2f}s {after[key]:9.2f}s {after[key] / before[key]:11.2f}")
    print(f"{'python -c pass (the floor)':36} {floor:17.2f}s")
    print(f"heavy packages --help imports: before: {before['modules']}; now: {after['modules']}")


if __name__ == "__main__":
    main()
