"""`grade-all --scheduler ADDRESS`: the class graded on a Dask distributed cluster instead of local workers.

One task grades one submission. It carries the submission's bytes (a file, or a folder packed as a tar archive),
its name, the limits and the hash of the assignment's fixture manifest, and returns the output files as bytes.
A Dask worker needs only the installed grader and the assignment: the task refuses to grade when the worker's
manifest (or grader version) differs from the batch's, and says so in that submission's report.

On the worker, the task hands the submission to a long-lived grading process (worker.py's `Worker`; a Dask worker
keeps one per thread, started when a batch begins), exactly as the local batch does: that process starts the sandbox, the batch's time limit is
enforced there, and a submission that kills its grading process is tried once more in a fresh one. The machine
that runs grade-all writes every output folder (grade_all.py: staging, then one rename).
"""
import atexit
import io
import os
import select
import shutil
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import UsageError
from ..install.extras import install_hint
from . import preflight
from .preflight import manifest_hash

CONNECT_SECONDS = 5.0
# A Dask worker lost while grading a submission: the scheduler gives the submission to another worker once; if
# that one is lost too, the submission is reported as failed (Dask's KilledWorker) instead of tried forever.
ALLOWED_FAILURES = 1


def connect(address, seconds=CONNECT_SECONDS):
    """A Dask client on the scheduler at `address` (tcp://host:port, or a --scheduler-file JSON); a scheduler that
    can't be reached is a one-line UsageError, raised before anything is graded."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(f"--scheduler needs Dask's `distributed` package: {install_hint('cluster')}")
    where = {"scheduler_file": address} if Path(address).is_file() else {"address": address}
    try:
        client = Client(**where, timeout=seconds, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"no Dask scheduler answered at {address!r} within {seconds:g} s ({first}); start one with "
                         "`dask scheduler` and give its address (tcp://HOST:8786) or its --scheduler-file")
    def allow_failures(count, dask_scheduler=None):  # nested: sent by value, the scheduler need not import grader
        dask_scheduler.allowed_failures = min(dask_scheduler.allowed_failures, count)
    try:
        client.run_on_scheduler(allow_failures, ALLOWED_FAILURES)
    except Exception:
        pass  # an older scheduler: its own allowed-failures setting applies
    return client


def pack(path):
    """(kind, bytes) of a submission: a file's bytes, or a folder as a tar archive. Links travel as links, never
    followed: the worker's intake removes those that lead outside the folder and notes it, as it does here."""
    path = Path(path)
    if not path.is_dir():
        return "file", path.read_bytes()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for item in sorted(path.rglob("*")):  # rglob does not descend into linked folders
            archive.add(item, arcname=str(item.relative_to(path)), recursive=False)
    return "folder", buffer.getvalue()


def task(entry, assignment, digest, limits, public_only, seconds):
    """What a Dask worker needs to grade `entry` (plain data: it is pickled to the worker)."""
    from .. import report
    kind, payload = pack(entry.path)
    return {"name": entry.name, "filename": entry.path.name, "kind": kind, "payload": payload,
            "assignment": assignment.name, "manifest": digest, "grader_version": report.GRADER_VERSION,
            "code": preflight.code_hash(),
            "limits": asdict(limits), "public_only": public_only, "seconds": seconds}


def _refusal(spec):
    """Why this worker must not grade `spec`: another grader version or other fixtures; None when it may."""
    from .. import assignment as assignments
    from .. import report
    host = os.uname().nodename
    if (spec["grader_version"], spec.get("code")) != (report.GRADER_VERSION, preflight.code_hash()):
        return (f"grader: the Dask worker on {host} has grader {report.GRADER_VERSION} (code "
                f"{preflight.code_hash()[:12]}), the batch {spec['grader_version']} (code {spec.get('code', '?')[:12]}):"
                " install the same grader on every worker and restart them")
    try:
        here = manifest_hash(assignments.find(spec["assignment"], public_only=spec["public_only"]))
    except UsageError as exc:
        return f"grader: the Dask worker on {host} can't grade assignment {spec['assignment']!r}: {exc}"
    if here != spec["manifest"]:
        return (f"grader: the Dask worker on {host} has other fixtures for {spec['assignment']!r} (manifest sha256 "
                f"{here[:12]}, the batch's {spec['manifest'][:12]}): update its checkout and fixtures, then restart"
                " the worker")
    return None


