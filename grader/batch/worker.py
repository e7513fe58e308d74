"""A long-lived grading process for batches: it grades one submission per request, exactly as `grade` would.

The batch keeps a few of these busy at once. Each one imports numpy and the assignment once and then
calls `grader.api.grade_submission` for every request, so a class pays the start-up cost once per worker, not once
per student. Student code never runs here: grading starts its own sandbox child.

Requests and answers are one JSON object per line on the worker's standard input and a private copy of its
standard output; the real file descriptor 1 is pointed at /dev/null so nothing else can corrupt the answers.
"""
import atexit
import contextlib
import io
import itertools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the folder that holds this grader/: the worker imports the same one


def serve(requests, answers):
    """Answer each request line (a submission, see `request`) with {"rc", "seconds", "stderr"} until the input
    ends: rc 0 when its report is written, 2 when it can't be graded (stderr says why), -1 on a grader bug. A
    `warming` line is not answered (its warm start began when it was read: _read_first). Returns how many were
    answered."""
    answered = 0
    for line in requests:
        if line.startswith(WARMING):
            continue
        answered += 1
        said = io.StringIO()
        started = time.monotonic()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(said):
                rc = _grade(json.loads(line), said)
        except Exception:  # a grader bug on one submission must not end the worker
            rc = -1
            said.write(traceback.format_exc())
        answer = {"rc": rc, "seconds": round(time.monotonic() - started, 3), "stderr": said.getvalue()[-20000:]}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return answered


def request(source, out, assignment, limits, public_only):
    """The request that grades `source` into the folder `out`, as a JSON-serializable dict."""
    return {"source": str(source), "out": str(out), "assignment": assignment.name, "limits": asdict(limits),
            "public_only": public_only}


WARMING = '{"warming"'  # how a `warming` line starts


def warming(source, assignment_folder, limits, plotting=True):
    """The line that tells a worker what the batch will grade before its first submission is sent (the same
    assignment, limits and kind of submission as `source`; `plotting`: whether the class's notebooks name
    matplotlib, spare.plotting_in), so that its warm start begins at once: the batch sends it as soon as the
    assignment is chosen, a few tenths of a second before it has loaded it and looked at the class. Not answered."""
    return {"warming": True, "source": str(source), "assignment": Path(assignment_folder).name,
            "limits": asdict(limits), "plotting": bool(plotting)}


_booting = []  # the thread that starts the warm start at the first request (_boot)


def _start_boot(request):
    """Start the warm start for the first request, once."""
    if not _booting:
        _booting.append(threading.Thread(target=_boot, args=(request,), daemon=True, name="warm-start"))
        _booting[0].start()


def _read_first(lines):
    """Read the first line (a `warming` one, or the first request) into `lines` and start its warm start at once:
    the batch sends it a few tenths of a second after starting this process, while the main thread still imports
    the grading code (_get_ready). What the warm start imports is imported while the line is awaited (the batch
    is choosing the assignment meanwhile), not after it came."""
    try:
        from .. import assignment  # noqa: F401
        from ..sandbox import forkserver, spare  # noqa: F401
    except Exception:  # noqa: BLE001 -- said at the first request, as _get_ready's
        pass
    line = sys.stdin.readline()
    lines.append(line)
    try:
        _start_boot(json.loads(line))
    except ValueError:  # no request (the input ended), or not one: serve() answers it as any other line
        pass


def _grade(request, said):
    _start_boot(request)
    from .. import assignment as assignments  # the heavy imports happen once, at the first request
    from ..api import grade_submission
    from ..errors import UsageError
    from ..sandbox import spare
    from ..sandbox.limits import Limits
    try:
        chosen = _assignment(assignments, request["assignment"], request["public_only"])
        _booting[0].join()
        spare.enable()  # the next submission's sandbox starts while this one is graded
        _releases.enable()
        grade_submission(request["source"], chosen, request["out"], Limits(**request["limits"]),
                         public_only=request["public_only"])
    except UsageError as exc:
        print(f"grader: {exc}", file=said)
        return 2
    return 0


