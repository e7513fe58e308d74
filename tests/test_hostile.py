"""Hostile submissions (tests/hostile/): for each, grading ends in bounded time, the report tells the truth, nothing
outside the scratch folder changed, and no process it started is left.

The hostile files hold placeholders (@MARK@, @REPO@, @OUT@, ...) that the test fills in: MARK is a fresh token
that every file, process and thread they leave behind carries in its name, so that survivors can be found. The
tests that attack the project, the report folder or the network only run in bubblewrap (forced, so that a broken
sandbox fails the test rather than falling back to process isolation and doing the damage).
"""
import functools
import hashlib
import json
import os
import re
import secrets
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from conftest import CORRECT, ROOT, by_function, full_marks

from grader import cli, errors, report
from grader.grade import grade
from grader.report import SCHEMA
from grader.sandbox import isolation as isolations
from grader.sandbox import limits as limits_module
from grader.sandbox import process as sandbox
from grader.sandbox import wire
from grader.sandbox.limits import Limits
from grader.sandbox.process import bubblewrap_problem

HOSTILE = ROOT / "tests" / "hostile"
SHORT = Limits(call_seconds=1.0, load_seconds=5.0, cell_seconds=2.0, cpu_seconds=30, memory_mb=512, file_mb=8,
               processes=32, output_bytes=4096, grace_seconds=0.3, isolation="bubblewrap")
PROBLEM = bubblewrap_problem()
needs_bubblewrap = pytest.mark.skipif(PROBLEM is not None, reason=f"no working bubblewrap here: {PROBLEM}")
BOTH = [pytest.param("bubblewrap", marks=needs_bubblewrap), "process"]
BUBBLEWRAP = [pytest.param("bubblewrap", marks=needs_bubblewrap)]  # the same code path in process isolation
BEST = "bubblewrap" if PROBLEM is None else "process"  # for what holds in both
# The project's files that hostile code tries to change; with reference/ and fixtures/, they must stay as they are.
PROJECT_FILES = ["grader/checks/compare.py", "Makefile"]
OTHER_REPORT = '{"score": 3, "note": "another student\'s report"}\n'


def limits(isolation="bubblewrap", **changes):
    return Limits(**{**SHORT.__dict__, "isolation": isolation, **changes})


class Attack:
    """One hostile submission's grading, and the checks that it left nothing behind."""

    def __init__(self, tmp_path, rnn):
        self.tmp, self.rnn = tmp_path, rnn
        self.mark = "hz" + secrets.token_hex(5)  # short enough for a thread's name (15 bytes)
        self.out = tmp_path / "out" / "student"
        self.other = tmp_path / "out" / "other-student" / "report.json"
        self.other.parent.mkdir(parents=True)
        self.other.write_text(OTHER_REPORT)
        self.scratch = tmp_path / "scratch"
        self.scratch.mkdir()
        self.values = {"MARK": self.mark, "REPO": str(ROOT), "OUT": str(self.out)}

    def render(self, name, before="", **values):
        """The hostile file with its placeholders filled in, after `before` (a correct submission, say)."""
        text = (HOSTILE / name).read_text()
        for key, value in {**self.values, **values}.items():
            text = text.replace(f"@{key}@", str(value))
        assert not re.search(r"@[A-Z_]+@", text), f"a placeholder of {name} was not filled in"
        path = self.tmp / "submissions" / Path(name).name
        path.parent.mkdir(exist_ok=True)
        path.write_text(before + "\n" + text)
        return path

    def grade(self, name, limits=SHORT, before="", **values):
        """Grade the hostile file; returns the report (also written to self.out), after checking containment."""
        path = self.render(name, before, **values) if not name.endswith(".ipynb") else name
        project = _project_hashes()
        try:
            graded = grade(path, self.rnn, limits, scratch_root=self.scratch)
        finally:
            changed = _restore_changed(project, self.mark)
        document = report.build(graded, self.rnn, limits)
        report.write(document, self.out)
        jsonschema.validate(document, json.loads(SCHEMA.read_text()))
        assert not changed, f"the submission changed the project's files {changed}"
        self.check_contained(document)
        self.graded = graded
        return document

    def check_contained(self, document):
        assert json.loads((self.out / "report.json").read_text()) == document
        assert sorted(p.name for p in self.out.iterdir()) == ["report.json", "report.md"]
        assert self.other.read_text() == OTHER_REPORT
        assert list(self.scratch.iterdir()) == [], "the scratch folder was not removed"
        assert _files_named(self.mark) == [], "the submission left files outside its scratch folder"
        assert _survivors(self.mark) == [], "processes or threads of the submission are still running"

    def output(self, document):
        return document["output"]["stdout"] + document["output"]["stderr"]


