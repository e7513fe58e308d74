"""What a batch worker keeps from one submission to the next (grader/batch/worker.py), and only while it is valid."""
import os
import shutil

from conftest import ROOT
from grader import assignment as assignments
from grader.batch import worker


def test_a_worker_loads_the_assignment_once_and_again_when_its_files_change(tmp_path, monkeypatch):
    course = tmp_path / "course"
    for part in ("reference", "fixtures"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("GRADER_COURSE", str(course))
    monkeypatch.setattr(worker, "_loaded", {})
    first = worker._assignment(assignments, "rnn", False)
    assert worker._assignment(assignments, "rnn", False) is first  # the reference's answers are kept with it
    assert worker._assignment(assignments, "rnn", True) is not first  # the public checks are another load
    rubric = course / "reference" / "rnn" / "rubric.toml"
    rubric.write_text(rubric.read_text() + "\n# changed\n")
    changed = worker._assignment(assignments, "rnn", False)
    assert changed is not first and worker._assignment(assignments, "rnn", False) is changed
    manifest = course / "fixtures" / "rnn" / "manifest.json"
    os.utime(manifest, ns=(manifest.stat().st_atime_ns, manifest.stat().st_mtime_ns + 10**9))  # make fixtures
    assert worker._assignment(assignments, "rnn", False) is not changed


def _worker(given):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "grader.batch.worker"], cwd=ROOT, input=given, capture_output=True,
                          text=True, timeout=120)


def test_a_worker_answers_its_first_line_read_while_it_imports_and_nothing_when_none_came():
    import json
    assert (_worker("").returncode, _worker("").stdout) == (0, "")  # a batch's spare worker, never given work
    ran = _worker("not a request\n{\"source\": 3}\n")  # the first line is read by a thread (the warm start's)
    answers = [json.loads(line) for line in ran.stdout.splitlines()]
    assert ran.returncode == 0 and [a["rc"] for a in answers] == [-1, -1], ran.stdout + ran.stderr
    assert "JSONDecodeError" in answers[0]["stderr"] and "KeyError" in answers[1]["stderr"]


def test_a_warming_line_is_not_answered_and_the_requests_after_it_are():
    import json
    from grader.sandbox.limits import Limits
    warming = json.dumps(worker.warming(ROOT / "submissions" / "correct.py", ROOT / "reference" / "rnn", Limits()))
    ran = _worker(warming + "\n{\"source\": 3}\n")
    answers = [json.loads(line) for line in ran.stdout.splitlines()]
    assert ran.returncode == 0 and [a["rc"] for a in answers] == [-1], ran.stdout + ran.stderr
    assert "KeyError" in answers[0]["stderr"]


def test_a_worker_warmed_but_never_given_work_ends_at_once_and_leaves_nothing(tmp_path):
    """A batch starts more workers than a small class needs, or finds every report unchanged: those it warmed
    end when told, without waiting for their zygote to be ready, and nothing of them is left running."""
    import time
    from grader.sandbox.limits import Limits
    idle = worker.Worker()
    idle.warm(worker.warming(ROOT / "submissions" / "correct.py", ROOT / "reference" / "rnn", Limits()))
    time.sleep(0.5)  # its warm start is under way
    started = time.monotonic()
    idle.close()
    assert time.monotonic() - started < 5 and idle.process.returncode == 0
    assert not idle.scratch.exists() and worker._leftovers(idle.scratch) == []


def test_a_worker_that_dies_is_replaced_only_while_submissions_are_left(tmp_path):
    from grader.batch import grade_all
    batch = grade_all._Batch([], tmp_path, None, None, grade_all.Options(progress_bar=False), grade_all.Summary())
    dead = worker.Worker()
    workers = [dead]
    batch.queue.append("the next submission")
    batch._replace(workers, dead, grace=0)
    assert dead.process.returncode is not None and len(workers) == 1 and workers[0] is not dead
    batch.queue.clear()  # the last submissions are being graded: a new worker would only start and end
    survivor = workers[0]
    batch._replace(workers, survivor, grace=0)
    assert workers == [] and survivor.process.returncode is not None


def test_only_what_looks_new_or_changed_warms_a_worker(tmp_path):
    """A run that keeps every report boots no zygote for nothing; a submission changed since its report, or with
    none, does (a guess from times: what is graded again is decided by content)."""
    from grader.batch import grade_all
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    for name in ("amy", "bob", "cat"):
        (folder / f"{name}.py").write_text("x = 1\n")
    for name in ("amy", "bob"):
        (out / name).mkdir(parents=True)
        (out / name / grade_all.FINGERPRINT).write_text("{}")
    assert [e.name for e in grade_all.to_grade(folder, out)] == ["cat"]
    later = (out / "bob" / grade_all.FINGERPRINT).stat().st_mtime_ns + 10**9
    os.utime(folder / "bob.py", ns=(later, later))  # edited after its report
    assert [e.name for e in grade_all.to_grade(folder, out)] == ["bob", "cat"]
    assert [e.name for e in grade_all.to_grade(folder, out, force=True)] == ["amy", "bob", "cat"]
    assert grade_all.to_grade(tmp_path / "missing", out) == []


