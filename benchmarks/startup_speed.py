"""What the command line costs before and around its checks: `grader --help`, and grading one .py module, in this
checkout and in an older commit (BEFORE: main before issue 26's start costs; `--before 4ed60fe`: before the verbs
imported what they need lazily, issue 19), side by side in one run, with a bare Python start as the floor. Each
figure is the median wall time of RUNS runs of a new process, and for the gradings (submissions/correct.py and
notebook_speed.py's course notebook, the two trees alternated run by run) the median CPU time of every process it
ran, its sandboxes included (cputree.py); then the heavy packages each command imported.

    .venv/bin/python benchmarks/startup_speed.py [--runs 7] [--before COMMIT]

The older commit is unpacked from git into a temporary folder and run from there (its own grader/, reference/ and
fixtures/), with this checkout's Python environment; both trees' modules are compiled first (as `make setup` does
now), so that the figures compare the code, not whether Python may write its bytecode here.
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
sys.path.insert(0, str(ROOT))
from benchmarks import cputree  # noqa: E402
BEFORE = "d0b3f90"  # main before issue 26's start costs (4ed60fe: before issue 19's lazy imports)
SUBMISSION = "submissions/correct.py"


def _median_seconds(command, cwd, runs, cpu=False):
    """The median wall seconds of `runs` runs of `command`; with `cpu`, (that, the median CPU seconds)."""
    times, used = [], []
    for _ in range(runs):
        with cputree.Sampled() as sampled:
            started = time.perf_counter()
            subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - started)
        used.append(sampled.seconds)
    return (statistics.median(times), statistics.median(used)) if cpu else statistics.median(times)


HEAVY = ('numpy', 'matplotlib', 'flask', 'dask', 'distributed', 'hypothesis', 'trio', 'pytest', 'IPython', 'jinja2',
         'jsonschema')


def _modules(cwd, *argv):
    """The heavy packages `grader ARGV` imports, by name."""
    # (a grading ends with os._exit, cli.end_at_once: here it raises SystemExit, for the list to be printed)
    code = (f"import sys, runpy\nfrom grader import cli\ncli.end_at_once = sys.exit\n"
            f"sys.argv = ['grader', *{list(argv)!r}]\ntry:\n    runpy.run_module('grader', "
            f"run_name='__main__')\nexcept SystemExit:\n    pass\nprint(' '.join(sorted(m for m in {HEAVY!r} if m in "
            "sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def _unpack(commit, folder):
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")


def measure(cwd, runs, out):
    python = [sys.executable, "-m", "grader"]  # the current folder comes first on sys.path: its grader/ is run
    grade = ["grade", SUBMISSION, "--out", str(out)]
    return {"help": _median_seconds(python + ["--help"], cwd, runs),
            "modules": _modules(cwd, "--help") or "none", "grade_modules": _modules(cwd, *grade) or "none"}


def gradings(trees, runs, scratch):
    """{tree: {row: median seconds}} of one `grader grade` of SUBMISSION and of notebook_speed.py's course notebook,
    wall and CPU (sandboxes included), the trees alternated run by run (the machine's load moves; each tree gets
    the same share of it)."""
    from benchmarks import notebook_speed
    folder = Path(scratch) / "course"
    folder.mkdir()
    notebook = notebook_speed.write(folder / "course.ipynb", notebook_speed.course())
    seen = {tree: {} for tree in trees}
    for run in range(runs):
        for tree in trees if run % 2 == 0 else trees[::-1]:
            for row, path in (("grade", SUBMISSION), ("notebook", notebook)):
                command = [sys.executable, "-m", "grader", "grade", str(path), "--out", f"{scratch}/out-{run}"]
                wall, cpu = _median_seconds(command, tree, 1, cpu=True)
                seen[tree].setdefault(row, []).append(wall)
                seen[tree].setdefault(f"{row}_cpu", []).append(cpu)
    return {tree: {row: statistics.median(values) for row, values in rows.items()} for tree, rows in seen.items()}


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=7)
    options.add_argument("--before", default=BEFORE)
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "before"
        _unpack(args.before, old)
        for tree in (old, ROOT):
            subprocess.run([sys.executable, "-m", "compileall", "-q", "grader"], cwd=tree, stdout=subprocess.DEVNULL)
        floor = _median_seconds([sys.executable, "-c", "pass"], ROOT, args.runs)
        before = measure(old, args.runs, Path(scratch) / "out-before")
        after = measure(ROOT, args.runs, Path(scratch) / "out-after")
        graded = gradings([old, ROOT], max(3, args.runs // 2), scratch)
        before.update(graded[old])
        after.update(graded[ROOT])
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"median of {args.runs} runs (grading: {max(3, args.runs // 2)}, the trees alternated), python "
          f"{sys.version.split()[0]}, load average {load} after")
    print(f"{'':36} {'before (' + args.before + ')':>18} {'now':>10} {'now/before':>11}")
    for key, label in (("help", "grader --help"), ("grade", f"grader grade {SUBMISSION}"),
                       ("grade_cpu", "  its CPU, sandboxes included"),
                       ("notebook", "grader grade, course notebook"), ("notebook_cpu", "  its CPU, sandboxes included")):
        print(f"{label:36} {before[key]:17.2f}s {after[key]:9.2f}s {after[key] / before[key]:11.2f}")
    print(f"{'python -c pass (the floor)':36} {floor:17.2f}s")
    print(f"heavy packages --help imports: before: {before['modules']}; now: {after['modules']}")
    print(f"heavy packages the grading imports: before: {before['grade_modules']}; now: {after['grade_modules']}")


if __name__ == "__main__":
    main()
