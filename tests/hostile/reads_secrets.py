# Looks for the reference solution, the hidden fixtures, other students' reports and the grader by their
# absolute paths on the grading machine; if it could read the reference, it would hand it in as its own.
import os

REPO, OUT = "@REPO@", "@OUT@"
TARGETS = [f"{REPO}/reference/rnn/solution.py", f"{REPO}/fixtures/rnn/manifest.json", f"{REPO}/fixtures/rnn/hidden",
           f"{REPO}/grader/sandbox/wire.py", f"{REPO}", OUT, f"{OUT}/../other-student/report.json", "/root", "/etc/shadow",
           "/proc/1/environ"]

for target in TARGETS:
    try:
        found = os.listdir(target) if os.path.isdir(target) else open(target, "rb").read(64)
        print(f"READ-OK {target}: {str(found)[:80]}", flush=True)
    except OSError as exc:
        print(f"READ-FAILED {target}: {type(exc).__name__}", flush=True)

try:
    source = open(f"{REPO}/reference/rnn/solution.py").read().replace("from .provided.rnn_utils", "from rnn_utils")
    exec(compile(source, "solution.py", "exec"))
except OSError:
    pass
