"""How long grading one .py submission takes, and what a call through the sandbox costs.

Prints: seconds per full grading of the correct example (all 46 checks), the same code split across four modules
as students split it (graded as one program, each function where it is defined), a sandbox call's round trip
against the same function called in-process, and the share of a grading spent in each kind of check.
Run: .venv/bin/python benchmarks/grade_speed.py [repeats]
"""
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import assignment  # noqa: E402
from grader.grade import grade  # noqa: E402
from grader.sandbox import intake  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402
from grader.sandbox.program import Program  # noqa: E402


def time_gradings(rnn, repeats, source=ROOT / "submissions" / "correct.py"):
    seconds, per_kind = [], defaultdict(float)
    for _ in range(repeats):
        started = time.perf_counter()
        graded = grade(source, rnn, Limits())
        seconds.append(time.perf_counter() - started)
        for result in graded.results:
            per_kind[result.id.rsplit(".", 1)[-1]] += result.seconds / repeats
    return seconds, per_kind


def split_workspace(folder):
    """submissions/correct.py as students split it: rnn_forward.py, lstm_forward.py, and backward modules that
    star-import them (numpy included)."""
    source = (ROOT / "submissions" / "correct.py").read_text()
    header = "import numpy as np\nfrom rnn_utils import softmax, sigmoid\n\n\n"
    parts = [("rnn_forward.py", header, "def rnn_cell_forward(", "def lstm_cell_forward("),
             ("lstm_forward.py", header, "def lstm_cell_forward(", "def rnn_cell_backward("),
             ("rnn_backward.py", "from rnn_forward import *\n\n\n", "def rnn_cell_backward(", "def lstm_cell_backward("),
             ("lstm_backward.py", "from lstm_forward import *\n\n\n", "def lstm_cell_backward(", None)]
    folder.mkdir()
    for name, head, start, end in parts:
        (folder / name).write_text(head + source[source.index(start): source.index(end) if end else None])
    return folder


def time_calls(rnn, calls):
    args = rnn.package.cases.HANDOUT["rnn_cell_forward"]()
    with tempfile.TemporaryDirectory() as scratch:
        submission = intake.take_in(ROOT / "submissions" / "correct.py", scratch)
        program = Program(Path(scratch), submission, Limits(), rnn.provided)
        started = time.perf_counter()
        program.load()
        load = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(calls):
            program.call("rnn_cell_forward", *args)
        sandboxed = (time.perf_counter() - started) / calls
        program.close()
    started = time.perf_counter()
    for _ in range(calls):
        rnn.solution.rnn_cell_forward(*args)
    direct = (time.perf_counter() - started) / calls
    return load, sandboxed, direct


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rnn = assignment.find("rnn")
    seconds, per_kind = time_gradings(rnn, repeats)
    with tempfile.TemporaryDirectory() as scratch:
        split, _ = time_gradings(rnn, repeats, split_workspace(Path(scratch) / "workspace"))
    load, sandboxed, direct = time_calls(rnn, 500)
    print(f"numpy {np.__version__}, {repeats} gradings of submissions/correct.py")
    print(f"full grading: median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f})")
    print(f"the same split across four modules: median {statistics.median(split):.2f} s"
          f" (ratio {statistics.median(split) / statistics.median(seconds):.2f})")
    total = sum(per_kind.values())
    for kind, spent in sorted(per_kind.items(), key=lambda item: -item[1]):
        print(f"  {kind:<14} {spent:6.2f} s  {spent / total:5.1%}")
    print(f"sandbox start and load: {load * 1000:.0f} ms")
    print(f"rnn_cell_forward on the handout case: {sandboxed * 1e6:.0f} us through the sandbox,"
          f" {direct * 1e6:.0f} us in-process (ratio {sandboxed / direct:.1f})")


if __name__ == "__main__":
    main()
