"""docs/writing-an-assignment.md, followed end to end: its solution module saved as layers.py, then its commands run
in order (`grader new`, check-assignment, make fixtures, grading the solution, the examples, make grade, make
handout) in a copy of the repository, which gets a new assignment that grades its own solution at full marks.
Also: the reference gets copies of a fixture's arguments, so an update in place can't reach the public case."""
import json
import os
import re
import shutil
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest

from grader import fixtures
from grader.fixtures import Recipe

from conftest import ROOT

GUIDE = ROOT / "docs" / "writing-an-assignment.md"
SECTION = "## A new assignment, step by step"


def _walkthrough():
    """(the solution module, the commands in order) of the guide's walk-through section."""
    text = GUIDE.read_text()
    section = text[text.index(SECTION):text.index("\n## ", text.index(SECTION) + 1)]
    solution = re.search(r"```python\n(.*?)```", section, re.S)[1]
    commands = [line.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
    return solution, commands


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """The engine, the Makefile and the requirements (their times kept, so make doesn't set up again), with this
    checkout's virtual environment and an empty reference/."""
    copy = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "grader", copy / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy2(ROOT / name, copy / name)
    ready = ROOT / ".venv" / ".ready"
    if ready.is_file():  # a requirements file edited since `make setup` must not make the guide's make set up again
        for name in ("requirements.txt", "pyproject.toml"):
            made = min((copy / name).stat().st_mtime, ready.stat().st_mtime - 1)
            os.utime(copy / name, (made, made))
    (copy / "reference").mkdir()
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def test_the_guide_makes_an_assignment_that_grades_its_own_solution_at_full_marks(repository):
    solution, commands = _walkthrough()
    assert commands[0] == "python -m grader new affine --from layers.py" and "make grade" in commands
    (repository / "layers.py").write_text(solution)
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=repository, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    report = lambda name: json.loads((repository / "reports" / name / "report.json").read_text())  # noqa: E731
    graded = report("affine-solution")
    assert graded["score"] == graded["max_score"] == 24 and graded["assignment"] == "affine"
    assert report("correct")["score"] == 24
    mistake = report("mistake_relu_backward")
    assert {name: f["score"] for name, f in mistake["functions"].items()} == {
        "affine_forward": 6, "affine_backward": 6, "relu_forward": 6, "relu_backward": 0}
    handout = repository / "handouts" / "affine"
    assert (handout / "affine.ipynb").is_file() and (handout / "public_cases").is_dir()
    assert "relu_backward(*args[1:], relu_forward(*args[:1])[-1])" in (handout / "affine.py").read_text()
    # without handout.toml, a backward's case (its forward's arguments, then dout) gets the documented note
    (repository / "reference" / "affine" / "handout.toml").unlink()
    done = subprocess.run(["python", "-m", "grader", "handout", "--assignment", "affine", "--out", "again"],
                          cwd=repository, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and ("[functions.relu_backward]: the public case 'public' holds the arguments of"
                                     " relu_forward and the upstream gradients") in done.stderr, done.stderr
    assert "relu_backward(*args)" not in (repository / "again" / "affine" / "affine.py").read_text()


def test_the_reference_updates_copies_of_the_arguments_in_place(tmp_path):
    """A batchnorm-style forward that updates its running mean in place: the public case keeps the argument as
    the recipe made it."""
    def batchnorm_forward(x, bn_param):
        bn_param["running_mean"] = 0.9 * bn_param["running_mean"] + 0.1 * x.mean(axis=0)
        return x - x.mean(axis=0), bn_param["running_mean"]

    made = lambda: (np.arange(6.0).reshape(3, 2), {"running_mean": np.zeros(2)})  # noqa: E731
    package = SimpleNamespace(cases=SimpleNamespace(recipes=lambda: [
        Recipe("batchnorm_forward", "public", "public", 1, made, "the public case")]))
    assignment = SimpleNamespace(name="bn", package=package,
                                 solution=SimpleNamespace(batchnorm_forward=batchnorm_forward))
    fixtures.generate(assignment, tmp_path / "bn")
    fixture = fixtures.load(tmp_path / "bn", "public")["batchnorm_forward"][0]
    assert np.array_equal(fixture.args[1]["running_mean"], np.zeros(2))
    assert np.allclose(fixture.expected[1], [0.2, 0.3])


def test_a_shape_the_docstrings_dont_give_is_named_when_fixtures_are_made(tmp_path):
    from grader import assignment
    from grader.authoring import scaffold
    (tmp_path / "layers.py").write_text("def scale_forward(x, s):\n    return x * s, (x, s)\n")
    folder = tmp_path / "scale_unfilled"
    scaffold.write(folder, tmp_path / "layers.py")
    assert "# FILL IN: x, s" in (folder / "cases.py").read_text()
    with pytest.raises(fixtures.RecipeError) as raised:
        fixtures.generate(assignment.load(folder), tmp_path / "fixtures")
    assert "the recipe of scale_forward 'public'" in str(raised.value)
    assert "FILL IN the shape of 'x' of scale_forward in ARGUMENTS" in str(raised.value)
