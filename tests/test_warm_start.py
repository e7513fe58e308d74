"""Where the zygote can't run (grader/sandbox/forkserver.py), a batch worker's next submission runs in a sandbox
started ahead of it (grader/sandbox/spare.py): it is graded as one started for it would be, and nothing the previous submission left (modules, globals, files in /tmp, in its
folder or its home, the environment, a process) is visible to it."""
import secrets

import pytest
from conftest import CORRECT

from grader.grade import grade
from grader.sandbox import forkserver, spare
from grader.sandbox.limits import Limits
from grader.sandbox.process import bubblewrap_problem

PROBLEM = bubblewrap_problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=f"no working bubblewrap here: {PROBLEM}")

LEAVES = '''
import builtins, os, subprocess, sys, types
MARK = "{mark}"
for path in ("/tmp/" + MARK, os.path.expanduser("~/" + MARK), os.path.join(os.getcwd(), "..", MARK)):
    try:
        open(path, "w").write("left behind")
    except OSError:
        pass
os.environ[MARK] = "left behind"
sys.modules[MARK] = types.ModuleType(MARK)
setattr(builtins, MARK, "left behind")
import numpy
numpy.LEFT = MARK
subprocess.Popen(["sleep", "30"])  # a process left running
'''
LOOKS = '''
import builtins, glob, os, sys
MARK = "{mark}"
FOUND = [path for path in ("/tmp/" + MARK, os.path.expanduser("~/" + MARK), os.path.join(os.getcwd(), "..", MARK))
         if os.path.exists(path)]
# a checkout under /tmp puts its Python's mount point there (bubblewrap makes the folders it binds)
FOUND += [p for p in glob.glob("/tmp/*") if not (sys.prefix + "/").startswith(p + "/")
          and not os.path.realpath(sys.executable).startswith(p + "/")] + glob.glob("/sandbox/*/" + MARK)
FOUND += [what for what, there in (("environment", MARK in os.environ), ("module", MARK in sys.modules),
                                   ("builtin", hasattr(builtins, MARK)))
          if there]
import numpy
FOUND += ["numpy attribute"] if getattr(numpy, "LEFT", None) == MARK else []
FOUND += [p for p in os.listdir("/proc") if p.isdigit() and "sleep" in open(f"/proc/{{p}}/cmdline").read()]
if FOUND:
    raise RuntimeError(f"left by the previous submission: {{FOUND}}")
'''


@pytest.fixture
def spares():
    """The spare sandbox: the warm start where the zygote can't run (tests/test_forkserver.py tests the zygote)."""
    forkserver._state["failed"] = "tested without it"
    spare.enable()
    yield
    spare.discard()
    spare._spare["on"] = False
    forkserver._state.update(on=False, failed=None)


def test_the_next_submission_runs_in_the_spare_and_sees_nothing_of_the_previous_one(tmp_path, rnn, spares,
                                                                                     monkeypatch):
    mark = "warm" + secrets.token_hex(4)
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text(CORRECT + LEAVES.format(mark=mark))
    second.write_text(CORRECT + LOOKS.format(mark=mark))
    limits = Limits(isolation="bubblewrap", call_seconds=5.0, grace_seconds=0.3)
    taken = []
    scratch_for = spare.scratch_for
    monkeypatch.setattr(spare, "scratch_for", lambda *a: taken.append(scratch_for(*a)) or taken[-1])
    graded = grade(first, rnn, limits)
    assert graded.load_error is None
    assert spare._spare["sandbox"] is not None  # started while the first one was graded
    graded = grade(second, rnn, limits)
    assert taken[1][1] is not None  # the second submission ran in it
    assert graded.load_error is None, graded.load_error["message"]
    assert graded.isolation == "bubblewrap"
    assert all(r.status == "passed" for r in graded.results), [r for r in graded.results if r.status != "passed"]


def test_a_spare_is_not_taken_for_other_limits(tmp_path, rnn, spares):
    source = tmp_path / "correct.py"
    source.write_text(CORRECT)
    grade(source, rnn, Limits(isolation="bubblewrap"))
    waiting = spare._spare["sandbox"]
    assert waiting is not None and waiting.alive
    scratch, sandbox = spare.scratch_for(Limits(isolation="bubblewrap", call_seconds=2.0), rnn.provided, None)
    assert sandbox is None and not waiting.alive and not waiting.scratch.exists()


def test_the_look_finds_what_is_left_in_the_same_sandbox(tmp_path, rnn):
    """The control: what the first submission leaves, the second's look finds where they share a sandbox."""
    mark = "warm" + secrets.token_hex(4)
    both = tmp_path / "both.py"
    both.write_text(CORRECT + LEAVES.format(mark=mark) + LOOKS.format(mark=mark))
    graded = grade(both, rnn, Limits(isolation="bubblewrap", grace_seconds=0.3))
    message = graded.load_error["message"]
    for found in ("/tmp/" + mark, "environment", "module", "builtin", "numpy attribute"):
        assert found in message
