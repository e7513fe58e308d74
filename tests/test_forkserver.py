"""The warm start (grader/sandbox/forkserver.py, zygote.py): each submission's sandbox is a fork of a zygote
with numpy and IPython imported, in namespaces of its own. Nothing one fork leaves (files in /tmp, its home, the
pool, /dev/shm; the environment, modules, builtins, numpy patched; a running process, a listening socket, a key
in its session keyring) is visible to another, even while the first still runs; the look that finds nothing
there finds everything in the sandbox that left it (the control). The limits hold in a fork; where the zygote
can't run, sandboxes start cold, with a one-line note and the same scores."""
import os
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import CORRECT

from grader.grade import grade
from grader.sandbox import forkserver, isolation, process, spare, wire
from grader.sandbox.limits import Limits
from grader.sandbox.process import CallTimeout, ChildDied, Sandbox, bubblewrap_problem

PROBLEM = bubblewrap_problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None or os.geteuid() != 0,
                                reason=f"the warm start needs bubblewrap and root: {PROBLEM or 'not root'}")
LIMITS = Limits(isolation="bubblewrap", call_seconds=5.0, grace_seconds=0.3)
KINDS = {"/tmp", "home", "work's parent", "/dev/shm", "pool", "environment", "module", "builtin",
         "numpy attribute", "numpy patched", "process", "abstract socket", "loopback port", "session key"}

LEAVE = '''
import builtins, ctypes, os, socket, subprocess, sys, time, types
MARK, PORT = "{mark}", {port}
for path in ("/tmp/" + MARK, os.path.expanduser("~/" + MARK), "/dev/shm/" + MARK, os.path.join(os.getcwd(), "..", MARK),
             "/sandbox/pool/" + MARK):
    try:
        open(path, "w").write("left behind")
    except OSError:
        pass
os.environ[MARK] = "left behind"
sys.modules[MARK] = types.ModuleType(MARK)
setattr(builtins, MARK, "left behind")
import numpy
numpy.LEFT = MARK
numpy.dot = lambda *args: MARK
DAEMON = """
import socket, sys, time
unix, tcp = socket.socket(socket.AF_UNIX), socket.socket()
unix.bind("\\\\0" + sys.argv[1]); unix.listen()
tcp.bind(("127.0.0.1", int(sys.argv[2]))); tcp.listen()
time.sleep(60)
"""
subprocess.Popen([sys.executable, "-c", DAEMON, MARK, str(PORT)], start_new_session=True)
ctypes.CDLL(None).syscall(248, b"user", MARK.encode(), b"left", 4, -3)  # add_key to the session keyring
for _ in range(100):  # until the daemon listens
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
        break
    except OSError:
        time.sleep(0.05)
'''

LOOK = '''
def look():
    import builtins, ctypes, os, socket, sys
    mark, port, found = "{mark}", {port}, []
    if "{other}" and os.path.exists("/sandbox/pool/{other}/work/submission.py"):  # a fork's work, by its name
        found.append("another's work")
    for kind, path in (("/tmp", "/tmp/"), ("home", os.path.expanduser("~/")), ("/dev/shm", "/dev/shm/"),
                       ("work's parent", os.path.join(os.getcwd(), "..") + "/"), ("pool", "/sandbox/pool/")):
        if os.path.exists(path + mark):
            found.append(kind)
    found += [kind for kind, there in (("environment", mark in os.environ), ("module", mark in sys.modules),
                                       ("builtin", hasattr(builtins, mark))) if there]
    import numpy
    found += ["numpy attribute"] if getattr(numpy, "LEFT", None) == mark else []
    found += ["numpy patched"] if numpy.dot(1, 1) == mark else []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = open(f"/proc/{{pid}}/cmdline").read()
        except OSError:
            continue
        found += ["process"] if mark in command else []
        # a fork's own processes (its first one, itself) were forked from the zygote and show its command line
        found += ["zygote"] if "zygote.py" in command and int(pid) not in (1, os.getpid()) else []
    for kind, family, address in (("abstract socket", socket.AF_UNIX, "\\0" + mark),
                                  ("loopback port", socket.AF_INET, ("127.0.0.1", port))):
        try:
            socket.socket(family).connect(address)
            found.append(kind)
        except OSError:
            pass
    if ctypes.CDLL(None).syscall(250, 10, -3, b"user", mark.encode(), 0) >= 0:  # keyctl search, session keyring
        found.append("session key")
    capabilities = [line.split()[1] for line in open("/proc/self/status") if line.startswith(("CapEff", "CapPrm",
                                                                                               "CapBnd"))]
    found += ["capabilities"] if set(capabilities) != {{"0000000000000000"}} else []
    return sorted(set(found))
'''


