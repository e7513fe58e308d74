"""The command line's one grading is released (its sandbox stopped, its scratch folder removed) in a thread while
its report is written (grader.grade.released_alongside), and nothing of it outlives the command: a child that
takes long to end (an exit handler that waits, SIGTERM ignored) delays neither the report nor leaves anything."""
import os
import shutil
import tempfile
import threading

import pytest
from conftest import CORRECT, FAST, by_function, full_marks

from grader import grade
from grader.api import grade_submission
from grader.sandbox import spare

SLOW_TO_END = CORRECT + """
import atexit, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
atexit.register(time.sleep, 30)
"""


def _left(scratch):
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    found = []
    for pid in pids:
        try:
            if os.readlink(f"/proc/{pid}/cwd").startswith(str(scratch)):
                found.append(pid)
        except OSError:
            pass
    return found


def _started_ahead(source, tmp_path, monkeypatch, rnn):
    """(the scratch root every sandbox is made in, the submission) with its sandbox started ahead, as the command
    line does."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = tmp_path / "student.py"
    path.write_text(source)
    spare.start_ahead(path, rnn.provided, FAST)
    return scratch, path


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap (process isolation starts none ahead)")
def test_the_sandbox_started_ahead_is_released_beside_the_report_and_gone_when_it_ends(tmp_path, monkeypatch, rnn):
    scratch, path = _started_ahead(SLOW_TO_END, tmp_path, monkeypatch, rnn)
    with grade.released_alongside():
        document = grade_submission(path, rnn, tmp_path / "out", FAST)
        releasing = [t for t in threading.enumerate() if t.name == "grading-release"]
        assert len(releasing) == 1 and releasing[0].is_alive()  # the child is still ending: off the report's path
        assert (tmp_path / "out" / "report.json").is_file()
    assert not releasing[0].is_alive()
    assert _left(scratch) == [] and list(scratch.iterdir()) == []
    assert by_function(document) == full_marks(document)


def test_a_grading_outside_it_is_released_before_grade_returns(tmp_path, monkeypatch, rnn):
    scratch, path = _started_ahead(CORRECT, tmp_path, monkeypatch, rnn)
    grade_submission(path, rnn, tmp_path / "out", FAST)
    assert [t for t in threading.enumerate() if t.name == "grading-release"] == []
    assert _left(scratch) == [] and list(scratch.iterdir()) == []
