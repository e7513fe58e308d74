"""The one way to grade a submission: the command line, the batch worker, the Gradescope autograder and the tests
all call `grade_submission`. Everything it writes is rendered from the report document it returns."""
from . import report
from .grade import grade
from .sandbox import executed
from .sandbox.limits import Limits


def grade_submission(source, assignment, out=None, limits=Limits(), public_only=False):
    """Grade `source` (a .py, an .ipynb or a folder) and return its report document (report.json's content).

    With `out`, the folder gets report.json, report.md and, for a notebook, executed.ipynb."""
    graded = grade(source, assignment, limits, public_only=public_only)
    document = report.build(graded, assignment, limits)
    if out is not None:
        report.write(document, out)
        executed.save(graded, out)  # a notebook's cells as they ran, beside the report
    return document