def _project_hashes():
    files = [ROOT / f for f in PROJECT_FILES] + sorted((ROOT / "reference").rglob("*.py")) + sorted(
        p for p in (ROOT / "fixtures").rglob("*") if p.is_file())
    return {f: (f.read_bytes(), f.stat().st_mode) for f in files}


def _restore_changed(saved, mark):
    """The project's files that the submission changed, put back as they were (a failed test must leave no damage).

    What the hostile files write holds `mark`; a change without it is a teammate's edit, and is left alone."""
    changed = []
    for path, (data, mode) in saved.items():
        now = path.read_bytes()
        if now != data and mark.encode() in now:
            changed.append(str(path.relative_to(ROOT)))
            path.write_bytes(data)
        if path.stat().st_mode != mode:
            changed.append(f"{path.relative_to(ROOT)} (mode)")
            os.chmod(path, mode)
    return changed


def _files_named(mark):
    """Files whose name holds `mark` in the places a submission could write to: project, /tmp, home."""
    found = [str(p) for p in Path("/tmp").glob(f"*{mark}*")]
    found += [str(p) for p in Path.home().glob(f"*{mark}*")]
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", "__pycache__")]
        found += [os.path.join(folder, f) for f in files + dirs if mark in f]
    return found


def _survivors(mark, seconds=1.0):
    """Processes and threads whose command line or name holds `mark` (waiting a moment for the kernel)."""
    deadline = time.monotonic() + seconds
    while True:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                text = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                text += " ".join(Path(f"/proc/{pid}/task/{t}/comm").read_text() for t in os.listdir(f"/proc/{pid}/task"))
            except OSError:
                continue
            if mark in text:
                found.append(f"{pid}: {text[:120]}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture
def attack(tmp_path, rnn):
    return Attack(tmp_path, rnn)


def checks(document, function=None):
    return {c["id"]: c for c in document["checks"] if function is None or c["function"] == function}


def first_check(document, function):
    return checks(document, function)[f"{function}.structure"]


def assert_only_loads(document):
    """The submission loaded; every function it doesn't define fails as not defined."""
    assert document["loaded"], document["checks"][0]["message"]
    for check in document["checks"][1:]:
        assert check["points"] == 0


# --- Limits: time, signals, memory, exits, output, input ---------------------------------------------------------

@pytest.mark.timeout(300)  # against a hang: how fast is the benchmarks' question
@pytest.mark.parametrize("isolation", BUBBLEWRAP)
def test_an_infinite_loop_is_stopped_at_its_limit(attack, isolation):
    document = attack.grade("infinite_loop.py", limits(isolation))
    assert document["isolation"] == isolation
    assert first_check(document, "rnn_cell_forward")["status"] == "timeout"
    assert "ran past its 1 s limit" in first_check(document, "rnn_cell_forward")["message"]
    assert_only_loads(document)


@pytest.mark.timeout(300)  # against a hang: how fast is the benchmarks' question
@pytest.mark.parametrize("isolation", BOTH)
def test_a_function_that_ignores_sigterm_and_sigint_is_killed(attack, isolation):
    document = attack.grade("ignores_sigterm.py", limits(isolation))
    assert first_check(document, "rnn_cell_forward")["status"] == "timeout"
    assert all(c["status"] == "skipped" for c in checks(document, "rnn_cell_forward").values()
               if not c["id"].endswith(".structure"))


@needs_bubblewrap
def test_memory_growth_ends_in_a_memory_error_or_a_timeout(attack):
    # A call limit that filling 512 MB never reaches, even on a busy machine: rnn_forward must end in MemoryError.
    document = attack.grade("memory_growth.py", limits(call_seconds=10.0))
    assert first_check(document, "rnn_cell_forward")["status"] == "timeout"
    assert "MemoryError" in first_check(document, "rnn_forward")["message"]
    filled = first_check(document, "lstm_cell_forward")["message"]
    assert "wrote 8 MB into /tmp" in filled or "wrote 7 MB into /tmp" in filled, filled
    assert "File too large" in attack.output(document) or "No space left" in attack.output(document)


@pytest.mark.parametrize("isolation", BOTH)
@pytest.mark.parametrize("name,says", [("exit_at_import_sys.py", "SystemExit"),
                                       ("exit_at_import_os.py", "ended (exit status 0)")])
def test_leaving_at_import_is_a_load_error(attack, isolation, name, says):
    document = attack.grade(name, limits(isolation))
    assert not document["loaded"] and document["score"] == 0
    assert says in document["checks"][0]["message"]
    assert all(c["status"] == "skipped" for c in document["checks"][1:])


@pytest.mark.parametrize("isolation", BOTH)
def test_leaving_inside_a_function_costs_that_function_only(attack, isolation):
    document = attack.grade("exit_in_function.py", limits(isolation))
    said = {f: first_check(document, f)["message"] for f in
            ("rnn_cell_forward", "rnn_forward", "lstm_cell_forward", "lstm_forward")}
    assert "raised SystemExit" in said["rnn_cell_forward"]
    assert "ended its sandbox" in said["rnn_forward"] and "exit status 0" in said["rnn_forward"]
    assert "raised KeyboardInterrupt" in said["lstm_cell_forward"]
    assert "killed by SIGKILL" in said["lstm_forward"]
    assert attack.graded.restarts >= 2


@pytest.mark.parametrize("isolation", BUBBLEWRAP)
def test_output_floods_are_cut_to_the_limit(attack, isolation):
    document = attack.grade("flood_output.py", limits(isolation))
    for stream in ("stdout", "stderr"):
        text = document["output"][stream]
        assert len(text) < 4096 + 100 and "more bytes not kept]" in text
        assert int(text.rsplit("[... ", 1)[1].split()[0]) > 2 * 10**6  # the flood was counted, not kept
    assert first_check(document, "rnn_cell_forward")["status"] == "timeout"
    assert first_check(document, "rnn_forward")["status"] == "timeout"


@pytest.mark.timeout(300)  # against a hang: how fast is the benchmarks' question
def test_a_slow_import_is_stopped_at_the_load_limit(attack):
    document = attack.grade("slow_import.py", limits(load_seconds=2.0))
    assert not document["loaded"]
    assert "took longer than 2 s" in document["checks"][0]["message"]


@pytest.mark.timeout(300)  # against a hang: how fast is the benchmarks' question
def test_reading_standard_input_gets_end_of_file_at_once(attack):
    document = attack.grade("reads_stdin.py")
    assert "standard input at import: ''" in document["output"]["stdout"]
    assert "EOFError" in first_check(document, "rnn_cell_forward")["message"]
    assert "os.read(0) gave b''" in first_check(document, "rnn_forward")["message"]


@pytest.mark.timeout(300)  # against a hang: how fast is the benchmarks' question
@pytest.mark.parametrize("isolation", BOTH)
def test_cpu_time_is_limited(attack, isolation):
    document = attack.grade("infinite_loop.py", limits(isolation, cpu_seconds=2, call_seconds=20.0))
    message = first_check(document, "rnn_cell_forward")["message"]
    assert "killed by SIGXCPU" in message or "killed by SIGKILL" in message, message


@pytest.mark.parametrize("isolation", BOTH)
def test_file_size_is_limited(attack, isolation):
    paths = ["big.bin", "/tmp/big.bin"] if isolation == "bubblewrap" else ["big.bin"]
    document = attack.grade("big_file.py", limits(isolation), PATHS=paths)
    said = attack.output(document)
    assert "big.bin: 8 MB, then: [Errno 27] File too large" in said
    if isolation == "bubblewrap":  # /tmp is private, and holds file_mb in all
        assert "/tmp/big.bin: 8 MB, then: [Errno 27] File too large" in said


@needs_bubblewrap
def test_processes_are_limited_and_a_fork_bomb_leaves_nothing(attack):
    document = attack.grade("fork_bomb.py", limits(processes=16))
    message = first_check(document, "rnn_cell_forward")["message"]
    count = int(message.split("forked ")[1].split()[0])
    assert 0 < count < 16, message
    assert "Resource temporarily unavailable" in document["output"]["stdout"]


@pytest.mark.parametrize("isolation", BOTH)
def test_background_processes_and_threads_die_with_the_sandbox(attack, isolation):
    document = attack.grade("background.py", limits(isolation))
    assert document["isolation"] == isolation
    assert first_check(document, "rnn_cell_forward")["status"] == "failed"


# --- Values: nothing the child makes reaches a comparison --------------------------------------------------------

def _verdicts(document):
    return [(c["id"], c["status"], c["points"]) for c in document["checks"]]


CALM = limits(call_seconds=3.0)  # two gradings compared: no call may time out in one and not the other


def value_points(document, function):
    """Points a function earned on its values: all but the structure check, which right shapes earn."""
    return sum(c["points"] for c in document["checks"]
               if c["function"] == function and not c["id"].endswith(".structure"))


def test_monkeypatching_numpy_comparisons_does_not_help(attack):
    patched = attack.grade("patches_numpy.py", CALM, PATCH=True)
    plain = attack.grade("patches_numpy.py", CALM, PATCH=False)
    assert _verdicts(patched) == _verdicts(plain)
    assert value_points(patched, "rnn_cell_forward") == 0
    assert [c["message"] for c in patched["checks"]] == [c["message"] for c in plain["checks"]]


def test_objects_with_their_own_comparisons_or_reduce_do_not_help(attack):
    lying = attack.grade("lying_objects.py", CALM, LIE=True)
    plain = attack.grade("lying_objects.py", CALM, LIE=False)
    assert _verdicts(lying) == _verdicts(plain)
    assert value_points(lying, "rnn_cell_forward") == value_points(lying, "rnn_forward") == 0
    assert "Liar object kept in the sandbox" in first_check(lying, "rnn_cell_forward")["message"]
    # the ndarray subclass crossed as its plain values, so it failed exactly as the plain values did
    assert first_check(lying, "rnn_forward")["message"] == first_check(plain, "rnn_forward")["message"]


@pytest.mark.timeout(300)  # against a hang: how fast is the benchmarks' question
def test_a_broadcast_view_of_astronomical_shape_is_refused_cheaply(attack):
    document = attack.grade("huge_broadcast.py")
    for function in ("rnn_cell_forward", "rnn_forward"):
        check = first_check(document, function)
        assert check["status"] == "failed" and "can't accept" in check["message"], check["message"]
        assert "elements" in check["message"]


def test_forged_protocol_messages_are_refused(attack):
    document = attack.grade("forged_messages.py")
    said = {f: first_check(document, f) for f in ("rnn_cell_forward", "rnn_forward", "lstm_cell_forward",
                                                  "lstm_forward", "rnn_cell_backward", "rnn_backward",
                                                  "lstm_cell_backward")}
    assert "broke the protocol" in said["rnn_cell_forward"]["message"]
    assert "broke the protocol" in said["rnn_forward"]["message"]
    assert "dtype '|O' may not cross" in said["lstm_cell_forward"]["message"]
    assert "elements" in said["lstm_forward"]["message"]
    assert "int64" in said["rnn_cell_backward"]["message"]
    assert "broke the protocol" in said["rnn_backward"]["message"]
    assert "broke the protocol: malformed array bytes" in said["lstm_cell_backward"]["message"]
    assert document["score"] == 0


# --- Containment: the project, the reports, the network, other processes ----------------------------------------

@needs_bubblewrap
def test_the_network_is_out_of_reach_loopback_included(attack):
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind("\0" + attack.mark)
    unix.listen()
    with tcp, udp, unix:
        document = attack.grade("network.py", PORT=tcp.getsockname()[1], UDP_PORT=udp.getsockname()[1],
                                ABSTRACT=attack.mark)
        for listener in (tcp, udp, unix):
            listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            tcp.accept()
        with pytest.raises(BlockingIOError):
            udp.recv(100)
        with pytest.raises(BlockingIOError):
            unix.accept()
    said = document["output"]["stdout"]
    assert "NET-OK" not in said
    for what in ("tcp loopback", "udp loopback", "abstract unix socket", "tcp public", "dns"):
        assert said.count(f"NET-FAILED {what}") == 2, said  # at import and in the first call


@needs_bubblewrap
def test_the_reference_the_fixtures_and_the_reports_are_out_of_sight(attack):
    document = attack.grade("reads_secrets.py")
    said = document["output"]["stdout"]
    for target in ("reference/rnn/solution.py", "fixtures/rnn/manifest.json", "fixtures/rnn/hidden",
                   "grader/sandbox/wire.py"):
        assert f"READ-FAILED {ROOT}/{target}" in said, said
    assert f"READ-FAILED {attack.out}" in said and "READ-FAILED /etc/shadow" in said
    seen = [line for line in said.splitlines() if line.startswith(f"READ-OK {ROOT}:")]
    assert seen in ([], [f"READ-OK {ROOT}: ['.venv']"]), seen  # at most the folder that holds the venv
    assert document["score"] == 0


@needs_bubblewrap
def test_writing_outside_the_scratch_folder_changes_nothing(attack):
    document = attack.grade("writes_outside.py", limits(output_bytes=2**16))  # Attack.grade checks the project,
    said = document["output"]["stdout"]  # the report folders, /tmp and home
    # Writes to /tmp land in the sandbox's private /tmp (the test's report folder is under the real /tmp, out of
    # its sight: Attack.grade checks that folder), and home is its own folder; all the others must fail.
    wrote = [line for line in said.splitlines() if "-OK " in line and not line.split()[1].startswith(
        ("/tmp/", "/sandbox/work/"))]
    assert wrote == [], wrote
    for path in (f"{ROOT}/{attack.mark}", f"{ROOT}/reports/{attack.mark}", f"{ROOT}/grader/checks/compare.py",
                 f"{ROOT}/reference/rnn/solution.py", f"{ROOT}/fixtures/rnn/manifest.json", f"/root/{attack.mark}"):
        assert f"WRITE-FAILED {path}" in said, path
    assert "raised RuntimeError: nothing written" in first_check(document, "rnn_cell_forward")["message"]


@needs_bubblewrap
def test_kill_minus_one_reaches_only_the_sandbox(attack):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        document = attack.grade("kill_everything.py")
        assert bystander.poll() is None, "a process outside the sandbox was killed"
    finally:
        bystander.kill()
        bystander.wait()
    assert "killed by SIGKILL" in first_check(document, "rnn_cell_forward")["message"]
    assert "kill -1" not in document["output"]["stdout"]  # it found its own processes to kill, and only those


@needs_bubblewrap
def test_where_root_may_not_map_users_bubblewrap_still_hides_and_protects_everything(attack, monkeypatch):
    monkeypatch.setitem(isolations._SWITCH, "user", False)  # as in a rootless container
    document = attack.grade("writes_outside.py", limits(output_bytes=2**16))
    said = document["output"]["stdout"]
    assert f"WRITE-FAILED {ROOT}/grader/checks/compare.py" in said
    for path in (f"{ROOT}/{attack.mark}", f"{ROOT}/reports/{attack.mark}"):
        # with the project under /tmp, its path inside the sandbox is a folder of the private /tmp: a write there
        # may succeed, but must not reach the project
        assert f"WRITE-FAILED {path}" in said or not os.path.exists(path), path
    assert document["isolation"] == "bubblewrap"


# --- Notebooks ---------------------------------------------------------------------------------------------------

def test_a_notebook_that_is_not_json_gets_a_complete_report(attack):
    document = attack.grade(str(HOSTILE / "broken.ipynb"))
    assert document["kind"] == "unreadable" and not document["loaded"] and document["score"] == 0
    assert "JSON" in document["checks"][0]["message"] or "notebook" in document["checks"][0]["message"]
    assert document["isolation"] == "none"


@needs_bubblewrap
def test_a_notebook_that_leaves_daemons_and_kills_its_kernel_leaves_nothing(attack):
    daemon = (HOSTILE / "background.py").read_text().replace("@MARK@", attack.mark)
    cells = ["import numpy as np", daemon, "import os\nos._exit(3)", "print('after the exit')"]
    book = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [], "source": s}
        for i, s in enumerate(cells)]}
    path = attack.tmp / "submissions" / "daemons.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(book))
    document = attack.grade(str(path))
    assert document["isolation"] == "bubblewrap" and document["loaded"]
    statuses = {cell["cell"]: cell["status"] for cell in document["cells"]}
    assert statuses.get(3) == "error", document["cells"]


