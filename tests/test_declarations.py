"""An assignment's declarations are checked when it loads: each wrong one is refused in one line that names the
file and the key, with exit status 2 (`python -m grader check-assignment FOLDER`), and a broken assignment never
stops the grading of another's submissions. Each case breaks one thing in a copy of reference/rnn_layers."""
import shutil
import subprocess
import sys

import pytest

from grader import assignment, detect
from grader.errors import UsageError

from conftest import ROOT

LAYERS = ROOT / "reference" / "rnn_layers"


def _copy(tmp_path, name="broken"):
    folder = tmp_path / name
    shutil.copytree(LAYERS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _refusal(folder):
    """What `check-assignment FOLDER` prints on standard error, from a load in this process (quicker)."""
    for name in [m for m in sys.modules if m == f"_assignment_{folder.name}" or m.startswith(
            f"_assignment_{folder.name}.")]:
        del sys.modules[name]
    try:
        assignment.load(folder)
    except UsageError as exc:
        return f"grader: {exc}"
    return ""


def _check(folder):
    return subprocess.run([sys.executable, "-m", "grader", "check-assignment", str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


BROKEN = {
    "a forward that is not a function of the solution": (
        "assignment.toml", 'forward = "rnn_step_forward"', 'forward = "rnn_step_foward"',
        "broken/assignment.toml: backward.rnn_step_backward.forward (line ", "'rnn_step_foward' is not a function"),
    "a backward table without gradients": (
        "assignment.toml", 'outputs = ["dW"]\ngradients = [1]\n', 'outputs = ["dW"]\n',
        "broken/assignment.toml: backward.word_embedding_backward.gradients (line ", "missing"),
    "outputs and gradients of different lengths": (
        "assignment.toml", "gradients = [0, 1, 2, 3, 4]\n", "gradients = [0, 1, 2, 3]\n",
        "broken/assignment.toml: backward.rnn_step_backward.gradients (line ", "4 entries for 5 outputs"),
    "a public check the assignment doesn't have": (
        "assignment.toml", 'public_checks = ["public"]', 'public_checks = ["structure"]',
        "broken/assignment.toml: student.public_checks (line ", "'structure' is not a kind of check"),
    "rubric points for a check that doesn't exist": (
        "rubric.toml", "[rnn_step_forward]\n", "[rnn_step_forward]\ngradcheck = 2\n",
        "broken/rubric.toml: rnn_step_forward.gradcheck (line ", "the kinds of check of rnn_step_forward are"),
    "rubric points for a function nobody declares": (
        "rubric.toml", "[submission]\n", "[relu_forward]\npublic = 1\n\n[submission]\n",
        "broken/rubric.toml: relu_forward.public (line ", "relu_forward has no check"),
    "a TOML syntax error": (
        "rubric.toml", "[rnn_step_forward]\n", "[rnn_step_forward\n",
        "broken/rubric.toml: the file (line ", "not valid TOML"),
    "an unknown key (a typo)": (
        "assignment.toml", "[tolerance]\nrtol", "[tolerance]\nrtoll = 1\nrtol",
        "broken/assignment.toml: tolerance.rtoll (line ", "valid keys: rtol, atol"),
    "a gradient of an argument the forward doesn't have": (
        "assignment.toml", "gradients = [0]\n", "gradients = [3]\n",
        "broken/assignment.toml: backward.temporal_average_backward.gradients (line ", "3 is not an argument"),
    "an invariant of an output the function doesn't have": (
        "assignment.toml", '{output = "out", batch = 0, inputs = ["x"]}]', '{output = "h", batch = 0, inputs = ["x"]}]',
        "broken/assignment.toml: functions.word_embedding_forward.invariants (line ", "output 'h' is not one of"),
    "a cache that is neither own nor reference": (
        "assignment.toml", 'forward = "rnn_forward"\n', 'forward = "rnn_forward"\ncache = "mine"\n',
        "broken/assignment.toml: backward.rnn_backward.cache (line ", "'mine' is not one of 'own', 'reference'"),
    "a backward recipe without expect": (
        "cases.py", "lambda f=function, c=case: arguments(f, c), describe, expect)",
        "lambda f=function, c=case: arguments(f, c), describe, None)",
        "broken/cases.py: recipes() rnn_step_backward/notebook: ", "needs `expect`"),
    "a package the course used that is not installed": (
        "assignment.toml", 'packages = ["future"]', 'packages = ["future", "no-such-package-here"]',
        "broken/assignment.toml: packages (line ", "'no-such-package-here' is not installed"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_wrong_declaration_is_refused_in_one_line_naming_file_and_key(tmp_path, case):
    file, old, new, where, what = BROKEN[case]
    folder = _copy(tmp_path)
    _edit(folder / file, old, new)
    lines = _refusal(folder).splitlines()
    assert len(lines) == 1 and lines[0].startswith("grader: " + where) and what in lines[0], lines


def test_the_command_refuses_a_wrong_declaration_with_exit_status_2(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "assignment.toml", 'forward = "rnn_step_forward"', 'forward = "rnn_step_foward"')
    done = _check(folder)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    assert done.stderr.strip().splitlines() == [_refusal(folder)]


def test_the_real_assignments_and_an_untouched_copy_are_valid(tmp_path):
    for folder in (ROOT / "reference" / "rnn", _copy(tmp_path, "copy")):
        assert _refusal(folder) == ""
    done = _check(LAYERS)
    assert done.returncode == 0 and "the declarations are valid" in done.stdout, done.stderr


def test_detection_skips_a_broken_assignment_and_says_so(tmp_path, capsys):
    broken = _copy(tmp_path, "zz_broken")
    _edit(broken / "rubric.toml", "[rnn_step_forward]\n", "[rnn_step_forward\n")
    submission = ROOT / "submissions" / "rnn_layers" / "layers_correct.py"
    chosen = detect.choose([ROOT / "reference" / "rnn", broken, LAYERS], [submission])
    assert chosen == "rnn_layers"
    said = capsys.readouterr().err
    assert "zz_broken/rubric.toml" in said and "skipped" in said, said


def test_a_notebook_that_is_not_json_is_named_before_the_assignment_question(tmp_path):
    notebook = tmp_path / "rnn.ipynb"
    notebook.write_text("def rnn_forward(x):\n    pass\n")  # a .py saved under a notebook's name
    with pytest.raises(UsageError) as raised:
        detect.choose([ROOT / "reference" / "rnn", LAYERS], [notebook])
    message = str(raised.value)
    assert message.startswith(f"{notebook} can't be read as a notebook"), message
    assert "--assignment NAME" in message and message.index("can't be read") < message.index("--assignment")


def test_grading_several_goes_on_past_one_that_cant_be_graded(tmp_path):
    notebook = tmp_path / "broken.ipynb"
    notebook.write_text("not a notebook")
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(notebook),
                           str(ROOT / "submissions" / "rnn_layers" / "layers_correct.py"), "--out", str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert f"grader: {notebook}: not graded: {notebook} can't be read as a notebook" in done.stderr, done.stderr
    assert (tmp_path / "out" / "layers_correct" / "report.json").is_file()


def test_a_text_found_valid_is_not_checked_again_and_an_edited_one_is(tmp_path, monkeypatch):
    """A new process (here: the per-process memory emptied) takes a declaration file whose text, with its schema,
    was found valid before (its digest kept in the folder's __pycache__) without jsonschema; an edit is checked."""
    from grader.authoring import validate
    folder = _copy(tmp_path, "remembered")
    assert _refusal(folder) == ""
    assert (folder / validate.VALID).is_file()
    monkeypatch.setattr(validate, "_READ", {})
    monkeypatch.setattr(validate, "_VALID", {})
    checked = []
    validator = validate._validator
    monkeypatch.setattr(validate, "_validator", lambda file: checked.append(file) or validator(file))
    assert _refusal(folder) == "" and checked == []
    _edit(folder / "rubric.toml", "[", "unknown_key = 1\n[")
    assert "rubric.toml" in _refusal(folder) and checked == ["rubric.toml"]


def test_a_toml_file_is_parsed_once_and_its_parse_kept_for_the_next_commands(tmp_path, monkeypatch):
    """A new command (here: the per-process memory emptied) takes a TOML file's parse that an earlier one kept, each
    reader a copy of its own; an edited file is parsed again."""
    import tomllib
    from grader.install import declared
    path = tmp_path / "assignment.toml"
    path.write_text('title = "x"\n[tolerance]\nrtol = 1e-05\natol = 0.0\nsteps = 3\n[calls]\nf = ["g", "h"]\n')
    parses, parse = [], tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: parses.append(text) or parse(text))
    first = declared.load(path)
    assert first == parse(path.read_text()) and len(parses) == 1
    declared._known.clear()
    again = declared.load(path)
    assert again == first and len(parses) == 1 and type(again["tolerance"]["atol"]) is float
    again["tolerance"]["rtol"] = 1.0
    assert declared.load(path)["tolerance"]["rtol"] == 1e-05
    for broken in ("not JSON", "[1]"):  # a kept parse that is not ours: parsed again
        kept = declared._read()
        kept.update(dict.fromkeys(kept, broken))
        assert declared.load(path) == first
    assert len(parses) == 3
    _edit(path, "1e-05", "0.001")
    declared._known.clear()
    assert declared.load(path)["tolerance"]["rtol"] == 0.001 and len(parses) == 4


def test_a_text_that_is_not_toml_is_refused_each_time_and_a_date_is_never_kept(tmp_path):
    import datetime
    from grader.install import declared
    broken = _copy(tmp_path)
    _edit(broken / "rubric.toml", "[", "x = \n[")
    for _ in range(2):
        declared._known.clear()
        assert _refusal(broken) == ("grader: broken/rubric.toml: the file (line 14): not valid TOML: Invalid value"
                                    " (at line 14, column 5)")
    dated = tmp_path / "dated.toml"
    dated.write_text("due = 2026-12-07\n")
    for _ in range(2):
        declared._known.clear()
        assert declared.load(dated) == {"due": datetime.date(2026, 12, 7)}
