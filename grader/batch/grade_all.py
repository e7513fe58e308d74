"""Grading a whole class: every entry of a folder (a file or a folder) is one student's submission, named by it.

Submissions are graded in parallel by worker processes (grader/batch/worker.py), each submission in its own sandbox.
This process is the only one that writes the output folder: a finished submission's files are put together in
`OUT/.staging/` and moved into `OUT/<name>/` in one rename, so an interrupted batch leaves only complete
reports. A submission is graded again only when its fingerprint changed: its content, the grader's version, the
assignment and its fixtures, or the limits (`--force` grades everything again).
"""
import atexit
import hashlib
import importlib
import json
import os
import selectors
import shutil
import signal
import stat
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import answers, report
from ..errors import UsageError
from ..report import gradescope
from ..report.terminal import printable
from ..sandbox import intake
from ..whole import write_whole
from . import cluster, names, preflight
from .names import Entry  # noqa: F401 - grade_all.Entry, as before
from .options import SUBMISSION_SECONDS
from .options import add_arguments  # noqa: F401 -- the verb's options, kept importable from here
from .progress import Progress
from .worker import Worker, request, warming

FINGERPRINT = "fingerprint.json"
STAGING = ".staging"
HASHED_BYTES = 64 * 2**20  # read of one submission to tell whether it changed (past it: sizes and times)
BATCH = "batch.json"  # which folder of submissions the output folder was graded from (the similarity check reads it)


@dataclass(frozen=True)
class Options:
    workers: int = 0  # 0: one per core
    force: bool = False
    public_only: bool = False
    submission_seconds: float = SUBMISSION_SECONDS
    hidden_kinds: tuple = gradescope.HIDDEN_KINDS
    hidden_visibility: str = gradescope.HIDDEN_VISIBILITY
    progress_bar: bool | None = None  # None: a bar when standard error is a terminal
    similarity: bool = False  # compare the class's code at the end (grader/similarity/), for the instructor
    archive: str | None = None  # known solutions to compare with
    starter: str | None = None  # the handout's code to take out (default: the assignment's)
    scheduler: str | None = None  # a Dask scheduler's address (or scheduler file): grade on that cluster
    wait_seconds: float = preflight.WAIT_SECONDS  # for a first Dask worker to join a scheduler that has none


@dataclass
class Summary:
    total: int = 0
    graded: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # did not load, or could not be graded
    interrupted: bool = False
    seconds: float = 0.0
    similarity: object = None  # the similarity check's Comparison, when it ran


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def discover(folder, out=None, reserved=None):
    """One Entry per file or folder in `folder` (hidden ones and the output folder left out), sorted by name.

    A file is shown by its stem (`alice.py` -> `alice`), or by its full name where the stem would be ambiguous; its
    output folder is that name made safe and unique (grader/batch/names.py), and never one of the class's files
    (`reserved`: their names, class_files() unless given).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{str(folder)!r} is not a folder of submissions; give the folder that holds them")
    out = Path(out).resolve() if out else None
    paths = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.resolve() != out)
    return names.entries(paths, class_files() if reserved is None else reserved)


def entries(paths):
    """The Entry of each submission in `paths`, its folder never named as one of the class's files."""
    return names.entries(paths, class_files())


def class_files():
    """The names (case-folded) that the class's own files and folders take in an output folder, from the modules
    that write them."""
    from ..review import publish, store
    from .. import similarity
    sqlite = [store.NAME + suffix for suffix in ("", "-journal", "-wal", "-shm")]
    return frozenset(n.casefold() for n in (publish.GRADEBOOK, publish.CLASS_PAGE, publish.LOCK, BATCH, STAGING,
                                            similarity.JSON, similarity.HTML, similarity.VIEWS, *sqlite))