@pytest.fixture
def zygote():
    forkserver.enable()
    yield
    forkserver.discard()
    forkserver._state.update(on=False, failed=None, notebooks="plotting")


def forked(source, limits=LIMITS, warm=None):
    """A sandbox forked from the zygote for `limits` (and `warm`, spare.warm_kind), with `source` loaded as its
    module."""
    pool = forkserver.pool_for(limits, None, None)
    assert pool is not None, forkserver._state["failed"]
    scratch = pool / f"grader-{secrets.token_hex(4)}"
    (scratch / "work").mkdir(parents=True)
    (scratch / "work" / "submission.py").write_text(source)
    sandbox = Sandbox(scratch, limits, warm=warm)
    sandbox.start()
    assert type(sandbox.process).__name__ == "Forked"
    answer = sandbox.request({"op": "load", "kind": "module", "entry": "submission.py"}, 30)
    assert answer.get("error") is None, answer["error"]
    return sandbox


def call(sandbox, function, seconds=5.0):
    answer = sandbox.request({"op": "call", "function": function, "args": wire.encode([]),
                              "kwargs": wire.encode({}), "substitute": []}, seconds)
    if answer["op"] == "raised":
        return answer["error"]["type"]
    return wire.decode(answer["value"])


def marked():
    return "warm" + secrets.token_hex(4), 20000 + secrets.randbelow(30000)


def leaving_and_looking(tmp_path):
    """(mark, a right submission that leaves a daemon marked `mark` running, one that asserts it sees nothing of it)."""
    mark, port = marked()
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text(CORRECT + LEAVE.format(mark=mark, port=port))
    second.write_text(CORRECT + LOOK.format(mark=mark, port=port, other="") + "\nassert look() == [], look()\n")
    return mark, first, second