# --- A class: hostile and correct submissions in one batch --------------------------------------------------------

def test_a_batch_of_hostile_and_correct_submissions_grades_the_correct_ones_fully(attack):
    fair = limits(BEST, call_seconds=8.0, load_seconds=10.0)
    correct = attack.grade("../../submissions/correct.py", fair)
    best = full_marks(correct)
    assert by_function(correct) == best
    batch = [("exit_in_function.py", CORRECT, {"rnn_cell_forward", "rnn_forward", "lstm_cell_forward",
                                               "lstm_forward"}),
             ("background.py", CORRECT, {"rnn_cell_forward"}),
             ("ignores_sigterm.py", CORRECT, {"rnn_cell_forward"}),
             ("fork_returns.py", CORRECT, {"rnn_cell_forward"})]
    for name, before, spoiled in batch:
        document = attack.grade(name, fair, before=before)
        scores = by_function(document)
        assert {f: s for f, s in scores.items() if f not in spoiled} == \
            {f: m for f, m in best.items() if f not in spoiled}, name
        assert all(scores[f] < best[f] for f in spoiled), name
    assert by_function(attack.grade("../../submissions/correct.py", fair)) == best


# --- The grader's side: what it accepts, and how the sandbox is chosen and set --------------------------------------

class Subclass(np.ndarray):
    def __eq__(self, other):
        return True


