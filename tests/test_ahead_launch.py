"""The command line's sandbox started ahead (grader/sandbox/ahead.py) is running when start() returns, so that the
caller's imports don't slow its start down; start() never waits for it longer than LAUNCH_WAIT, and returns at
once when it can't start."""
import shutil
import threading
import time

import pytest

from grader.sandbox import ahead, process
from grader.sandbox.limits import Limits


def _process_running(sandbox):
    return sandbox is not None and sandbox.process is not None and sandbox.process.poll() is None


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_the_sandbox_started_ahead_is_running_when_start_returns():
    made = []

    class Seen(process.Sandbox):  # the sandbox the thread makes, seen from here
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    original = process.Sandbox
    process.Sandbox = Seen
    try:
        ahead.start(Limits(), None, "module")
        running = _process_running(made[0] if made else None)
    finally:
        process.Sandbox = original
        sandbox = ahead.take(Limits(), None)
    assert running, "start() returned before the sandbox's process was started"
    assert sandbox is made[0] and sandbox.alive  # the grading takes that one
    ahead._stop(sandbox)


def test_start_waits_no_longer_than_its_bound_and_not_at_all_when_the_start_fails(monkeypatch):
    release = threading.Event()

    def stuck(limits, provided, warm):
        release.wait(30)
        return None

    monkeypatch.setattr(ahead, "LAUNCH_WAIT", 0.3)
    monkeypatch.setattr(ahead, "_bubblewrap_sandbox", stuck)
    began = time.monotonic()
    ahead.start(Limits(), None, "module")
    waited = time.monotonic() - began
    release.set()
    assert 0.25 <= waited < 3, waited
    assert ahead.take(Limits(), None) is None

    def broken(limits, provided, warm):
        raise OSError("no bwrap here")

    monkeypatch.setattr(ahead, "_bubblewrap_sandbox", broken)
    began = time.monotonic()
    ahead.start(Limits(), None, "module")
    assert time.monotonic() - began < 0.25
    assert ahead.take(Limits(), None) is None


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
@pytest.mark.parametrize("name,after", [("student.ipynb", True), ("student.py", False)])
def test_the_checks_get_ready_after_the_intake_only_for_the_command_lines_one_notebook(tmp_path, monkeypatch,
                                                                                      rnn, name, after):
    """The command line's one notebook (its sandbox started ahead, ready before the notebook is read) has its checks
    prepared (grade._prepare) once it is read, while its cells run, not beside the read; a .py, beside its intake."""
    import nbformat
    from conftest import CORRECT

    from grader import grade as grading
    from grader.sandbox import intake, spare
    path = tmp_path / name
    if name.endswith(".ipynb"):
        path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CORRECT)])))
    else:
        path.write_text(CORRECT)
    events = []

    def noted(what, function):
        def run(*args, **kwargs):
            events.append(f"{what} begun")
            try:
                return function(*args, **kwargs)
            finally:
                events.append(f"{what} done")
        return run

    monkeypatch.setattr(grading, "_prepare", noted("prepare", grading._prepare))
    monkeypatch.setattr(intake, "take_in", noted("intake", intake.take_in))
    spare.start_ahead(path, rnn.provided, Limits())
    graded = grading.grade(path, rnn, Limits())
    assert graded.results and not graded.load_error
    assert (events.index("prepare begun") > events.index("intake done")) is after, events
