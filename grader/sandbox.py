"""Starts the child that runs student code, talks to it, and stops it with everything it started.

The child is a separate Python process in its own session, with resource limits, no standard input, and its
standard output and error drained into bounded buffers. Only `wire`-encoded messages come back, and they are
decoded with validation. A call that runs past its time limit kills the child's whole process group.
"""
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import wire

RUNTIME_FILES = ("child.py", "loader.py", "wire.py")


@dataclass(frozen=True)
class Limits:
    """Time, memory and output limits for one submission; each has a command-line setting."""

    call_seconds: float = 5.0
    load_seconds: float = 60.0
    cell_seconds: float = 30.0
    memory_mb: int = 2048
    output_bytes: int = 64 * 1024
    file_mb: int = 64


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


class Sandbox:
    """One child process running one submission copy in `scratch/work`."""

    def __init__(self, scratch: Path, limits: Limits, provided: Path | None = None):
        self.scratch, self.limits = Path(scratch), limits
        self.runtime = self.scratch / "runtime"
        self.runtime.mkdir(exist_ok=True)
        for name in RUNTIME_FILES:
            shutil.copyfile(Path(__file__).with_name(name), self.runtime / name)
        self.provided = None
        if provided is not None:  # a copy: the sandbox never sees the assignment's folder
            self.provided = self.scratch / "provided"
            if not self.provided.exists():
                shutil.copytree(provided, self.provided, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
        self.process = None
        self._buffer = b""

    def start(self):
        to_child, from_grader = os.pipe()
        to_grader, from_child = os.pipe()
        command = [sys.executable, "-I", str(self.runtime / "child.py"), "--fds", f"{to_child},{from_child}",
                   "--work", str(self.scratch / "work")]
        if self.provided:
            command += ["--provided", str(self.provided)]
        self.process = subprocess.Popen(
            command, cwd=self.scratch / "work", env=self._environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(to_child, from_child),
            start_new_session=True, preexec_fn=self._apply_limits)
        os.close(to_child)
        os.close(from_child)
        self._write_fd, self._read_fd = from_grader, to_grader
        self.drains = [_Drain(self.process.stdout, self.limits.output_bytes),
                       _Drain(self.process.stderr, self.limits.output_bytes)]
        for drain in self.drains:
            drain.start()

    def _environment(self):
        threads = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.scratch / "work"),
                "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **threads}

    def _apply_limits(self):
        memory = self.limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        size = self.limits.file_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    def request(self, message, seconds, on_message=None):
        """Send one request and return its final answer; `on_message` answers the child's callbacks."""
        deadline = time.monotonic() + seconds
        self._send(message)
        while True:
            answer = self._receive(deadline)
            if on_message is None or not on_message(answer, deadline):
                return answer

    def send(self, message):
        self._send(message)

    def _send(self, message):
        data = wire.pack(message)
        try:
            while data:
                data = data[os.write(self._write_fd, data):]
        except (BrokenPipeError, OSError):
            raise ChildDied(self._death()) from None

    def _receive(self, deadline):
        header = self._read(wire.HEADER_BYTES, deadline)
        try:
            length = wire.unpack_length(header)
            return json.loads(self._read(length, deadline))
        except (wire.WireError, ValueError) as exc:
            self.stop()
            raise ChildDied(f"the sandbox broke the protocol: {exc}") from None

    def _read(self, n, deadline):
        while len(self._buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise CallTimeout()
            ready, _, _ = select.select([self._read_fd], [], [], left)
            if ready:
                chunk = os.read(self._read_fd, 2**20)
                if not chunk:
                    raise ChildDied(self._death())
                self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

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
        return f"the submission's process ended (exit status {code}){said}"

    def interrupt(self):
        if self.alive:
            os.killpg(self.process.pid, signal.SIGINT)

    def stop(self):
        """Kill the child and every process in its group, and close the pipes."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
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
        self._buffer = b""

    def output(self):
        """What the child printed so far (stdout, stderr), bounded."""
        if self.process is None:
            return getattr(self, "outputs", ["", ""])
        return [drain.text() for drain in self.drains]
