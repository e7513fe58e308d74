"""A class of 50 submissions (correct, buggy, hostile) graded end to end by `python -m grader grade-all`, with
two workers and short limits: per-student reports, Gradescope and JUnit files, the gradebook and the class page.
"""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from types import SimpleNamespace

import jsonschema
import pytest

from benchmarks import classroom
from conftest import ROOT

LIMITS = ["--call-timeout", "2", "--load-timeout", "4", "--cell-timeout", "5", "--memory-mb", "1024"]
SCHEMA = json.loads((ROOT / "grader" / "report" / "schema.json").read_text())
FULL = {"rnn_cell_forward": 8, "rnn_forward": 8, "lstm_cell_forward": 8, "lstm_forward": 8,
        "rnn_cell_backward": 10, "rnn_backward": 10, "lstm_cell_backward": 10, "lstm_backward": 10}


def grade_all(folder, out, *options, env=None):
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), *LIMITS, *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)


def reports(out):
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/report.json"))}


def verdicts(document):
    return [(c["id"], c["status"], c["points"], c["message"]) for c in document["checks"]]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    made = classroom.build(base / "submissions", 50)
    started = time.monotonic()
    run = grade_all(base / "submissions", base / "out", "--workers", "2")
    seconds = time.monotonic() - started
    print(f"\n50 submissions at 2 workers: {seconds:.1f} s ({50 / seconds * 60:.0f} per minute)")
    assert run.returncode == 0, run.stderr[-3000:]
    return SimpleNamespace(base=base, folder=base / "submissions", out=base / "out", made=made, run=run,
                           seconds=seconds, reports=reports(base / "out"))


def test_fifty_submissions_grade_into_every_output(graded):
    # How fast is benchmarks/batch_speed.py's question; grade_all's own timeout guards against a hang.
    assert sorted(graded.reports) == sorted(graded.made)
    for name, document in graded.reports.items():
        jsonschema.validate(document, SCHEMA)
        assert document["submission"] == name and document["seconds"] > 0
        for file in ("report.md", "results.json", "junit.xml", "fingerprint.json"):
            assert (graded.out / name / file).is_file(), f"{name}/{file} is missing"
    assert (graded.out / "index.html").is_file()
    assert not (graded.out / ".staging").exists()
    assert "graded 50 of 50 submissions" in graded.run.stdout


def test_each_submission_gets_what_it_earned_and_no_more(graded):
    for name, what in graded.made.items():
        document = graded.reports[name]
        scores = {f: e["score"] for f, e in document["functions"].items()}
        if what == "correct":
            assert scores == FULL, name
        elif what in classroom.BROKEN:
            broken = classroom.BROKEN[what]
            assert scores[broken] < FULL[broken], f"{name} ({what}) kept full marks on {broken}"
            assert {f: s for f, s in scores.items() if f != broken} == {f: s for f, s in FULL.items() if f != broken}
        elif what == "rnn_forward never returns":
            assert scores == {**FULL, "rnn_forward": 0}
            assert any(c["status"] == "timeout" for c in document["checks"] if c["function"] == "rnn_forward")
        else:
            assert not document["loaded"] and document["score"] == 0, name
    messages = {what: graded.reports[name]["checks"][0]["message"] for name, what in graded.made.items()}
    assert "longer than 4 s" in messages["infinite loop at import"]
    assert "exit status 3" in messages["os._exit at import"]
    assert "SyntaxError" in messages["syntax error"]


