"""What runs on Gradescope's machine for each submission: grade /autograder/submission, write results.json.

Gradescope's autograder specification: the bundle is unzipped into /autograder/source, the student's files are in
/autograder/submission, run_autograder runs from /autograder, and /autograder/results/results.json is what
Gradescope reads. AUTOGRADER_ROOT moves that tree (a test lays one out in a temporary folder).

The submission folder is graded as a folder (grader.sandbox.intake picks the file to grade in it, or says why it
can't). results.json is always written: when grading fails, it holds zero points and what went wrong; the traceback goes
to standard output, which Gradescope shows the instructor only. The full grade runs, hidden checks included.
"""
import json
import os
import sys
import time
import traceback
from pathlib import Path

from .. import assignment as assignments
from ..sandbox import spare
from ..sandbox.limits import SINGLE_THREADED, Limits
from ..whole import write_whole


def main():
    os.environ.update(SINGLE_THREADED)  # before numpy's import (grader.api's), as `grader grade` does
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    started = time.monotonic()
    try:
        results = _grade(root / "submission")
    except Unusable as exc:  # the student can act on the message
        results = failed(f"This submission could not be graded: {exc}")
    except Exception as exc:  # a bug or a broken bundle: the instructor has the traceback
        traceback.print_exc(file=sys.stdout)
        results = failed(f"The autograder failed while grading this submission ({type(exc).__name__}; the"
                         " instructor sees the details). Please tell your instructor.")
    results.setdefault("execution_time", round(time.monotonic() - started, 3))
    write(results, root / "results" / "results.json")
    return 0


class Unusable(Exception):
    """A submission with nothing to grade in it."""


def _grade(submission):
    folder = assignments.choose()
    if not submission.is_dir() or not any(submission.iterdir()):
        raise Unusable("the submission is empty: upload your notebook or module")
    # Its sandbox started before numpy and the grading code are imported, as `grader grade` starts it; grading once,
    # it boots no zygote for a next grading.
    spare.start_ahead(submission, assignments.provided_of(folder), Limits())
    from ..api import grade_submission
    from ..report import gradescope, terminal
    document = grade_submission(submission, assignments.load(folder))
    print(terminal.render(document))
    return gradescope.render(document)


def failed(message):
    """results.json for a submission that could not be graded: zero points, and why."""
    return {"score": 0, "output": message, "output_format": "text", "stdout_visibility": "hidden", "tests": []}


def write(results, path):
    """Write results.json whole or not at all (Gradescope must never read half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_whole(path, json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
