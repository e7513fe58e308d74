"""What one crossing of the sandbox boundary costs, and its parts.

Prints, in one run: the grader's share of a round trip measured in this process (encoding the handout case's
arguments, packing the message, unpacking and decoding an answer), then whole round trips through a real sandbox
(bubblewrap where it works, and process-level isolation): a function that does nothing, the handout case of
rnn_cell_forward, a batch of calls asked in one message, a callback (the child's stand-in for a declared callee,
answered by the grader), and a callback asked again (the child gives the grader's first answer again), each against
the same call made in this process; each with the CPU time of the grader and the sandbox per call, the fairer
figure on a busy machine; and the floor: a bare pipe round trip between two Python processes. Targets: a case of a
batch <= 60 us, a single call and a callback <= 150 us.
Against main's wire: run the same file from a checkout of main (it uses only encode, pack, unpack and decode).
Run: .venv/bin/python benchmarks/wire_speed.py [calls]
"""
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import assignment  # noqa: E402
from grader.sandbox import intake, process, usage, wire  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402
from grader.sandbox.program import Program  # noqa: E402

SOURCE = '''import numpy as np
from rnn_utils import softmax


def nothing(*args, **kwargs):
    return None


ASKED = [0]


def calls_back(n):
    """`n` callbacks, each with arguments never asked before in this sandbox: each one a round trip."""
    for _ in range(n):
        ASKED[0] += 1
        softmax(np.full(1, float(ASKED[0])))
    return n


def calls_back_again(n):
    """`n` callbacks with the same arguments: the first a round trip, the others answered in the child."""
    for _ in range(n):
        softmax(np.zeros(1))
    return n


def rnn_cell_forward(xt, a_prev, parameters):
    Wax, Waa, Wya, ba, by = (parameters[k] for k in ("Wax", "Waa", "Wya", "ba", "by"))
    a_next = np.tanh(Wax @ xt + Waa @ a_prev + ba)
    yt_pred = softmax(Wya @ a_next + by)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
'''


def per_call(run, calls, rounds=3):
    """Microseconds per call of `run()`, the fastest of `rounds` rounds of `calls` (the least disturbed)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            run()
        best = min(best, (time.perf_counter() - started) / calls)
    return best * 1e6


ECHO = """import os, sys
while True:
    data = os.read(0, 64)
    if not data:
        break
    os.write(1, data)
"""


def floor(calls):
    """(us of wall time, us of CPU of both processes) per round trip of one byte between this process and another
    Python process over pipes, waiting in select() as the grader does: what no round trip through the sandbox can
    beat on this machine at this load."""
    echo = subprocess.Popen([sys.executable, "-c", ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    write, read = echo.stdin.fileno(), echo.stdout.fileno()

    def ping():
        os.write(write, b"x")
        select.select([read], [], [])
        os.read(read, 64)
    try:
        ping()
        cpu = time.process_time(), usage.cpu_seconds(echo.pid)
        wall = per_call(ping, calls)
        used = time.process_time() - cpu[0] + usage.cpu_seconds(echo.pid) - cpu[1]
    finally:
        echo.stdin.close()
        echo.wait()
    return wall, used / (3 * calls) * 1e6


def in_process_parts(args, answer, calls):
    """{part: us} of the grader's own work on one round trip, without the sandbox."""
    request = {"op": "call", "function": "rnn_cell_forward", "args": wire.encode(args), "kwargs": {},
               "substitute": [], "module": None, "pairs": {}, "keep": None, "record": [], "target": None,
               "method": None}
    body = wire.pack({"op": "return", "value": wire.encode(answer)})[wire.HEADER_BYTES:]
    unpacked = wire.unpack(body)
    calls, rounds = max(1, calls // 10), 15  # short rounds: one of them, at least, falls between other work's
    return {"encode the arguments": per_call(lambda: wire.encode(args), calls, rounds),
            "pack the request": per_call(lambda: wire.pack(request), calls, rounds),
            "unpack the answer": per_call(lambda: wire.unpack(body), calls, rounds),
            "decode the answer": per_call(lambda: wire.decode(unpacked["value"]), calls, rounds)}


def round_trips(isolation, rnn, args, calls):
    """{what: (us of wall time per call, us of CPU per call: the grader's and the sandbox's)} through one sandbox
    of `isolation`. CPU time is the fairer figure on a busy machine: a context switch or a wait for a processor
    lengthens the wall time only."""
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "submission.py").write_text(SOURCE)
        submission = intake.take_in(Path(scratch) / "submission.py", Path(scratch) / "grading")
        program = Program(Path(scratch) / "grading", submission, Limits(isolation=isolation), rnn.provided)
        program.load()
        reference = {"softmax": lambda x: x}

        def measured(run, n, per):
            cpu = time.process_time(), program.cpu_seconds()
            wall = per_call(run, n) / per
            used = time.process_time() - cpu[0] + program.cpu_seconds() - cpu[1]
            return wall, used / (3 * n * per) * 1e6  # (per_call runs `n` calls 3 times)

        try:
            figures = {
                "nothing()": measured(lambda: program.call("nothing"), calls, 1),
                "rnn_cell_forward, handout case": measured(lambda: program.call("rnn_cell_forward", *args), calls, 1),
                "the same, 100 in one message (per call)": measured(lambda: list(program.calls(
                    "rnn_cell_forward", [(args, {})] * 100)), calls // 100, 100),
                "a callback (per callback, 100 in a call)": measured(lambda: program.call(
                    "calls_back", 100, substitute=reference), calls // 100, 100),
                "a callback asked again, in the child": measured(lambda: program.call(
                    "calls_back_again", 100, substitute=reference), calls // 100, 100),
            }
        finally:
            program.close()
    return figures


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rnn = assignment.find("rnn")
    args = rnn.package.cases.HANDOUT["rnn_cell_forward"]()
    answer = rnn.solution.rnn_cell_forward(*args)
    print("the grader's part of a round trip, in this process (handout case of rnn_cell_forward):")
    for part, us in in_process_parts(args, answer, calls).items():
        print(f"  {part:<40} {us:7.1f} us")
    direct = per_call(lambda: rnn.solution.rnn_cell_forward(*args), calls)
    print(f"  {'(the call itself, in this process)':<40} {direct:7.1f} us")
    print("a bare pipe round trip between two Python processes, select() waiting (the floor of one sequential"
          " round trip here):")
    wall, cpu = floor(calls)
    print(f"  {'one byte there and back':<40} {wall:7.1f} us   CPU {cpu:7.1f} us")
    print("targets (issue 26): a case of a batch of the handout case <= 60 us, a single call and a callback <= 150 us"
          " (the pipe itself is a small part of either: the rest is each side's Python and its turn on a processor)")
    isolations = ["process"] + (["bubblewrap"] if process.bubblewrap_problem() is None else [])
    for isolation in isolations:
        print(f"through the sandbox ({isolation}), wall: fastest of 3 rounds of {calls}; CPU: grader and sandbox,"
              " all 3 rounds:")
        for what, (wall, cpu) in round_trips(isolation, rnn, args, calls).items():
            print(f"  {what:<40} {wall:7.1f} us   CPU {cpu:7.1f} us")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors")


if __name__ == "__main__":
    main()
