"""Starts the child that runs student code, talks to it, and stops it with everything it started.

The child runs in bubblewrap where it works (isolation.py says what it sees), else under a reaper process with
process-level limits only; `Sandbox.isolation` names which, and the report says so. Either way it has resource
limits (Limits), no standard input, and its standard output and error are drained into bounded buffers. Only
`wire`-encoded messages come back, and they are decoded with validation. A call that runs past its time limit
stops the child: SIGTERM, then SIGKILL after `grace_seconds`, and every process it started dies with it.
"""
import fcntl
import functools
import importlib.util
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import isolation as isolations
from . import fonts, tested
from .isolation import BUBBLEWRAP, PROCESS
from .limits import SINGLE_THREADED, Limits

RUNTIME_FILES = ("child.py", "confine.py", "loader.py", "wire.py", "reaper.py", "zygote.py", "selftest.py")
START_SECONDS = 30.0  # for bubblewrap to set the sandbox up
REAPER_SECONDS = 2.0  # for the reaper to kill what the child left, after grace_seconds
READ_BYTES = 2**16  # read at once, at least: a message and what follows it, as a rule (at most a pipe's size)
NAP_SECONDS, NAPS = 0.0003, 4  # a batch's patient wait for its next answers (Sandbox._read)
EOF_SECONDS = 0.2  # for a child waiting for a request to end by itself when its requests end (stop())


class _Wire:
    """grader.sandbox.wire, imported when a message is first sent or read: it imports numpy (0.1 s), and the
    command line starts its sandbox before that (ahead.py), while the grader imports numpy in its main thread.
    From then on the module's `wire` is the module itself."""

    def __getattr__(self, name):
        global wire
        from . import wire as module
        wire = module
        return getattr(module, name)


wire = _Wire()


class CallTimeout(Exception):
    """The call ran past its limit; the child and what it started were killed."""


class ChildDied(Exception):
    """The child ended, or broke the protocol, during a request."""


class Raised(Exception):
    """The student's code raised; `error` is the child's description of it."""

    def __init__(self, error):
        super().__init__(error.get("message", "error"))
        self.error = error


class Missing(Exception):
    """The submission defines no such function."""


class Unsendable(Exception):
    """The function returned something that may not cross to the grader."""


class _Drain(threading.Thread):
    """Keeps the first `limit` bytes of a stream and counts the rest."""

    def __init__(self, stream, limit):
        super().__init__(daemon=True)
        self.stream, self.limit, self.head, self.total = stream, limit, bytearray(), 0

    def run(self):
        for chunk in iter(lambda: self.stream.read1(65536), b""):
            self.total += len(chunk)
            if len(self.head) < self.limit:
                self.head += chunk[: self.limit - len(self.head)]

    def text(self):
        text = self.head.decode("utf-8", "replace")
        cut = self.total - len(self.head)
        return text + (f"\n[... {cut} more bytes not kept]" if cut > 0 else "")


def choose_isolation(requested):
    """The isolation to use for `requested` (Limits.isolation): bubblewrap where its self-test passes."""
    if requested == PROCESS:
        return PROCESS
    problem = bubblewrap_problem()
    if problem is None:
        return BUBBLEWRAP
    if requested == BUBBLEWRAP:
        from ..errors import UsageError
        raise UsageError(f"--isolation bubblewrap: {problem}")
    _warn_once(f"grader: {problem}; each submission runs with process-level limits only (\"isolation\": "
               "\"process\" in its report): it can read what this user can and reach the network")
    return PROCESS


@functools.cache
def _warn_once(message):
    print(message, file=sys.stderr)


_TESTING = threading.Lock()  # one self-test, though the command line's sandbox starts beside it (ahead.py)


def bubblewrap_problem():
    """None if bubblewrap works here, else why not: a probe that checks what it can't see runs in it (selftest.py).

    As root, bubblewrap is tried with the sandbox's own user first, then without (see isolation.py)."""
    with _TESTING:
        return _bubblewrap_problem()