def _unpack(spec, folder):
    """The submission written under `folder` with its own name; returns its path."""
    target = folder / spec["filename"]
    if spec["kind"] == "file":
        target.write_bytes(spec["payload"])
        return target
    target.mkdir()
    with tarfile.open(fileobj=io.BytesIO(spec["payload"]), mode="r:gz") as archive:
        # "tar": nothing is written outside `target` (nor through a link), but links to outside are kept as links
        archive.extractall(target, filter="tar")
    return target


def _collect(out):
    """{relative path: bytes} of every file the grading wrote."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# ---- on the Dask worker -----------------------------------------------------------------------------------------

_idle = []  # grading processes of this Dask worker waiting for a task (one per thread at most)
_lock = threading.Lock()


def warm(dask_worker=None):
    """Start this Dask worker's grading processes before the first tasks arrive (their imports take seconds);
    run on every worker by `client.run` when a batch starts."""
    from .worker import Worker
    wanted = getattr(getattr(dask_worker, "state", None), "nthreads", 1)
    with _lock:
        _idle.extend(Worker() for _ in range(wanted - len(_idle)))


def grade_remote(spec):
    """Grade one task on this Dask worker: {"rc", "seconds", "stderr", "files"} as the local worker answers, or
    {"timeout": True} past the batch's limit, or {"lost": why} when the grading process ended twice."""
    started = time.monotonic()
    refusal = _refusal(spec)
    if refusal:
        return {"rc": 2, "seconds": 0.0, "stderr": refusal, "files": {}, "refused": True}
    folder = Path(tempfile.mkdtemp(prefix="grader-task-"))
    try:
        (folder / "in").mkdir()
        source = _unpack(spec, folder / "in")
        for _ in range(2):  # a grading process that ended under a submission gets one more try in a fresh one
            shutil.rmtree(folder / "out", ignore_errors=True)
            (folder / "out").mkdir()
            outcome = _grade_here(spec, source, folder / "out")
            if "lost" not in outcome:
                break
        if "rc" in outcome:
            outcome["files"] = _collect(folder / "out")
        return {**outcome, "seconds": round(time.monotonic() - started, 3)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _grade_here(spec, source, out):
    from types import SimpleNamespace

    from ..sandbox.limits import Limits
    from .worker import Worker, request
    work = request(source, out, SimpleNamespace(name=spec["assignment"]), Limits(**spec["limits"]),
                   spec["public_only"])
    with _lock:
        worker = _idle.pop() if _idle else Worker()
    try:
        worker.send("task", work, spec["seconds"])
    except OSError:  # it ended while idle: a fresh one takes the task
        worker.stop(grace=0)
        worker = Worker()
        worker.send("task", work, spec["seconds"])
    while True:
        if time.monotonic() > worker.deadline:
            worker.stop(grace=3)
            return {"timeout": True}
        if _cancelled():  # the batch was interrupted (Ctrl-C): stop grading instead of finishing unseen work
            worker.stop(grace=3)
            return {"cancelled": True}
        if select.select([worker], [], [], 0.5)[0]:
            try:
                answer = worker.receive()
            except EOFError as ended:
                worker.stop(grace=0)
                return {"lost": str(ended)}
            if answer is not None:
                with _lock:
                    _idle.append(worker)
                return answer


@atexit.register
def _close_all():
    with _lock:
        for worker in _idle:
            worker.close()
        _idle.clear()


def _cancelled():
    """True when the client no longer wants the task this thread runs (a released or cancelled Dask task)."""
    try:
        from distributed import get_worker
        from distributed.worker import thread_state
        state = get_worker().state.tasks.get(thread_state.key)
    except (ImportError, ValueError, AttributeError):
        return False
    return state is None or state.state in ("cancelled", "released", "forgotten")


# ---- on the machine that runs grade-all -------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """How one task ended, as the batch settles it: an answer (the files are staged), or why there is none."""
    job: tuple
    seconds: float
    answer: dict | None = None
    why: str | None = None
    status: str = "error"
    keep: bool = True  # False: no fingerprint, so the next run grades it again (the fault was the cluster's)


class Pool:
    """The batch's tasks on the cluster: a few more in flight than the cluster has threads (the rest wait here,
    so a large class is not held in the scheduler's memory at once). Every task may run only on a worker that
    passed the pre-flight check (preflight.py); workers that join later are checked as the batch goes, and a task
    left without a worker (its workers lost) is given to the checked ones again."""

    WATCH_SECONDS = 1.0

    def __init__(self, checked, scheduler, isolation="auto"):
        self.client, self.futures = checked.client, {}
        self.here, self.scheduler, self.isolation = checked.here, scheduler, isolation
        self.checked = dict(checked.workers)  # address: what it said
        self.refused = set()  # addresses told to stay out of this batch (said once)
        self.watched = time.monotonic()
        self._warm(list(self.checked))

    def _warm(self, addresses):
        self.client.run(warm, workers=addresses, on_error="ignore")  # a worker that fails here still takes tasks

    def room(self):
        threads = sum(n for a, n in self.client.nthreads().items() if a in self.checked)
        return len(self.futures) < max(4, 2 * threads)

    def submit(self, job, spec):
        future = self.client.submit(grade_remote, spec, key=f"grade-{spec['name']}-{os.urandom(6).hex()}",
                                    pure=False, workers=sorted(self.checked), allow_other_workers=False)
        self.futures[future] = (job, spec)

    def watch(self):
        """Check the workers that joined since the last look; forget those that left; tasks that were waiting for
        a lost worker go to the checked ones."""
        if time.monotonic() - self.watched < self.WATCH_SECONDS:
            return
        self.watched = time.monotonic()
        present = set(self.client.nthreads())
        new = sorted(present - set(self.checked) - self.refused)
        lost = set(self.checked) - present
        for address in lost:
            del self.checked[address]
        added = {}
        if new:
            others = {facts["isolation"] for facts in self.checked.values()}
            added, problems = preflight.check(self.client, self.here, self.scheduler, new, self.isolation, others)
            for line in problems:
                print(f"grader: {line}; it gets no work in this batch", file=sys.stderr)
            self.refused |= set(new) - set(added)
            self.checked.update(added)
            self._warm(list(added))
        if not self.checked and (lost or new):
            print("grader: no checked Dask worker is left; the batch waits for one (start it with "
                  f"`{preflight.join_command(self.scheduler)}` in the course's folder)", file=sys.stderr)
        if lost or added:
            self._reroute()

    def _reroute(self):
        """Tasks not running on a checked worker are submitted again, restricted to the checked workers now."""
        running = {key for address, keys in self.client.processing().items() if address in self.checked
                   for key in keys}
        stranded = [f for f in self.futures if not f.done() and f.key not in running]
        if not stranded or not self.checked:
            return
        self.client.cancel(stranded, force=True)
        for future in stranded:
            job, spec = self.futures.pop(future)
            self.submit(job, spec)

    def finished(self, staging_of, seconds=0.5):
        """The Outcome of each task that ended within `seconds`; an answer's files are written into
        staging_of(job) first."""
        self.watch()
        until = time.monotonic() + seconds
        done = [f for f in self.futures if f.done()]
        while not done and self.futures and time.monotonic() < until:
            time.sleep(0.05)  # a future's state is updated by the client's own thread
            done = [f for f in self.futures if f.done()]
        return [self._settled(self.futures.pop(f)[0], f, staging_of) for f in done]

    def _settled(self, job, future, staging_of):
        if future.status == "finished":
            outcome = future.result()
            if "rc" in outcome:  # graded, or refused (stale fixtures): then graded again on the next run
                _write_files(outcome.pop("files"), staging_of(job))
                return Outcome(job, outcome["seconds"], outcome, keep=not outcome.get("refused"))
            if outcome.get("timeout"):  # grade_all says it in the same words as a local timeout
                return Outcome(job, outcome["seconds"], status="timeout")
            why = f"{outcome.get('lost', 'it stopped')} while grading it, twice"
            return Outcome(job, outcome["seconds"], why=why)
        error = future.exception()
        if type(error).__name__ == "KilledWorker":
            return Outcome(job, 0.0, why=f"the Dask worker grading this submission was lost {ALLOWED_FAILURES + 1} "
                           "times (killed, out of memory, or its machine stopped); it was not tried again")
        print(f"grader: internal error on the cluster while grading {job[0].name!r}: "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return Outcome(job, 0.0, why="the grader failed on this submission on the cluster (an internal error, not "
                       "the submission's fault); the instructor has the details", keep=False)

    def cancel(self):
        if self.futures:
            self.client.cancel(list(self.futures), force=True)
            self.futures.clear()


def _write_files(files, folder):
    """The outputs a worker sent, written under `folder`; a path that would leave it is refused."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = (folder / name).resolve()
        if not target.is_relative_to(folder.resolve()) or target == folder.resolve():
            raise ValueError(f"a Dask worker sent an output named {name!r}, outside the report folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
