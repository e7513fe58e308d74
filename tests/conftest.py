import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import assignment, report  # noqa: E402
from grader.grade import grade  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402

CORRECT = (ROOT / "submissions" / "correct.py").read_text()
FAST = Limits(call_seconds=2.0, load_seconds=20.0, cell_seconds=5.0, memory_mb=1024)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test (rep_setup, rep_call): a fixture can see that its test failed (the browser
    tests keep a screenshot then)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def rnn():
    return assignment.find("rnn")


def mutate(old, new, source=CORRECT):
    """The correct submission with one piece of text replaced; fails loudly if the text isn't there."""
    assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times in the correct submission"
    return source.replace(old, new)


def loaded_program(tmp_path, source, limits):
    """A Program (the sandbox with the student's side running) loaded from `source` written as code.py."""
    from grader.sandbox import intake
    from grader.sandbox.program import Program
    (tmp_path / "code.py").write_text(source)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    made = Program(scratch, intake.take_in(tmp_path / "code.py", scratch), limits)
    made.load()
    return made


@pytest.fixture
def grade_source(tmp_path, rnn):
    """Grade Python source text as a submission file; returns the report dictionary."""
    def run(source, name="student.py", limits=FAST):
        path = tmp_path / name
        path.write_text(source)
        return report.build(grade(path, rnn, limits), rnn, limits)
    return run


@pytest.fixture(autouse=True)
def no_zygote_booted_after_a_grading(monkeypatch, request):
    """A process that grades again forks its next sandboxes from a zygote that its first grading boots
    (forkserver.prestart); in the tests, whose limits differ from one test to the next and whose order is random,
    that would boot a zygote per test and make a test's sandbox depend on the tests before it. Tests marked
    warm_start keep it (tests/test_forkserver.py); the batch's warm start is unchanged."""
    if request.node.get_closest_marker("warm_start") is None:
        from grader.sandbox import forkserver
        monkeypatch.setattr(forkserver, "prestart", lambda *args: None)


@pytest.fixture(autouse=True)
def nothing_kept_by_an_earlier_command(monkeypatch, tmp_path_factory):
    """Each test grades as a first command on this machine: what an earlier command kept for the next ones
    (grader.sandbox.kept, and the TOML files' parses: grader.declared) is looked for, and kept, in a folder of the
    test's own."""
    from grader.install import declared
    from grader.sandbox import kept
    monkeypatch.setattr(kept, "FOLDER", tmp_path_factory.mktemp("kept"))
    monkeypatch.setattr(declared, "KEPT", kept.FOLDER / "declared.json")


@pytest.fixture
def cold_sandboxes(monkeypatch):
    """Every sandbox of the test starts cold: none is forked from a zygote (grader/sandbox/forkserver.py), which a
    process that grades more than once uses from its second grading on, nor is a zygote started."""
    from grader.sandbox import forkserver, process
    monkeypatch.setattr(process.Sandbox, "forks", None)
    monkeypatch.setattr(forkserver, "prestart", lambda *args: None)


def by_function(document):
    return {name: entry["score"] for name, entry in document["functions"].items()}


def full_marks(document):
    return {name: entry["max_score"] for name, entry in document["functions"].items()}
