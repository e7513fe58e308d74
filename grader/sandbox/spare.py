"""A batch's warm start: each sandbox forked from a zygote (forkserver.py) where it can run; elsewhere a sandbox
started ahead for the next submission, so that its child has numpy (and IPython, after a notebook)
imported before the submission arrives: a batch worker's next submission waits for its own code, not for the
interpreter's start, which runs while the current submission is being graded.

Each spare is a whole new sandbox: its own bubblewrap, namespaces, scratch folder and /tmp, started before the files
of the submission it will run are copied into its (empty) work folder; it has run nothing but the runtime's own
imports. No process, folder or namespace passes from one submission to the next: each takes the spare that was
started for it, and the one after gets another. Only bubblewrap sandboxes are kept as spares (`--die-with-parent`
ends them with the grader). Off unless a batch worker turns it on (enable()). This hides the start's time; it does
not remove its work, as the zygote's forks do.
"""
import atexit
import shutil
import tempfile
from pathlib import Path

from . import ahead, forkserver
from .isolation import BUBBLEWRAP
from .process import Sandbox

_spare = {"on": False, "sandbox": None, "key": None, "ahead": None}


def enable():
    """Keep a spare from now on (a process that grades one submission after another); with the warm start
    (forkserver.py), where it works, each sandbox is forked instead, and no spare is kept."""
    forkserver.enable()
    if not _spare["on"]:
        _spare["on"] = True
        atexit.register(discard)


def scratch_for(limits, provided, scratch_root):
    """(a scratch folder for the next submission, the sandbox already started in it or None)."""
    started = _spare["ahead"] = ahead.take(limits, provided, scratch_root)
    if started is not None:  # the command line's (ahead.py)
        return started.scratch, started
    pool = forkserver.pool_for(limits, provided, scratch_root)
    if pool is not None:  # its sandbox is forked from the zygote when it starts
        discard()
        return Path(tempfile.mkdtemp(prefix="grader-", dir=pool)), None
    sandbox, key = _spare["sandbox"], _spare["key"]
    _spare["sandbox"] = _spare["key"] = None
    if sandbox is not None and key == (limits, provided, scratch_root) and sandbox.alive:
        return sandbox.scratch, sandbox
    if sandbox is not None:
        _stop(sandbox)
    return Path(tempfile.mkdtemp(prefix="grader-", dir=scratch_root)), None


def started_ahead(sandbox):
    """Whether `sandbox` is the one the command line started ahead of its only submission (ahead.py)."""
    return sandbox is not None and sandbox is _spare["ahead"]


def start_ahead(path, provided, limits):
    """Start now, in a thread, the sandbox of the one submission at `path` (ahead.py), warmed for what it is
    (warm_for: for a notebook, the notebook shell's modules imported ahead, and matplotlib if the notebook names
    it), while the caller imports the grading code and loads the assignment; its grading takes it (scratch_for)."""
    ahead.start(limits, provided, warm_for(path))


def warm_for(path):
    """What the sandbox of the submission at `path` is warmed with before its files are read (child.py's --warm):
    "plotting" for a notebook (or a folder with one) that names matplotlib, "notebook", or "module"."""
    notebooks = notebooks_in(path)
    plotting = any(b"matplotlib" in _head(notebook) for notebook in notebooks)
    return "plotting" if plotting else "notebook" if notebooks else "module"


def plotting_in(paths, budget=64 * 2**20):
    """Whether any notebook among `paths` (files or folders: a class's submissions) names matplotlib, as warm_for
    looks; True, as if one did, once `budget` bytes were read without an answer (a large class's look would delay
    its start more than a zygote's matplotlib does). A batch's zygotes import matplotlib only if so
    (forkserver.plotting)."""
    for path in paths:
        for notebook in notebooks_in(path):
            head = _head(notebook, min(2**22, max(budget, 0)))
            budget -= len(head)
            if b"matplotlib" in head or budget <= 0:
                return True
    return False


def notebooks_in(path):
    """The notebooks of a submission at `path`: itself if it is one, those at a folder's top level, or none."""
    path = Path(path)
    return [path] if path.suffix == ".ipynb" else sorted(path.glob("*.ipynb")) if path.is_dir() else []


def _head(path, size=2**22):
    """The first `size` bytes of a file (what a look for a word reads of it), or none if it can't be read."""
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError:
        return b""


def warm_kind(notebook):
    """What a sandbox for a notebook (True) or a module is warmed with (child.py's --warm, a zygote's kind)."""
    return "notebook" if notebook else "module"


def prepare(limits, provided, scratch_root, notebook):
    """Start the next submission's sandbox now, while this one is graded (if enabled and none is waiting)."""
    if not _spare["on"] or _spare["sandbox"] is not None or forkserver.pool_for(limits, provided, scratch_root):
        return
    scratch = Path(tempfile.mkdtemp(prefix="grader-", dir=scratch_root))
    (scratch / "work").mkdir()
    sandbox = Sandbox(scratch, limits, provided, warm=warm_kind(notebook))
    if sandbox.isolation != BUBBLEWRAP:
        shutil.rmtree(scratch, ignore_errors=True)
        return
    try:
        sandbox.start()
    except Exception:  # noqa: BLE001 -- no spare then: the next submission starts its own sandbox, as always
        _stop(sandbox)
        return
    _spare["sandbox"], _spare["key"] = sandbox, (limits, provided, scratch_root)


def start(scratch, limits, provided, warm):
    """A sandbox started now in `scratch`, warmed with `warm` (warm_for), before the submission's files are copied
    into its work folder (made here, empty) or after: its interpreter starts while the grader takes the submission
    in and gets its checks ready; None if it can't start (Program then starts one as usual and reports why)."""
    (Path(scratch) / "work").mkdir(exist_ok=True)
    sandbox = Sandbox(scratch, limits, provided, warm=warm)
    try:
        sandbox.start()
    except Exception:  # noqa: BLE001
        sandbox.stop()
        return None
    return sandbox


def discard():
    sandbox = _spare["sandbox"]
    _spare["sandbox"] = _spare["key"] = None
    if sandbox is not None:
        _stop(sandbox)


def _stop(sandbox):
    sandbox.stop()
    shutil.rmtree(sandbox.scratch, ignore_errors=True)
