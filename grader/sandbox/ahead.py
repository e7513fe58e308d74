"""The command line's head start: the sandbox of the one submission it grades starts in a thread at once, while
the grader imports what it needs and loads the assignment (each costs about as much as the other).

This module imports nothing heavy, so the thread starts before numpy is imported (by the thread: its sandbox
needs it too). The grading takes that sandbox as a spare (grader.sandbox.spare.scratch_for) if it is for the same
limits and helpers, else stops it; one left over is stopped when the command ends. Its child runs nothing until
the submission's files are in its work folder, as any spare's.
"""
import threading

_started = {"thread": None}
started = threading.Event()  # the sandbox is started, or given up on


def start(limits, provided, notebook):
    """Start the sandbox for `limits` and the `provided` helpers folder (None: none), for a notebook or not."""
    if _started["thread"] is None:
        started.clear()
        _started["thread"] = threading.Thread(target=_start, args=(limits, provided, notebook), daemon=True,
                                              name="sandbox-ahead")
        _started["thread"].start()


def _start(limits, provided, notebook):
    try:
        from . import spare
        sandbox = spare.keep_ahead(limits, provided, notebook)
    except Exception:  # noqa: BLE001 -- (--isolation bubblewrap where it fails, say): the grading says why
        sandbox = None
    started.set()
    if sandbox is not None:  # bwrap --die-with-parent dies with the thread that started it: this one waits
        sandbox.stopped.wait()


def wait():
    """The sandbox that start() is starting is started (or given up on). The thread lives on until that sandbox
    is stopped: bubblewrap's --die-with-parent kills a sandbox when the thread that started it ends (Linux's
    parent-death signal follows the thread)."""
    thread, _started["thread"] = _started["thread"], None
    if thread is not None:
        started.wait()
