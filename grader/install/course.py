"""Where the course is: the folder that holds its assignments (`reference/<name>/`) and their fixtures
(`fixtures/<name>/`), which the grader reads at run time and never ships in its package.

In order: `--course DIR` (the command line sets $GRADER_COURSE from it), $GRADER_COURSE, the current folder when it
holds a `reference/` folder, else the checkout the grader was loaded from (a clone of this repository, installed
editable or run with `python -m grader`). An installed grader (`pip install` of this package) is run from the course's
folder, or told where it is.
"""
import os
from pathlib import Path

from ..errors import UsageError

ENV = "GRADER_COURSE"
CHECKOUT = Path(__file__).resolve().parents[2]  # the repository, when grader/ is run from a clone


def root():
    """The course folder (resolved), or a one-line UsageError that says where the grader looked."""
    given = os.environ.get(ENV)
    if given:
        if not (Path(given) / "reference").is_dir():
            raise UsageError(f"{ENV}={given!r} holds no reference/ folder (the assignments): give the course's"
                             " folder, the one with reference/ and fixtures/")
        return Path(given).resolve()
    for candidate in (Path.cwd(), CHECKOUT):
        if (candidate / "reference").is_dir():
            return candidate.resolve()
    raise UsageError(f"no course in {str(Path.cwd())!r}: the grader reads the assignments from reference/ (and their"
                     " fixtures from fixtures/) in the current folder; run it from the course's folder, or give"
                     f" --course DIR (or set {ENV})")


def located():
    """The course folder, or None where there is none (what the sandbox must hide is then only the grader)."""
    try:
        return root()
    except UsageError:
        return None
