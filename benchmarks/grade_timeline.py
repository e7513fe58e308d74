"""Where one `grade` command's wall time goes: a notebook, or a student's workspace folder, graded by
`python -m grader grade` with its steps timed (batch_timeline.py's tracer: a sitecustomize.py on PYTHONPATH that
wraps a few functions of the grader and writes when each starts and ends, on the machine's monotonic clock).

Printed, in seconds from the command's start, for notebook_speed.py's course notebook and for speed_compare.py's
workspace folder (that notebook with the handout's module, a data file and an image beside it): the interpreter's
start, the assignment chosen, the sandbox started ahead (bubblewrap's self-test beside it), the grading code
imported, the assignment loaded, the submission taken in (for a folder: copied, its notebook found), the notebook
read (nbformat), the cells run in the sandbox (its first answer: the child's imports), the checks, the report built
and written, the executed notebook saved, the command's end. The sandbox's child runs in bubblewrap, outside the
tracer: its imports show as the wait for its first answer. Each figure is the median of R runs.
Run: .venv/bin/python benchmarks/grade_timeline.py [R] [--before CHECKOUT]  (CHECKOUT: a worktree of main, say, timed
alternately with this checkout)
"""
import argparse
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import batch_timeline, notebook_speed, speed_compare  # noqa: E402

TRACED = {
    "grader.cli": ["cmd_grade"],
    "grader.assignment": ["choose", "find"],
    "grader.sandbox.ahead": ["_bubblewrap_sandbox", "take"],
    "grader.sandbox.process": ["bubblewrap_problem", "Sandbox.start", "Sandbox.request"],
    "grader.api": ["grade_submission"],
    "grader.grade": ["grade", "run_checks", "_prepare"],
    "grader.sandbox.intake": ["take_in", "_copy_folder", "choose_main"],
    "grader.sandbox.notebook": ["read"],
    "grader.sandbox.program": ["Program.load"],
    "grader.report": ["build", "write"],
    "grader.sandbox.executed": ["save"],
    "grader.report.terminal": ["render"],
}

STEPS = (  # (what, the traced name, start or end of its first call)
    ("interpreter started (site imported)", "start", 0),
    ("cmd_grade called (argparse, cli imported)", "cli.cmd_grade", 0),
    ("assignment chosen", "assignment.choose", 1),
    ("sandbox start begun (ahead)", "process.Sandbox.start", 0),
    ("bubblewrap's self-test done", "process.bubblewrap_problem", 1),
    ("sandbox started (bwrap running)", "process.Sandbox.start", 1),
    ("assignment loaded", "assignment.find", 1),
    ("grade() called (grading code imported)", "grade.grade", 0),
    ("submission taken in", "intake.take_in", 1),
    ("notebook read (nbformat)", "notebook.read", 1),
    ("cells begun (Program.load)", "program.Program.load", 0),
    ("sandbox's first answer (its imports)", "process.Sandbox.request", 1),
    ("checks' context ready (fixtures)", "grade._prepare", 1),
    ("cells done", "program.Program.load", 1),
    ("checks done", "grade.run_checks", 1),
    ("grade() returned", "grade.grade", 1),
    ("report built", "report.build", 1),
    ("report written", "report.write", 1),
    ("executed notebook saved", "executed.save", 1),
    ("terminal summary printed", "terminal.render", 1),
)


def moments(wall, events):
    """{step: seconds from the command's start} of one traced run."""
    found = {"command ended": wall}
    for step, name, end in STEPS:
        if name == "start":
            hits = [moment for moment, _, event, _ in events if event == "start"]
            if hits:
                found[step] = hits[0]
            continue
        spans = [span for pid_spans in batch_timeline.spans(events, name).values() for span in pid_spans]
        if spans:
            found[step] = min(spans)[end]
    return found


def traced(path, out, scratch, root=ROOT):
    """One traced `grade` of `path` in checkout `root`: {step: seconds from the command's start}."""
    command = [sys.executable, "-m", "grader", "grade", str(path), "--out", str(out)]
    return moments(*batch_timeline.traced_command(command, TRACED, scratch, root))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repeats", type=int, nargs="?", default=5)
    parser.add_argument("--before", metavar="CHECKOUT", help="another checkout (a worktree of main, say), timed "
                        "alternately with this one, with this checkout's Python environment")
    options = parser.parse_args()
    trees = {"": ROOT} if not options.before else {"": ROOT, " (before)": Path(options.before).resolve()}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {options.repeats} runs")
    with tempfile.TemporaryDirectory(prefix="grade-timeline-") as scratch:
        scratch = Path(scratch)
        course = notebook_speed.write(scratch / "course" / "course.ipynb", notebook_speed.course()) \
            if (scratch / "course").mkdir() is None else None
        workspace = speed_compare.workspace(scratch).parent
        runs = defaultdict(lambda: defaultdict(list))
        for r in range(options.repeats):  # the kinds and the checkouts alternated
            for name, path in (("notebook", course), ("workspace", workspace)):
                for tree, root in (trees.items() if r % 2 == 0 else reversed(trees.items())):
                    out = scratch / "out" / f"{name}{tree.strip(' ()')}-{r}"
                    for step, moment in traced(path, out, scratch, root).items():
                        runs[name + tree][step].append(moment)
        columns = [name + tree for name in ("notebook", "workspace") for tree in trees]
        print(f"{'step (s from the command start)':<46} " + " ".join(f"{c:>18}" for c in columns))
        for step in [step for step, _, _ in STEPS] + ["command ended"]:
            print(f"{step:<46} " + " ".join(
                f"{statistics.median(runs[c][step]):>18.3f}" if runs[c][step] else f"{'-':>18}" for c in columns))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
