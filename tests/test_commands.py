"""Every command the README and docs/ show, run as a user types it: the Makefile's targets and `python -m grader`'s
verbs, with their exit status and the files they write. What writes into the checkout (make grade's reports/,
make fixtures, a changed grader version) runs in a copy of it, the .venv linked; `-o .venv/.ready` keeps make from
setting the environment up again in the copy. Short limits keep each test short."""
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile

import pytest

from conftest import ROOT

LIMITS = ["--call-timeout", "2", "--load-timeout", "20", "--cell-timeout", "5"]
EXAMPLES = ROOT / "submissions"
READY = ".venv/.ready"


def run(command, cwd=ROOT, timeout=600):
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def make(*arguments, cwd=ROOT):
    """`make TARGET VAR=value ...` with this interpreter; the environment is already set up."""
    return run(["make", "-s", "-o", READY, f"PY={sys.executable}", *arguments], cwd=cwd)


def grader(*arguments, cwd=ROOT):
    return run([sys.executable, "-m", "grader", *arguments], cwd=cwd)


def report(folder):
    return json.loads((folder / "report.json").read_text())


@pytest.fixture
def checkout(tmp_path):
    """A copy of the checkout's files as they are (tracked and new, not ignored), mtimes kept, .venv linked, and
    only one example submission per assignment (make grade grades them all)."""
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"]).stdout.split("\0")
    if not listed[0]:
        pytest.skip("not a git checkout: nothing says which files are the project's")
    copy = tmp_path / "checkout"
    for name in filter(None, listed):
        if (ROOT / name).is_file() and "__pycache__" not in name:
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    if (ROOT / ".venv").is_dir():
        (copy / ".venv").symlink_to(ROOT / ".venv")
    for example in (copy / "submissions").rglob("*.py"):
        if example.name not in ("correct.py", "layers_correct.py"):
            example.unlink()
    return copy


def test_make_grade_grades_both_assignments_examples_into_reports(checkout):
    result = make("grade", cwd=checkout)
    assert result.returncode == 0, result.stdout + result.stderr
    rnn, layers = report(checkout / "reports" / "correct"), report(checkout / "reports" / "layers_correct")
    assert (rnn["assignment"], layers["assignment"]) == ("rnn", "rnn_layers")
    for document in (rnn, layers):
        assert document["score"] == document["max_score"] + document["extra_credit_max"], document["submission"]
    assert "correct: 52 / 52" in result.stdout and "layers_correct: " in result.stdout


def test_make_grade_one_submission_into_out(tmp_path):
    result = make("grade", f"SUBMISSION={EXAMPLES / 'mistake_missing_bias.py'}", f"OUT={tmp_path / 'alice'}")
    assert result.returncode == 0, result.stderr
    document = report(tmp_path / "alice")
    assert document["functions"]["rnn_cell_forward"]["score"] < 8 and (tmp_path / "alice" / "report.md").is_file()


def test_grading_several_files_at_once_writes_one_folder_each(tmp_path):
    result = grader("grade", str(EXAMPLES / "correct.py"), str(EXAMPLES / "mistake_a0_ignored.py"),
                    str(EXAMPLES / "rnn_layers" / "layers_mistake_gates_order.py"), "--out", str(tmp_path), *LIMITS)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["correct", "layers_mistake_gates_order",
                                                          "mistake_a0_ignored"]
    assert report(tmp_path / "layers_mistake_gates_order")["assignment"] == "rnn_layers"
    assert report(tmp_path / "mistake_a0_ignored")["functions"]["rnn_forward"]["score"] < 8


def test_make_check_exits_1_below_fail_under(tmp_path):
    passing = make("check", f"SUBMISSION={EXAMPLES / 'correct.py'}", "FAIL_UNDER=100", f"OUT={tmp_path / 'a'}")
    assert passing.returncode == 0, passing.stderr
    assert report(tmp_path / "a")["max_score"] < 52  # the public checks only
    failing = make("check", f"SUBMISSION={EXAMPLES / 'mistake_missing_bias.py'}", "FAIL_UNDER=100",
                   f"OUT={tmp_path / 'b'}")
    assert failing.returncode != 0 and "Error 1" in failing.stderr, failing.stderr
    assert (tmp_path / "b" / "report.json").is_file()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """`make grade-all` of a class of two, run once for the tests that grade, review and serve such a class."""
    base = tmp_path_factory.mktemp("make-grade-all")
    folder = base / "collected"
    folder.mkdir()
    shutil.copy(EXAMPLES / "correct.py", folder / "amy.py")
    shutil.copy(EXAMPLES / "mistake_missing_bias.py", folder / "bob.py")
    result = make("grade-all", f"SUBMISSIONS={folder}", f"OUT={base / 'out'}", "WORKERS=2", "ASSIGNMENT=rnn")
    return folder, base / "out", result