@functools.cache
def _bubblewrap_problem():
    """bubblewrap_problem(), once per process."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (Debian and Ubuntu: apt-get install bubblewrap)"
    probe = PROBE.format(grader=str(Path(__file__).parents[1]))
    digest = tested.key(bwrap, probe, isolations.switches_user())
    if tested.passed(digest):  # this boot, this bwrap, this code: passed already (tested.py)
        return None
    problem = _self_test()
    if problem is None:
        tested.remember(digest)
    elif isolations.switches_user():
        isolations.without_user_switch()
        if _self_test() is None:
            _warn_once(f"grader: {problem}; bubblewrap runs without its own user: the number of processes in the"
                       " sandbox is not capped")
            return None
    return problem


bubblewrap_problem.cache_clear = _bubblewrap_problem.cache_clear


def _self_test():
    status, said = run_probe(PROBE.format(grader=str(Path(__file__).parents[1])))
    if isinstance(status, Exception):
        return f"bubblewrap does not work here: {status or type(status).__name__}"
    if status != 0:
        return f"bubblewrap's self-test failed: {said[-1] if said else f'exit status {status}'}"
    return None


def run_probe(probe, collect=None, seconds=START_SECONDS):
    """Run `probe` (Python source) in a bubblewrap sandbox of its own, with nothing of any submission in it, by the
    runtime's probe runner (selftest.py); `collect(work)` gets its work folder once it ended with status 0.
    Returns (its exit status, or the exception that stopped it; the non-empty lines of its standard error)."""
    with tempfile.TemporaryDirectory(prefix="grader-selftest-") as scratch:
        (Path(scratch) / "work").mkdir()
        (Path(scratch) / "work" / "probe.py").write_text(probe)
        sandbox = Sandbox(scratch, Limits(isolation=BUBBLEWRAP), isolation=BUBBLEWRAP)
        sandbox.program = "selftest.py"
        try:
            sandbox.start()
            status = wait(sandbox.process, seconds)
        except (ChildDied, OSError, subprocess.TimeoutExpired) as exc:
            return exc, []
        finally:
            sandbox.stop()
        if status == 0 and collect is not None:
            collect(Path(scratch) / "work")
    return status, [line for line in sandbox.outputs[1].splitlines() if line.strip()]


def build_fonts():
    """matplotlib's font list for the sandboxes (fonts.py): the one kept, else built in a sandbox of its own and
    kept; its path, or None if it could not be built (each sandbox then builds its own, as without it)."""
    if fonts.key() is None:
        return None
    if fonts.cached() is None:
        run_probe(fonts.PROBE, collect=fonts.keep, seconds=60)
    return fonts.cached()


PROBE = """import importlib.util, os, socket
assert not os.path.exists({grader!r} + "/__init__.py"), "the grader's code is visible"
assert os.getpid() <= 3, "there is no PID namespace"
assert [name for _, name in socket.if_nameindex()] == ["lo"], "a network interface is visible"
assert os.getuid() != 0, "the child is root"
assert importlib.util.find_spec("numpy") is not None, "numpy can't be imported"
"""


class Sandbox:
    """One child process running one submission copy in `scratch/work`."""

    def __init__(self, scratch, limits: Limits, provided: Path | None = None, isolation=None, warm=None):
        self.scratch, self.limits, self.warm = Path(scratch), limits, warm  # warm: see spare.py
        self.isolation = isolation or choose_isolation(limits.isolation)
        self.runtime = self.scratch / "runtime"
        self.runtime.mkdir(exist_ok=True)
        _copy_runtime(self.runtime)
        if self.isolation == BUBBLEWRAP and warm != "module":  # matplotlib's font list, as this sandbox would
            fonts.copy_into(self.runtime)  # build it (fonts.py); a module's sandbox gets it once started (start())
        self.provided, self.provided_source = None, provided
        self.bubblewrap_extra = {}  # the zygote's pool and capabilities (forkserver.py)
        if provided is not None:  # a copy: the sandbox never sees the assignment's folder
            self.provided = self.scratch / "provided"
            if not self.provided.exists():
                shutil.copytree(provided, self.provided, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
        self.process = None
        self.inner = None  # the host pid whose process group is the child's (bubblewrap: the namespace's init)
        self.drains = []
        self.outputs = ["", ""]
        self._buffer = bytearray()
        self.stopped = threading.Event()  # set by stop(); the thread that started it waits for it (ahead.py)

    program = "child.py"  # what the sandbox runs: the runtime's child (selftest.py: bubblewrap's self-test)
    forks = None  # a batch's warm start (forkserver.start, set by forkserver.enable): tried before a cold start

    def start(self):
        if self.isolation == BUBBLEWRAP and Sandbox.forks is not None and Sandbox.forks(self):
            return
        to_child, from_grader = os.pipe()
        to_grader, from_child = os.pipe()
        for fd in (from_grader, from_child):
            _widen(fd)
        self._write_fd, self._read_fd = from_grader, to_grader
        inside = isolations.layout(self.isolation, self.scratch)
        script = _script(self.runtime, self.program) if self.program == "child.py" else self.program
        child = [sys.executable, "-I", inside.path(f"runtime/{script}"), "--fds", f"{to_child},{from_child}",
                 "--work", inside.path("work")] + (["--provided", inside.path("provided")] if self.provided else [])
        child += ["--warm", self.warm] if self.warm else []
        try:
            if self.isolation == BUBBLEWRAP:
                self._start_bubblewrap(child, (to_child, from_child))
                if self.warm == "module":  # only a notebook's shell reads it (a .py that nbconvert exported), which
                    fonts.copy_into(self.runtime)  # no request asks before start() returns: off the child's path
            else:
                self._start_process(child, (to_child, from_child))
        finally:
            os.close(to_child)
            os.close(from_child)

    def _popen(self, command, fds):
        self.process = subprocess.Popen(
            command, cwd=self.scratch / "work", env=self._environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=fds, start_new_session=True,
            preexec_fn=self._apply_limits)
        self.drains = [_Drain(self.process.stdout, self.limits.output_bytes),
                       _Drain(self.process.stderr, self.limits.output_bytes)]
        for drain in self.drains:
            drain.start()

    def _start_process(self, child, fds):
        reaper = [sys.executable, "-I", str(self.runtime / "reaper.py"), str(self.limits.grace_seconds), "--"]
        self._popen(reaper + child, fds)
        self.inner = self.process.pid

    def _start_bubblewrap(self, child, fds):
        """bwrap, then (as root) the uid maps once it says its child's pid; the child runs after that."""
        info_r, info_w = os.pipe()
        block_r, block_w = os.pipe()
        root = isolations.switches_user()
        if root:
            isolations.give_work_to_sandbox(self.scratch / "work")
            child = child + ["--user", str(isolations.SANDBOX_UID)]
        child += ["--processes", str(self.limits.processes)]
        try:
            command = isolations.bubblewrap_command(self.scratch, self.limits, info_w, block_r, self.provided,
                                                    **self.bubblewrap_extra)
            self._popen(command + child, (*fds, info_w, block_r))
            os.close(info_w)
            info_w = None
            try:
                self.inner = self._child_pid(info_r)
            except ChildDied:  # bwrap itself failed: its self-test runs again in the next process (tested.py)
                tested.forget()
                raise
            if root:
                isolations.write_id_maps(self.inner)
                os.write(block_w, b"1")
        finally:
            for fd in (info_r, info_w, block_r, block_w):
                if fd is not None:
                    os.close(fd)

    def _child_pid(self, info_r):
        text, deadline = b"", time.monotonic() + START_SECONDS
        while not text.rstrip().endswith(b"}"):
            ready, _, _ = select.select([info_r], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(info_r, 4096) if ready else b""
            if not chunk:
                raise ChildDied(self._death())
            text += chunk
        return int(json.loads(text)["child-pid"])

    def _environment(self):
        home = isolations.layout(self.isolation, self.scratch).path("work")
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
                "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **SINGLE_THREADED}

    def _apply_limits(self):
        """In the new process before it runs bwrap or the reaper; everything they start inherits these."""
        limits = self.limits
        for kind, value in ((resource.RLIMIT_AS, limits.memory_mb * 2**20),
                            (resource.RLIMIT_FSIZE, limits.file_mb * 2**20), (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(kind, (value, value))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))

    def adopt(self):
        """The submission's files are now in the work folder of this sandbox, started ahead of them (spare.py)."""
        if self.isolation == BUBBLEWRAP and isolations.switches_user():
            isolations.give_work_to_sandbox(self.scratch / "work")

    def adopt_forked(self, process, write_fd, read_fd):
        """Started by the zygote (forkserver.py): `process` stands for bwrap's, its first process's pid is known."""
        self.process, self.inner, self._write_fd, self._read_fd = process, process.pid, write_fd, read_fd
        for fd in (write_fd, read_fd):  # the zygote's pipes, as wide as a cold start's (either end widens one)
            _widen(fd)
        self.drains = [_Drain(process.stdout, self.limits.output_bytes), _Drain(process.stderr, self.limits.output_bytes)]
        for drain in self.drains:
            drain.start()

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    def request(self, message, seconds, on_message=None):
        """Send one request and return its final answer; `on_message` answers the child's callbacks."""
        self.send(message)
        return self.answer(seconds, on_message)

    def answer(self, seconds, on_message=None, patient=False):
        """The next final answer (one case of a batch sent earlier), within `seconds`; see request(). `patient`:
        more answers of a batch are coming, so the wait for this one naps instead of blocking (see _read); the
        messages of a call that reaches back (callbacks) are waited for as soon as they come."""
        deadline = time.monotonic() + seconds
        while True:
            answer = self._receive(deadline, patient)
            if on_message is None or not on_message(answer, deadline):
                return answer
            patient = False
            if time.monotonic() > deadline:  # callbacks answered by the grader count against the call's time
                self.stop()
                raise CallTimeout()

    def send(self, message):
        """One message (wire.pack: its length, its JSON and its values' blobs) in one write, as a rule."""
        data = memoryview(wire.pack(message))
        try:
            while data:
                data = data[os.write(self._write_fd, data):]
        except (BrokenPipeError, OSError):
            raise ChildDied(self._death()) from None

    def _receive(self, deadline, patient=False):
        try:
            length = wire.unpack_length(self._read(wire.HEADER_BYTES, deadline, patient))
            return wire.unpack(self._read(length, deadline))
        except (wire.WireError, ValueError, RecursionError) as exc:
            self.stop()
            raise ChildDied(f"the sandbox broke the protocol: {str(exc)[:300]}") from None

    def _read(self, n, deadline, patient=False):
        """`n` bytes from the child, within `deadline`. What is there is read in one go (a batch's answers
        arrive together), so that select() waits only when nothing is left to read.

        `patient`: a batch's next answers are on their way. A reader blocked in select() is woken by each answer
        the child writes, and a processor that sleeps between answers is slow to wake (a quarter of the CPU per
        batched case at a load of 1, docs/development.md). So the grader naps (NAP_SECONDS, not waiting
        on the pipe) and then reads what came meanwhile, several answers at once; after NAPS naps in a row with
        nothing new (a slow case) it waits in select() as usual. The time limit is the same either way."""
        buffer, naps = self._buffer, NAPS if patient else 0
        while len(buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise CallTimeout()
            if naps:
                naps -= 1
                time.sleep(min(NAP_SECONDS, left))
                ready, _, _ = select.select([self._read_fd], [], [], 0)
            else:
                ready, _, _ = select.select([self._read_fd], [], [], left)
            if ready:
                chunk = os.read(self._read_fd, min(max(READ_BYTES, n - len(buffer)), PIPE_BYTES))
                if not chunk:
                    raise ChildDied(self._death())
                buffer += chunk
                naps = NAPS if patient else 0
        return wire.take(buffer, n)

    def _death(self):
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        self.stop()
        last = self.outputs[1].strip().splitlines()[-1:] if self.outputs[1].strip() else []
        said = f"; its last words: {last[0][:300]}" if last else ""
        if code is not None and code < 0:
            return f"the submission's process was killed by {signal.Signals(-code).name}{said}"
        if code is not None and code > 128 and self.isolation == BUBBLEWRAP and code - 128 in _SIGNALS:
            return f"the submission's process was killed by {signal.Signals(code - 128).name}{said}"
        return f"the submission's process ended (exit status {code}){said}"

    def interrupt(self):
        """SIGINT to the child's process group (a notebook cell past its time)."""
        if self.alive:
            os.killpg(self.inner, signal.SIGINT)

    def stop(self):
        """Stop the child and every process it started (SIGTERM, then SIGKILL), and close the pipes."""
        if self.process is None:
            return
        try:  # an idle child ends by itself at the end of its requests, as a script ends (its exit handlers run)
            os.close(self._write_fd)
        except OSError:
            pass
        self._write_fd = -1  # closed once: its number may be another file's by the time the pipes are closed
        try:
            wait(self.process, EOF_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        self._signal(signal.SIGTERM)
        try:  # the reaper sends SIGKILL itself after grace_seconds, then kills what the child left
            wait(self.process, self.limits.grace_seconds + (REAPER_SECONDS if self.isolation == PROCESS else 0))
        except subprocess.TimeoutExpired:
            pass
        self._signal(signal.SIGKILL)
        self.process.wait()
        for fd in (self._write_fd, self._read_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        for drain in self.drains:
            drain.join(timeout=2)
        self.outputs = [drain.text() for drain in self.drains]
        self.process = None
        self._buffer = bytearray()
        self.stopped.set()

    def _signal(self, sig):
        """SIGTERM: the child's process group. SIGKILL: bubblewrap's namespace init (which ends every process in
        the namespace) and bwrap itself; in process isolation, the reaper's group, if the reaper failed."""
        targets = [(os.killpg, self.inner)] if self.inner and sig != signal.SIGKILL else []
        if sig == signal.SIGKILL:
            targets = ([(os.kill, self.inner)] if self.isolation == BUBBLEWRAP and self.inner else []) + [
                (os.killpg, self.process.pid)]
        for send, pid in targets:
            try:
                send(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def output(self):
        """What the child printed so far (stdout, stderr), bounded."""
        if self.process is None:
            return self.outputs
        return [drain.text() for drain in self.drains]


def _copy_runtime(runtime):
    """The runtime's files, and each one's compiled module where the grader has it (`make setup` compiles them),
    its source's time kept: a child imports loader.py and wire.py without compiling them (10 ms), and nothing it
    compiled would be kept (its runtime folder is read-only inside). A stale compiled module is compiled again."""
    (runtime / "__pycache__").mkdir(exist_ok=True)
    for name in RUNTIME_FILES:
        source = Path(__file__).with_name(name)
        shutil.copy2(source, runtime / name)
        compiled = Path(importlib.util.cache_from_source(str(source)))
        if compiled.is_file():
            shutil.copyfile(compiled, runtime / "__pycache__" / compiled.name)


def _script(runtime, program):
    """The runtime's `program` as the interpreter is to run it: its compiled module where that was compiled from
    this very source (the header's time and size), so that the child does not compile its main script at every
    start (5 ms before its first answer: a main script's compiled module is never used otherwise); else the source."""
    compiled = Path(importlib.util.cache_from_source(str(runtime / program)))
    try:
        with open(compiled, "rb") as f:
            header = f.read(16)
        source = (runtime / program).stat()
    except OSError:
        return program
    stamp = b"".join((value & 0xFFFFFFFF).to_bytes(4, "little") for value in (int(source.st_mtime), source.st_size))
    fresh = header == importlib.util.MAGIC_NUMBER + bytes(4) + stamp  # (flags 0: checked by time, not by hash)
    return str(compiled.relative_to(runtime)) if fresh else program


class Forked:
    """A sandbox forked by the zygote, as a Popen would show it: `pid` is its namespace's first process, and its
    exit status comes through the info socket from the zygote's fork that waits for it (zygote.py)."""

    def __init__(self, pid, info, stdout, stderr):
        self.pid, self.info, self.returncode = pid, info, None
        self.stdout, self.stderr = open(stdout, "rb"), open(stderr, "rb")

    def poll(self):
        if self.returncode is None:
            self._read(0)
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            self._read(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("sandbox", timeout)
        return self.returncode

    def _read(self, timeout):
        ready, _, _ = select.select([self.info], [], [], timeout)
        if not ready:
            return
        data = self.info.recv(4096)
        if data[:1] == b"P":  # its first process's message, read already by the zygote's client: not an end
            return self._read(timeout)
        try:
            self.returncode = int(json.loads(data[1:])["exit"])
        except (ValueError, KeyError, TypeError):
            self.returncode = -signal.SIGKILL  # the zygote's fork ended without saying how: as if killed
        self.info.close()


def wait(process, seconds):
    """process.wait(timeout=seconds), woken as the process ends: Popen.wait with a timeout polls with naps that
    double up to 50 ms, and would notice a child that ends in 20 ms 10 ms late (a pidfd, where Linux has them)."""
    if isinstance(process, subprocess.Popen) and process.returncode is None and hasattr(os, "pidfd_open"):
        try:
            fd = os.pidfd_open(process.pid)  # (not reaped yet: only wait() below reaps it, so the pid is its own)
        except OSError:
            fd = None
        if fd is not None:
            try:
                select.select([fd], [], [], seconds)
            finally:
                os.close(fd)
            return process.wait(timeout=0)
    return process.wait(timeout=seconds)


_SIGNALS = {int(s) for s in signal.Signals}
PIPE_BYTES = 2**20  # Linux's default largest pipe (/proc/sys/fs/pipe-max-size)


def _widen(fd):
    """A pipe that holds a whole message of arrays (a batch, a layer's output) instead of 64 kB: the writer then
    hands it over in one write, not in a round of context switches per 64 kB, which a busy machine makes slow."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (OSError, AttributeError):  # another system, or a lower limit: the default size works, only slower
        pass