def test_gradebook_has_one_row_per_student(graded):
    rows = list(csv.DictReader((graded.out / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == sorted(graded.made)
    assert list(rows[0]) == ["student", "score", "max_score", "extra_credit", *FULL, "vanishing_gradients",
                             "sentiment_bonus", "total", "total_max", "pending", "status", "seconds"]
    for row in rows:
        document = graded.reports[row["student"]]
        assert float(row["score"]) == document["score"]
        assert sum(float(row[f]) for f in FULL) == document["score"]
        assert row["status"] == ("graded" if document["loaded"] else "did not load")
        assert float(row["seconds"]) == pytest.approx(document["seconds"], abs=0.051)  # written with 1 decimal


def test_the_class_page_counts_each_named_mistake_once_per_student(graded):
    counts = Counter(m for r in graded.reports.values() for m in {d for c in r["checks"] for d in c["diagnoses"]})
    assert len(counts) >= 4, f"the buggy submissions named only {dict(counts)}"
    page = (graded.out / "index.html").read_text()
    for mistake, students in counts.items():
        assert f"<code>{mistake}</code></td><td class='n'>{students}</td>" in page


GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}


def test_gradescope_results_follow_the_specification(graded):
    for name, document in graded.reports.items():
        results = json.loads((graded.out / name / "results.json").read_text())
        assert set(results) <= GRADESCOPE_TOP and {"score", "execution_time", "output", "tests"} <= set(results)
        assert results["score"] == document["score"]
        assert isinstance(results["execution_time"], (int, float)) and isinstance(results["output"], str)
        assert len(results["tests"]) == len(document["checks"])
        for test, check in zip(results["tests"], document["checks"]):
            assert set(test) <= GRADESCOPE_TEST
            assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
            assert test["status"] == ("passed" if check["status"] == "passed" else "failed")
            assert test["score"] == check["points"] and test["max_score"] == check["max_points"]
            hidden = check["id"].rsplit(".", 1)[-1].startswith("hidden")
            assert test["visibility"] == ("after_published" if hidden else "visible")
        assert sum(t["score"] for t in results["tests"]) == pytest.approx(results["score"])


def test_junit_files_parse_and_count_the_checks(graded):
    import xml.etree.ElementTree as ET
    for name, document in graded.reports.items():
        suites = ET.parse(graded.out / name / "junit.xml").getroot()
        suite = suites.find("testsuite")
        cases = suite.findall("testcase")
        # one testcase per check, and one per item people grade (skipped while pending)
        assert len(cases) == int(suite.get("tests")) == len(document["checks"]) + len(document["manual"]["items"])
        statuses = [c["status"] for c in document["checks"]] + ["skipped"] * document["manual"]["pending"]
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure")) == statuses.count("failed")
        assert int(suite.get("errors")) == statuses.count("error") + statuses.count("timeout")
        assert len(suite.findall("testcase/skipped")) == statuses.count("skipped")


def test_copies_of_one_submission_get_the_same_report_wherever_they_ran(graded):
    """The class holds several copies of each kind, graded by different workers beside different neighbours."""
    by_kind = {}
    for name, what in graded.made.items():
        by_kind.setdefault(what, []).append(verdicts(graded.reports[name]))
    for what, copies in by_kind.items():
        assert all(c == copies[0] for c in copies), f"copies of {what!r} were graded differently"
    assert len(by_kind["correct"]) > 20 and len(by_kind["no bias in rnn_cell_forward"]) > 3


def test_the_same_submissions_get_the_same_reports_in_another_batch(graded, tmp_path):
    """Graded again in another company and order: the same scores and messages, whatever ran beside them."""
    kinds = ("correct", "wrong tanh derivative", "os._exit at import", "syntax error")
    chosen = {what: name for name, what in sorted(graded.made.items(), reverse=True) if what in kinds}
    folder = tmp_path / "again"
    folder.mkdir()
    for name in chosen.values():
        shutil.copy(graded.folder / f"{name}.py", folder)
    run = grade_all(folder, tmp_path / "out", "--workers", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    again = reports(tmp_path / "out")
    for what, name in chosen.items():
        assert verdicts(again[name]) == verdicts(graded.reports[name]), f"{name} ({what}) changed"


def test_the_batch_limit_stops_a_submission_that_is_slow_everywhere(tmp_path):
    """Every call takes 1 s, under the 2 s call limit: the batch's own limit stops it; its neighbour is fine (its
    limit is ample: a correct submission takes a few seconds, more on a busy machine)."""
    folder = tmp_path / "in"
    folder.mkdir()
    old = '    Wax = parameters["Wax"]\n    Waa = parameters["Waa"]\n    Wya'  # in rnn_cell_forward only
    (folder / "slow.py").write_text("import time\n" + classroom.mutate(old, "    time.sleep(1.0)\n" + old))
    (folder / "fine.py").write_text(classroom.CORRECT)
    # about 30 calls of rnn_cell_forward, 1 s each, so about 30 s: more than the batch's 15 s
    run = grade_all(folder, tmp_path / "out", "--workers", "2", "--submission-timeout", "15")
    assert run.returncode == 0, run.stderr[-3000:]
    done = reports(tmp_path / "out")
    assert done["slow"]["checks"][0]["status"] == "timeout" and "limit of 15 s" in done["slow"]["checks"][0]["message"]
    assert done["slow"]["score"] == 0
    assert {f: e["score"] for f, e in done["fine"]["functions"].items()} == FULL


def _eventually(condition, seconds=30):
    """Whether `condition()` holds within `seconds` (processes take a moment to be reaped after a batch ends)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _processes_mentioning(text):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if text.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                found.append(int(pid))
        except OSError:
            pass
    return found


def _workers_under(scratch):
    """Worker processes of a batch whose temporary folder is `scratch` (found by their TMPDIR)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if (b"grader.batch.worker" in open(f"/proc/{pid}/cmdline", "rb").read()
                    and f"TMPDIR={scratch}/".encode() in open(f"/proc/{pid}/environ", "rb").read()):
                found.append(int(pid))
        except OSError:
            pass
    return found


def _found(folder, name):
    """Whether a file `name` is in a `work` folder under `folder` now. Walked with os.walk, which skips a folder
    removed while it is walked (the self-test's scratch folder comes and goes; pathlib's glob raises there)."""
    return any(os.path.basename(top) == "work" and name in files for top, _, files in os.walk(folder))


def test_a_worker_killed_in_the_middle_costs_only_its_submission(tmp_path):
    """SIGKILL to the worker while a sandbox loops at import: that submission is reported, the sandbox the worker
    could not stop is killed, a new worker grades the rest."""
    folder, scratch = tmp_path / "in", tmp_path / "scratch"
    for path in (folder, scratch):
        path.mkdir()
    (folder / "a_loops.py").write_text("while True:\n    pass\n")
    for name in ("b", "c"):
        (folder / f"{name}.py").write_text(classroom.CORRECT)
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(tmp_path / "out"),
               "--workers", "1", *LIMITS]
    batch = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 20
    # The submission's copy in a sandbox's work folder (a fork of the zygote has no command line of its own to find;
    # the bubblewrap sandbox with child.py in its own was bubblewrap's self-test, which no longer runs child.py).
    while not _found(scratch, "a_loops.py"):
        assert time.monotonic() < deadline and batch.poll() is None, "the sandbox never started"
        time.sleep(0.05)
    time.sleep(0.5)  # its import loops
    for pid in _workers_under(scratch):
        os.kill(pid, signal.SIGKILL)
    stdout, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 0, stderr[-3000:]
    done = reports(tmp_path / "out")
    assert "killed by SIGKILL while grading it" in done["a_loops"]["checks"][0]["message"]
    assert {f: e["score"] for f, e in done["b"]["functions"].items()} == FULL == {
        f: e["score"] for f, e in done["c"]["functions"].items()}
    assert _processes_mentioning(str(scratch)) == [] and list(scratch.iterdir()) == []


def test_ctrl_c_keeps_complete_reports_and_the_next_run_grades_the_rest(tmp_path):
    folder, out, scratch = tmp_path / "in", tmp_path / "out", tmp_path / "scratch"
    for path in (folder, scratch):
        path.mkdir()
    for i in range(4):
        (folder / f"s{i}.py").write_text(classroom.CORRECT)
    env = {**os.environ, "TMPDIR": str(scratch)}  # the sandboxes' scratch folders, to see that they are gone
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), "--workers", "1", *LIMITS]
    batch = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for line in batch.stderr:
        if line.startswith("[2/4]"):
            batch.send_signal(signal.SIGINT)
            break
    stdout, _ = batch.communicate(timeout=60)
    assert batch.returncode == 130 and "run the same command again" in stdout
    finished = reports(out)
    assert 2 <= len(finished) < 4
    for name in finished:
        assert (out / name / "fingerprint.json").is_file() and (out / name / "junit.xml").is_file()
    assert not (out / ".staging").exists() and not (out / "gradebook.csv").exists()
    assert _eventually(lambda: _processes_mentioning(str(scratch)) == [] and list(scratch.iterdir()) == []), \
        (_processes_mentioning(str(scratch)), list(scratch.iterdir()))
    run = grade_all(folder, out, "--workers", "2")
    assert f"graded {4 - len(finished)} of 4 submissions" in run.stdout
    assert len(reports(out)) == 4 and (out / "gradebook.csv").is_file()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Records what the browser made of the page: every image's decoded size, the rows of each table, and errors.
