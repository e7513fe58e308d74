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
