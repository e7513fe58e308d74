"""The warm start of a batch worker: one zygote (zygote.py) per worker, forked into each submission's sandbox.

The zygote runs in a bubblewrap sandbox laid out as any other, with numpy and IPython's shell imported; each
submission's scratch folder is made in the zygote's pool, and its sandbox is a fork of the zygote in namespaces of
its own (zygote.py says what it sees). A submission so pays for its own code, not for the interpreter's start.
Only where the grader runs as root with bubblewrap (the zygote needs CAP_SYS_ADMIN in its own sandbox to let the
forks mount their /proc); elsewhere, or if the zygote's self-test fails, every sandbox starts cold, as without it,
and the grader says so once on standard error.
"""
import atexit
import dataclasses
import functools
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import isolation as isolations
from .isolation import BUBBLEWRAP

ZYGOTE_SECONDS = 60.0  # for the zygote to start and import what it imports
FORK_SECONDS = 10.0  # for a fork to be ready
_state = {"on": False, "failed": None, "key": None, "pool": None, "servers": {}, "kinds": {}, "booting": {},
          "notebooks": "plotting"}
_lock = threading.RLock()  # gradings in threads of one process (the API's) share the zygotes


def _locked(function):
    @functools.wraps(function)
    def locked(*args, **kwargs):
        with _lock:
            return function(*args, **kwargs)
    return locked


class Unavailable(Exception):
    """The zygote could not start or fork here; sandboxes start cold."""


def enable():
    """Fork each submission's sandbox from a zygote from now on (a process that grades one after another)."""
    from .process import Sandbox
    Sandbox.forks = start
    if not _state["on"]:
        _state["on"] = True
        atexit.register(discard)


def plotting(used):
    """Whether the notebooks this process will grade name matplotlib (a batch worker is told by its batch, which
    looked at the class: spare.plotting_in). If not, a notebook's zygote imports the notebook's shell without
    matplotlib (most of its boot: 0.7 s of CPU); a notebook that imports it all the same imports it in its own fork,
    as in a sandbox started cold. Not told: matplotlib is imported, as the notebooks of a course mostly use it."""
    _state["notebooks"] = "plotting" if used else "notebook"


def _zygote_kind(kind):
    """The zygote a sandbox warmed for `kind` (spare.warm_kind) forks from: a notebook's, with matplotlib or
    without (plotting())."""
    return _state["notebooks"] if kind == "notebook" else kind


@_locked
def pool_for(limits, provided, scratch_root):
    """The folder to make the next submission's scratch folder in, so that its sandbox is forked from a zygote;
    None when there is none (not enabled, not possible here: sandboxes start cold)."""
    if not _state["on"] or _state["failed"] is not None or scratch_root is not None:
        return None  # (a caller's own scratch folder is left empty after each grading; a zygote outlives them)
    key = (limits, provided, scratch_root)
    if _state["key"] != key:
        discard()
        from .process import choose_isolation
        if choose_isolation(limits.isolation) != BUBBLEWRAP or not isolations.switches_user():
            _give_up("it needs bubblewrap and a grader running as root")
            return None
        # The zygotes pass through it to each work folder (as SANDBOX_UID), and list nothing.
        _state["pool"], _state["key"] = Path(tempfile.mkdtemp(prefix="grader-pool-", dir=scratch_root)), key
        _state["pool"].chmod(0o711)
    return _state["pool"]


@_locked
def prestart(limits, provided, scratch_root, kind):
    """Start the zygote of `kind` (spare.warm_kind: module, notebook; _zygote_kind) now, in a thread, so that the
    next grading in this process (the API's, a command line's next submission) forks its sandbox from it instead of
    starting one cold; from then on, as enable(). Nothing where the warm start can't run here (then nothing is
    said: nobody asked for it)."""
    from .process import choose_isolation
    if _state["failed"] is not None or limits.isolation == isolations.PROCESS or not isolations.switches_user():
        return
    if choose_isolation(limits.isolation) != BUBBLEWRAP:
        return
    enable()
    kind = _zygote_kind(kind)
    pool = pool_for(limits, provided, scratch_root)
    if pool is None or kind in _state["servers"] or kind in _state["booting"]:
        return
    booted = threading.Event()
    thread = threading.Thread(target=_boot, args=(limits, provided, pool, kind, booted), daemon=True,
                              name=f"zygote-{kind}")
    _state["booting"][kind] = (thread, booted)
    thread.start()