def _crossed(value):
    """`value` as the grader gets it: encoded, packed in a message, unpacked and decoded."""
    return wire.decode(wire.unpack(wire.pack({"value": wire.encode(value)})[wire.HEADER_BYTES:])["value"])


@pytest.mark.parametrize("value", [np.arange(6.0).reshape(2, 3).view(Subclass), np.float32(2.5),
                                   np.broadcast_to(np.arange(3.0), (4, 3)), np.asfortranarray(np.eye(3))])
def test_arrays_arrive_as_plain_ndarrays_of_their_values(value):
    got = _crossed(value)
    assert type(got) is np.ndarray and got.flags.c_contiguous and got.flags.writeable
    assert np.array_equal(np.asarray(got), np.asarray(value).view(np.ndarray))


def _blob(data, raw=b""):
    """A value's blob as a forger makes it: the length of its JSON, the JSON `data`, the bytes `raw`."""
    text = data if isinstance(data, bytes) else json.dumps(data).encode()
    return struct.pack(">I", len(text)) + text + raw


@pytest.mark.parametrize("data,raw,says", [
    ({"$nd": ["|O", [1], 0]}, bytes(8), "may not cross"),
    ({"$nd": ["<U1", [1], 0]}, bytes(4), "may not cross"),
    ({"$nd": [["<f8"], [1], 0]}, bytes(8), "may not cross"),
    ({"$nd": ["<f8", [2**31, 2**31], 0]}, b"", "elements"),
    ({"$nd": ["<f8", [2**11, 2**11, 2], 0]}, b"", "elements"),
    ({"$nd": ["<f8", [0, 2**40], 0]}, b"", "elements"),  # none, but no array can have that dimension
    ({"$nd": ["<f8", [-1], 0]}, b"", "shape"),
    ({"$nd": ["<f8", [2.0], 0]}, bytes(16), "shape"),
    ({"$nd": ["<f8", [True], 0]}, bytes(8), "shape"),
    ({"$nd": ["<f8", [2], 0]}, bytes(8), "malformed array bytes"),  # claims more bytes than the blob holds
    ({"$nd": ["<f8", [1], 8]}, bytes(8), "malformed array bytes"),  # they lie past its end
    ({"$nd": ["<f8", [1], -8]}, bytes(8), "malformed array bytes"),
    ({"$nd": ["<f8", [1], "AAAAAAAAAAA="]}, bytes(8), "malformed array bytes"),  # bytes only as the blob's own
    ({"$nd": ["<f8", [1]]}, bytes(8), "malformed array"),
    ({"$handle": ["1", "x"]}, b"", "malformed"),
    ({"$float": "1e999"}, b"", "malformed"),
    ({"$dict": [[["key"], 1]]}, b"", "malformed dict"),
    (10**40, b"", "int64"),
    ("x" * (2**20 + 1), b"", "longer than"),
    ({"__reduce__": "os.system"}, b"", "malformed"),
    ([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], b"", "deeper"),
    (b"[" * 200_000 + b"]" * 200_000, b"", "malformed JSON"),  # nested past any recursion limit
    (b'{"$float": "nan"} 1', b"", "more after its end"),
    (b"\xff", b"", "malformed JSON"),
])
def test_what_the_child_sends_is_validated_before_anything_is_built(data, raw, says):
    with pytest.raises(wire.WireError, match=says):
        wire.decode(_blob(data, raw))