PROBE_HEAD = """<script>window.probeErrors = [];
window.addEventListener("error", function (e) { probeErrors.push(String(e.message || (e.target && e.target.src)).slice(0, 80)); }, true);
</script>"""
PROBE_BODY = """<script>window.addEventListener("load", function () {
  var images = Array.prototype.map.call(document.images, function (i) {
    return {id: i.id, width: i.naturalWidth, height: i.naturalHeight}; });
  var charts = Array.prototype.map.call(document.querySelectorAll("svg.chart"), function (c) {
    var box = c.getBoundingClientRect();
    var bars = Array.prototype.map.call(c.querySelectorAll("rect.bar"), function (b) {
      var drawn = b.getBoundingClientRect();
      return [Number(b.dataset.low), Number(b.dataset.high), Number(b.dataset.count), drawn.height]; });
    return {id: c.id, width: box.width, height: box.height, bars: bars}; });
  var grid = Array.prototype.map.call(document.querySelectorAll("#pass-rates tr"), function (r) {
    return Array.prototype.map.call(r.children, function (cell) { return cell.textContent; }); });
  var rows = {};
  Array.prototype.forEach.call(document.querySelectorAll("table[id]"), function (t) {
    rows[t.id] = t.querySelectorAll("tr").length - 1; });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({images: images, charts: charts, grid: grid, rows: rows, errors: probeErrors});
  document.body.appendChild(out);
});</script>"""


