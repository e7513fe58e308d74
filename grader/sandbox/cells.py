"""Runs a notebook's code cells in the sandbox child, top to bottom, as Jupyter's "Restart & Run All" would.

A cell that raises does not stop the cells after it. A cell still running after `Limits.cell_seconds` gets a
SIGINT, which the child turns into a KeyboardInterrupt, as Jupyter's interrupt button would; the cells after it
then run in the same process. A cell that ignores the interrupt for GRACE_SECONDS more, or that ends the process,
costs that process: a fresh one is started, the cells before it are run again without the ones that hung or
crashed, and the cells after it run there. Only the first run of each cell is recorded.
"""
import re
import threading
import time
from dataclasses import dataclass

from . import executed
from .process import CallTimeout, ChildDied

GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class CellRun:
    """How one code cell ran: status ok, error or timeout; `message` says what went wrong in one line."""

    number: int
    index: int
    status: str
    message: str
    seconds: float
    outputs: tuple = ()
    first_line: str = ""
    lost_process: bool = False  # it hung past the interrupt or crashed, so it is left out of later runs


class Runner:
    """`start()` gives a fresh sandbox that has answered the notebook's "load" request: (sandbox, error)."""

    def __init__(self, start, limits):
        self.start, self.limits = start, limits
        self.sandbox = None

    def run(self, cells, skip=()):
        """(load error or None, CellRun of each cell that ran, in order), leaving `self.sandbox` ready for calls.

        `skip` holds the numbers of cells that are not run (they hung in an earlier run)."""
        skip, runs = set(skip), {}
        self.sandbox, error = self.start()
        position = 0
        self.alarm = Alarm()
        try:
            while error is None and position < len(cells):
                cell = cells[position]
                position += 1
                if cell.number in skip:
                    continue
                run = self._run_one(cell)
                runs.setdefault(cell.number, run)
                if run.status == "timeout" or run.lost_process:  # not worth its time again in a replay
                    skip.add(cell.number)
                if not self.sandbox.alive:
                    self.sandbox, error = self.start()
                    position = 0
        finally:
            self.alarm.close()
        return error, [runs[cell.number] for cell in cells if cell.number in runs]

    def _run_one(self, cell):
        sandbox, seconds = self.sandbox, self.limits.cell_seconds
        interrupted = threading.Event()

        def interrupt():
            interrupted.set()
            try:
                sandbox.interrupt()
            except OSError:  # it ended meanwhile, or can't be signalled: the grace period then stops it
                pass

        started = time.monotonic()
        self.alarm.arm(seconds, interrupt)
        try:
            answer = sandbox.request({"op": "cell", "number": cell.number, "source": cell.source},
                                     seconds + GRACE_SECONDS)
        except CallTimeout:
            return self._record(cell, "timeout", f"ran past its {seconds:g} s limit and did not stop when "
                                "interrupted; its process was stopped and the cells before it were run again in a "
                                "new one without it", started, lost=True)
        except ChildDied as exc:
            return self._record(cell, "error", f"{exc}; the cells before it were run again in a new process "
                                "without it", started, lost=True)
        finally:
            self.alarm.disarm()  # no interrupt meant for this cell can reach the next one after this
        if not isinstance(answer, dict) or answer.get("op") != "cell_done":
            sandbox.stop()
            return self._record(cell, "error", "the notebook's process broke the protocol while running it; the "
                                "cells before it were run again in a new process without it", started, lost=True)
        outputs = executed.clean_outputs(answer.get("outputs"))
        if interrupted.is_set():
            return self._record(cell, "timeout", f"ran past its {seconds:g} s limit and was interrupted "
                                "(KeyboardInterrupt), as Jupyter's interrupt button would", started, outputs)
        error = answer.get("error")
        if isinstance(error, dict):
            return self._record(cell, "error", describe(error, cell.number), started, outputs)
        return self._record(cell, "ok", "", started, outputs)

    def _record(self, cell, status, message, started, outputs=(), lost=False):
        return CellRun(cell.number, cell.index, status, message, round(time.monotonic() - started, 3),
                       outputs, cell.first_line(), lost)


class Alarm:
    """One thread that interrupts each cell past its time, for all the cells of a run: a timer thread of its own
    for each cell cost a thread's start and join per cell (milliseconds each on a busy machine)."""

    def __init__(self):
        self._changed = threading.Condition()
        self._due = self._action = None
        self._closed = False
        self._thread = threading.Thread(target=self._watch, daemon=True, name="cell-alarm")
        self._thread.start()

    def arm(self, seconds, action):
        """Call `action` `seconds` from now, unless disarmed before."""
        with self._changed:
            self._due, self._action = time.monotonic() + seconds, action
            self._changed.notify()

    def disarm(self):
        """From its return on, the action armed is not called (if it is being called, it has returned)."""
        with self._changed:
            self._due = self._action = None

    def close(self):
        with self._changed:
            self._due = self._action = None
            self._closed = True
            self._changed.notify()
        self._thread.join()

    def _watch(self):
        with self._changed:
            while not self._closed:
                left = None if self._due is None else self._due - time.monotonic()
                if left is not None and left <= 0:
                    action, self._due, self._action = self._action, None, None
                    action()  # with the lock held: disarm() waits for it
                else:
                    self._changed.wait(left)


def describe(error, number):
    """One line for cell In [number] that raised: the exception and where, from the child's plain strings."""
    lines = str(error.get("message") or error.get("type") or "an error").strip().splitlines()
    text = lines[-1][:300] if lines else "an error"
    line, code, file = error.get("line"), str(error.get("code") or "")[:120], str(error.get("file") or "")[:80]
    if type(line) is not int:  # a syntax error has no frame; its message says where
        found = re.search(r'File "<cell \d+>", line (\d+)', "\n".join(lines))
        return text + (f" (line {found.group(1)})" if found else "")
    if file == f"<cell {number}>":
        return text + f" (line {line}: {code})"
    cell = re.fullmatch(r"<cell (\d+)>", file)
    return text + f" (line {line} of {f'In [{cell.group(1)}]' if cell else file}: {code})"