@pytest.mark.parametrize("blob,says", [
    (b"{}", "shorter than its header"),
    (struct.pack(">I", 99) + b"{}", "JSON part of 99 bytes"),
    (json.dumps([1]).encode(), "not a blob"),
])
def test_a_blob_whose_framing_is_wrong_is_refused_as_malformed(blob, says):
    with pytest.raises(wire.Malformed, match=says):
        wire.decode(blob if says != "not a blob" else [1])


def test_a_shape_is_checked_every_time_not_only_the_first():
    """A forged shape of floats is refused even after the same shape in ints crossed (no cache lets it by)."""
    assert _crossed(np.zeros(2)).shape == (2,)
    with pytest.raises(wire.WireError, match="shape"):
        wire.decode(_blob({"$nd": ["<f8", [2.0], 0]}, bytes(16)))


def _message(text, raw=b""):
    """The body of a message (what follows its length) with JSON `text` and the bytes `raw` after it."""
    return struct.pack(">I", len(text)) + text.encode() + raw


@pytest.mark.parametrize("body,says", [
    (_message('{"v":{"$v":[0,8]}}', bytes(4)), "malformed value bytes"),  # past the end
    (_message('{"v":{"$v":[-8,8]}}', bytes(8)), "malformed value bytes"),
    (_message('{"v":{"$v":[0,true]}}', bytes(8)), "malformed value bytes"),
    (_message('{"v":{"$v":[0]}}', bytes(8)), "malformed value bytes"),
    (_message('{"cases":[{"args":{"$v":[4,8]}}]}', bytes(8)), "malformed value bytes"),  # in a batch's case
    (_message('["not", "a", "message"]'), "a message of type list"),
    (_message('{"v":' * 40 + "1" + "}" * 40), "nested deeper"),
    (struct.pack(">I", 99) + b"{}", "JSON part of 99 bytes"),
    (b"{}", "shorter than its header"),
])
def test_a_message_whose_values_lie_outside_it_is_refused(body, says):
    with pytest.raises(wire.Malformed, match=says):
        wire.unpack(body)


