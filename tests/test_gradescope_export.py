"""The Gradescope bundle, run as Gradescope runs it: a fake /autograder tree (source, submission, results) in a
temporary folder, run_autograder started from it, and results.json checked against the specification's format."""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import jsonschema
import pytest
from conftest import CORRECT, ROOT, mutate

from grader.platforms import gradescope as export

# Gradescope's "Autograder Specifications", output format: what our results.json may hold.
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["score", "output", "tests"],
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "score", "max_score", "status", "output", "visibility"],
            "properties": {
                "name": {"type": "string"}, "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "output": {"type": "string"},
                "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
                "tags": {"type": "array", "items": {"type": "string"}}}}},
    },
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, rnn):
    out = tmp_path_factory.mktemp("export") / "autograder.zip"
    export.gradescope(rnn, out)
    return out


def run_autograder(tmp_path, bundle, submission, python=sys.executable, broken=()):
    """Lay out /autograder in tmp_path as Gradescope does, run run_autograder, return (results, stdout)."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    for relative in broken:
        (root / "source" / relative).unlink()
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope's image build does
    (root / "submission").mkdir()
    for name, text in submission.items():
        (root / "submission" / name).write_text(text)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": python}
    done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, RESULTS_SCHEMA)
    return results, done.stdout


def test_the_bundle_has_what_gradescope_runs_and_every_secret_the_grade_needs(bundle, rnn):
    with zipfile.ZipFile(bundle) as z:
        entries = {info.filename: info for info in z.infolist()}
        setup, requirements = z.read("setup.sh").decode(), z.read("requirements.txt").decode()
    for script in ("setup.sh", "run_autograder"):  # at the root of the zip, executable
        assert stat.S_IMODE(entries[script].external_attr >> 16) & 0o111, script
    hidden = [p.relative_to(ROOT).as_posix() for p in (rnn.fixtures / "hidden").rglob("*.json")]
    assert hidden and set(hidden) <= set(entries)
    assert {"requirements.txt", "grader/platforms/autograder.py", "reference/rnn/solution.py", "reference/rnn/rubric.toml",
            "fixtures/rnn/manifest.json", "reference/rnn/provided/rnn_utils.py"} <= set(entries)
    assert not [name for name in entries if "__pycache__" in name or name.endswith(".pyc")]
    assert "numpy==" in requirements and "pytest" not in requirements  # what grading needs, not the tests
    assert "pip install" in setup and "requirements.txt" in setup


def test_the_scripts_are_valid_bash(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as z:
        z.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        done = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_a_correct_submission_gets_every_point_with_hidden_checks_shown_after_publication(tmp_path, bundle):
    results, stdout = run_autograder(tmp_path, bundle, {"rnn.py": CORRECT})
    assert results["score"] == 72  # 52 points and 20 of extra credit
    assert {t["status"] for t in results["tests"]} == {"passed"}
    hidden = [t for t in results["tests"] if ".hidden_values:" in t["name"]]
    assert len(hidden) == 8 and {t["visibility"] for t in hidden} == {"after_published"}
    assert "72 / 52" in results["output"] and "52 / 52" in stdout


def test_a_wrong_function_costs_its_points_and_says_what_differs(tmp_path, bundle):
    wrong = mutate("a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)",
                   "a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt))")
    results, _ = run_autograder(tmp_path, bundle, {"rnn.py": wrong})
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(t["name"].startswith("rnn_cell_forward.") for t in failed)
    assert results["score"] == 72 - 7  # all of rnn_cell_forward's points but structure's (its shapes are right)
    assert "differs" in next(t for t in failed if t["name"].startswith("rnn_cell_forward.public"))["output"]


def test_an_empty_submission_gets_a_results_file_that_says_so(tmp_path, bundle):
    results, _ = run_autograder(tmp_path, bundle, {})
    assert results["score"] == 0 and results["tests"] == []
    assert "empty" in results["output"]


def test_several_files_get_a_results_file_that_names_them(tmp_path, bundle):
    results, _ = run_autograder(tmp_path, bundle, {"a.py": CORRECT, "b.py": CORRECT})
    assert results["score"] == 0
    assert "a.py" in results["output"] and "b.py" in results["output"]


def test_a_grader_that_crashes_still_writes_results_and_tells_the_instructor_why(tmp_path, bundle):
    results, stdout = run_autograder(tmp_path, bundle, {"rnn.py": CORRECT}, broken=["reference/rnn/cases.py"])
    assert results["score"] == 0 and "autograder failed" in results["output"]
    assert "Traceback" in stdout and "Traceback" not in results["output"]


def test_a_grader_that_cannot_start_still_writes_results(tmp_path, bundle):
    results, _ = run_autograder(tmp_path, bundle, {"rnn.py": CORRECT}, python=str(tmp_path / "no-such-python"))
    assert results["score"] == 0 and "exit status 127" in results["output"]


@pytest.mark.warm_start
def test_the_autograder_grades_its_one_submission_without_booting_a_zygote_for_a_next(tmp_path, monkeypatch):
    """Gradescope runs the autograder once per submission: a warm start for a second grading (a zygote, about a
    second of CPU, and waited for at the end) would be for nothing; its sandbox is started ahead, as `grade`'s."""
    from grader.platforms import autograder
    from grader.sandbox import forkserver
    course = tmp_path / "course"  # one assignment, as in the bundle
    for part in ("reference", "fixtures"):
        shutil.copytree(ROOT / part / "rnn", course / part / "rnn", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("GRADER_COURSE", str(course))
    booted, boot = [], forkserver._boot
    monkeypatch.setattr(forkserver, "_boot", lambda *args: booted.append(args[-2]) or boot(*args))
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "rnn.py").write_text(CORRECT)
    assert autograder._grade(tmp_path / "submission")["score"] == 72
    assert booted == []