def test_make_grade_all_then_review_publish_and_hidden_kinds(graded_class, tmp_path):
    folder, graded, result = graded_class
    assert result.returncode == 0, result.stdout + result.stderr
    shutil.copytree(graded, tmp_path / "out")  # reviewed and published here: the class stays as graded
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert float(rows["amy"]["score"]) > float(rows["bob"]["score"])
    page = (tmp_path / "out" / "index.html").read_text()
    sheet = tmp_path / "written.csv"
    sheet.write_text("student,item,points\nbob,vanishing_gradients,3\n")
    imported = grader("review", str(tmp_path / "out"), "--import", str(sheet))
    assert imported.returncode == 0, imported.stderr
    exported = grader("review", str(tmp_path / "out"), "--export", str(tmp_path / "scores.csv"))
    assert exported.returncode == 0 and "bob,vanishing_gradients,3" in (tmp_path / "scores.csv").read_text()
    published = grader("review", str(tmp_path / "out"), "--publish")
    assert published.returncode == 0, published.stderr
    assert (tmp_path / "out" / "index.html").read_text() != page  # redrawn with the manual score
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert rows["bob"]["vanishing_gradients"] == "3"

    alone = tmp_path / "bob"  # what is hidden is the same for every student: bob's results.json says it
    alone.mkdir()
    shutil.copy(folder / "bob.py", alone)
    hidden = grader("grade-all", str(alone), "--out", str(tmp_path / "hidden"), "--assignment", "rnn",
                    "--hidden-kinds", "properties", *LIMITS)
    assert hidden.returncode == 0, hidden.stderr
    tests = json.loads((tmp_path / "hidden" / "bob" / "results.json").read_text())["tests"]
    shown = {t["name"].split(":")[0].rsplit(".", 1)[-1]: t.get("visibility") for t in tests}
    assert shown["properties"] == "after_published" and shown["hidden_values"] != "after_published", shown


def test_make_grade_all_without_a_folder_says_how():
    result = make("grade-all")
    assert result.returncode != 0 and "make grade-all SUBMISSIONS=dir" in result.stdout


def test_make_fixtures_and_check_fixtures_name_a_hand_edited_file(checkout):
    assert make("fixtures", "ASSIGNMENT=rnn_layers", cwd=checkout).returncode == 0
    clean = make("check-fixtures", "ASSIGNMENT=rnn_layers", cwd=checkout)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    edited = checkout / "fixtures" / "rnn_layers" / "public" / "rnn_step_forward" / "notebook.json"
    data = json.loads(edited.read_text())
    data["args"]["$tuple"][0]["$array"][0][0] += 1e-3
    edited.write_text(json.dumps(data))
    drift = grader("check-fixtures", "--assignment", "rnn_layers", cwd=checkout)
    assert drift.returncode == 1
    *named, summary = drift.stdout.splitlines()  # each drift names the file and the array, and only that one
    assert named and all(n.startswith("public/rnn_step_forward/notebook.json: ['args'][0] ") for n in named), named
    assert summary.startswith(f"{len(named)} drift(s) in 'rnn_layers'"), summary
    assert make("check-fixtures", "ASSIGNMENT=rnn_layers", cwd=checkout).returncode != 0


def test_export_gradescope_writes_the_bundle(tmp_path):
    result = grader("export", "gradescope", "--assignment", "rnn", "--out", str(tmp_path / "autograder.zip"))
    assert result.returncode == 0, result.stderr
    names = zipfile.ZipFile(tmp_path / "autograder.zip").namelist()
    assert {"setup.sh", "run_autograder"} <= set(names)
    assert any(n.endswith("solution.py") for n in names) and any("/hidden/" in n for n in names)


