"""Grading against running the notebook bare, and against Otter-Grader, in one run.

On the same files, on this machine as loaded now (its load average is printed before and after; the machine may be
shared, so compare the ratios of one run rather than absolute seconds across runs):
  course notebooks   notebook_speed.py's course notebook, the same with a figure, and a classroom notebook: a bare
                     `jupyter nbconvert --execute`, ours (`python -m grader grade`, every check) and `otter run`
                     (otter_compare.py's tests, in its throwaway environment), alternated, medians of R runs
  in a batch         each of those notebooks graded B times by `grade-all` at 1 worker (its sandboxes forked from
                     a warm zygote, grader/sandbox/forkserver.py), per notebook, against the same bare runs
  workspace folder   a student's folder (the notebook, rnn_utils.py, a data file, an image): ours against bare
  .py                submissions/correct.py: the command line (a new process), grade() in this process the first
                     time and the next times (grade_speed.py: wall, and CPU with the sandbox's), its parts by kind
  second assignment  the same for submissions/rnn_layers/layers_correct.py
  class of 20        `grade-all` at its default number of workers, one per core, what an instructor gets (the count is
                     printed; batch_speed.py's limits), against `otter run` one notebook after another (Otter's
                     class command, `otter grade`, needs a Docker daemon: where there is none, `otter run` is its
                     way), the class of classroom.py (one notebook with an endless loop)
CPU times are those of every process a command ran, sandboxes included (benchmarks/cputree.py: getrusage does not
see what runs in bubblewrap). Run: .venv/bin/python benchmarks/speed_compare.py [R] [--no-otter] [--class N] [--batch B]
(--class 0: no class of N).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import batch_speed, classroom, cputree, grade_speed, notebook_speed, otter_compare  # noqa: E402
from grader import assignment  # noqa: E402
from grader.batch import grade_all  # noqa: E402


def notebooks(folder):
    """{name: path} of the course notebooks, each in a folder of its own with rnn_utils.py beside it."""
    made = {}
    for name, sources in (("course", notebook_speed.course()), ("course_with_figure", notebook_speed.course(True)),
                          ("classroom", classroom.cells(classroom.CORRECT))):
        path = folder / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True)
        made[name] = notebook_speed.write(path, sources)
    return made


def workspace(folder):
    """A student's workspace: the course notebook with the handout's module, a data file and an image beside it."""
    path = folder / "workspace" / "Building_a_Recurrent_Neural_Network_Step_by_Step.ipynb"
    path.parent.mkdir(parents=True)
    notebook_speed.write(path, notebook_speed.course())
    (path.parent / "images").mkdir()
    (path.parent / "images" / "rnn.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(4096))
    (path.parent / "data.txt").write_text("the quick brown fox\n" * 200)
    return path


def measured(run, *args):
    """(wall seconds, CPU seconds of every process it ran) of run(*args), which returns its wall seconds first."""
    value, used = cputree.seconds_of(run, *args)
    return (value[0] if isinstance(value, tuple) else value), used


def otter_seconds(zipped, path, out):
    seconds, score, why, _ = otter_compare.run_one(zipped, path, out)
    return seconds, why


def course_notebooks(folder, made, repeats, zipped):
    """Bare, ours and Otter on each notebook, alternated; prints a line each and returns the medians."""
    rows = {}
    for name, path in made.items():
        times, problems = defaultdict(list), []
        for r in range(repeats):
            times["bare"].append(measured(notebook_speed.bare, path))
            times["ours"].append(measured(notebook_speed.graded, path, folder / "out" / f"{name}-{r}"))
            if zipped is not None:
                (seconds, why), used = cputree.seconds_of(otter_seconds, zipped, path, folder / "otter" / f"{name}-{r}")
                times["otter"].append((seconds, used))
                problems += [why] if why else []
        medians = {kind: tuple(statistics.median(v[i] for v in values) for i in (0, 1))
                   for kind, values in times.items()}
        rows[name] = medians
        print(f"  {name:<20} " + "  ".join(f"{kind} {wall:5.2f} s (CPU {used:5.2f} s)" for kind, (wall, used)
                                            in medians.items())
              + "  " + _ratios(medians) + (f"  (otter: {problems[0]})" if problems else ""), flush=True)
    return rows


def in_batches(folder, made, rows, copies):
    """Each notebook graded `copies` times by one `grade-all` at 1 worker: per notebook, against its bare runs."""
    for name, path in made.items():
        batch = folder / "batches" / name
        batch.mkdir(parents=True)
        for index in range(copies):
            (batch / f"student_{index:03d}.ipynb").write_bytes(path.read_bytes())
        (took, _, _), used = cputree.seconds_of(batch_speed.grade_all, batch, folder / "batches-out" / name, 1)
        row = {"bare": rows[name]["bare"], "ours": (took / copies, used / copies)}
        if "otter" in rows[name]:
            row["otter"] = rows[name]["otter"]
        print(f"  {name:<20} ours {row['ours'][0]:5.2f} s (CPU {row['ours'][1]:5.2f} s) per notebook  "
              + _ratios(row), flush=True)


def _ratios(row):
    """ours/bare and otter/ours, on wall time and on CPU time (what an idle machine's wall time comes close to)."""
    text = (f"ours/bare {row['ours'][0] / row['bare'][0]:4.2f} (CPU {row['ours'][1] / row['bare'][1]:4.2f})")
    if "otter" in row:
        text += f"  otter/ours {row['otter'][0] / row['ours'][0]:5.2f}x (CPU {row['otter'][1] / row['ours'][1]:5.2f}x)"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repeats", type=int, nargs="?", default=3)
    parser.add_argument("--no-otter", action="store_true")
    parser.add_argument("--class", dest="students", type=int, default=20)
    parser.add_argument("--batch", type=int, default=6, help="copies of each notebook graded in one batch")
    options = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {options.repeats} runs"
          " (in-process gradings: the fastest)", flush=True)
    with tempfile.TemporaryDirectory(prefix="speed-compare-") as scratch:
        folder = Path(scratch)
        zipped = None
        if not options.no_otter:
            otter, why = otter_compare.ensure_otter()
            if otter is None:
                print(f"otter: not compared: {why}")
            else:
                (folder / "otter").mkdir()
                zipped = otter_compare.autograder(folder / "otter" / "autograder")
        print("course notebooks (ours = the whole `python -m grader grade` command):")
        made = notebooks(folder)
        rows = course_notebooks(folder, made, options.repeats, zipped)
        total = {kind: tuple(sum(r[kind][i] for r in rows.values()) for i in (0, 1)) for kind in next(
            iter(rows.values()))}
        print(f"  all {len(rows)}: " + _ratios(total), flush=True)
        print(f"the same notebooks in a batch ({options.batch} copies each, `grade-all` at 1 worker):", flush=True)
        in_batches(folder, made, rows, options.batch)
        print("workspace folder:")
        path = workspace(folder)
        runs = defaultdict(list)
        for r in range(options.repeats):
            runs["bare"].append(measured(notebook_speed.bare, path))
            path.with_suffix(".bare.ipynb").unlink()  # else the folder would hold two notebooks
            runs["ours"].append(measured(notebook_speed.graded, path.parent, folder / "out" / f"workspace-{r}"))
            shutil.rmtree(path.parent / ".ipynb_checkpoints", ignore_errors=True)
        row = {kind: tuple(statistics.median(v[i] for v in values) for i in (0, 1)) for kind, values in runs.items()}
        print(f"  bare {row['bare'][0]:5.2f} s (CPU {row['bare'][1]:5.2f} s)  ours {row['ours'][0]:5.2f} s"
              f" (CPU {row['ours'][1]:5.2f} s)  " + _ratios(row), flush=True)
        for title, path, name in ((".py", "correct.py", "rnn"),
                                  ("second assignment", "rnn_layers/layers_correct.py", "rnn_layers")):
            print(f"{title} (submissions/{path}; CPU = the grader's + the sandbox's, read from /proc):", flush=True)
            runs, results = grade_speed.figures(ROOT / "submissions" / path, name, options.repeats, folder / name)
            print("\n".join(grade_speed.describe(runs)), flush=True)
            print(f"  its checks' wall seconds by kind: {grade_speed.parts(results)}", flush=True)
            print(grade_speed.next_messages(ROOT / "submissions" / path, assignment.find(name)), flush=True)
        load, sandboxed, direct = grade_speed.time_calls(assignment.find("rnn"), 200)
        print(f"  sandbox start and load {load * 1000:.0f} ms; one call {sandboxed * 1e6:.0f} us through the sandbox,"
              f" {direct * 1e6:.0f} us in-process", flush=True)
        if options.students:  # (--class 0: no class, Otter's 200 s of it left out)
            print(f"class of {options.students} notebooks:")
            made = classroom.build(folder / "class", options.students, notebooks=True)
            workers = f"at {grade_all.cores()} workers, grade-all's default (one per core)"
            (took, _, _), used = cputree.seconds_of(batch_speed.grade_all, folder / "class", folder / "class-out", 0)
            print(f"  ours, grade-all {workers}: {took:6.1f} s (CPU {used:6.1f} s)", flush=True)
            if zipped is not None:
                _, used = cputree.seconds_of(otter_compare.compare, folder / "class", made, took,
                                             folder / "otter-class", folder / "class-out", workers)
                print(f"  otter's CPU: {used:6.1f} s", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