def chromium(page, tmp_path, *options):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0",
               f"--user-data-dir={tmp_path / 'profile'}", *options, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


# Records how many pixels the page is wider than the window (0 or less: it fits).
FITS = """<script>window.addEventListener("load", function () {
  var out = document.createElement("pre"); out.id = "fits";
  out.textContent = String(document.documentElement.scrollWidth - document.documentElement.clientWidth);
  document.body.appendChild(out); });</script>"""


def in_browser(page, tmp_path, probe, *options):
    """({pre id: its JSON} of what `probe` and PROBE_BODY wrote after the page loaded in headless Chromium, the
    page's DOM as Chromium left it); skips where there is no Chromium."""
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (`make setup` installs it as root)")
    probed = page.with_name("probe-" + page.name)
    probed.write_text(page.read_text().replace("<head>", "<head>" + PROBE_HEAD, 1)
                      .replace("</body>", probe + PROBE_BODY + "</body>"))
    try:
        dumped = chromium(probed, tmp_path, "--virtual-time-budget=5000", "--dump-dom", *options)
    finally:
        probed.unlink()
    found = {key: json.loads(text.replace("&quot;", '"').replace("&amp;", "&"))
             for key, text in re.findall(r'<pre id="(\w+)">(.*?)</pre>', dumped.stdout, re.S)}
    assert "probe" in found, f"the page did not load: {dumped.stderr[-2000:]}"
    return found, dumped.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (`make setup` installs it as root)")
