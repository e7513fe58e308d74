"""Public mode (`grade --public`, `make check`): only the checks a student may run, without the reference or the
hidden fixtures; `--fail-under`; and the GitHub Actions annotations."""
import dataclasses
import json

import pytest
from conftest import CORRECT, FAST, mutate

from grader import assignment as assignments
from grader import cli, report
from grader.grade import grade, require_fixtures
from grader.errors import UsageError
from grader.report import github

NO_BIAS = ("a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)",
           "a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt))")


@pytest.fixture
def graded(tmp_path, rnn):
    def run(source, public_only):
        path = tmp_path / "student.py"
        path.write_text(source)
        return report.build(grade(path, rnn, FAST, public_only=public_only), rnn, FAST)
    return run


def test_public_mode_runs_only_the_public_kinds_and_scores_only_them(graded, rnn):
    document = graded(CORRECT, public_only=True)
    kinds = {c["id"].rsplit(".", 1)[-1] for c in document["checks"] if c["function"]}
    assert kinds == set(rnn.public_kinds) == {"structure", "public"}
    assert (document["score"], document["max_score"], document["extra_credit_max"]) == (16, 12, 4)
    assert any(note.startswith("public checks only (structure, public)") for note in document["notes"])


def test_public_mode_uses_the_students_own_callee_where_full_grading_uses_the_reference(graded):
    public = {c["id"]: c["status"] for c in graded(mutate(*NO_BIAS), public_only=True)["checks"]}
    full = {c["id"]: c["status"] for c in graded(mutate(*NO_BIAS), public_only=False)["checks"]}
    assert public["rnn_cell_forward.public"] == full["rnn_cell_forward.public"] == "failed"
    assert public["rnn_forward.public"] == "failed"  # it called the student's rnn_cell_forward
    assert full["rnn_forward.public"] == "passed"  # it called the reference's


def test_fail_under_is_a_percentage_of_the_required_points_of_the_run(tmp_path, capsys):
    path = tmp_path / "student.py"
    # 10 of the 12 required public points (the public values of rnn_cell_forward and of rnn_forward, which calls
    # it, are lost; their structure is right); the 4 of extra credit don't count
    path.write_text(mutate(*NO_BIAS))
    argv = ["grade", str(path), "--public", "--out", str(tmp_path / "out"), "--call-timeout", "2"]
    assert cli.main(argv + ["--fail-under", "80"]) == 0
    assert cli.main(argv + ["--fail-under", "90"]) == 1
    assert "student: 83.33% is below --fail-under 90%" in capsys.readouterr().err
    assert cli.main(argv) == 0


def test_github_output_needs_the_step_summary(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert cli.main(["grade", str(tmp_path / "x.py"), "--public", "--github"]) == 2
    assert "GITHUB_STEP_SUMMARY" in capsys.readouterr().err


def test_annotations_point_at_the_raising_line_else_the_def_line_and_escape_what_github_reads(tmp_path):
    path = tmp_path / "work.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return x\n\ndef g(x):\n    return 1 / 0\n")
    checks = [{"id": "f.public", "function": "f", "status": "failed", "description": "f is right",
               "message": "on case 1:\n100% differ, a: b"},
              {"id": "g.public", "function": "g", "status": "error", "description": "g is right",
               "message": "g raised ZeroDivisionError at line 8 of work.py: return 1 / 0"},
              {"id": "h.public", "function": "h", "status": "timeout", "description": "h", "message": "too long"},
              {"id": "f.structure", "function": "f", "status": "passed", "description": "", "message": ""}]
    lines = github.annotations({"checks": checks}, path, workspace=tmp_path)
    assert lines == ["::error file=work.py,line=4,title=f.public failed::f is right: on case 1:%0A100%25 differ, a: b",
                     "::error file=work.py,line=8,title=g.public error::g is right: g raised ZeroDivisionError at"
                     " line 8 of work.py: return 1 / 0",
                     "::error title=h.public timeout::h: too long"]
    notebook = tmp_path / "work.ipynb"
    notebook.write_text("{}")
    assert github.annotations({"checks": checks[:1]}, notebook, workspace=tmp_path)[0].startswith("::error title=")


def test_full_grading_names_missing_hidden_fixtures_before_it_starts(tmp_path, rnn):
    (tmp_path / "fixtures" / "rnn").mkdir(parents=True)
    manifest = {"files": {"public/f/handout.json": {}, "hidden/f/values-1.json": {}}}
    (tmp_path / "fixtures" / "rnn" / "manifest.json").write_text(json.dumps(manifest))
    moved = dataclasses.replace(rnn, folder=tmp_path / "reference" / "rnn")  # fixtures beside it: tmp_path/fixtures
    with pytest.raises(UsageError, match=r"2 fixtures are missing \(public/f/handout.json, ...\).*--public"):
        require_fixtures(moved)
