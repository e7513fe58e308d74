"""How long the CS231n-style assignment (reference/rnn_layers) takes to grade.

Grades the correct example and two with mistakes (one judged numerically against a wrong forward) `repeats`
times each in this process, after one grading that makes what every submission shares (fixtures, the reference's
training run), and prints for each the fastest grading (the least disturbed by other work on the machine): its
wall seconds, its CPU seconds (the grader's and the sandbox's, as grade_speed.py counts them), and the wall time of
each part as the results record it: the training check (100 iterations of the model in the sandbox, one message
each), the model's other checks, the layer checks, the rest (starting the sandbox, loading the submission); and the
load average, since the machine is shared. Then the messages the grader sent the sandbox in one grading of the
correct example, by kind: each single call and each answer to a callback is a round trip; a batch of calls asked
ahead is one message however many cases it holds.
Run: .venv/bin/python benchmarks/layers_speed.py [repeats]
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.grade_speed import graded, messages_sent  # noqa: E402
from grader import assignment  # noqa: E402

EXAMPLES = ROOT / "submissions" / "rnn_layers"
NAMES = ("layers_correct.py", "layers_mistake_sum_instead_of_mean.py", "layers_mistake_gates_order.py")


def main(repeats=3):
    layers = assignment.find("rnn_layers")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    graded(EXAMPLES / NAMES[0], layers)  # what every submission shares is made once per process
    for name in NAMES:
        wall, own, sandboxed, results = min((graded(EXAMPLES / name, layers) for _ in range(repeats)),
                                            key=lambda run: run[0])
        seconds = {r.id: r.seconds for r in results}
        model = {check: s for check, s in seconds.items() if check.startswith("SentimentRNN.")}
        layer = {check: s for check, s in seconds.items() if check not in model and check != "submission.loads"}
        print(f"{name}: {wall:.2f} s (CPU {own + sandboxed:.2f} s: grader {own:.2f}, sandbox {sandboxed:.2f});"
              f" training check {model['SentimentRNN.training']:.2f} s, the model's {len(model)} checks"
              f" {sum(model.values()):.2f} s, the {len(layer)} layer checks {sum(layer.values()):.2f} s, starting the"
              f" sandbox and loading the submission {wall - sum(model.values()) - sum(layer.values()):.2f} s"
              f" (fastest of {repeats})")
    sent = messages(EXAMPLES / NAMES[0], layers)
    print(f"messages to the sandbox in one grading of {NAMES[0]}: {sent['call']} single calls, {sent['calls']}"
          f" batches asked ahead, {sent['callback_return'] + sent['callback_raised']} answers to callbacks")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def messages(source, chosen):
    """{op: how many} of the messages the grader sends the sandbox in one grading of `source`."""
    with messages_sent() as sent:
        graded(source, chosen)
    return sent


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