class _Releases:
    """Each grading's release (its sandbox stopped, its scratch folder removed: grader.grade.release_later), done
    in a thread, one after another, while the next submission is graded: the batch has the report without
    waiting for the child's own exit."""

    def __init__(self):
        self.queue = queue.Queue()
        self.thread = None

    def enable(self):
        if self.thread is None:
            from .. import grade
            self.thread = threading.Thread(target=self._run, daemon=True, name="releases")
            self.thread.start()
            grade.release_later(self.queue.put)

    def _run(self):
        while True:
            release = self.queue.get()
            try:
                release()
            except Exception:  # noqa: BLE001 -- said where the worker's errors go; the batch goes on
                traceback.print_exc(file=sys.stderr)
            finally:
                self.queue.task_done()

    def wait(self):
        """Until every release handed over so far is done."""
        self.queue.join()


_releases = _Releases()
_loaded = {}  # (assignment folder, public_only) -> (its files' names, sizes and times, the Assignment loaded)


def _assignment(assignments, name, public_only):
    """The assignment, loaded once per worker while its files stay the same: what every submission's checks
    compute alike (the reference's answers on the generated cases, kinds.Standard) is then computed once per
    worker, not once per submission, as in one process grading one submission after another."""
    folder = assignments.choose(name)
    key = (str(folder), public_only)
    if key not in _loaded or _loaded[key][0] != _signature(_loaded[key][1]):
        loaded = assignments.load(folder, public_only)
        _loaded[key] = (_signature(loaded), loaded)
    return _loaded[key][1]


def _signature(assignment):
    """The names, times and sizes of the files the assignment was loaded from (Assignment.depends_on)."""
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in assignment.depends_on if p.exists())


def _get_ready():
    """Before the first request (a batch starts its workers while it loads the assignment): bubblewrap's self-test
    in a thread, and the grading code imported. What fails here fails again, and is said, at the first request."""
    try:
        from ..sandbox.process import bubblewrap_problem
        threading.Thread(target=bubblewrap_problem, daemon=True, name="self-test").start()
        from .. import api  # noqa: F401
        from .. import assignment  # noqa: F401
    except Exception:  # noqa: BLE001
        pass


FIRST_LINE_SECONDS = 1.0  # waited for the first line before the grading code is imported anyway


def _boot_first(reading):
    """Let the first line's warm start begin before the grading code is imported (_get_ready): both are Python
    running in this process, and the zygote's own boot, in a process of its own, is the longer way to the first
    grading. The batch sends the line within a few tenths of a second; a worker given none in
    FIRST_LINE_SECONDS imports the grading code all the same."""
    reading.join(FIRST_LINE_SECONDS)
    if _booting:
        _booting[0].join(FIRST_LINE_SECONDS)


def _boot(request):
    """bubblewrap's self-test and the zygote of the first submission's kind (grader.sandbox.forkserver), started
    while the worker imports the grading code and loads the assignment (a second each, about, on a busy machine)."""
    try:
        from .. import assignment as assignments
        from ..sandbox import forkserver, spare
        from ..sandbox.limits import Limits
        source = Path(request["source"])
        notebook = bool(spare.notebooks_in(source))
        folder = assignments.choose(request["assignment"])
        forkserver.plotting(request.get("plotting", True))  # a grading's request: not known, as without a batch
        forkserver.prestart(Limits(**request["limits"]), assignments.provided_of(folder), None,
                            spare.warm_kind(notebook))
    except Exception:  # noqa: BLE001 -- the grading starts its own sandbox then, and says what is wrong
        pass


def main():
    answers = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    orphaned = threading.Event()
    threading.Thread(target=_watch_parent, args=(os.getppid(), orphaned), daemon=True).start()
    try:
        first = []
        reading = threading.Thread(target=_read_first, args=(first,), daemon=True, name="first-request")
        reading.start()
        _boot_first(reading)
        _get_ready()
        reading.join()
        answered = serve(itertools.chain([line for line in first if line], sys.stdin), answers)
    except KeyboardInterrupt:  # the batch was interrupted: `grade`'s own clean-up has already run
        if orphaned.is_set() and Path(tempfile.gettempdir()).name.startswith("grader-worker-"):
            shutil.rmtree(tempfile.gettempdir(), ignore_errors=True)  # nobody else is left to remove it
        return 130
    _end(answered)


