"""How the `grader` command ends (grader/cli.py, end_at_once): its exit functions run and its output is flushed, then the
process ends without the interpreter's tear-down; its exit status is the command's; a thread it left running is
waited for, as Python would."""
import subprocess
import sys

from conftest import ROOT


def python(code):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_exit_status_and_the_whole_output_are_the_commands(tmp_path):
    below = subprocess.run([sys.executable, "-m", "grader", "grade", "submissions/correct.py", "--assignment", "rnn",
                            "--fail-under", "101", "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert below.returncode == 1 and below.stdout.endswith(f"report: {tmp_path / 'report.md'}\n")
    assert "below --fail-under 101%" in below.stderr
    ended = python("import atexit\nfrom grader.cli import end_at_once\natexit.register(print, 'an exit function ran')\n"
                   "print('buffered', end=' ')\nend_at_once(3)")
    assert (ended.returncode, ended.stdout) == (3, "buffered an exit function ran\n")


def test_a_thread_left_running_is_waited_for():
    ended = python("import threading, time\nfrom grader.cli import end_at_once\n"
                   "threading.Thread(target=lambda: (time.sleep(0.3), print('the thread ended'))).start()\nend_at_once(0)")
    assert (ended.returncode, ended.stdout) == (0, "the thread ended\n")


def test_nothing_is_torn_down_after_the_exit_functions():
    """The interpreter's tear-down (every module's objects freed) is what the fast end skips."""
    ended = python("from grader.cli import end_at_once\nclass Kept:\n    def __del__(self):\n        print('torn down')\n"
                   "kept = Kept()\nend_at_once(0)")
    assert (ended.returncode, ended.stdout) == (0, "")