def _boot(limits, provided, pool, kind, booted):
    """prestart()'s thread: the zygote, or why it could not start. It lives as long as the zygote, which bubblewrap's
    --die-with-parent ends with the thread that started it (Linux's parent-death signal)."""
    thread = threading.current_thread()
    if kind != "module":  # a notebook's matplotlib reads the font list that is kept, built first where none is
        # (fonts.py)
        from .process import build_fonts
        build_fonts()
    try:
        server = ForkServer(limits, provided, pool, kind)
    except Unavailable as exc:
        thread.outcome = exc
        booted.set()
        return
    thread.outcome = server
    booted.set()
    server.sandbox.stopped.wait()


def _booted(kind):
    """The zygote of `kind` that prestart() started (waiting for it to be ready), or None if none was."""
    thread, booted = _state["booting"].pop(kind, (None, None))
    if thread is None:
        return None
    booted.wait()
    if isinstance(thread.outcome, Unavailable):
        raise thread.outcome
    return thread.outcome


@_locked
def discard():
    booted = []
    for kind in list(_state["booting"]):  # started ahead: stopped with the others
        try:
            booted.append(_booted(kind))
        except Unavailable:
            pass
    servers, pool = booted + list(_state["servers"].values()), _state["pool"]
    _state.update(key=None, pool=None, servers={}, kinds={})
    for server in servers:
        server.stop()
    if pool is not None:
        shutil.rmtree(pool, ignore_errors=True)


def _give_up(why):
    """From now on, sandboxes start cold. The pool stays until discard(): it may hold a grading's scratch folder."""
    _state["failed"] = why
    servers, _state["servers"] = list(_state["servers"].values()), {}
    for server in servers:
        server.stop()
    print(f"grader: no warm start ({why}); each submission's sandbox starts cold", file=sys.stderr)


@_locked
def start(sandbox):
    """Start `sandbox` as a fork of the zygote of its kind (_zygote_kind), if its scratch folder is in the pool;
    False if not, or if the zygote can't start or fork (then it starts cold, and the grader says once why). A
    restart (no kind given) is forked from the zygote the last start in its scratch folder was."""
    pool, key = _state["pool"], _state["key"]
    if pool is None or sandbox.scratch.parent != pool or key[:2] != (sandbox.limits, sandbox.provided_source):
        return False
    kinds = _state["kinds"]
    kind = kinds[sandbox.scratch] = _zygote_kind(sandbox.warm) if sandbox.warm else \
        kinds.get(sandbox.scratch, _zygote_kind("module"))
    if len(kinds) > 100:  # the scratch folders of gradings that ended
        _state["kinds"] = {scratch: k for scratch, k in kinds.items() if scratch.exists()}
    try:
        booted = _booted(kind)
        if booted is not None:
            _state["servers"][kind] = booted
        server = _state["servers"].get(kind)
        if server is None or not server.alive:
            server = _state["servers"][kind] = ForkServer(sandbox.limits, sandbox.provided_source, pool, kind)
        server.fork(sandbox)
    except Unavailable as exc:
        _give_up(str(exc))
        return False
    return True