def test_the_class_page_shows_its_plots_and_tables_in_a_browser(graded, tmp_path):
    from matplotlib import image
    page = graded.out / "index.html"
    seen = in_browser(page, tmp_path, "")[0]["probe"]
    assert seen["errors"] == []
    assert seen["images"] == []  # the charts are SVG and a table, drawn by the browser
    charts = {c["id"]: c for c in seen["charts"]}
    assert list(charts) == ["score-histogram", "grading-time"]
    assert all(c["width"] > 300 and c["height"] > 200 for c in charts.values()), seen["charts"]
    scores = [d["score"] for d in graded.reports.values()]
    bars = charts["score-histogram"]["bars"]
    assert sum(count for _, _, count, _ in bars) == 50 and all(height > 0 for *_, height in bars)
    assert all(count == sum(low <= s < high for s in scores) for low, high, count, _ in bars), (bars, scores)
    tallest = max(bars, key=lambda bar: bar[2])
    assert all(height <= tallest[3] * count / tallest[2] + 1 for _, _, count, height in bars)  # drawn to scale
    assert sum(count for _, _, count, _ in charts["grading-time"]["bars"]) == 50
    header, *cells = seen["grid"]
    passed = {c["id"]: sum(any(x["id"] == c["id"] and x["status"] == "passed" for x in d["checks"])
                           for d in graded.reports.values()) for c in graded.reports["student_000"]["checks"]}
    assert [row[0] for row in cells] == list(FULL)
    for function, *texts in cells:
        assert texts == [f"{passed[f'{function}.{kind}'] / 50:.0%}" if f"{function}.{kind}" in passed else ""
                         for kind in header[1:]], function
    rows = seen["rows"]
    assert rows["students"] == 50 and rows["slowest"] == 10
    assert rows["not-loaded"] == sum(not d["loaded"] for d in graded.reports.values()) == 3
    assert rows["checks"] == len(graded.reports["student_000"]["checks"])
    shot = tmp_path / "page.png"
    taken = chromium(page, tmp_path, "--window-size=1280,1600", f"--screenshot={shot}")
    assert shot.is_file(), taken.stderr[-2000:]
    assert not re.search(r"CONSOLE|Uncaught|Not allowed to load", taken.stderr), taken.stderr[-2000:]
    pixels = image.imread(shot)[:, :, :3]
    assert (pixels.min(axis=2) < 0.9).mean() > 0.05  # not a blank page
    blue = (abs(pixels[:, :, 0] - 21 / 255) < 0.08) & (abs(pixels[:, :, 1] - 101 / 255) < 0.08) & \
        (abs(pixels[:, :, 2] - 192 / 255) < 0.08)
    assert blue.sum() > 500, "the score histogram's bars are not on the screen"
    shutil.copy(shot, graded.base / "class-page.png")  # for a person to look at


def test_a_second_run_grades_only_what_changed(graded, tmp_path):
    # On a copy of the class and its outputs: the other tests read the class as it was graded.
    folder, out = shutil.copytree(graded.folder, tmp_path / "in"), shutil.copytree(graded.out, tmp_path / "out")
    before = {name: (out / name / "report.json").stat().st_mtime_ns for name in graded.made}
    run = grade_all(folder, out, "--workers", "2")
    assert run.returncode == 0 and "graded 0 of 50 submissions" in run.stdout and "50 unchanged" in run.stdout
    assert before == {name: (out / name / "report.json").stat().st_mtime_ns for name in graded.made}
    changed = next(n for n, what in graded.made.items() if what == "correct")
    source = folder / f"{changed}.py"
    source.write_text(classroom.mutate("dba = np.sum(dtanh, axis=1, keepdims=True)", "dba = np.sum(dtanh, axis=1)"))
    run = grade_all(folder, out, "--workers", "2")
    assert "graded 1 of 50 submissions" in run.stdout and "49 unchanged" in run.stdout
    assert reports(out)[changed]["functions"]["rnn_cell_backward"]["score"] < 10
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert float(rows[changed]["rnn_cell_backward"]) < 10


def test_a_run_after_another_starts_what_took_longest_first_and_what_is_new_before_it(graded, tmp_path):
    """A submission that hangs to its limits, started last, would keep one worker busy after the others are done."""
    from grader.batch import grade_all as batch
    new = tmp_path / "zz_new.py"
    new.write_text(classroom.CORRECT)
    entries = batch.entries(sorted(graded.folder.iterdir()) + [new])
    ordered = [entry.name for entry, _ in batch.longest_first([(entry, None) for entry in entries], graded.out)]
    took = [graded.reports[name]["seconds"] for name in ordered[1:]]
    assert ordered[0] == "zz_new" and sorted(ordered[1:]) == sorted(graded.reports)
    assert took == sorted(took, reverse=True) and took[0] > 2 * took[len(took) // 2]
    assert graded.made[ordered[1]] in {what for what, _ in classroom.HOSTILE}