def _notebook(path, source):
    import nbformat
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), path)
    return path


def test_a_class_names_matplotlib_if_one_notebook_does_and_is_assumed_to_past_what_it_reads(tmp_path):
    from grader.sandbox import spare
    plain = [_notebook(tmp_path / f"s{i}.ipynb", "import numpy as np\nx = np.ones(3)") for i in range(3)]
    module = tmp_path / "m.py"
    module.write_text("import matplotlib\n")  # a module's sandbox never imports a notebook's shell: not looked at
    plots = _notebook(tmp_path / "folder" / "work.ipynb", "%matplotlib inline\nimport matplotlib.pyplot as plt")
    magic = _notebook(tmp_path / "magic.ipynb", "%matplotlib inline")  # imports it only once a cell does
    assert spare.plotting_in(plain + [module, magic]) is False
    assert spare.plotting_in(plain + [plots.parent]) is True
    assert spare.plotting_in([]) is False
    assert spare.plotting_in(plain, budget=100) is True  # a class too large to read: as if it did


def test_the_batch_tells_its_workers_whether_the_class_names_matplotlib(tmp_path, monkeypatch):
    """grade_all.warm_workers looks at the class once and says it in each warming line (forkserver.plotting)."""
    from grader.batch import grade_all
    from grader.sandbox.limits import Limits

    class Told:
        def __init__(self):
            self.lines = []

        def warm(self, line):
            self.lines.append(line)

    for name, source, expected in (("plain", "x = 1", False), ("plots", "import matplotlib.pyplot as plt", True)):
        for i in range(3):
            _notebook(tmp_path / name / f"student_{i}.ipynb", source if i == 2 else "x = 1")
        workers = [Told(), Told()]
        monkeypatch.setattr(grade_all, "_early", workers)
        grade_all.warm_workers(tmp_path / name, ROOT / "reference" / "rnn", Limits(), tmp_path / f"{name}-out")
        assert [[line["plotting"] for line in w.lines] for w in workers] == [[expected], [expected]]


def test_the_workers_are_told_before_the_modules_that_write_the_class_files_are_imported(tmp_path):
    """On a first run (or --force) the folders' names don't matter to the warm start: warm_workers doesn't wait
    for class_files() to import the class page's and the gradebook's code (imported later, while workers boot)."""
    import subprocess
    import sys
    folder = tmp_path / "class"
    _notebook(folder / "amy.ipynb", "x = 1")
    (folder / "index.html.py").write_text("x = 1\n")  # named as the class page is: its folder is named otherwise
    looked = ("from grader.batch import grade_all; import sys;"
              " found = grade_all.to_grade({folder!r}, {out!r}, {force});"
              " print([e.name for e in found], 'grader.review.publish' in sys.modules)")
    for out, force in ((tmp_path / "none", False), (folder.parent, True)):
        ran = subprocess.run([sys.executable, "-c", looked.format(folder=str(folder), out=str(out), force=force)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert ran.stdout.strip().endswith("] False"), ran.stdout + ran.stderr
    (tmp_path / "out").mkdir()  # a run after another: the names are the batch's own, reserved ones avoided
    ran = subprocess.run([sys.executable, "-c", looked.format(folder=str(folder), out=str(tmp_path / "out"),
                                                              force=False)], cwd=ROOT, capture_output=True, text=True)
    assert ran.stdout.strip().endswith("] True"), ran.stdout + ran.stderr


def test_a_worker_begins_its_warm_start_before_it_imports_the_grading_code():
    """Both are Python in the worker's process (one interpreter lock); the zygote's boot, in a process of its own,
    is the longer way to the first grading, so it begins first (worker._boot_first)."""
    import json
    import subprocess
    import sys
    from grader.sandbox.limits import Limits
    started = ("import sys\nfrom grader.sandbox import forkserver\n"
               "def prestart(*args):\n"
               "    print('grading code imported:', 'grader.api' in sys.modules, file=sys.stderr, flush=True)\n"
               "forkserver.prestart = prestart\n"
               "from grader.batch import worker\nsys.exit(worker.main())\n")
    line = json.dumps(worker.warming(ROOT / "submissions" / "correct.py", ROOT / "reference" / "rnn", Limits()))
    ran = subprocess.run([sys.executable, "-c", started], cwd=ROOT, input=line + "\n", capture_output=True,
                         text=True, timeout=120)
    assert "grading code imported: False" in ran.stderr, ran.stderr
