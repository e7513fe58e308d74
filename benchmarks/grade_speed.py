"""How long grading one .py submission takes, and what a call through the sandbox costs.

Prints, for the correct example (all 45 checks): the whole command line (`python -m grader grade FILE`, a new
process: its imports included), and grade() in this process, the first grading and the fastest of the next ones
(a batch's case: what is the same for every submission, fixtures and the reference's answers on the generated
cases, is made once per process); each with its wall seconds and its CPU seconds, the grader's and the sandbox's
(read from /proc before the sandbox is stopped: a sandbox's processes are not waited for by this one, so the usual
resource counters miss them). On a machine shared with other work, compare CPU seconds: wall seconds count the
waits for the other work's turn. Then the same code split across four modules, the share of each kind of check,
and a sandbox call's round trip against the same function called in-process.
Run: .venv/bin/python benchmarks/grade_speed.py [repeats]
"""
import collections
import contextlib
import statistics
import subprocess
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
from grader.sandbox import intake, process  # noqa: E402
from benchmarks.cputree import sandbox_cpu  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402
from grader.sandbox.program import Program  # noqa: E402

CORRECT = ROOT / "submissions" / "correct.py"


@contextlib.contextmanager
def messages_sent():
    """Within it, the messages the grader sends its sandboxes are counted in the Counter it gives ({op: how many})."""
    sent, send = collections.Counter(), process.Sandbox.send

    def counted(sandbox, message):
        sent[message.get("op")] += 1
        return send(sandbox, message)
    process.Sandbox.send = counted
    try:
        yield sent
    finally:
        process.Sandbox.send = send


def graded(source, chosen):
    """(wall seconds, the grader's CPU seconds, the sandbox's CPU seconds, results) of grade() in this process."""
    with sandbox_cpu() as sandboxed:
        started, used = time.perf_counter(), time.process_time()
        results = grade(source, chosen, Limits()).results
        return time.perf_counter() - started, time.process_time() - used, sandboxed[0], results


# The command line with the sandbox's CPU counted: `python -m grader grade` in a new process, ended as its console
# script ends it (cli.entry: without the interpreter's teardown), and with nothing of the grading imported before it
# (cputree's imports are light): the command starts its sandbox before it imports the grading code and numpy.
COMMAND = """import resource, sys
sys.path.insert(0, {root!r})
from benchmarks.cputree import sandbox_cpu
with sandbox_cpu() as sandboxed:
    from grader import cli
    code = cli.main(sys.argv[1:])
own = resource.getrusage(resource.RUSAGE_SELF)
print("CPU", own.ru_utime + own.ru_stime, sandboxed[0], file=sys.stderr)
cli.end_at_once(0 if code is None else code)
"""


def command_line(source, out):
    """(wall seconds, the command's own CPU seconds, its sandboxes' CPU seconds) of `grader grade SOURCE`."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", COMMAND.format(root=str(ROOT)), "grade", str(source), "--out",
                           str(out)], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    line = [line for line in done.stderr.splitlines() if line.startswith("CPU ")]
    if done.returncode not in (0, 1) or not line:
        raise SystemExit(f"grading {source} failed: {done.stderr[-2000:]}")
    own, sandboxed = (float(n) for n in line[-1].split()[1:])
    return wall, own, sandboxed


def figures(source, name, repeats, folder):
    """{"command line": [(wall, own CPU, sandbox CPU)], "first": [...], "next": [...]} and the last results: the
    command line and the in-process gradings alternated, so that the machine's load falls on both alike."""
    chosen = assignment.find(name)
    Path(folder).mkdir(parents=True, exist_ok=True)
    runs, results = defaultdict(list), None
    for r in range(repeats):
        runs["command line"].append(command_line(source, Path(folder) / f"out-{r}"))
        if r == 0:
            *first, results = graded(source, chosen)
            runs["first"].append(tuple(first))
        *again, results = graded(source, chosen)
        runs["next"].append(tuple(again))
    return runs, results


def describe(runs):
    """One line per way of grading: the median wall, and CPU (the grader's + the sandbox's)."""
    lines = []
    for kind, values in runs.items():
        wall, own, sandboxed = (statistics.median(v[i] for v in values) for i in range(3))
        lines.append(f"  {kind:<13} wall {wall:5.2f} s   CPU {own + sandboxed:5.2f} s (grader {own:.2f} + sandbox"
                     f" {sandboxed:.2f})   fastest wall {min(v[0] for v in values):.2f} s, median of {len(values)}")
    return lines


def next_messages(source, chosen):
    """What one more grading of `source` in this process (a next one) sends its sandbox, as a line of text."""
    with messages_sent() as sent:
        graded(source, chosen)
    return (f"  messages to the sandbox in a next grading: {sent['call']} single calls, {sent['calls']} batches asked"
            f" ahead, {sent['callback_return'] + sent['callback_raised']} answers to callbacks (a round trip each;"
            f" the rest answered by the answers sealed along, wire.seal)")


def parts(results):
    spent = defaultdict(float)
    for result in results:
        spent[result.id.rsplit(".", 1)[-1]] += result.seconds
    return ", ".join(f"{kind} {seconds:.2f}" for kind, seconds in sorted(spent.items(), key=lambda i: -i[1]))


def split_workspace(folder):
    """submissions/correct.py as students split it: rnn_forward.py, lstm_forward.py, and backward modules that
    star-import them (numpy included)."""
    source = CORRECT.read_text()
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
        submission = intake.take_in(CORRECT, scratch)
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
    print(f"numpy {np.__version__}; submissions/correct.py, {repeats} times each way, alternated")
    with tempfile.TemporaryDirectory() as scratch:
        runs, results = figures(CORRECT, "rnn", repeats, scratch)
        print("\n".join(describe(runs)))
        print(f"  its checks' wall seconds by kind: {parts(results)}")
        print(next_messages(CORRECT, rnn))
        split = [graded(split_workspace(Path(scratch) / f"workspace-{r}"), rnn)[0] for r in range(repeats)]
    fastest = min(v[0] for v in runs["next"])
    print(f"the same split across four modules, in-process: fastest {min(split):.2f} s"
          f" (ratio {min(split) / fastest:.2f})")
    load, sandboxed, direct = time_calls(rnn, 500)
    print(f"sandbox start and load: {load * 1000:.0f} ms")
    print(f"rnn_cell_forward on the handout case: {sandboxed * 1e6:.0f} us through the sandbox,"
          f" {direct * 1e6:.0f} us in-process (ratio {sandboxed / direct:.1f})")


if __name__ == "__main__":
    main()