def test_a_message_carries_arrays_as_their_bytes_after_the_json_and_strings_as_they_are():
    values = (np.arange(6.0).reshape(2, 3), "x" * 100, {"k": [np.int32(7), np.zeros((0, 4))]}, np.array([1 + 2j]))
    packed = wire.pack({"v": wire.encode(values)})
    assert np.arange(6.0).tobytes() in packed and b"base64" not in packed
    got = _crossed(values)
    assert got[1] == values[1] and got[2]["k"][0] == 7 and got[2]["k"][1].shape == (0, 4)
    assert np.array_equal(got[0], values[0]) and np.array_equal(got[3], values[3])
    assert wire.unpack_length(packed[:wire.HEADER_BYTES]) == len(packed) - wire.HEADER_BYTES
    assert wire.unpack(wire.pack({"$v": [0, 8], "x": 1})[wire.HEADER_BYTES:]) == {"$v": [0, 8], "x": 1}
    assert wire.encode((np.zeros(3), 1.5)) == wire.encode((np.zeros(3), 1.5))  # a value's blob is comparable


def test_a_value_decodes_to_what_was_encoded_kinds_and_all():
    value = ([1, (2, 3.5)], {"k": None, 3: True}, float("nan"), float("-inf"), 2**63, 1 + 2j, "\u00e9",
             np.arange(4, dtype=">i4"), np.bool_(True), np.zeros((2, 0, 3), np.float32))
    got = _crossed(value)
    assert type(got) is tuple and type(got[0]) is list and type(got[0][1]) is tuple
    assert got[1] == {"k": None, 3: True} and np.isnan(got[2]) and got[3] == float("-inf")
    assert got[4] == float(2**63) and got[5] == 1 + 2j and got[6] == "\u00e9"
    assert got[7].dtype == np.int32 and list(got[7]) == [0, 1, 2, 3]  # made little-endian on the way
    assert got[8].dtype == np.bool_ and got[8] and got[9].shape == (2, 0, 3)
    with pytest.raises(wire.WireError, match="can't cross"):
        wire.encode(object())
    with pytest.raises(wire.WireError, match="deeper"):
        wire.encode(functools.reduce(lambda v, _: [v], range(40), 1))


def test_every_limit_has_an_option_and_a_batch_passes_them_all_on():
    options = cli.parser().parse_args(["grade", "x.py", *limits_module.as_arguments(SHORT)])
    assert limits_module.from_options(options) == SHORT
    names = {name for name, _, _ in limits_module.OPTIONS}
    assert names == set(Limits.__dataclass_fields__)
    assert cli.main(["grade", str(ROOT / "submissions" / "correct.py"), "--memory-mb", "0"]) == 2


def test_without_bubblewrap_grading_falls_back_to_process_isolation_and_says_so(attack, monkeypatch, capsys):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.bubblewrap_problem.cache_clear()
    sandbox._warn_once.cache_clear()
    try:
        with pytest.raises(errors.UsageError, match="bubblewrap is not installed"):
            sandbox.choose_isolation("bubblewrap")
        document = attack.grade("exit_at_import_sys.py", limits("auto"))
    finally:
        sandbox.bubblewrap_problem.cache_clear()
    assert document["isolation"] == "process" and document["limits"]["isolation"] == "auto"
    assert "process-level limits only" in capsys.readouterr().err