def _end(answered):
    """End as soon as the input ended, which the batch waits for: the zygote stopped (the exit functions) where a
    submission was graded, then no interpreter tear-down (a tenth of a second or two with numpy's and IPython's
    modules to free, for nothing). A worker that graded nothing doesn't wait for a zygote still starting:
    bubblewrap's --die-with-parent ends it with this process, and the batch removes its folder (Worker._clean)."""
    if answered:
        _releases.wait()
        atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _watch_parent(parent, orphaned):
    """A batch or Dask worker killed outright leaves this process behind: stop grading as Ctrl-C would (so the
    sandbox is stopped and the scratch removed) instead of finishing a submission nobody will read."""
    while os.getppid() == parent:
        time.sleep(1.0)
    orphaned.set()
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(30)
    os._exit(130)


def _leftovers(root):
    """Processes whose command line names `root`: sandboxes that a killed worker could not stop (Linux /proc)."""
    found, marker = [], str(root).encode()
    for pid in filter(str.isdigit, os.listdir("/proc") if os.path.isdir("/proc") else []):
        with contextlib.suppress(OSError):
            if marker in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
    return found


class Worker:
    """The batch's handle on one worker process.

    Each worker gets its own temporary folder (TMPDIR), so the scratch folders and sandboxes of its submissions
    can be found and removed if the worker itself has to be killed before it could clean up after them.
    """

    def __init__(self):
        from ..install import course
        from ..sandbox.limits import SINGLE_THREADED  # BLAS threads would fight the other workers and the sandboxes
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-worker-"))
        where = course.located()  # the worker runs from ROOT, so it is told where the course is
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.batch.worker"], cwd=ROOT,
            env={**os.environ, **SINGLE_THREADED, "TMPDIR": str(self.scratch),
                 **({course.ENV: str(where)} if where else {})},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        self._buffer = b""
        self.job = None  # what it is grading now
        self.deadline = None

    def fileno(self):
        return self.process.stdout.fileno()

    def send(self, job, request, seconds):
        """Give the worker a submission (a `request`); raises OSError if the worker is gone (the job is then not
        taken)."""
        self._write(request)
        self.job, self.started = job, time.monotonic()
        self.deadline = self.started + seconds

    def receive(self):
        """The answer once a whole line has arrived; None while incomplete; raises EOFError if the worker ended."""
        chunk = os.read(self.fileno(), 65536)
        if not chunk:
            raise EOFError(self._ended())
        self._buffer += chunk
        if b"\n" not in self._buffer:
            return None
        line, self._buffer = self._buffer.split(b"\n", 1)
        self.job, self.deadline = None, None
        return json.loads(line)

    def _ended(self):
        code = self.process.wait()
        if code < 0:
            return f"the grader's worker process was killed by {signal.Signals(-code).name}"
        return f"the grader's worker process ended with exit status {code}"

    def stop(self, grace=5.0):
        """Interrupt the grading (so `grade` stops its sandbox and removes its scratch), then make sure it ends."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self._clean()

    def _clean(self, seconds=2.0):
        """Kill what is left of this worker's sandboxes (a zygote still starting when a worker that graded nothing
        ended, one that a killed worker could not stop), wait until they are gone (`seconds` at most: a process
        killed is still listed for a moment), and remove its temporary folder."""
        deadline = time.monotonic() + seconds
        while (left := _leftovers(self.scratch)) and time.monotonic() < deadline:
            for pid in left:
                with contextlib.suppress(OSError):
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
            time.sleep(0.01)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def end_input(self):
        """Ask an idle worker to finish by ending its input; it ends by itself (its sandboxes stopped) while the
        batch goes on, and close() waits for it."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()

    def warm(self, line):
        """Send a `warming` line (the worker starts its warm start); nothing if the worker is gone (the first
        submission sent to it says so)."""
        with contextlib.suppress(OSError):
            self._write(line)

    def _write(self, line):
        """One line (a JSON object) to the worker's input; OSError if the worker is gone."""
        self.process.stdin.write((json.dumps(line) + "\n").encode())
        self.process.stdin.flush()

    def close(self):
        """Ask an idle worker to finish, and wait for it (woken as it ends: process.wait)."""
        from ..sandbox.process import wait
        self.end_input()
        try:
            wait(self.process, 10)
        except subprocess.TimeoutExpired:
            self.stop()
        self.process.stdout.close()
        self._clean()


if __name__ == "__main__":
    sys.exit(main())