class ForkServer:
    """The zygote's sandbox, its control socket and its pool."""

    def __init__(self, limits, provided, pool, kind):
        from .process import CallTimeout, ChildDied, Sandbox
        self.limits, self.pool = limits, pool
        self.folder = Path(tempfile.mkdtemp(prefix="grader-zygote-", dir=pool.parent))
        (self.folder / "work").mkdir()
        # The zygote lives as long as the batch: its CPU time is not a submission's (each fork gets the limit).
        self.sandbox = Sandbox(self.folder, dataclasses.replace(limits, cpu_seconds=10**7), provided,
                               isolation=BUBBLEWRAP)
        self.sandbox.bubblewrap_extra = {"pool": self.pool, "caps": ("CAP_SYS_ADMIN",)}
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [sys.executable, "-I", isolations.layout(BUBBLEWRAP, self.folder).path("runtime/zygote.py"),
                   "--control", str(theirs.fileno()), "--file-mb", str(limits.file_mb), "--warm", kind]
        self.sandbox._write_fd = self.sandbox._read_fd = -1
        try:
            self.sandbox._start_bubblewrap(command, (theirs.fileno(),))
            theirs.close()
            ready = _receive(self.control, ZYGOTE_SECONDS)
        except (ChildDied, CallTimeout, OSError) as exc:
            ready = b"E" + str(exc).encode()
        if ready != b"R":
            self.stop()
            said = (ready or b"E").decode("utf-8", "replace")[1:] or self.sandbox.output()[1].strip()[-300:]
            raise Unavailable(f"the zygote did not start: {said or 'it ended'}")

    @property
    def alive(self):
        return self.sandbox.alive

    def fork(self, sandbox):
        """Start `sandbox` (whose scratch folder is in the pool) as a fork of the zygote; see zygote.py."""
        from .process import Forked
        if isolations.switches_user():
            os.chmod(sandbox.scratch, 0o711)
            isolations.give_work_to_sandbox(sandbox.scratch / "work")
        pipes = [os.pipe() for _ in range(4)]  # requests, answers, stdout, stderr
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        mine.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)  # the first process's pid, as the host sees it
        null = os.open(os.devnull, os.O_RDWR)
        limits = sandbox.limits
        request = {"name": sandbox.scratch.name, "provided": "/sandbox/provided" if sandbox.provided else None,
                   "limits": {"memory": limits.memory_mb * 2**20, "file": limits.file_mb * 2**20,
                              "cpu": limits.cpu_seconds, "processes": limits.processes}}
        given = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1], theirs.fileno(), null]
        try:
            socket.send_fds(self.control, [json.dumps(request).encode()], given)
        except OSError as exc:
            raise Unavailable(f"the zygote stopped: {exc}") from None
        finally:
            for fd in given[:4] + [null]:
                os.close(fd)
            theirs.close()
        try:
            pid = _first_pid(mine)
        except Unavailable:
            for fd in (pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0]):
                os.close(fd)
            mine.close()
            raise
        sandbox.adopt_forked(Forked(pid, mine, pipes[2][0], pipes[3][0]), pipes[0][1], pipes[1][0])

    def stop(self):
        self.control.close()  # the zygote then waits for its forks and ends
        try:
            self.sandbox.process.wait(timeout=FORK_SECONDS)
        except (AttributeError, subprocess.TimeoutExpired):
            pass
        self.sandbox.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _receive(sock, seconds):
    ready, _, _ = select.select([sock], [], [], seconds)
    return sock.recv(4096) if ready else None


def _first_pid(sock):
    """The host pid of the fork's first process (its namespace's PID 1), from the credentials of its message."""
    deadline = time.monotonic() + FORK_SECONDS
    ready, _, _ = select.select([sock], [], [], FORK_SECONDS)
    if not ready:
        raise Unavailable(f"a fork of the zygote was not ready in {FORK_SECONDS:g} s")
    data, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(struct.calcsize("3i")))
    credentials = [d for level, kind, d in ancillary if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS]
    if data != b"P" or not credentials or time.monotonic() > deadline:
        said = json.loads(data[1:]).get("error") if data[:1] == b"X" else data[:100]
        raise Unavailable(f"a fork of the zygote failed: {said or 'it ended'}")
    return struct.unpack("3i", credentials[0][:12])[0]

