"""How long the CS231n-style assignment (reference/rnn_layers) takes to grade.

Grades the correct example and two with mistakes (one judged numerically against a wrong forward) `repeats`
times each and prints the fastest grading of each (the least disturbed by other work on the machine), the time
of each part as the results record it: the training check (100 iterations of the model in the sandbox), the
model's checks, the layer checks (counted), the rest (starting the sandbox, loading the submission); and the load
average, since the machine is shared.
Run: .venv/bin/python benchmarks/layers_speed.py [repeats]
"""
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import assignment  # noqa: E402
from grader.grade import grade  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402

EXAMPLES = ROOT / "submissions" / "rnn_layers"
NAMES = ("layers_correct.py", "layers_mistake_sum_instead_of_mean.py", "layers_mistake_gates_order.py")


def main(repeats=3):
    layers = assignment.find("rnn_layers")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name in NAMES:
        runs = []
        for _ in range(repeats):
            started = time.monotonic()
            graded = grade(EXAMPLES / name, layers, Limits())
            seconds = {r.id: r.seconds for r in graded.results}
            runs.append((time.monotonic() - started, seconds))
        total, seconds = min(runs, key=lambda run: run[0])
        model = {check: s for check, s in seconds.items() if check.startswith("SentimentRNN.")}
        layer = {check: s for check, s in seconds.items() if check not in model and check != "submission.loads"}
        print(f"{name}: {total:.2f} s in all; training check {model['SentimentRNN.training']:.2f} s, the model's"
              f" {len(model)} checks {sum(model.values()):.2f} s, the {len(layer)} layer checks"
              f" {sum(layer.values()):.2f} s, starting the sandbox and loading the submission"
              f" {total - sum(model.values()) - sum(layer.values()):.2f} s (fastest of {repeats})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
