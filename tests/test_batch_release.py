"""A batch worker hands each grading's release (its sandbox stopped, its scratch folder removed) to a thread that
does it while the next submission is graded (grader.grade.release_later, grader/batch/worker.py). The next
submission sees nothing of the last one meanwhile, even if the release waits for the whole of it."""
import pytest
from conftest import CORRECT
from test_forkserver import LIMITS, PROBLEM, leaving_and_looking, left_running, zygote  # noqa: F401 (a fixture)

import grader.grade as grading
from grader.grade import grade
from grader.sandbox import spare

pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=f"the warm start needs bubblewrap and root: {PROBLEM}")


def test_the_next_submission_sees_nothing_of_the_last_one_whose_release_is_still_to_come(tmp_path, rnn, zygote,
                                                                                           monkeypatch):
    mark, first, second = leaving_and_looking(tmp_path)
    pending = []
    monkeypatch.setattr(grading, "_later", [pending.append])
    spare.enable()
    try:
        grade(first, rnn, LIMITS)
        assert len(pending) == 1 and left_running(mark)  # its sandbox, and the daemon it left, still run
        graded = grade(second, rnn, LIMITS)
        assert left_running(mark)  # the second was graded beside them
    finally:
        for release in pending:
            release()
        spare.discard()
        spare._spare["on"] = False
    assert graded.load_error is None, graded.load_error["message"]
    assert [r.status for r in graded.results] == ["passed"] * len(graded.results)
    assert not left_running(mark) and len(pending) == 2


def test_a_grading_that_raises_releases_its_sandbox_before_it_returns(tmp_path, rnn, zygote, monkeypatch):
    pending, programs = [], []
    monkeypatch.setattr(grading, "_later", [pending.append])
    monkeypatch.setattr(grading, "run_checks", lambda assignment, context, error: programs.append(context.program)
                        or 1 / 0)
    (tmp_path / "s.py").write_text(CORRECT)
    spare.enable()
    try:
        with pytest.raises(ZeroDivisionError):
            grade(tmp_path / "s.py", rnn, LIMITS)
    finally:
        spare.discard()
        spare._spare["on"] = False
    sandbox = programs[0].sandbox
    assert pending == [] and sandbox.process is None and not sandbox.scratch.exists()
