"""The command line's head start: the sandbox of the one submission it grades starts in a thread at once, while
the grader imports what it needs and loads the assignment (each costs about as much as the other).

This module imports nothing heavy, so the thread starts before numpy is imported (by the thread: the sandbox's
code needs it too). The grading takes that sandbox (take(), from grader.sandbox.spare.scratch_for) if it is for the
same limits and helpers, else it is stopped; one left over is stopped when the command ends. As a batch's spare
(spare.py), it is a whole new sandbox whose child runs nothing until the submission's files are in its work folder.
"""
import atexit
import shutil
import tempfile
import threading
from pathlib import Path

_state = {"thread": None, "sandbox": None, "key": None}
_started = threading.Event()  # the sandbox is started, or given up on
_launched = threading.Event()  # its process is running (its imports begun), or it is given up on
LAUNCH_WAIT = 1.0  # seconds the caller waits for that at most


def start(limits, provided, warm):
    """Start the sandbox for `limits` and the `provided` helpers folder (None: none); `warm`: what its child imports
    before the submission comes (child.py: module, notebook, or plotting for a notebook that uses matplotlib)."""
    if _state["thread"] is None:
        _started.clear()
        _launched.clear()
        atexit.register(discard)
        _state["thread"] = threading.Thread(target=_start, args=(limits, provided, warm), daemon=True,
                                            name="sandbox-ahead")
        _state["thread"].start()
        # The sandbox's start (its files copied, its process started: 0.05 s alone) is the head of a grading's
        # longest path; done while the caller imports, each of its steps waited for the interpreter's lock (up to
        # 5 ms a time): it took 0.1-0.15 s. The caller's imports wait instead, off that path (docs/log/speed.md).
        _launched.wait(LAUNCH_WAIT)


def _start(limits, provided, warm):
    sandbox = None
    try:
        sandbox = _bubblewrap_sandbox(limits, provided, warm)
        if sandbox is not None:
            _state["sandbox"], _state["key"] = sandbox, (limits, provided)
    except Exception:  # noqa: BLE001 -- (--isolation bubblewrap where it fails, say): the grading says why
        pass
    _launched.set()
    if _state["sandbox"] is None and sandbox is not None:
        _stop(sandbox)
    _started.set()
    if _state["sandbox"] is not None and warm == "plotting":  # the next notebooks' matplotlib starts faster
        _build_fonts()
    if _state["sandbox"] is not None:  # bwrap --die-with-parent dies with the thread that started it: this one
        sandbox.stopped.wait()         # lives until the sandbox is stopped (Linux's parent-death signal)


def _bubblewrap_sandbox(limits, provided, warm):
    """A bubblewrap sandbox started while bubblewrap's self-test runs (process.bubblewrap_problem, in a thread of
    its own), kept only if that test passes as it was started (as spare.py: only bubblewrap ends it with the
    grader's process); None where bubblewrap is not to be used."""
    from . import isolation
    from .process import PROCESS, Sandbox, bubblewrap_problem, choose_isolation
    if limits.isolation == PROCESS or shutil.which("bwrap") is None:
        return None
    tester = threading.Thread(target=bubblewrap_problem, name="sandbox-self-test", daemon=True)
    tester.start()
    scratch = Path(tempfile.mkdtemp(prefix="grader-"))
    (scratch / "work").mkdir()
    switches, sandbox = isolation.switches_user(), None
    try:
        sandbox = Sandbox(scratch, limits, provided, isolation=isolation.BUBBLEWRAP, warm=warm)
        sandbox.start()
        _launched.set()
        tester.join()
        if choose_isolation(limits.isolation) == isolation.BUBBLEWRAP and isolation.switches_user() == switches:
            return sandbox
    except Exception:  # noqa: BLE001 -- no sandbox ahead: the grading starts its own and says what is wrong
        tester.join()
    if sandbox is not None:  # the self-test failed, or passed only without the sandbox's own user
        _stop(sandbox)
    shutil.rmtree(scratch, ignore_errors=True)
    return None


def take(limits, provided, scratch_root=None):
    """The sandbox started ahead, if it is for these limits and helpers (in the system's temporary folder) and
    still running; else None (and it is stopped)."""
    if _state["thread"] is not None:
        _started.wait()
    sandbox, key = _state["sandbox"], _state["key"]
    _state.update(thread=None, sandbox=None, key=None)
    if sandbox is not None and key == (limits, provided) and scratch_root is None and sandbox.alive:
        return sandbox
    if sandbox is not None:
        _stop(sandbox)
    return None


def _build_fonts():
    """Build matplotlib's font list for the next sandboxes (fonts.py) in a thread, if none is kept; the command
    waits for it at its end (discard()), which removes the build's scratch folder."""
    from . import fonts
    from .process import build_fonts
    if fonts.key() is not None and fonts.cached() is None and _state.get("fonts") is None:
        _state["fonts"] = threading.Thread(target=build_fonts, name="sandbox-fonts", daemon=True)
        _state["fonts"].start()


def discard():
    take(None, None)
    building = _state.pop("fonts", None)
    if building is not None:
        building.join()


def _stop(sandbox):
    sandbox.stop()
    shutil.rmtree(sandbox.scratch, ignore_errors=True)