def left_running(mark):
    """Host pids of processes whose command line holds `mark`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            found += [pid] if mark.encode() in open(f"/proc/{pid}/cmdline", "rb").read() else []
        except OSError:
            pass
    return found


def test_the_look_finds_everything_in_the_fork_that_left_it(zygote):
    """The control: each probe of the look can find what it looks for."""
    mark, port = marked()
    sandbox = forked(LEAVE.format(mark=mark, port=port) + LOOK.format(mark=mark, port=port, other=""))
    try:
        assert set(call(sandbox, "look")) == KINDS - {"/dev/shm", "work's parent", "pool"}  # read-only there
    finally:
        sandbox.stop()


def test_a_python_environment_under_tmp_stays_visible_in_a_fork(zygote, monkeypatch):
    """A checkout or venv under /tmp (a CI's clone) is bound into the zygote's sandbox; a fork's own /tmp must not
    hide it (numpy's lazily imported submodules live there)."""
    folder = tempfile.mkdtemp(prefix="grader-env-", dir="/tmp")
    os.chmod(folder, 0o755)  # as a clone is: the sandbox's user reads it
    try:
        (Path(folder) / "under_tmp.py").write_text("VALUE = 'found'\n")
        bound = isolation.python_folders()
        monkeypatch.setattr(isolation, "python_folders", lambda: bound + [folder])
        sandbox = forked(f"def f():\n    import sys\n    sys.path.insert(0, {folder!r})\n    import under_tmp\n"
                         f"    return under_tmp.VALUE\n")
        try:
            assert call(sandbox, "f") == "found"
        finally:
            sandbox.stop()
    finally:
        shutil.rmtree(folder)


IMPORTED = ("def imported():\n    import sys\n"
            "    return sorted(m for m in ('IPython', 'matplotlib') if m in sys.modules)\n")


def test_a_notebooks_zygote_imports_matplotlib_unless_told_the_class_does_not_name_it(zygote):
    """A batch whose notebooks don't name matplotlib (spare.plotting_in) forks them from a zygote with the notebook's
    shell imported and not matplotlib, whose import is most of its boot; untold, a notebook's zygote imports it."""
    seen = {}
    for told in (None, False):
        if told is not None:
            forkserver.discard()
            forkserver.plotting(told)
        sandbox = forked(IMPORTED, warm="notebook")
        try:
            seen[told] = call(sandbox, "imported")
        finally:
            sandbox.stop()
    assert seen == {None: ["IPython", "matplotlib"], False: ["IPython"]}


@pytest.mark.timeout(300)
def test_a_notebook_that_plots_forked_from_a_zygote_without_matplotlib_is_graded_as_from_one_with_it(tmp_path, rnn,
                                                                                                    zygote):
    """A notebook of the class that imports matplotlib all the same (the look missed it) imports it in its fork:
    the same scores and the same figure as from a zygote that imported it."""
    from test_notebooks import FUNCTIONS, IMPORTS, write_notebook
    plots = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"
    path = write_notebook(tmp_path / "plots.ipynb", [IMPORTS, "%matplotlib inline", *FUNCTIONS.values(), plots])
    spare.enable()
    graded = {}
    try:
        for told in (True, False):
            forkserver.discard()
            forkserver.plotting(told)
            graded[told] = grade(path, rnn, LIMITS)
    finally:
        spare.discard()
        spare._spare["on"] = False
    for each in graded.values():
        assert type(each.load_error) is type(None), each.load_error
        assert any("image/png" in str(run.outputs) for run in each.cells), [run.outputs for run in each.cells]
    assert [(r.id, r.status, r.points) for r in graded[False].results] == \
        [(r.id, r.status, r.points) for r in graded[True].results]



RESEEDED = ("def state():\n    import gc, numpy\n"
            "    return [any(o is numpy.random.__dict__ for o in gc.get_objects()), float(numpy.random.random())]\n")


def test_numpys_random_module_that_each_fork_reseeds_is_imported_once_in_the_zygote(zygote):
    """Each fork reseeds numpy's global random state before its student's code (zygote._become_child): its module is
    imported in the zygote (and frozen out of the collector with the rest of a notebook zygote's imports), not in
    each fork (8 ms of its CPU); two forks still draw different numbers."""
    states = []
    for _ in range(2):
        sandbox = forked(RESEEDED, warm="notebook")
        try:
            states.append(call(sandbox, "state"))
        finally:
            sandbox.stop()
    assert [walked for walked, _ in states] == [False, False] and states[0][1] != states[1][1], states

def test_a_fork_sees_nothing_of_another_one_running_or_ended(zygote):
    mark, port = marked()
    first = forked(LEAVE.format(mark=mark, port=port))
    try:
        assert left_running(mark)  # its daemon is there
        second = forked(LOOK.format(mark=mark, port=port, other=first.scratch.name))
        assert call(second, "look") == []  # while the first one still runs
        second.stop()
    finally:
        first.stop()
    assert not left_running(mark)  # its daemon died with it
    third = forked(LOOK.format(mark=mark, port=port, other=first.scratch.name))
    try:
        assert call(third, "look") == []
    finally:
        third.stop()


LIMITED = '''
import os, sys, time
def spin():
    while True:
        pass
def big():
    return len(bytearray(3 * 2**30))
def bomb():
    children = []
    try:
        while len(children) < 100:
            pid = os.fork()
            if pid == 0:
                time.sleep(5)
                os._exit(0)
            children.append(pid)
    except OSError:
        pass
    for pid in children:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return len(children)
def flood():
    sys.stdout.write("x" * 100000)
    sys.stdout.flush()
    return 1
'''


def test_a_fork_keeps_the_submissions_limits(zygote):
    mark, _ = marked()
    daemon = f"\nimport subprocess\nsubprocess.Popen(['sleep', '60', '{mark}'], start_new_session=True)\n"
    limits = Limits(isolation="bubblewrap", call_seconds=1.0, memory_mb=512, processes=8, output_bytes=1000,
                    cpu_seconds=2, grace_seconds=0.3)
    sandbox = forked(LIMITED + daemon, limits)
    try:
        assert call(sandbox, "big") == "MemoryError"
        assert call(sandbox, "bomb") < 8
        assert call(sandbox, "flood") == 1
        started = time.monotonic()
        with pytest.raises(CallTimeout):
            call(sandbox, "spin", seconds=limits.call_seconds)
        assert time.monotonic() - started < 3 and not sandbox.alive
        assert not left_running(mark)  # what it started died with it
        out, _ = sandbox.output()
        assert out.startswith("x" * 1000) and "more bytes not kept" in out and len(out) < 1100
    finally:
        sandbox.stop()
    sandbox = forked(LIMITED, limits)  # the CPU time limit: the fork's own, not the zygote's
    try:
        with pytest.raises(ChildDied, match="SIGXCPU|SIGKILL"):
            call(sandbox, "spin", seconds=20)
    finally:
        sandbox.stop()


def test_a_batch_grades_each_submission_in_a_fork_made_ahead_with_the_scores_of_a_cold_start(tmp_path, rnn, zygote,
                                                                                              monkeypatch):
    """A batch's next sandbox is forked while the checks of the submission before it run (spare.prepare), and
    sees nothing of that one (LOOK)."""
    mark, first, second = leaving_and_looking(tmp_path)
    cold = grade(second, rnn, LIMITS)
    spare.enable()
    forks, taken = [], []
    fork, scratch_for = forkserver.ForkServer.fork, spare.scratch_for
    monkeypatch.setattr(forkserver.ForkServer, "fork", lambda server, sandbox: forks.append(
        threading.current_thread().name) or fork(server, sandbox))
    monkeypatch.setattr(spare, "scratch_for", lambda *args: taken.append(scratch_for(*args)) or taken[-1])
    try:
        grade(first, rnn, LIMITS)
        graded = grade(second, rnn, LIMITS)
    finally:
        spare.discard()
        spare._spare["on"] = False
    assert forks == ["MainThread", "spare-fork", "spare-fork"]  # the first's; the second's and a third, made ahead
    assert taken[0][1] is None and taken[1][1] is not None and spare._spare["sandbox"] is None
    assert graded.load_error is None, graded.load_error["message"]
    assert graded.isolation == "bubblewrap"
    assert [(r.id, r.points) for r in graded.results] == [(r.id, r.points) for r in cold.results]


def test_a_spare_forked_for_a_module_is_not_taken_by_a_notebook(tmp_path, rnn, zygote):
    """The spare made while a module is graded is a fork of the module's zygote; the notebook after it runs in a
    fork of the notebook's zygote (matplotlib imported ahead), as without a spare (spare.fits)."""
    from test_notebooks import FUNCTIONS, IMPORTS, write_notebook
    module = tmp_path / "module.py"
    module.write_text(CORRECT)
    looks = "import sys\nprint('matplotlib' in sys.modules)"
    notebook = write_notebook(tmp_path / "looks.ipynb", [looks, IMPORTS, *FUNCTIONS.values()])
    spare.enable()
    try:
        grade(module, rnn, LIMITS)
        waiting = spare._spare["sandbox"]
        graded = grade(notebook, rnn, LIMITS)
    finally:
        spare.discard()
        spare._spare["on"] = False
    assert waiting is not None and waiting.warm == "module" and not waiting.alive
    assert graded.load_error is None and graded.cells[0].outputs[0]["text"] == "True\n", graded.cells[0].outputs
    assert all(r.status == "passed" for r in graded.results if not r.optional)


def test_where_the_zygote_cant_start_sandboxes_start_cold_with_a_note(tmp_path, rnn, zygote, monkeypatch, capsys):
    """Without CAP_SYS_ADMIN in its sandbox, the zygote can't uncover /proc (as where a kernel refuses)."""
    command = isolation.bubblewrap_command
    monkeypatch.setattr(isolation, "bubblewrap_command", lambda *args, caps=(), **kwargs: command(*args, **kwargs))
    source = tmp_path / "correct.py"
    source.write_text(CORRECT)
    spare.enable()
    try:
        graded = [grade(source, rnn, LIMITS) for _ in range(2)]
    finally:
        spare.discard()
        spare._spare["on"] = False
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and said[0].startswith("grader: no warm start (the zygote did not start: ")
    assert said[0].endswith("each submission's sandbox starts cold")
    for each in graded:
        assert each.isolation == "bubblewrap" and all(r.status == "passed" for r in each.results)


@pytest.mark.timeout(300)
def test_hanging_cells_of_a_notebook_are_interrupted_in_a_fork_as_in_a_cold_sandbox(tmp_path, rnn, zygote,
                                                                                     monkeypatch):
    """A cell that hangs gets SIGINT (through the fork's first process), one that ignores it is stopped, and the
    notebook is replayed without them in a new fork; the report is the one tests/test_notebooks.py expects."""
    from test_notebooks import HANGING, HANGS, cells_by_number, graded_report, write_notebook
    forks = []
    fork = forkserver.ForkServer.fork
    monkeypatch.setattr(forkserver.ForkServer, "fork", lambda server, sandbox: forks.append(1) or fork(server, sandbox))
    path = write_notebook(tmp_path / "hangs.ipynb", HANGING)
    spare.enable()
    try:
        graded, document = graded_report(path, rnn, Limits(**{**HANGS.__dict__, "isolation": "bubblewrap"}))
    finally:
        spare.discard()
        spare._spare["on"] = False
    assert len(forks) >= graded.restarts + 2  # the first load, the load after the ignored interrupt, the restarts
    failed = cells_by_number(document)
    assert sorted(failed) == [3, 5]
    assert failed[3]["status"] == "timeout" and "was interrupted (KeyboardInterrupt)" in failed[3]["message"]
    assert failed[5]["status"] == "timeout" and "did not stop when interrupted" in failed[5]["message"]
    scores = {c["function"]: c["points"] for c in document["checks"] if c["function"]}
    assert scores["rnn_backward"] == 0 and document["score"] > 0
    assert next(c for c in document["checks"] if c["function"] == "rnn_backward")["status"] == "timeout"


@pytest.mark.warm_start
def test_a_process_that_grades_again_forks_the_next_sandbox_from_a_zygote_that_saw_nothing(tmp_path, rnn,
                                                                                           monkeypatch):
    """grade() in a process (the API's way, no batch): the first grading starts cold and boots a zygote beside its
    checks (forkserver.prestart); the next ones are forked from it, in namespaces of their own: one finds nothing
    that the one before it left, and gets the scores of a cold start."""
    mark, port = marked()
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    plain = tmp_path / "plain.py"
    plain.write_text(CORRECT)
    first.write_text(CORRECT + LEAVE.format(mark=mark, port=port))
    second.write_text(CORRECT + LOOK.format(mark=mark, port=port, other="") + "\nassert look() == [], look()\n")
    forkserver.discard()
    forkserver._state.update(on=False, failed=None)
    forks = []
    fork = forkserver.ForkServer.fork
    monkeypatch.setattr(forkserver.ForkServer, "fork", lambda server, sandbox: forks.append(1) or fork(server, sandbox))
    monkeypatch.setattr(process.Sandbox, "forks", None)
    try:
        cold = grade(plain, rnn, LIMITS)  # (a cold sandbox keeps bubblewrap's bounding set: look() would say so)
        assert forks == [] and forkserver._state["on"], "the first grading starts cold and boots a zygote"
        grade(first, rnn, LIMITS)
        graded = grade(second, rnn, LIMITS)
    finally:
        forkserver.discard()
        forkserver._state.update(on=False, failed=None)
    assert forks == [1, 1]
    assert graded.load_error is None, graded.load_error["message"]
    assert graded.isolation == "bubblewrap"
    assert [(r.id, r.status) for r in graded.results] == [(r.id, r.status) for r in cold.results]
    assert left_running(mark) == []  # the daemon the first submission started ended with its sandbox


@pytest.mark.warm_start
def test_the_command_lines_one_submission_boots_no_zygote(tmp_path, rnn, monkeypatch):
    from grader.sandbox import ahead
    source = tmp_path / "correct.py"
    source.write_text(CORRECT)
    forkserver.discard()
    forkserver._state.update(on=False, failed=None)
    monkeypatch.setattr(process.Sandbox, "forks", None)
    ahead.start(LIMITS, rnn.provided, "module")
    try:
        graded = grade(source, rnn, LIMITS)
        assert not forkserver._state["on"] and not forkserver._state["booting"] and not forkserver._state["servers"]
    finally:
        forkserver.discard()
        forkserver._state.update(on=False, failed=None)
    assert all(r.status == "passed" for r in graded.results)


@pytest.mark.warm_start
def test_a_callers_scratch_folder_is_left_empty_after_the_process_has_a_zygote(tmp_path, rnn, monkeypatch):
    """grade(scratch_root=...) after a grading that booted a zygote (the API's second call, a test after another):
    the pool and the zygote's folder are not made in the caller's folder, which a grading leaves empty."""
    source, scratch = tmp_path / "correct.py", tmp_path / "scratch"
    source.write_text(CORRECT)
    scratch.mkdir()
    forkserver.discard()
    forkserver._state.update(on=False, failed=None)
    monkeypatch.setattr(process.Sandbox, "forks", None)
    try:
        grade(source, rnn, LIMITS)
        assert forkserver._state["on"], "the first grading boots a zygote for the next"
        graded = grade(source, rnn, LIMITS, scratch_root=scratch)
        assert list(scratch.iterdir()) == [], "the caller's scratch folder was not left empty"
    finally:
        forkserver.discard()
        forkserver._state.update(on=False, failed=None)
    assert all(r.status == "passed" for r in graded.results)