def test_init_student_repo_writes_the_workflow_and_the_starter(tmp_path):
    result = grader("init-student-repo", str(tmp_path / "rnn-student"), "--assignment", "rnn", "--fail-under", "50")
    assert result.returncode == 0, result.stderr
    made = tmp_path / "rnn-student"
    assert (made / ".github" / "workflows" / "grade.yml").is_file() and (made / "rnn.py").is_file()
    assert not list(made.rglob("solution.py")) and not list(made.rglob("hidden"))
    again = grader("init-student-repo", str(made), "--assignment", "rnn")
    assert again.returncode == 2 and again.stderr.count("\n") == 1, again.stderr  # not new or empty


def _graded_again(folder, out, *options, cwd=ROOT):
    result = grader("grade-all", str(folder), "--out", str(out), "--assignment", "rnn", *LIMITS, *options, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return re.search(r"graded (\d+) of 1 submissions?", result.stdout).group(1)


def test_grade_all_grades_again_when_the_grader_the_fixtures_or_the_limits_change(checkout, tmp_path):
    folder, out = tmp_path / "collected", tmp_path / "out"
    folder.mkdir()
    shutil.copy(EXAMPLES / "correct.py", folder / "amy.py")
    assert _graded_again(folder, out, cwd=checkout) == "1"
    assert _graded_again(folder, out, cwd=checkout) == "0"
    assert _graded_again(folder, out, "--call-timeout", "3", cwd=checkout) == "1"  # the limits
    manifest = checkout / "fixtures" / "rnn" / "manifest.json"
    manifest.write_text(manifest.read_text() + "\n")
    assert _graded_again(folder, out, "--call-timeout", "3", cwd=checkout) == "1"  # the fixtures
    version = checkout / "grader" / "report" / "__init__.py"
    text = version.read_text()
    assert 'GRADER_VERSION = "' in text
    version.write_text(re.sub(r'GRADER_VERSION = "[^"]*"', 'GRADER_VERSION = "9.9.9"', text))
    assert _graded_again(folder, out, "--call-timeout", "3", cwd=checkout) == "1"  # the grader
    assert report(out / "amy")["grader_version"] == "9.9.9"


def test_the_training_check_stops_at_its_time_budget(checkout, tmp_path):
    settings = checkout / "reference" / "rnn_layers" / "assignment.toml"
    assert "budget_seconds = 20\n" in settings.read_text()
    settings.write_text(settings.read_text().replace("budget_seconds = 20\n", "budget_seconds = 0.05\n"))
    result = grader("grade", str(EXAMPLES / "rnn_layers" / "layers_correct.py"), "--out", str(tmp_path / "out"),
                    *LIMITS, cwd=checkout)
    assert result.returncode == 0, result.stderr
    training = next(c for c in report(tmp_path / "out")["checks"] if c["id"] == "SentimentRNN.training")
    assert training["status"] != "passed" and "ran past its budget of 0.05 s" in training["message"], training


def _background(arguments, log):
    """A make target that runs until stopped, in a session of its own (make, dask and what they start)."""
    return subprocess.Popen(["make", "-s", "-o", READY, f"PY={sys.executable}", *arguments], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.2)


@pytest.mark.timeout(300)
def test_make_dask_scheduler_dask_worker_and_grade_all_on_them(tmp_path):
    """The cluster as docs/grading-a-class.md starts it, on 127.0.0.1; then a class graded on it."""
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "dask").exists():
        pytest.skip("make dask-scheduler runs .venv/bin/dask (make setup)")
    where = tmp_path / "scheduler.json"
    loopback = "--host 127.0.0.1 --no-dashboard --dashboard-address 127.0.0.1:0"
    processes = []
    try:
        processes.append(_background(["dask-scheduler", f"DASK_ARGS={loopback} --port 0 --scheduler-file {where}"],
                                     open(tmp_path / "scheduler.log", "w")))
        _wait_for(where.is_file, 60, "the scheduler writes its file")
        address = json.loads(where.read_text())["address"]
        processes.append(_background(["dask-worker", f"SCHEDULER={address}", f"DASK_ARGS={loopback} --nthreads 1"],
                                     open(tmp_path / "worker.log", "w")))
        folder = tmp_path / "collected"
        folder.mkdir()
        shutil.copy(EXAMPLES / "mistake_missing_bias.py", folder / "bob.py")
        result = make("grade-all", f"SUBMISSIONS={folder}", f"OUT={tmp_path / 'out'}", f"SCHEDULER={address}",
                      "ASSIGNMENT=rnn")
        assert result.returncode == 0, result.stdout + result.stderr + (tmp_path / "worker.log").read_text()
        assert report(tmp_path / "out" / "bob")["functions"]["rnn_cell_forward"]["score"] < 8
    finally:
        for process in reversed(processes):
            _stop(process)


