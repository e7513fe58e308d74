"""`export gradescope`: the autograder bundle that Gradescope runs on each submission.

The zip holds, at its root (Gradescope's "Autograder Specifications" want setup.sh and run_autograder there):
  setup.sh          run once when Gradescope builds the image: a venv with the pinned requirements
  run_autograder    run per submission: python -m grader.platforms.autograder, and a results.json even if that fails
  requirements.txt  the pinned dependencies it needs to grade (runtime_requirements)
  grader/           the engine
  reference/<name>/ the whole assignment: reference solution, recipes, checks, rubric, provided helpers
  fixtures/<name>/  every fixture, hidden ones included, and the manifest
  handout/<name>/   the student's handout (grader.handout), for the instructor to post: it is not used to grade
The bundle stays on Gradescope's side: students never see /autograder/source.
"""
import os
import re
import tempfile
import tomllib
import zipfile
from pathlib import Path

from .. import handout
from ..install.course import CHECKOUT
from ..grade import require_fixtures

TEMPLATES = Path(__file__).with_name("templates") / "gradescope"
EXECUTABLE = 0o755
LEFT_OUT = ("__pycache__", ".pyc", ".partial")
# A fixed date for every entry, so that the same sources always make the same bytes.
DATE = (2020, 1, 1, 0, 0, 0)


def gradescope(assignment, out):
    """Write the bundle to `out`; returns the names of its entries."""
    require_fixtures(assignment)
    files = [(TEMPLATES / "setup.sh", "setup.sh", EXECUTABLE),
             (TEMPLATES / "run_autograder", "run_autograder", EXECUTABLE),
             (runtime_requirements(), "requirements.txt", 0o644)]
    engine = Path(__file__).resolve().parents[1]
    for folder, name in ((engine, "grader"), (assignment.folder, f"reference/{assignment.name}"),
                         (assignment.fixtures, f"fixtures/{assignment.name}")):
        files += [(path, f"{name}/{path.relative_to(folder).as_posix()}", 0o644) for path in _tree(folder)]
    with tempfile.TemporaryDirectory() as scratch:
        made = Path(scratch)
        handout.build(assignment, made)
        files += [(path.read_bytes(), f"handout/{assignment.name}/{path.relative_to(made).as_posix()}", 0o644)
                  for path in sorted(made.rglob("*")) if path.is_file()]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path, name, mode in files:
            entry = zipfile.ZipInfo(name, DATE)
            entry.external_attr = (0o100000 | mode) << 16  # a regular file with these permissions
            entry.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(entry, path if isinstance(path, bytes) else path.encode() if isinstance(path, str)
                            else path.read_bytes())
    os.replace(partial, out)
    return [name for _, name, _ in files]


def runtime_requirements():
    """requirements.txt for a copy of the grader that only grades: the package's core dependencies (no extra),
    each at the version requirements.txt pins in a checkout, else at the version installed here."""
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "requirements.txt").is_file():
        with open(CHECKOUT / "pyproject.toml", "rb") as f:
            needed = tomllib.load(f)["project"]["dependencies"]
        pins = {_name(line): line.strip() for line in (CHECKOUT / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.lstrip().startswith("#")}
        said = "pyproject.toml's dependencies, pinned as in its requirements.txt"
    else:
        from importlib import metadata

        from ..install.extras import package
        needed = [r for r in metadata.requires(package()) or () if "extra ==" not in r]
        pins = {_name(r): f"{_name(r)}=={metadata.version(_name(r))}" for r in needed}
        said = "the installed grader's dependencies, at the versions installed where the bundle was made"
    lines = [f"# What the grader needs to grade: {said}."]
    return "\n".join(lines + [pins.get(_name(d), d) for d in needed]) + "\n"


def _name(requirement):
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _tree(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.endswith(LEFT_OUT) or part.startswith(".") for part in p.relative_to(folder).parts))
