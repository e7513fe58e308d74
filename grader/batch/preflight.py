"""Before a class is graded on a Dask cluster, each worker says what it would grade with, and a worker that differs
from this machine gets no work: a setup mistake stops the batch with one line, instead of a class of zeros.

A worker must import the grader (the probe is sent by value, so that a worker that can't import it still answers
why), run the same grader (version and a hash of its code), hold the same fixtures for the assignment (the hash of
its fixture manifest), and isolate student code as the others do (bubblewrap where it works). Workers that join
later, or replace a lost one, are asked the same before they get work (cluster.Pool restricts every task to the
workers checked here).
"""
import functools
import hashlib
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..install.extras import install_hint

WAIT_SECONDS = 10.0  # how long a scheduler with no worker yet is given for a first one to join
GRADER = Path(__file__).resolve().parents[1]


@functools.cache
def code_hash():
    """sha256 of the grader's own code: every .py under grader/, by relative path."""
    digest = hashlib.sha256()
    for path in sorted(GRADER.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(GRADER).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def manifest_hash(assignment):
    """sha256 of the assignment's fixture manifest, which holds the hash of every fixture array."""
    manifest = Path(assignment.fixtures) / "manifest.json"
    return hashlib.sha256(manifest.read_bytes() if manifest.is_file() else b"no fixtures").hexdigest()


@functools.cache  # a sandbox's self-test takes a second: once per process (a Dask worker answers many batches)
def isolation():
    """(how this machine would isolate student code, why not bubblewrap): ("bubblewrap", None) or ("process", why)."""
    from ..sandbox.process import bubblewrap_problem
    problem = bubblewrap_problem()
    return ("bubblewrap", None) if problem is None else ("process", problem)


def describe(assignment_name, public_only):
    """What this machine (a Dask worker, or the one that runs grade-all) would grade with."""
    from .. import assignment as assignments
    from .. import report
    from ..install import course
    kind, why = isolation()
    facts = {"version": report.GRADER_VERSION, "code": code_hash(), "isolation": kind, "isolation_why": why,
             "host": socket.gethostname(), "python": sys.executable, "cwd": os.getcwd()}
    try:
        chosen = assignments.find(assignment_name, public_only=public_only)
        facts.update(manifest=manifest_hash(chosen), course=str(course.root()))
    except UsageError as exc:
        facts["problem"] = str(exc)
    return facts


def probe(assignment_name, public_only):
    """The function a worker runs: a closure, so that cloudpickle sends its code and not a reference to this module
    (a worker that can't import the grader then says why, instead of failing to unpickle)."""
    def ask():
        import os
        import sys
        try:
            from grader.batch import preflight
        except Exception as exc:  # noqa: BLE001 - any failure to import is the answer
            return {"import_error": f"{type(exc).__name__}: {exc}", "python": sys.executable, "cwd": os.getcwd()}
        return preflight.describe(assignment_name, public_only)
    return ask


def join_command(scheduler):
    """The command that starts a worker for this scheduler (an address, or the file of --scheduler-file)."""
    return f"dask worker --scheduler-file {scheduler}" if Path(scheduler).is_file() else f"dask worker {scheduler}"


def mismatch(address, facts, here, scheduler):
    """Why the worker at `address` must not grade this batch (one line with the fix), or None."""
    worker = f"the Dask worker {address}"
    if isinstance(facts, BaseException):
        return f"{worker} could not be asked what it grades with ({type(facts).__name__}: {facts}); restart it"
    if "import_error" in facts:
        return (f"{worker} can't import the grader ({facts['import_error']}; its Python is {facts['python']}):"
                f" install it in that environment ({install_hint('cluster')}, or `make setup` in a checkout) and"
                f" restart the worker from there with `{join_command(scheduler)}`")
    if (facts["version"], facts["code"]) != (here["version"], here["code"]):
        return (f"{worker} runs grader {facts['version']} (code {facts['code'][:12]}), this machine"
                f" {here['version']} (code {here['code'][:12]}): install the same grader on every worker and restart"
                " them")
    if "problem" in facts:
        return f"{worker} can't grade the assignment ({facts['problem']}); it runs in {facts['cwd']}"
    if facts["manifest"] != here["manifest"]:
        return (f"{worker} has other fixtures for {here['assignment']!r} (manifest sha256 {facts['manifest'][:12]} in"
                f" {facts['course']}, this machine's {here['manifest'][:12]}): give it the same course folder"
                " (reference/ and fixtures/, e.g. git pull there) and restart the worker")
    return None


def isolation_mismatch(address, facts, requested, others):
    """A worker that would isolate student code less than asked, or than the other workers do."""
    if requested == "process" or facts["isolation"] == "bubblewrap" or not (
            requested == "bubblewrap" or "bubblewrap" in others):
        return None
    need = "--isolation bubblewrap asks for it" if requested == "bubblewrap" else "the other workers use it"
    return (f"the Dask worker {address} can't sandbox with bubblewrap ({facts['isolation_why']}) and {need}: install"
            " bubblewrap there and allow user namespaces (`grader doctor` on that machine says what is missing), or"
            " grade every submission alike with --isolation process")


def check(client, here, scheduler, addresses=None, isolation_requested="auto", others=()):
    """({address: facts} of the workers that may grade, [one line per worker that may not])."""
    answers = client.run(probe(here["assignment"], here["public_only"]), workers=addresses, on_error="return")
    good, problems = {}, []
    for address, facts in sorted(answers.items()):
        why = mismatch(address, facts, here, scheduler)
        if why is None:
            good[address] = facts
        else:
            problems.append(why)
    kinds = {f["isolation"] for f in good.values()} | set(others)
    for address, facts in list(good.items()):
        why = isolation_mismatch(address, facts, isolation_requested, kinds)
        if why is not None:
            problems.append(why)
            del good[address]
    return good, problems


def expected(assignment, public_only):
    """What every worker must match: this machine's grader and the assignment's fixtures as loaded here."""
    from .. import report
    return {"version": report.GRADER_VERSION, "code": code_hash(), "manifest": manifest_hash(assignment),
            "assignment": assignment.name, "public_only": public_only}


@dataclass(frozen=True)
class Checked:
    """A cluster that passed the check: its client, what its workers must match, and the workers that do."""
    client: object
    here: dict
    workers: dict  # address: what it said


def before_grading(client, assignment, public_only, isolation_requested, scheduler, wait=WAIT_SECONDS):
    """The cluster's Checked workers, or a one-line UsageError (nothing has been graded or written yet)."""
    here = expected(assignment, public_only)
    try:
        client.wait_for_workers(1, timeout=wait)
    except (TimeoutError, OSError):
        raise UsageError(f"no Dask worker joined the scheduler at {scheduler!r} within {wait:g} s (--wait-workers):"
                         f" start one on each grading machine with `{join_command(scheduler)}`, from the environment"
                         " where the grader is installed and in the course's folder")
    good, problems = check(client, here, scheduler, isolation_requested=isolation_requested)
    if problems:
        more = f" (and {len(problems) - 1} more worker(s) with a problem)" if len(problems) > 1 else ""
        raise UsageError(problems[0] + more)
    return Checked(client, here, good)


def summary(checked):
    """One line on the workers that passed, for the person running the batch."""
    isolations = sorted({facts["isolation"] for facts in checked.workers.values()})
    here = checked.here
    return (f"cluster: {len(checked.workers)} Dask worker(s) checked: grader {here['version']} (code"
            f" {here['code'][:12]}), the fixtures of {here['assignment']!r} (manifest {here['manifest'][:12]}),"
            f" isolation {' and '.join(isolations)}")
