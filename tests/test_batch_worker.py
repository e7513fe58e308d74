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
