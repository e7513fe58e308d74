"""`grade-all --scheduler`: a small mixed class graded on a real Dask cluster (a scheduler and two workers started
here as separate processes, on 127.0.0.1 only, with Dask's own `dask scheduler` and `dask worker` from the
environment where the grader is installed, no PYTHONPATH) gets the same reports as on the local pool; a worker
killed mid-batch costs only a retry; a worker started wrongly (without the grader, with other fixtures), or no
worker at all, stops the batch before it grades or writes anything; a worker that joins later with other fixtures
gets no work; an unreachable scheduler stops the batch before it starts. Every process started here is stopped by
the fixture, whatever happens."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FAST, ROOT

distributed = pytest.importorskip("distributed")

from grader.batch import cluster, grade_all, preflight  # noqa: E402
from grader.errors import UsageError  # noqa: E402
from grader.sandbox.process import bubblewrap_problem  # noqa: E402

LIMITS = ["--call-timeout", "2", "--load-timeout", "4", "--cell-timeout", "5", "--memory-mb", "1024"]
DASK = Path(sys.executable).parent / "dask"
# The class: correct, buggy, hostile (never returns; kills whatever it can), a notebook that isn't JSON, a folder.
# kill -1 reaches only the sandbox's own processes in bubblewrap; without it, an os._exit of the sandbox instead.
KILLER = "kill_everything.py" if bubblewrap_problem() is None else "exit_in_function.py"
CLASS = {"alice.py": "submissions/correct.py", "bob.py": "submissions/mistake_missing_bias.py",
         "carol.py": "tests/hostile/infinite_loop.py", "dave.py": f"tests/hostile/{KILLER}",
         "erin.ipynb": "tests/hostile/broken.ipynb"}
TIMING = {"seconds"}
# Without a dashboard, Dask still serves its HTTP endpoints (metrics, health): on 127.0.0.1 too, on any free port.
LOOPBACK_ONLY = ["--no-dashboard", "--dashboard-address", "127.0.0.1:0"]


def _environment(scratch):
    """As a person's shell would have it: no PYTHONPATH (the workers import the installed grader)."""
    return {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "TMPDIR": str(scratch)}


def _start(command, log, env, cwd=ROOT):
    # A session of its own: the nanny, its worker process and their grading processes are stopped together.
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process):
    if process.poll() is None:
        with _quiet():
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with _quiet():
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with _quiet():
        os.killpg(process.pid, signal.SIGKILL)  # what is left of its session (a worker process the nanny started)


class _quiet:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return kind is ProcessLookupError or kind is PermissionError