def content_hash(path, budget=HASHED_BYTES):
    """sha256 of a file's bytes, or of every file's relative path and bytes in a folder (a link: its target).

    Files are read in chunks, `budget` bytes at most in all: a file past it counts by its size and modification
    time instead, so a huge file can't stall the batch (hashing runs here, before any submission's time limit) and
    a change to it is still seen."""
    path, digest = Path(path), hashlib.sha256()
    for file in _files(path):
        digest.update(os.fsencode(file.relative_to(path) if file != path else file.name) + b"\0")
        try:
            if file.is_symlink():
                digest.update(b"link " + os.fsencode(os.readlink(file)))
            else:
                budget -= _hash_file(digest, file, budget)
        except OSError as exc:  # unreadable: the grading will say so; its hash changes when it becomes readable
            digest.update(f"unreadable {exc.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _files(path):
    """The submission's files and links (not following links), sorted."""
    if not path.is_dir():
        return [path]
    found = []
    for folder, dirs, files in os.walk(path):
        found += [Path(folder, name) for name in dirs + files if name in files or os.path.islink(Path(folder, name))]
    return sorted(found)


def _hash_file(digest, file, budget):
    """Hash one regular file's bytes if they fit in `budget`, else its size and time; returns the bytes read."""
    status = os.stat(file)
    if not stat.S_ISREG(status.st_mode) or status.st_size > budget:
        digest.update(f"{stat.S_IFMT(status.st_mode)} {status.st_size} bytes, {status.st_mtime_ns} ns".encode())
        return 0
    read = 0
    with open(file, "rb") as reading:
        while chunk := reading.read(min(2**20, budget - read)):
            digest.update(chunk)
            read += len(chunk)
    return read


def assignment_hash(assignment):
    """sha256 of the assignment's folder (reference, checks, rubric) and its fixtures' manifest."""
    digest = hashlib.sha256()
    *own, manifest = assignment.depends_on
    for file in own:
        digest.update(str(file.relative_to(assignment.folder)).encode() + b"\0" + file.read_bytes())
    digest.update(manifest.read_bytes() if manifest.is_file() else b"no fixtures")
    return digest.hexdigest()


def fingerprint(entry, assignment_digest, limits, public_only):
    """What a report depends on; equal fingerprints mean the report on disk can be kept."""
    return {"submission": content_hash(entry.path), "grader_version": report.GRADER_VERSION,
            "assignment": assignment_digest, "limits": asdict(limits),
            "public_only": public_only}


def _unchanged(folder, key):
    try:
        return (folder / "report.json").is_file() and json.loads((folder / FINGERPRINT).read_text()) == key
    except (OSError, ValueError):
        return False


def unfinished_report(entry, assignment, limits, status, message):
    """The report of a submission whose grading did not finish: nothing counted, and `message` says why."""
    from ..grade import Graded, Result  # numpy and the sandbox: imported after the workers started (start_workers)
    kind = "folder" if entry.path.is_dir() else intake.KINDS.get(entry.path.suffix.lower(), "unknown")
    submission = intake.Submission(entry.original, entry.path, kind, entry.path.name)
    results = [Result("submission.loads", None, "the submission loads without an error", 0.0, 0.0, status,
                      message, False, 0.0)]
    for check in assignment.suite.checks.values():
        points, optional = assignment.points(check)
        results.append(Result(check.id, check.function, check.description, 0.0, points, "skipped",
                              "not graded: the grading of this submission did not finish", optional, 0.0))
    graded = Graded(submission=submission, results=results, load_error={"message": message},
                    output=["", ""], restarts=0)
    return report.build(graded, assignment, limits, manual=answers.unanswered(assignment.manual, message))


def _settle(entry, staging, final, document, seconds, key, options):
    """Complete the staging folder of one submission and move it into place in one rename: its report.json,
    report.md, results.json and junit.xml rendered from `document` (the class files at the end don't render them
    again unless saved manual scores change it: publish's `written`)."""
    from ..review import publish
    document["submission"], document["folder"], document["seconds"] = entry.original, entry.name, round(seconds, 3)
    publish.write(staging, document, options.hidden_kinds, options.hidden_visibility)
    if key is not None:  # without one, the next run grades it again
        (staging / FINGERPRINT).write_text(json.dumps(key, indent=1) + "\n")
    if final.exists():
        retired = staging.with_name(f".{staging.name}.old")  # no folder name starts with a dot: no clash
        os.rename(final, retired)
        os.rename(staging, final)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.rename(staging, final)


def _document(answer, staging, entry, assignment, limits):
    """The report a worker wrote, or one that says why there is none."""
    if answer["rc"] in (0, 1) and (staging / "report.json").is_file():  # 1: below a --fail-under
        return json.loads((staging / "report.json").read_text())
    said = answer["stderr"].strip()
    if answer["rc"] == 2 and said:  # a UsageError: the submission is not something this grader takes
        reason = said.splitlines()[-1].removeprefix("grader: ")
        return unfinished_report(entry, assignment, limits, "error", f"the submission could not be graded: {reason}")
    print(f"grader: internal error while grading {entry.name!r}:\n{printable(said, lines=True)}", file=sys.stderr)
    return unfinished_report(entry, assignment, limits, "error", "the grader failed on this submission (an "
                             "internal error, not the submission's fault); the instructor has the details")


def _too_long(seconds):
    return f"grading this submission took longer than the batch's limit of {seconds:g} s and was stopped; nothing " \
        "was counted"


class _Batch:
    """One run over a class: a queue of entries, a few workers (local processes, or a Dask cluster's), and what
    finished."""

    def __init__(self, jobs, out, assignment, limits, options, summary, client=None):
        self.queue, self.out, self.assignment, self.limits, self.options = list(jobs), out, assignment, limits, options
        self.summary, self.client = summary, client
        self.progress = Progress(len(self.queue), bar=options.progress_bar)
        self.interrupted = False
        self.ending = []  # idle workers told to finish, that close() waits for
        self.settled = {}  # {name: report} of each submission whose files were written in this run

    def run(self):
        if self.client is not None:
            return self._run_on_cluster()
        count = min(self.options.workers or cores(), len(self.queue))
        workers = [_early.pop() if _early else Worker() for _ in range(count)]
        _close_early()  # more than the class needs
        try:
            while (self.queue or any(w.job for w in workers)) and not self.interrupted:
                for i in range(len(workers)):
                    self._feed(workers, i)
                self._wait(workers)
                for worker in [w for w in workers if w.job and time.monotonic() >= w.deadline]:
                    self._expire(workers, worker)
                workers = self._end_idle(workers)
        finally:
            self._end_idle(workers, every=True)
            for worker in workers:
                if worker.job:
                    worker.stop(grace=5)
            self.progress.close()

    def _end_idle(self, workers, every=False):
        """Tell the idle workers to finish once nothing is left to give them (or `every` idle one): each ends (its
        sandboxes stopped, a few tenths of a second) while the others grade and the class files are written;
        returns the workers still grading."""
        if self.queue and not every:
            return workers
        for worker in workers:
            if not worker.job:
                worker.end_input()
                self.ending.append(worker)
        return [w for w in workers if w.job]

    def close(self):
        """Wait for the workers that run() told to finish."""
        for worker in self.ending:
            worker.close()
        self.ending = []

    def _feed(self, workers, index):
        """Give the worker at `index`, if idle, the next submission (if one is left); one found dead (out of memory,
        killed) is replaced, and its replacement takes the submission at the next round."""
        worker = workers[index]
        if worker.job is not None or not self.queue or self.interrupted:
            return
        try:
            self._dispatch(worker, self.queue[0])
        except OSError:
            self._replace(workers, worker, grace=0)
            return
        self.queue.pop(0)

    def _replace(self, workers, worker, grace):
        """Stop `worker` and put a new one in its place while submissions are left to give it; else drop it (a new
        worker would only start, import the grading code and be told to end)."""
        worker.stop(grace=grace)
        if self.queue and not self.interrupted:
            workers[workers.index(worker)] = Worker()
        else:
            workers.remove(worker)

    def _dispatch(self, worker, job):
        entry, key = job
        staging = self.out / STAGING / entry.name
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        work = request(entry.path.resolve(), staging, self.assignment, self.limits, self.options.public_only)
        worker.send(job, work, self.options.submission_seconds)

    def _wait(self, workers):
        """Take in every answer that arrives within a second (then redraw the bar and look at the clock)."""
        with selectors.DefaultSelector() as selector:
            for worker in workers:
                if worker.job:
                    selector.register(worker, selectors.EVENT_READ)
            if not selector.get_map():
                return
            for key, _ in selector.select(timeout=0.5):
                worker = key.fileobj
                job = worker.job
                try:
                    answer = worker.receive()
                except EOFError as ended:
                    self._replace(workers, worker, grace=0)
                    self._finish(job, time.monotonic() - worker.started, None, f"{ended} while grading it")
                    continue
                if answer is not None:  # the worker's next submission first: its files are written meanwhile
                    self._feed(workers, workers.index(worker))
                    self._finish(job, answer["seconds"], answer)
        self.progress.draw()

    def _expire(self, workers, worker):
        """A worker past its submission's deadline is stopped and replaced; the submission gets a timeout."""
        job = worker.job
        self._replace(workers, worker, grace=3)
        seconds = self.options.submission_seconds
        self._finish(job, seconds, None, _too_long(seconds), "timeout")

    def _run_on_cluster(self):
        """The same queue, graded by a Dask cluster's workers: each task carries its submission and brings back
        its files, which are staged and settled here as a local worker's would be."""
        pool = cluster.Pool(self.client, self.options.scheduler, self.limits.isolation)
        digest = self.client.here["manifest"]
        staging_of = lambda job: self.out / STAGING / job[0].name  # noqa: E731
        try:
            while (self.queue or pool.futures) and not self.interrupted:
                while self.queue and pool.room() and not self.interrupted:
                    job = self.queue.pop(0)
                    shutil.rmtree(staging_of(job), ignore_errors=True)
                    pool.submit(job, cluster.task(job[0], self.assignment, digest, self.limits,
                                                  self.options.public_only, self.options.submission_seconds))
                for done in pool.finished(staging_of):
                    seconds, why = done.seconds, done.why
                    if done.status == "timeout":
                        seconds, why = self.options.submission_seconds, _too_long(self.options.submission_seconds)
                    self._finish(done.job, seconds, done.answer, why, done.status, done.keep)
                self.progress.draw()
        finally:
            pool.cancel()
            self.progress.close()

    def _finish(self, job, seconds, answer, why=None, status="error", keep=True):
        entry, key = job
        staging = self.out / STAGING / entry.name
        if answer is not None:
            document = _document(answer, staging, entry, self.assignment, self.limits)
        else:
            shutil.rmtree(staging, ignore_errors=True)
            document = unfinished_report(entry, self.assignment, self.limits, status, why)
        staging.mkdir(parents=True, exist_ok=True)
        _settle(entry, staging, self.out / entry.name, document, seconds, key if keep else None, self.options)
        self.settled[entry.name] = document
        self._tell(entry, document, seconds)

    def _tell(self, entry, document, seconds):
        if document["loaded"]:
            line = f"{document['score']:g} / {document['max_score']:g} in {seconds:.1f} s"
            self.summary.graded.append(entry.name)
        else:
            line = "not graded: " + document["checks"][0]["message"].splitlines()[0][:200]
            self.summary.failed.append(entry.name)
        self.progress.finished(entry.name, line, failed=not document["loaded"])


def _on_interrupt(batch):
    """Ctrl-C stops the batch between submissions instead of in the middle of writing one."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        if batch.interrupted:  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        batch.interrupted = True
        print("\ninterrupted: stopping the submissions being graded; finished reports are kept", file=sys.stderr)
    return signal.signal(signal.SIGINT, handler)


_early = []  # workers started before the class is known (start_workers), taken by _Batch.run


def start_workers(workers):
    """Start the local workers now (`workers`: as --workers), while the command loads the assignment and looks at
    the submissions: each imports the grading code and runs bubblewrap's self-test meanwhile (worker.py). Those
    the batch doesn't take end when it starts, or when the command ends."""
    if workers < 0:
        return
    if not _early:
        atexit.register(_close_early)
    _early.extend(Worker() for _ in range(max(0, (workers or cores()) - len(_early))))


def warm_workers(folder, assignment_folder, limits, out=None, force=False):
    """Tell the workers start_workers() started what the class of `folder` will be graded with (`assignment_folder`,
    `limits`), so that each starts its warm start (a zygote: the interpreter, numpy and IPython imported, and
    matplotlib if a notebook of the class names it) now, while this command loads the assignment and looks at the
    submissions, instead of at its first submission.
    As many are told as the class has submissions that look new or changed since the last run into `out`
    (to_grade); the others end unused, as all do when every report is kept."""
    from ..sandbox import spare
    graded = to_grade(folder, out, force)
    plotting = spare.plotting_in(entry.path for entry in graded) if _early and graded else True
    for worker, entry in zip(_early, graded):
        worker.warm(warming(entry.path, assignment_folder, limits, plotting))


def to_grade(folder, out=None, force=False):
    """The entries of `folder` that look new or changed since the last run into `out`: no fingerprint there, or one
    older than the submission (`force`: all). A guess from times, for the warm start only: whether a submission is
    graded again is decided by its content (_unchanged). Where no report is looked for, an entry's name is not the
    batch's (a student named like a class file keeps it): only its path is used."""
    named = not force and out is not None and Path(out).is_dir()  # only then do the folders' names matter
    try:  # (class_files imports the modules that write the class files: 0.03 s before the workers are told)
        found = discover(folder, out, None if named else frozenset())
    except UsageError:  # grade_all says what is wrong with the folder
        return []
    if not named:
        return found

    def looks_changed(entry):
        try:
            return (Path(out) / entry.name / FINGERPRINT).stat().st_mtime_ns < entry.path.stat().st_mtime_ns
        except OSError:
            return True
    return [entry for entry in found if looks_changed(entry)]


def _close_early():
    while _early:
        _early.pop().close()


def grade_all(folder, out, assignment, limits, options=Options()):
    """Grade every submission in `folder` into `out` (on the Dask cluster of `options.scheduler` if given);
    returns a Summary."""
    started = time.monotonic()
    out = Path(out)
    entries = discover(folder, out)
    if not entries:
        raise UsageError(f"{str(folder)!r} holds no submissions (files or folders)")
    client = cluster.connect(options.scheduler) if options.scheduler else None  # fails before anything is graded
    try:
        checked = None if client is None else preflight.before_grading(  # before anything is graded or written
            client, assignment, options.public_only, limits.isolation, options.scheduler, options.wait_seconds)
        if checked is not None:
            print(preflight.summary(checked), file=sys.stderr)
        return _grade_all(folder, entries, out, assignment, limits, options, checked, started)
    finally:
        if client is not None:
            client.close()


def _grade_all(folder, entries, out, assignment, limits, options, client, started):
    out.mkdir(parents=True, exist_ok=True)
    write_whole(out / BATCH, json.dumps({"submissions": str(Path(folder).resolve())}, indent=1) + "\n")
    shutil.rmtree(out / STAGING, ignore_errors=True)
    digest = assignment_hash(assignment)
    summary, jobs, batch = Summary(total=len(entries)), [], None
    for entry in entries:
        key = fingerprint(entry, digest, limits, options.public_only)
        if not options.force and _unchanged(out / entry.name, key):
            summary.unchanged.append(entry.name)
        else:
            jobs.append((entry, key))
    jobs = longest_first(jobs, out)
    try:
        if jobs:
            # the class page's imports happen while the workers grade, not after them
            threading.Thread(target=_prepare_class_page, daemon=True).start()
            batch = _Batch(jobs, out, assignment, limits, options, summary, client)
            previous = _on_interrupt(batch)
            try:
                batch.run()
            finally:
                if previous is not None:
                    signal.signal(signal.SIGINT, previous)
            summary.interrupted = batch.interrupted
        shutil.rmtree(out / STAGING, ignore_errors=True)
        if not summary.interrupted and options.similarity:
            summary.similarity = _similarity(entries, out, assignment, options)
        if not summary.interrupted:  # the similarity check wrote its field into the reports: they are read back
            settled = batch.settled if batch is not None and not options.similarity else None
            write_class_files(entries, out, options, settled)
    finally:  # the idle workers ended while the class files were written
        if batch is not None:
            batch.close()
    summary.seconds = time.monotonic() - started
    return summary


def longest_first(jobs, out):
    """The jobs in the order that ends the batch soonest where a previous run of it says how long each took (its
    report's seconds in `out`): the longest first, so that a submission that hangs to its limits (an endless loop
    runs a cell's whole limit) starts at once instead of last, while the other workers grade the rest; those with no
    report yet (new, or never finished) before them, in their order, as their time is not known."""
    def took(job):
        try:
            return float(json.loads((out / job[0].name / "report.json").read_text())["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
    known = {id(job): took(job) for job in jobs}
    return sorted(jobs, key=lambda job: (known[id(job)] is not None, -(known[id(job)] or 0.0)))


def _prepare_class_page():
    """Import the class page's code and compile its templates (a tenth of a second) while the workers grade."""
    classpage = importlib.import_module("grader.report.classpage")
    for name in ("classpage.html", "charts.html"):
        classpage.TEMPLATES.get_template(name)


def _similarity(entries, out, assignment, options):
    """The similarity check on the class, after its reports (it writes their `similarity` field). It is an
    addition: if it fails, the batch's own files are still written, and the message says how to run it again."""
    from ..similarity import run as similarity
    try:
        return similarity.run([(e.name, e.path) for e in entries], out, assignment, options.archive, options.starter)
    except Exception as exc:  # noqa: BLE001 - any failure of the optional step must not cost the gradebook
        print(f"grader: the similarity check failed ({type(exc).__name__}: {exc}); the reports and the gradebook"
              " are complete; run `python -m grader similarity` on the folder of submissions to try again",
              file=sys.stderr)
        return None


def write_class_files(entries, out, options, settled=None):
    """Each submission's files with the manual scores saved so far merged in (grading again never loses one),
    gradebook.csv and index.html, all from the reports; `settled`: {name: report} written in this run."""
    from ..review import publish
    return publish.publish(out, [entry.name for entry in entries], class_page=True,
                           hidden_kinds=options.hidden_kinds, hidden_visibility=options.hidden_visibility,
                           written=settled)


def run(options, assignment, limits):
    """`grade-all` from parsed options: grade, then say where everything is. Exit status 130 if interrupted."""
    if options.workers < 0:
        raise UsageError(f"--workers must be 0 (one per core) or more, not {options.workers}")
    if options.similarity and options.public:
        raise UsageError("--similarity is for the instructor and does not run with --public (the students' checks)")
    if (options.archive or options.starter) and not options.similarity:
        raise UsageError("--archive and --starter go with --similarity; add it to compare the class's code")
    for flag, given in (("--archive", options.archive), ("--starter", options.starter)):
        if given and not Path(given).exists():  # said before the batch, not after an hour of grading
            raise UsageError(f"{flag} {given!r} does not exist; give a folder of .py or .ipynb files")
    chosen = Options(workers=options.workers, force=options.force, public_only=options.public,
                     submission_seconds=options.submission_timeout,
                     hidden_kinds=tuple(k.strip() for k in options.hidden_kinds.split(",") if k.strip()),
                     hidden_visibility=options.hidden_visibility, similarity=options.similarity,
                     archive=options.archive, starter=options.starter, scheduler=options.scheduler,
                     wait_seconds=options.wait_workers)
    summary = grade_all(options.folder, options.out, assignment, limits, chosen)
    out = Path(options.out)
    done = len(summary.graded) + len(summary.failed)
    print(f"graded {done} of {summary.total} submissions in {summary.seconds:.1f} s"
          + (f" ({len(summary.unchanged)} unchanged since the last run, kept)" if summary.unchanged else "")
          + (f"; {len(summary.failed)} did not load or could not be graded" if summary.failed else ""))
    if summary.interrupted:
        print(f"interrupted: {summary.total - len(summary.unchanged) - done} submissions are not graded yet; run the"
              " same command again to grade only those")
        return 130
    print(f"gradebook: {out / 'gradebook.csv'}\nclass report: {out / 'index.html'}\nper student: {out}/<name>/")
    if summary.similarity is not None:
        flagged = sum(p.flagged for p in summary.similarity.pairs)
        print(f"similarity: {out / 'similarity.html'} ({flagged} pairs flagged)")
    return 0
