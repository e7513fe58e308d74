"""The one way to grade a submission: the command line, the batch worker, the Gradescope autograder and the tests
all call `grade_submission`. Everything it writes is rendered from the report document it returns."""
from . import answers, report
from .grade import grade, released_alongside  # noqa: F401 -- (the command line's: its one grading released beside its report)
from .sandbox import executed
from .sandbox.limits import Limits


def grade_submission(source, assignment, out=None, limits=Limits(), public_only=False):
    """Grade `source` (a .py, an .ipynb or a folder) and return its report document (report.json's content).

    With `out`, the folder gets report.json, report.md and, for a notebook, executed.ipynb (and a copy of a
    manual item's answer that is not text, such as a PDF report)."""
    graded = grade(source, assignment, limits, public_only=public_only)
    # The answers people grade, read from the submission as handed in (nothing of it runs again).
    manual = answers.extract(assignment.manual, graded.submission, out, limits.answer_bytes) if not public_only \
        else None
    document = report.build(graded, assignment, limits, manual=manual)
    if out is not None:
        report.write(document, out)
        executed.save(graded, out)  # a notebook's cells as they ran, beside the report
    return document
