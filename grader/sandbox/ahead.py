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


def start(limits, provided, notebook):
    """Start the sandbox for `limits` and the `provided` helpers folder (None: none), for a notebook or not."""
    if _state["thread"] is None:
        _started.clear()
        atexit.register(discard)
        _state["thread"] = threading.Thread(target=_start, args=(limits, provided, notebook), daemon=True,
                                            name="sandbox-ahead")
        _state["thread"].start()


def _start(limits, provided, notebook):
    sandbox = None
    try:
        from .isolation import BUBBLEWRAP
        from .process import Sandbox
        scratch = Path(tempfile.mkdtemp(prefix="grader-"))
        (scratch / "work").mkdir()
        sandbox = Sandbox(scratch, limits, provided, warm="notebook" if notebook else "module")
        if sandbox.isolation == BUBBLEWRAP:  # (as spare.py: only bubblewrap ends it with the grader's process)
            sandbox.start()
            _state["sandbox"], _state["key"] = sandbox, (limits, provided)
    except Exception:  # noqa: BLE001 -- (--isolation bubblewrap where it fails, say): the grading says why
        pass
    if _state["sandbox"] is None and sandbox is not None:
        _stop(sandbox)
    _started.set()
    if _state["sandbox"] is not None:  # bwrap --die-with-parent dies with the thread that started it: this one
        sandbox.stopped.wait()         # lives until the sandbox is stopped (Linux's parent-death signal)


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


def discard():
    take(None, None)


def _stop(sandbox):
    sandbox.stop()
    shutil.rmtree(sandbox.scratch, ignore_errors=True)
