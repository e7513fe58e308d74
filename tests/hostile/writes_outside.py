# Writes where it must not: a forged report in the report folder and in another student's, new files in the
# repository, /tmp and the home folder, and changes to the project's own files (grader, reference, fixtures).
import os

REPO, OUT, MARK = "@REPO@", "@OUT@", "@MARK@"
FORGED = '{"score": 1000, "max_score": 52}\n'
NEW = [f"{OUT}/report.json", f"{OUT}/{MARK}", f"{OUT}/../other-student/report.json", f"{REPO}/{MARK}",
       f"{REPO}/reports/{MARK}", f"/tmp/{MARK}", os.path.expanduser(f"~/{MARK}"), f"/root/{MARK}"]
CHANGED = [f"{REPO}/grader/checks/compare.py", f"{REPO}/reference/rnn/solution.py", f"{REPO}/fixtures/rnn/manifest.json",
           f"{REPO}/Makefile"]


def attempt_all():
    for path in NEW:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(FORGED)
            print(f"WRITE-OK {path}", flush=True)
        except OSError as exc:
            print(f"WRITE-FAILED {path}: {type(exc).__name__}", flush=True)
    for path in CHANGED:
        try:
            with open(path, "a") as f:
                f.write(f"\n# {MARK}\n")
            print(f"WRITE-OK {path}", flush=True)
        except OSError as exc:
            print(f"WRITE-FAILED {path}: {type(exc).__name__}", flush=True)
        try:
            os.chmod(path, 0o777)
            print(f"CHMOD-OK {path}", flush=True)
        except OSError as exc:
            print(f"CHMOD-FAILED {path}: {type(exc).__name__}", flush=True)


attempt_all()


def rnn_cell_forward(xt, a_prev, parameters):
    attempt_all()
    raise RuntimeError("nothing written")
