"""What writing one submission's reports costs, as a batch writes them.

Grades `submissions/correct.py` and the second assignment's `layers_correct.py` once each, then writes their reports
`repeats` times as `grade-all` does: in the worker, report.build (which bounds the report's size) and report.write
(report.json, report.md and a loss history's plot); in the batch's own process, reading report.json back and
settling the folder (report.json and report.md again, Gradescope's results.json, JUnit's junit.xml; the class files at
the end render none of them again). Prints the CPU milliseconds
of each part, the fastest and the median of the repeats after the first (which pays for the imports), and the load
average, since the machine is shared.
Run: .venv/bin/python benchmarks/report_speed.py [repeats]
"""
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import assignment, report  # noqa: E402
from grader.batch import grade_all  # noqa: E402
from grader.grade import grade  # noqa: E402
from grader.report.gradescope import HIDDEN_KINDS, HIDDEN_VISIBILITY  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402

EXAMPLES = (("rnn", "submissions/correct.py"), ("rnn_layers", "submissions/rnn_layers/layers_correct.py"))
OPTIONS = types.SimpleNamespace(hidden_kinds=HIDDEN_KINDS, hidden_visibility=HIDDEN_VISIBILITY)


def written(graded, chosen, path, folder):
    """{part: CPU seconds} of writing one submission's reports into `folder` as a batch does."""
    limits, spent = Limits(), {}
    started = time.process_time()
    document = report.build(graded, chosen, limits)
    spent["build"], started = time.process_time() - started, time.process_time()
    report.write(document, folder / "staging")
    spent["write"], started = time.process_time() - started, time.process_time()
    entry = types.SimpleNamespace(original=path, name="student", path=ROOT / path)
    document = grade_all._document({"rc": 0, "stderr": ""}, folder / "staging", entry, chosen, limits)
    grade_all._settle(entry, folder / "staging", folder / "final", document, 1.0, None, OPTIONS)
    spent["batch"] = time.process_time() - started
    return spent


def main(repeats=7):
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, path in EXAMPLES:
        chosen = assignment.find(name)
        graded = grade(ROOT / path, chosen, Limits())
        runs = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as folder:
                runs.append(written(graded, chosen, path, Path(folder)))
        runs = runs[1:]
        totals = [sum(run.values()) for run in runs]
        parts = ", ".join(f"{part} {min(run[part] for run in runs) * 1000:.1f}" for part in runs[0])
        print(f"{path}: {min(totals) * 1000:.1f} ms of CPU fastest, {statistics.median(totals) * 1000:.1f} median"
              f" (fastest of each part, ms: {parts}; {len(runs)} repeats)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
