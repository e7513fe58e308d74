"""A batch's warm start: the next submission's sandbox started while the current one's checks run, so that the next
one waits for its own code, not for its sandbox's start: forked from a zygote (forkserver.py) where it can run (the
fork's namespaces are set up meanwhile: 0.015-0.03 s a submission); elsewhere started cold, its child importing
numpy (and IPython, after a notebook) before the submission arrives.

Each spare is a whole new sandbox: its own bubblewrap, namespaces, scratch folder and /tmp, started before the files
of the submission it will run are copied into its (empty) work folder; it has run nothing but the runtime's own
imports. No process, folder or namespace passes from one submission to the next: each takes the spare that was
started for it, and the one after gets another. Only bubblewrap sandboxes are kept as spares (`--die-with-parent`
ends them with the grader). A spare is warmed for the kind of the submission graded when it started (warm_kind); one
of the other kind is stopped, and a sandbox started for the submission as without a spare (fits()). Off unless a
batch worker turns it on (enable()). A cold spare hides the start's time; it does not remove its work, as the
zygote's forks do.
"""
import atexit
import shutil
import tempfile
import threading
from pathlib import Path

from . import ahead
from .isolation import BUBBLEWRAP
from .process import Sandbox

_spare = {"on": False, "sandbox": None, "key": None, "ahead": None, "starting": None, "taken": None}


def enable():
    """Keep a spare from now on (a process that grades one submission after another), forked from the zygote
    (forkserver.py) where it works."""
    from . import forkserver  # (here: the command line's one sandbox starts before it is imported, 3 ms)
    forkserver.enable()
    if not _spare["on"]:
        _spare["on"] = True
        atexit.register(discard)


def scratch_for(limits, provided, scratch_root):
    """(a scratch folder for the next submission, the sandbox already started in it or None)."""
    started = _spare["ahead"] = ahead.take(limits, provided, scratch_root)
    if started is not None:  # the command line's (ahead.py)
        return started.scratch, started
    sandbox, key = _taken()
    if sandbox is not None and key == (limits, provided, scratch_root) and sandbox.alive:
        _spare["taken"] = sandbox
        return sandbox.scratch, sandbox
    if sandbox is not None:  # (stopped first: a zygote discarded for other limits waits for its forks to end)
        _stop(sandbox)
    from . import forkserver
    pool = forkserver.pool_for(limits, provided, scratch_root)  # (a sandbox made there is forked from the zygote)
    return Path(tempfile.mkdtemp(prefix="grader-", dir=pool or scratch_root)), None


def fits(sandbox, notebook):
    """Whether `sandbox` may run a submission of this kind (a notebook or not): any but a spare (scratch_for's)
    warmed for the other kind, which is stopped (the grading then starts its own, as without a spare)."""
    taken, _spare["taken"] = _spare["taken"], None
    if sandbox is None or sandbox is not taken or sandbox.warm == warm_kind(notebook):
        return True
    sandbox.stop()
    return False


def _taken():
    """(the spare, its key), both None if there is none; the spare is no longer kept."""
    starting, _spare["starting"] = _spare["starting"], None
    if starting is not None:  # its fork, waited for
        starting.join()
    sandbox, key = _spare["sandbox"], _spare["key"]
    _spare["sandbox"] = _spare["key"] = None
    return sandbox, key


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
    "plotting" for a notebook (or a folder with one) that names matplotlib (_plots), "notebook", or "module"."""
    notebooks = notebooks_in(path)
    plotting = any(_plots(_head(notebook)) for notebook in notebooks)
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
            if _plots(head) or budget <= 0:
                return True
    return False


def _plots(head):
    """Whether a notebook's text names matplotlib other than in `%matplotlib inline`, which imports it only when
    a cell does (loader.py): a notebook that never plots has no use for it."""
    return head.count(b"matplotlib") > head.count(b"%matplotlib inline")


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
    """Start the next submission's sandbox now, while this one is graded (if enabled and none is waiting), warmed
    for a submission of the same kind; a fork of the zygote is started in a thread (forkserver.start waits for the
    fork's namespaces), while this submission's checks run."""
    if not _spare["on"] or _spare["sandbox"] is not None:
        return
    from . import forkserver
    pool = forkserver.pool_for(limits, provided, scratch_root)
    scratch = Path(tempfile.mkdtemp(prefix="grader-", dir=pool or scratch_root))
    (scratch / "work").mkdir()
    sandbox = Sandbox(scratch, limits, provided, warm=warm_kind(notebook))
    if sandbox.isolation != BUBBLEWRAP:
        shutil.rmtree(scratch, ignore_errors=True)
        return
    _spare["sandbox"], _spare["key"] = sandbox, (limits, provided, scratch_root)
    if pool is None:
        _start(sandbox)
    else:
        _spare["starting"] = threading.Thread(target=_start, args=(sandbox,), daemon=True, name="spare-fork")
        _spare["starting"].start()


def _start(sandbox):
    try:
        sandbox.start()
    except Exception:  # noqa: BLE001 -- not alive then: the next submission starts its own sandbox, as always
        sandbox.stop()


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
    sandbox, _ = _taken()
    if sandbox is not None:
        _stop(sandbox)


def _stop(sandbox):
    sandbox.stop()
    shutil.rmtree(sandbox.scratch, ignore_errors=True)
