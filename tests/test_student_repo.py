"""A student's repository made by init-student-repo, run as GitHub Actions runs it, without GitHub: a fresh clone,
the `run:` steps of its workflow in order (GitHub's default `bash -e`), GITHUB_STEP_SUMMARY set to a temporary file;
then the summary, the annotations and the exit status, for a passing and a failing submission."""
import hashlib
import os
import subprocess
import sys

import pytest
import yaml
from conftest import CORRECT, mutate

from grader.errors import UsageError
from grader.platforms import student_repo

FAIL_UNDER = 75
# Wrong values in rnn_cell_forward (no bias), and an error raised in rnn_cell_backward (a transpose left out).
NO_BIAS = ("a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)",
           "a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt))")
NO_TRANSPOSE = ("    dxt = np.dot(Wax.T, dtanh)", "    dxt = np.dot(Wax, dtanh)")


def git(cwd, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def origin(tmp_path_factory, rnn):
    """The student's repository as GitHub would hold it: made by init-student-repo, committed."""
    repo = tmp_path_factory.mktemp("student") / "origin"
    starter = repo.parent / "starter.py"
    starter.write_text(CORRECT)
    student_repo.init(repo, rnn, fail_under=FAIL_UNDER, starter=starter)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Assignment")
    return repo


def run_workflow(origin, tmp_path, submission=None):
    """Clone, put `submission` in place, run the workflow's `run:` steps until one fails. Returns (runs, summary)."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    workflow = yaml.safe_load((clone / ".github" / "workflows" / "grade.yml").read_text())
    assert "push" in workflow[True]  # YAML 1.1 reads the key `on` as true
    job = workflow["jobs"]["public-checks"]
    if submission is not None:
        (clone / job["env"]["SUBMISSION"]).write_text(submission)
    summary = tmp_path / "step_summary.md"
    env = {**os.environ, **job["env"], "PYTHON": sys.executable, "PIP_NO_INDEX": "1", "GITHUB_ACTIONS": "true",
           "GITHUB_WORKSPACE": str(clone), "GITHUB_STEP_SUMMARY": str(summary)}
    runs = []
    for step in [s["run"] for s in job["steps"] if "run" in s]:
        runs.append(subprocess.run(["bash", "-e", "-c", step], cwd=clone, env=env, capture_output=True, text=True,
                                   timeout=300))
        if runs[-1].returncode != 0:
            break
    return runs, summary.read_text() if summary.exists() else ""


def test_the_repository_holds_the_public_part_and_no_secret(origin, rnn):
    files = [p for p in origin.rglob("*") if p.is_file() and ".git" not in p.relative_to(origin).parts]
    names = {p.relative_to(origin).as_posix() for p in files}
    assert {".github/workflows/grade.yml", ".grader/ci.sh", ".grader/reference/rnn/assignment.toml", "README.md",
            ".grader/reference/rnn/rubric.toml", ".grader/reference/rnn/provided/rnn_utils.py", "Makefile",
            ".grader/fixtures/rnn/public/rnn_cell_forward/handout.json", "rnn.py"} <= names
    assert f"below {FAIL_UNDER}% of the required public points" in (origin / "README.md").read_text()
    assert not [n for n in names if n.rsplit("/", 1)[-1] in ("solution.py", "cases.py", "manifest.json")
                or "/hidden/" in n or "/mistakes/" in n]
    secrets = [p for p in rnn.folder.rglob("*.py") if p.name != "checks.py" and "provided" not in p.parts
               and p.name != "__init__.py"] + list((rnn.fixtures / "hidden").rglob("*.json"))
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    assert len(secrets) > 40 and not {digest(p) for p in secrets} & {digest(p) for p in files}


def test_a_passing_submission_passes_the_job_with_its_report_in_the_summary(origin, tmp_path):
    runs, summary = run_workflow(origin, tmp_path)
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert "**Score: 12 / 12** + extra credit 4 / 4" in summary
    assert "public checks only" in summary and "hidden_values" not in summary
    assert "::error" not in runs[-1].stdout


def test_a_failing_submission_fails_the_job_with_annotations_on_its_lines(origin, tmp_path):
    submission = mutate(*NO_TRANSPOSE, source=mutate(*NO_BIAS))
    runs, summary = run_workflow(origin, tmp_path, submission)
    assert [r.returncode for r in runs] == [0, 1]
    lines = submission.splitlines()
    defined = lines.index("def rnn_cell_forward(xt, a_prev, parameters):") + 1
    raised = lines.index(NO_TRANSPOSE[1]) + 1
    annotations = [line for line in runs[-1].stdout.splitlines() if line.startswith("::error")]
    assert f"::error file=rnn.py,line={defined},title=rnn_cell_forward.public failed::" in runs[-1].stdout
    assert any(a.startswith(f"::error file=rnn.py,line={raised},title=rnn_cell_backward.public error::")
               for a in annotations)
    public = next(a for a in annotations if "title=rnn_cell_forward.public" in a)
    assert "%0Aa_next differs in 50 of 50 entries%0A" in public  # the message's lines, escaped onto one line
    assert "**Score: 6 / 12**" in summary and "## What to fix" in summary and "rnn_cell_forward.public" in summary
    assert f"is below --fail-under {FAIL_UNDER}%" in runs[-1].stderr


def test_the_students_copy_refuses_full_grading_with_a_clear_message(origin, tmp_path):
    git(tmp_path, "clone", "-q", str(origin), str(tmp_path / "clone"))
    done = subprocess.run([sys.executable, "-m", "grader", "grade", "../rnn.py"], cwd=tmp_path / "clone" / ".grader",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "solution.py is missing" in done.stderr and "--public" in done.stderr


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, rnn):
    (tmp_path / "work.py").write_text("")
    with pytest.raises(UsageError, match="not empty"):
        student_repo.init(tmp_path, rnn)
