"""Where a batch's wall time goes: `grade-all` run with its steps timed in every process it starts.

Each process of the batch (the command, its workers) imports a tracer (a sitecustomize.py written to a temporary
folder and put on PYTHONPATH) that wraps a few functions of the grader and writes when each starts and ends, on
the machine's monotonic clock, to one file. Printed:
  start       the command's start to its first submission sent, each worker's warm start begun (the zygote), its
              first sandbox forked (the zygote ready) and its first grading done
  per grading the medians over the gradings after each worker's first: taking the submission in and forking its
              sandbox, the notebook's cells (Program.load), the checks, the rest of grade() (the sandbox released,
              unless a thread does it), the report files, and the worker's idle time between two submissions
              (its answer to its next grade_submission: the batch's own round trip)
  each worker its gradings, busy and idle seconds while work was queued, and the longest grading's start and end
  end         the last answer to the class files written and the workers ended, and to the command's exit
Run: .venv/bin/python benchmarks/batch_timeline.py [--copies N | --class N] [--workers W]
  --copies N  N copies of notebook_speed.py's course notebook (default 6), at 1 worker unless --workers
  --class N   classroom.py's class of N notebooks (one with an endless loop), at grade-all's default workers
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import batch_speed, classroom, notebook_speed  # noqa: E402

TRACED = {  # module: names of its functions (Class.method for a method) whose start and end are written
    "grader.batch.grade_all": ["_Batch._dispatch", "_Batch._finish", "write_class_files", "_Batch.close"],
    "grader.batch.worker": ["main"],
    "grader.api": ["grade_submission"],
    "grader.grade": ["grade", "run_checks"],
    "grader.report": ["build", "write"],
    "grader.sandbox.program": ["Program.load"],
    "grader.sandbox.forkserver": ["prestart", "start"],
}

TRACER = '''
import functools, importlib.abc, os, sys, time
LOG, TRACED = os.environ["BATCH_TIMELINE"], {traced!r}

def _write(text):
    with open(LOG, "a") as f:
        f.write(f"{{time.monotonic():.4f}} {{os.getpid()}} {{text}}\\n")

def _wrap(function, name):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        _write("> " + name)
        try:
            return function(*args, **kwargs)
        finally:
            _write("< " + name)
    return timed

class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in TRACED:
            return None
        spec = next((s for f in sys.meta_path if f is not self and hasattr(f, "find_spec")
                     for s in [f.find_spec(name, path, target)] if s is not None), None)
        if spec is None:
            return None
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            for dotted in TRACED[name]:
                owner, attribute = module, dotted
                if "." in dotted:
                    owner_name, attribute = dotted.split(".")
                    owner = getattr(module, owner_name)
                setattr(owner, attribute, _wrap(getattr(owner, attribute), name + "." + dotted))
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _Finder())
_write("start " + " ".join(sys.argv[1:3]))
'''


def traced_run(folder, out, workers, scratch):
    """Run grade-all on `folder` with the tracer; returns (wall seconds, [(time, pid, event, name)])."""
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), "--force",
               *batch_speed.LIMITS, *(["--workers", str(workers)] if workers else [])]
    return traced_command(command, TRACED, scratch)


def traced_command(command, traced, scratch, root=ROOT):
    """Run `command` (a grader command) in `root` with the tracer wrapping `traced` ({module: [function]});
    returns (wall seconds, [(time from its start, pid, event, name)])."""
    tracer = scratch / "tracer"
    tracer.mkdir(exist_ok=True)
    (tracer / "sitecustomize.py").write_text(TRACER.format(traced=traced))
    log = scratch / "timeline.log"
    log.unlink(missing_ok=True)
    env = {**os.environ, "BATCH_TIMELINE": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(tracer), os.environ.get("PYTHONPATH")]))}
    started = time.monotonic()
    run = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    ended = time.monotonic()
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:4])} failed:\n{run.stderr[-2000:]}")
    events = []
    for line in log.read_text().splitlines():
        moment, pid, event, *name = line.split()
        events.append((float(moment) - started, int(pid), event, " ".join(name)))
    return ended - started, events


def spans(events, name):
    """{pid: [(start, end)]} of each call of `name`, per process."""
    found, open_ = defaultdict(list), {}
    for moment, pid, event, called in events:
        if called.endswith(name):
            if event == ">":
                open_[pid, called] = moment
            elif event == "<" and (pid, called) in open_:
                found[pid].append((open_.pop((pid, called)), moment))
    return found


def _ms(values):
    return f"{1000 * statistics.median(values):4.0f} ms" if values else "   - "


def describe(wall, events):
    parent = next(pid for _, pid, event, name in events if event == "start" and "grade-all" in name)
    gradings = spans(events, "api.grade_submission")
    workers = sorted(gradings)
    dispatch, finish = spans(events, "_Batch._dispatch")[parent], spans(events, "_Batch._finish")[parent]
    first_fork = {pid: spans(events, "forkserver.start")[pid][0][1] for pid in workers if spans(
        events, "forkserver.start")[pid]}
    warm = {pid: spans(events, "forkserver.prestart")[pid][0][0] for pid in workers if spans(
        events, "forkserver.prestart")[pid]}
    lines = [f"wall {wall:.2f} s, {sum(len(g) for g in gradings.values())} gradings by {len(workers)} worker(s)",
             f"start: first submission sent at {dispatch[0][0]:.2f} s; warm start begun at "
             + ", ".join(f"{warm[p]:.2f}" for p in workers if p in warm) + " s; zygote ready (first fork) at "
             + ", ".join(f"{first_fork[p]:.2f}" for p in workers if p in first_fork) + " s; first grading done at "
             + ", ".join(f"{gradings[p][0][1]:.2f}" for p in workers) + " s"]
    parts = defaultdict(list)
    for pid in workers:
        grades, loads = spans(events, "grade.grade")[pid], spans(events, "Program.load")[pid]
        checks, builds = spans(events, "grade.run_checks")[pid], spans(events, "report.build")[pid]
        for i in range(1, len(gradings[pid])):
            (start, end), (g_start, g_end) = gradings[pid][i], grades[i]
            parts["intake and fork"].append(loads[i][0] - g_start)
            parts["cells"].append(loads[i][1] - loads[i][0])
            parts["checks"].append(checks[i][1] - checks[i][0])
            parts["rest of grade()"].append(g_end - checks[i][1])
            parts["report files"].append(end - builds[i][0])
            parts["idle between two"].append(start - gradings[pid][i - 1][1])
    lines.append("per grading after a worker's first (medians): " + ", ".join(
        f"{part} {_ms(values)}" for part, values in parts.items()))
    longest = max(((s, e, p) for p in workers for s, e in gradings[p]), key=lambda span: span[1] - span[0])
    for pid in workers:
        busy = sum(e - s for s, e in gradings[pid])
        queued_until = dispatch[-1][0]
        idle = sum(max(0.0, min(s, queued_until) - e) for (_, e), (s, _) in zip(gradings[pid], gradings[pid][1:]))
        lines.append(f"worker {pid}: {len(gradings[pid])} gradings, busy {busy:.2f} s, idle while work was queued "
                     f"{idle:.2f} s, last answer at {gradings[pid][-1][1]:.2f} s")
    lines.append(f"longest grading: {longest[1] - longest[0]:.2f} s, from {longest[0]:.2f} to {longest[1]:.2f} s")
    last = max(e for _, e in finish)
    files = spans(events, "write_class_files")[parent]
    closed = spans(events, "_Batch.close")[parent]
    lines.append(f"end: last report settled at {last:.2f} s, class files written at {files[-1][1]:.2f} s, workers "
                 f"ended at {closed[-1][1]:.2f} s, command exited at {wall:.2f} s")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--class", dest="students", type=int)
    parser.add_argument("--workers", type=int)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-timeline-") as scratch:
        scratch, folder = Path(scratch), Path(scratch) / "class"
        if options.students:
            classroom.build(folder, options.students, notebooks=True)
            workers = options.workers or 0
        else:
            source = notebook_speed.write(scratch / "course.ipynb", notebook_speed.course())
            folder.mkdir()
            for i in range(options.copies):
                shutil.copy(source, folder / f"student_{i:03d}.ipynb")
            workers = options.workers or 1
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        wall, events = traced_run(folder, scratch / "out", workers, scratch)
        print("\n".join(describe(wall, events)))


if __name__ == "__main__":
    main()
