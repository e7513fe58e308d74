"""`init-student-repo DIR`: a student's repository that runs the public checks on every push (GitHub Actions).

What it holds (DESIGN.md: secrets decides what it must not):
  .github/workflows/grade.yml   installs the grader, runs .grader/ci.sh check on every push
  .grader/grader/               the engine, as it is here
  .grader/reference/<name>/     the assignment's public part: settings, rubric, checks, provided helpers
  .grader/fixtures/<name>/public/   the public fixtures (the handout's cases)
  .grader/requirements.txt, .grader/ci.sh   what the job installs, and its steps
  README.md, Makefile (`make check`), .gitignore
  the starter: the file given, else the handout's .py template (grader.handout), with its public_cases/ and the
  provided helpers beside it, so that `python <submission>` prints the handout's tables
Never the reference solution, the case recipes, the known mistakes, the hidden fixtures or the fixture manifest
(it names the hidden cases): the assignment's files are copied from a list of what the public checks need.
"""
import shutil
import tempfile
from pathlib import Path

from .gradescope import runtime_requirements
from .. import handout
from ..errors import UsageError

TEMPLATES = Path(__file__).with_name("templates") / "student"
# The files of an assignment folder that the public checks need; everything else stays with the instructor.
PUBLIC_PARTS = ("__init__.py", "assignment.toml", "rubric.toml", "checks.py")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
PYTHON = "3.11"  # the Python the workflow sets up: the oldest the grader supports (pyproject.toml)


def init(directory, assignment, submission=None, fail_under=None, starter=None):
    """Write the student repository into `directory` (new or empty); returns the files written, relative."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"{str(directory)!r} is not empty: init-student-repo writes a new repository")
    student = assignment.settings.get("student", {})
    submission = submission or student.get("submission") or "submission.py"
    fail_under = student.get("fail_under", 0) if fail_under is None else fail_under
    if starter is not None and not Path(starter).is_file():
        raise UsageError(f"no such starter file: {str(starter)!r}")
    grader = directory / ".grader"
    _copy_engine(grader / "grader")
    _copy_assignment(assignment, grader / "reference" / assignment.name)
    shutil.copytree(assignment.fixtures / "public", grader / "fixtures" / assignment.name / "public",
                    ignore=IGNORED)
    (grader / "requirements.txt").write_text(runtime_requirements())
    values = {"title": assignment.settings.get("title", assignment.name), "submission": submission,
              "fail_under": f"{fail_under:g}", "python": PYTHON, "checks": checks_table(assignment),
              "threshold": _threshold(fail_under),
              "other_checks": ", ".join(_other_kinds(assignment)) or "none"}
    for template, target in (("grade.yml", ".github/workflows/grade.yml"), ("ci.sh", ".grader/ci.sh"),
                             ("README.md", "README.md"), ("Makefile", "Makefile"), ("gitignore", ".gitignore")):
        _render(TEMPLATES / template, directory / target, values)
    (grader / "ci.sh").chmod(0o755)
    (directory / submission).parent.mkdir(parents=True, exist_ok=True)
    if starter is not None:
        shutil.copyfile(starter, directory / submission)
    else:
        _starter_from_handout(assignment, directory, submission)
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def _starter_from_handout(assignment, directory, submission):
    """The handout's .py template as the submission, its public cases and helpers beside it (not the notebook:
    the repository grades the one file)."""
    with tempfile.TemporaryDirectory() as scratch:
        made = handout.read(assignment)
        handout.write(made, scratch)
        shutil.copyfile(Path(scratch) / made.template, directory / submission)
        shutil.copytree(Path(scratch) / "public_cases", (directory / submission).parent / "public_cases")
        for helper in made.helpers:
            handout.copy_helper(helper, (directory / submission).parent)


def checks_table(assignment):
    """The public checks as a Markdown table: what each asks and its points."""
    lines = ["| check | what it asks | points |", "| --- | --- | --- |"]
    for check in assignment.checks(public_only=True):
        points, optional = assignment.points(check)
        extra = " (extra credit)" if optional else ""
        lines.append(f"| `{check.id}` | {check.description}{extra} | {points:g} |")
    return "\n".join(lines)


def _threshold(fail_under):
    if fail_under <= 0:
        return "the job fails only when the checks can't run (a missing file, for instance)"
    return (f"the job fails when your score is below {fail_under:g}% of the required public points (extra credit is"
            " not counted there)")


def _other_kinds(assignment):
    kinds = []
    for check in assignment.suite.checks.values():
        kind = check.id.rsplit(".", 1)[-1]
        if kind not in assignment.public_kinds and kind not in kinds:
            kinds.append(kind)
    return kinds


def _copy_engine(target):
    shutil.copytree(Path(__file__).parents[1], target, ignore=IGNORED)


def _copy_assignment(assignment, target):
    target.mkdir(parents=True)
    for name in PUBLIC_PARTS:
        if (assignment.folder / name).is_file():
            shutil.copyfile(assignment.folder / name, target / name)
    if assignment.provided is not None and assignment.provided.is_dir():
        shutil.copytree(assignment.provided, target / assignment.provided.name, ignore=IGNORED)


def _render(template, target, values):
    text = template.read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    if "{{" in text:
        raise ValueError(f"{template}: a placeholder has no value: {text[text.index('{{'):][:40]!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