def _ours(marker):
    """Processes whose environment names `marker` (this test's TMPDIR): the cluster's and everything it started."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/environ").read_bytes() and int(pid) != os.getpid():
                found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("dask")
    scratch = base / "tmp"
    scratch.mkdir()
    env = _environment(scratch)
    schedfile = base / "scheduler.json"
    processes = []
    try:
        processes.append(_start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", *LOOPBACK_ONLY,
                                 "--scheduler-file", str(schedfile)], open(base / "scheduler.log", "w"), env))
        for i in range(2):
            processes.append(_start([str(DASK), "worker", "--scheduler-file", str(schedfile), "--host", "127.0.0.1",
                                     "--nworkers", "1", "--nthreads", "1", *LOOPBACK_ONLY],
                                    open(base / f"worker{i}.log", "w"), env))
        deadline = time.monotonic() + 60
        while not schedfile.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        client = distributed.Client(scheduler_file=str(schedfile), timeout=30, set_as_default=False)
        try:
            client.wait_for_workers(2, timeout=60)
            yield type("Cluster", (), {"file": schedfile, "client": client, "base": base, "scratch": scratch})
        finally:
            client.close()
    finally:
        for process in reversed(processes):
            _stop(process)
        deadline = time.monotonic() + 15  # grading processes orphaned by a killed worker stop within a second or two
        while _ours(str(scratch)) and time.monotonic() < deadline:
            time.sleep(0.3)
        left = _ours(str(scratch))
        for pid in left:
            with _quiet():
                os.kill(pid, signal.SIGKILL)
        assert not left, f"processes left running after the cluster was stopped: {left}"


def _class(folder, copies=1):
    folder.mkdir()
    for name, source in CLASS.items():
        for i in range(copies):
            stem, suffix = name.split(".")
            shutil.copy(ROOT / source, folder / (f"{stem}{i or ''}.{suffix}"))
    work = folder / "frank"  # a folder, graded as a student's workspace, with a link that leads outside it
    work.mkdir()
    shutil.copy(ROOT / "submissions" / "correct.py", work / "assignment.py")
    (work / "notes.txt").write_text("see the handout\n")
    os.symlink("/etc/hostname", work / "outside")
    return folder


def _grade_all(folder, out, *options):
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), *LIMITS, *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _reports(out):
    def untimed(document):
        return {k: v for k, v in document.items() if k not in TIMING} | {
            "checks": [{k: v for k, v in c.items() if k not in TIMING} for c in document["checks"]]}
    return {p.parent.name: untimed(json.loads(p.read_text())) for p in sorted(out.glob("*/report.json"))}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("local")
    folder = _class(base / "class")
    run = _grade_all(folder, base / "out", "--workers", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    return folder, _reports(base / "out")


def test_a_class_graded_on_the_cluster_gets_the_local_reports(dask_cluster, local_run, tmp_path):
    folder, local = local_run
    run = _grade_all(folder, tmp_path / "out", "--scheduler", str(dask_cluster.file))
    assert run.returncode == 0, run.stderr[-3000:]
    remote = _reports(tmp_path / "out")
    assert sorted(remote) == sorted(local) == sorted(["alice", "bob", "carol", "dave", "erin", "frank"])
    for name in local:
        assert remote[name] == local[name], f"{name}'s report differs between the cluster and the local pool"
    assert remote["alice"]["score"] == remote["frank"]["score"] > remote["bob"]["score"] > 0
    assert not remote["erin"]["loaded"]
    assert "graded 6 of 6 submissions" in run.stdout
    for file in ("gradebook.csv", "index.html", "alice/results.json", "alice/junit.xml", "frank/report.md"):
        assert (tmp_path / "out" / file).is_file(), file
    again = _grade_all(folder, tmp_path / "out", "--scheduler", str(dask_cluster.file))
    assert "graded 0 of 6 submissions" in again.stdout and "6 unchanged" in again.stdout


def test_doctor_lists_each_worker_of_a_scheduler(dask_cluster):
    run = subprocess.run([sys.executable, "-m", "grader", "doctor", "--scheduler", str(dask_cluster.file),
                          "--assignment", "rnn"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"cluster: {dask_cluster.file}: 2 worker(s), checked for 'rnn'" in run.stdout
    workers = [line for line in run.stdout.splitlines() if line.startswith("  tcp://127.0.0.1:")]
    assert len(workers) == 2 and all(": ok (grader " in line and "same code and fixtures" in line for line in workers)


def _busy_worker(client, deadline):
    """The address of a worker that is grading something, as soon as one is."""
    while time.monotonic() < deadline:
        for address, keys in client.processing().items():
            if any(str(k).startswith("grade-") for k in keys):
                return address
        time.sleep(0.1)
    raise AssertionError("no worker started grading")


def test_a_worker_killed_mid_batch_costs_only_a_retry(dask_cluster, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for i in range(4):
        shutil.copy(ROOT / "submissions" / "correct.py", folder / f"student{i}.py")
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(tmp_path / "out"), *LIMITS,
               "--scheduler", str(dask_cluster.file)]
    batch = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        victim = _busy_worker(dask_cluster.client, time.monotonic() + 60)
        pids = dask_cluster.client.run(os.getpid, workers=[victim])
        os.kill(pids[victim], signal.SIGKILL)  # the worker process; its nanny starts a new one
        stdout, stderr = batch.communicate(timeout=180)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    assert batch.returncode == 0, stderr[-3000:]
    assert "graded 4 of 4 submissions" in stdout
    reports = _reports(tmp_path / "out")
    assert sorted(reports) == [f"student{i}" for i in range(4)]
    assert len({json.dumps(r["checks"]) for r in reports.values()}) == 1  # every one graded in full, alike
    assert all(r["loaded"] and r["score"] >= r["max_score"] for r in reports.values())


def test_ctrl_c_keeps_finished_reports_and_the_next_run_grades_the_rest(dask_cluster, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for i in range(5):
        shutil.copy(ROOT / "submissions" / "correct.py", folder / f"student{i}.py")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), *LIMITS,
               "--scheduler", str(dask_cluster.file)]
    batch = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not list(out.glob("*/report.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        batch.send_signal(signal.SIGINT)
        stdout, _ = batch.communicate(timeout=60)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    assert batch.returncode == 130 and "run the same command again" in stdout
    kept = sorted(p.parent.name for p in out.glob("*/fingerprint.json"))
    assert 1 <= len(kept) < 5 and not (out / ".staging").exists()
    assert sorted(p.parent.name for p in out.glob("*/report.json")) == kept  # only complete folders
    again = _grade_all(folder, out, "--scheduler", str(dask_cluster.file))
    assert f"graded {5 - len(kept)} of 5 submissions" in again.stdout and f"{len(kept)} unchanged" in again.stdout


def test_a_task_on_a_worker_with_other_fixtures_is_refused_there(rnn):
    """The check inside each task, behind the pre-flight one: a worker whose fixtures changed since the batch
    checked it grades nothing (and the submission is graded again on the next run)."""
    spec = cluster.task(grade_all.Entry("alice", ROOT / "submissions" / "correct.py"), rnn, "0" * 64, FAST, False,
                        60.0)
    answer = cluster.grade_remote(spec)
    assert answer["refused"] and answer["rc"] == 2 and not answer["files"]
    assert "other fixtures for 'rnn'" in answer["stderr"] and "000000000000" in answer["stderr"]
    spec = {**spec, "manifest": cluster.manifest_hash(rnn), "code": "f" * 64}
    assert "install the same grader on every worker" in cluster.grade_remote(spec)["stderr"]


def test_a_worker_with_another_grader_version_refuses_to_grade(dask_cluster, tmp_path, monkeypatch, rnn):
    """The pre-flight check names the worker and the fix before anything is graded; nothing is written."""
    from grader import report
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(ROOT / "submissions" / "correct.py", folder / "alice.py")
    workers = report.GRADER_VERSION
    monkeypatch.setattr(report, "GRADER_VERSION", "9.9.9")  # the batch's grader is newer than the workers'
    options = grade_all.Options(scheduler=str(dask_cluster.file), progress_bar=False)
    with pytest.raises(UsageError) as refused:
        grade_all.grade_all(folder, tmp_path / "out", rnn, FAST, options)
    message = str(refused.value)
    assert f"runs grader {workers}" in message and "this machine 9.9.9" in message, message
    assert "install the same grader on every worker and restart them" in message and "\n" not in message, message
    assert not (tmp_path / "out" / "alice").exists()


@pytest.mark.timeout(300)  # against a hang; the report says the limit held
def test_the_batch_limit_on_one_submission_holds_on_the_cluster(dask_cluster, tmp_path, rnn):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "hostile" / "infinite_loop.py", folder / "carol.py")
    options = grade_all.Options(scheduler=str(dask_cluster.file), progress_bar=False, submission_seconds=1.5)
    grade_all.grade_all(folder, tmp_path / "out", rnn, FAST, options)
    document = json.loads((tmp_path / "out" / "carol" / "report.json").read_text())
    assert document["checks"][0]["status"] == "timeout" and document["seconds"] == 1.5
    assert "longer than the batch's limit of 1.5 s" in document["checks"][0]["message"]


def test_a_submission_that_kills_its_worker_twice_is_reported_not_retried(dask_cluster):
    """The scheduler (told by grade-all's connection) gives a task whose worker died one more try, then gives up;
    the batch reports that instead of waiting. os._exit stands in for a submission that ends its Dask worker."""
    client = dask_cluster.client
    cluster.connect(str(dask_cluster.file)).close()
    assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures) == 1
    entry = grade_all.Entry("mallory", Path("mallory.py"))
    checked = preflight.Checked(client, {}, {address: {"isolation": "bubblewrap"} for address in client.nthreads()})
    pool = cluster.Pool(checked, str(dask_cluster.file))
    pool.WATCH_SECONDS = float("inf")  # a bare task, not the batch's: the pool does not give it to another worker
    pool.futures[client.submit(os._exit, 1, key="grade-mallory", pure=False)] = ((entry, None), None)
    deadline, done = time.monotonic() + 90, []
    while not done and time.monotonic() < deadline:
        done = pool.finished(lambda job: None)
    assert done, "the task of a worker-killing submission never ended"
    assert "lost 2 times" in done[0].why and done[0].keep and done[0].answer is None
    client.wait_for_workers(2, timeout=60)  # the nannies start new workers


def test_a_grading_process_that_dies_is_tried_once_more(monkeypatch, rnn):
    calls = []
    monkeypatch.setattr(cluster, "_grade_here", lambda spec, source, out: calls.append(1) or {"lost": "killed"})
    spec = cluster.task(grade_all.Entry("alice", ROOT / "submissions" / "correct.py"), rnn,
                        cluster.manifest_hash(rnn), FAST, False, 60.0)
    assert cluster.grade_remote(spec)["lost"] == "killed" and len(calls) == 2


def test_an_unreachable_scheduler_is_a_one_line_error_before_grading(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(ROOT / "submissions" / "correct.py", folder / "alice.py")
    run = _grade_all(folder, tmp_path / "out", "--scheduler", f"tcp://127.0.0.1:{port}", "--assignment", "rnn")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and f"no Dask scheduler answered at 'tcp://127.0.0.1:{port}'" in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_folder_travels_with_its_links_as_links(tmp_path):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "sub" / "a.py").write_text("x = 1\n")
    os.symlink("sub/a.py", work / "inside")
    os.symlink("/etc/hostname", work / "outside")
    os.symlink("../../elsewhere", work / "sub" / "up")
    kind, payload = cluster.pack(work)
    (tmp_path / "there").mkdir()
    unpacked = cluster._unpack({"kind": kind, "payload": payload, "filename": "work"}, tmp_path / "there")
    assert sorted(str(p.relative_to(unpacked)) for p in unpacked.rglob("*")) == ["inside", "outside", "sub",
                                                                                  "sub/a.py", "sub/up"]
    assert os.readlink(unpacked / "outside") == "/etc/hostname" and os.readlink(unpacked / "sub" / "up") == \
        "../../elsewhere"
    assert (unpacked / "inside").is_symlink() and (unpacked / "inside").read_text() == "x = 1\n"
    assert grade_all.content_hash(unpacked) == grade_all.content_hash(work)


# ---- workers started wrongly on purpose ------------------------------------------------------------------------

def _venv_without_grader(folder):
    """A virtual environment that has Dask (the test's own site-packages, by a .pth path) but not the grader: what
    a worker machine has when the grader was never installed there."""
    import sysconfig
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    purelib = Path(subprocess.run([str(folder / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                   "['purelib'])"], capture_output=True, text=True, check=True).stdout.strip())
    # A path line adds the folder; the editable install's own .pth files in it are not run, so no grader.
    (purelib / "dask_only.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return folder / "bin" / "python"


def _course_with_other_fixtures(folder):
    """A copy of the course (reference/, fixtures/) whose rnn fixtures differ from this checkout's."""
    for part in ("reference", "fixtures"):
        shutil.copytree(ROOT / part, folder / part, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = folder / "fixtures" / "rnn" / "manifest.json"
    manifest.write_text(manifest.read_text().replace("{", '{"edited": "by hand",', 1))
    return folder


@pytest.fixture
def small_cluster(tmp_path):
    """A scheduler of its own, and a function that adds a worker (any Python, any folder) to it."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env, schedfile, processes = _environment(scratch), tmp_path / "scheduler.json", []

    def add_worker(python=None, cwd=ROOT):
        command = [str(python), "-m", "dask"] if python else [str(DASK)]
        processes.append(_start(command + ["worker", "--scheduler-file", str(schedfile), "--host", "127.0.0.1",
                                           "--nworkers", "1", "--nthreads", "1", *LOOPBACK_ONLY],
                                open(tmp_path / f"worker{len(processes)}.log", "w"), env, cwd))
        with distributed.Client(scheduler_file=str(schedfile), timeout=30, set_as_default=False) as client:
            client.wait_for_workers(len(processes) - 1, timeout=60)
    try:
        processes.append(_start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", *LOOPBACK_ONLY,
                                 "--scheduler-file", str(schedfile)], open(tmp_path / "scheduler.log", "w"), env))
        deadline = time.monotonic() + 60
        while not schedfile.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        yield type("Small", (), {"file": schedfile, "add_worker": add_worker})
    finally:
        for process in reversed(processes):
            _stop(process)
        for pid in _ours(str(scratch)):
            with _quiet():
                os.kill(pid, signal.SIGKILL)


def _one_line_and_nothing_written(run, out, *said):
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("grader: "), run.stderr
    for text in said:
        assert text in run.stderr, run.stderr
    assert not out.exists(), sorted(out.rglob("*"))


def test_no_worker_then_a_worker_without_the_grader_stop_the_batch_before_it_writes(small_cluster, tmp_path):
    folder = _class(tmp_path / "class")
    out = tmp_path / "out"
    run = _grade_all(folder, out, "--scheduler", str(small_cluster.file), "--wait-workers", "1",
                     "--assignment", "rnn")  # one assignment named: its line is the only one
    _one_line_and_nothing_written(run, out, "no Dask worker joined the scheduler", "within 1 s",
                                  f"dask worker --scheduler-file {small_cluster.file}")
    elsewhere = tmp_path / "elsewhere"  # not the checkout: `python -m` would find the grader in the current folder
    elsewhere.mkdir()
    small_cluster.add_worker(_venv_without_grader(tmp_path / "venv"), cwd=elsewhere)
    run = _grade_all(folder, out, "--scheduler", str(small_cluster.file), "--assignment", "rnn")
    _one_line_and_nothing_written(run, out, "the Dask worker tcp://127.0.0.1:", "can't import the grader",
                                  "No module named 'grader'", str(tmp_path / "venv" / "bin" / "python"),
                                  'pip install "rnn-grader[cluster]"')
    doctor = subprocess.run([sys.executable, "-m", "grader", "doctor", "--scheduler", str(small_cluster.file),
                             "--assignment", "rnn"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert doctor.returncode == 1 and "can't import the grader" in doctor.stdout, doctor.stdout + doctor.stderr
    assert "grading does not work here: a Dask worker differs" in doctor.stdout


def test_a_worker_with_other_fixtures_stops_the_batch_and_one_joining_later_gets_no_work(small_cluster, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    slow = (ROOT / "submissions" / "correct.py").read_text() + "\nimport time\ntime.sleep(1)\n"
    for i in range(8):  # each loads for a second: the batch is still grading when the late worker has joined
        (folder / f"student{i}.py").write_text(slow)
    small_cluster.add_worker()
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(tmp_path / "out"), *LIMITS,
               "--scheduler", str(small_cluster.file), "--assignment", "rnn"]
    batch = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90  # the late worker joins once grading has begun
        while not list((tmp_path / "out").glob("*/report.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        small_cluster.add_worker(cwd=_course_with_other_fixtures(tmp_path / "other"))
        stdout, stderr = batch.communicate(timeout=240)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    assert batch.returncode == 0, stderr[-3000:]
    assert "graded 8 of 8 submissions" in stdout
    reports = _reports(tmp_path / "out")
    assert all(r["loaded"] and r["score"] >= r["max_score"] for r in reports.values()), "a report was not graded"
    told = [line for line in stderr.splitlines() if "other fixtures for 'rnn'" in line]
    assert len(told) == 1 and str(tmp_path / "other") in told[0] and "it gets no work in this batch" in told[0], stderr
    run = _grade_all(folder, tmp_path / "again", "--scheduler", str(small_cluster.file), "--assignment", "rnn")  # now it is there at start
    _one_line_and_nothing_written(run, tmp_path / "again", "other fixtures for 'rnn'", str(tmp_path / "other"),
                                  "restart the worker")


def test_each_mismatch_is_one_line_naming_the_worker_and_the_fix():
    here = {"version": "0.1.0", "code": "a" * 64, "manifest": "b" * 64, "assignment": "rnn", "public_only": False}
    same = {**here, "isolation": "bubblewrap", "isolation_why": None, "course": "/srv/course", "cwd": "/srv/course",
            "host": "w1", "python": "/env/bin/python"}
    address = "tcp://10.0.0.7:40123"
    assert preflight.mismatch(address, same, here, "tcp://h:8786") is None
    cases = {"code": ({"code": "c" * 64}, "install the same grader on every worker"),
             "manifest": ({"manifest": "d" * 64}, "other fixtures for 'rnn' (manifest sha256 dddddddddddd in"
                                                    " /srv/course, this machine's bbbbbbbbbbbb)"),
             "import": ({"import_error": "ModuleNotFoundError: No module named 'grader'"},
                        "can't import the grader (ModuleNotFoundError"),
             "course": ({"problem": "no course in '/'"}, "can't grade the assignment (no course in '/')")}
    for name, (change, said) in cases.items():
        line = preflight.mismatch(address, {**same, **change}, here, "tcp://h:8786")
        assert line and address in line and said in line and "\n" not in line, (name, line)
    lacking = {**same, "isolation": "process", "isolation_why": "bubblewrap is not installed"}
    assert preflight.isolation_mismatch(address, lacking, "auto", {"process"}) is None  # all alike: allowed
    assert preflight.isolation_mismatch(address, lacking, "process", {"bubblewrap"}) is None
    for requested, others in (("auto", {"bubblewrap", "process"}), ("bubblewrap", {"process"})):
        line = preflight.isolation_mismatch(address, lacking, requested, others)
        assert address in line and "bubblewrap is not installed" in line and "--isolation process" in line