# Every command the documentation shows in its shell blocks, and the test that runs it as typed.
COVERED = {
    "make grade": "test_make_grade_grades_both_assignments_examples_into_reports",
    "make check": "test_make_check_exits_1_below_fail_under",
    "make grade-all": "test_make_grade_all_then_review_publish_and_hidden_kinds",
    "make dask-scheduler": "test_make_dask_scheduler_dask_worker_and_grade_all_on_them",
    "make dask-worker": "test_make_dask_scheduler_dask_worker_and_grade_all_on_them",
    "make review": "test_make_review_serves_the_class_page",
    "make fixtures": "test_make_fixtures_and_check_fixtures_name_a_hand_edited_file",
    "make check-fixtures": "test_make_fixtures_and_check_fixtures_name_a_hand_edited_file",
    "make handout": "test_make_handout_writes_every_assignment",
    "make test": "(this suite)",
    "make setup": "(every make target above: setup is their first step)",
    "grader grade": "test_grading_several_files_at_once_writes_one_folder_each",
    "grader grade-all": "test_grade_all_grades_again_when_the_grader_the_fixtures_or_the_limits_change",
    "grader review": "test_make_grade_all_then_review_publish_and_hidden_kinds",
    "grader export": "test_export_gradescope_writes_the_bundle",
    "grader init-student-repo": "test_init_student_repo_writes_the_workflow_and_the_starter",
    "grader handout": "test_a_student_fills_in_the_notebook_and_passes_the_public_checks",
    "grader similarity": "test_the_command_says_what_is_wrong_in_one_line",
    "grader fixtures": "test_make_fixtures_and_check_fixtures_name_a_hand_edited_file",
    "grader new": "test_the_guide_makes_an_assignment_that_grades_its_own_solution_at_full_marks",
    "grader check-assignment": "test_the_command_refuses_a_wrong_declaration_with_exit_status_2",
    "grader mistakes": "test_the_mistakes_verb_gives_the_class_figures_and_the_groups_no_variant_explains",
    "grader doctor": "test_doctor_says_what_works_and_fails_on_a_broken_course",
    "make doctor": "test_make_doctor_says_what_works",
    "grader check-fixtures": "test_make_fixtures_and_check_fixtures_name_a_hand_edited_file",
}


def documented_commands():
    """{"make TARGET" or "grader VERB": where it is shown} from the sh blocks of README.md and docs/*.md."""
    found = {}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```(?:sh|bash|shell|console)\n(.*?)```", page.read_text(), re.DOTALL):
            for line in block.splitlines():
                for match in re.finditer(r"(?:^|&&\s*|;\s*)(make|(?:python -m )?grader)\s+([a-z][a-z-]*)", line):
                    found.setdefault(f"{match[1].split()[-1]} {match[2]}", page.name)
    return found


def test_every_documented_command_has_a_test_that_runs_it():
    documented = documented_commands()
    assert {"make grade", "grader grade-all"} <= set(documented), documented
    assert set(documented) - set(COVERED) == set(), "documented commands no test runs"
    tests = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    missing = [name for name in COVERED.values() if not name.startswith("(") and f"def {name}(" not in tests]
    assert missing == []


def test_make_review_serves_the_class_page(graded_class, tmp_path):
    _, graded, result = graded_class
    assert result.returncode == 0, result.stdout + result.stderr
    shutil.copytree(graded, tmp_path / "out")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = _background(["review", f"OUT={tmp_path / 'out'}", f"PORT={port}"], open(tmp_path / "review.log", "w"))
    try:
        def answers():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    return page.status == 200
            except OSError:
                return False
        _wait_for(answers, 60, "the review app answers")
    finally:
        _stop(server)


def test_make_doctor_says_what_works():
    result = make("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rnn" in result.stdout and "rnn_layers" in result.stdout, result.stdout
