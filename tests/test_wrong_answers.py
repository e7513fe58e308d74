"""Wrong answers that several students share: a class where three students leave out the same bias (each written
differently), two share a mistake no variant knows and one fails alone, graded by grade-all. Their fingerprints
(report.json's instructor-only `answer`) group them, the class page lists the groups in headless Chromium, and the
"most common problem" column counts distinct problems. The fingerprint itself is checked on made-up values."""
import json

import jsonschema
import numpy as np
import pytest
from conftest import CORRECT, FAST, ROOT, mutate
from test_batch import CHROMIUM, FITS, in_browser

from grader.batch import grade_all as batch
from grader.checks import wrong_answer
from grader.report import gradescope, junit, markdown, terminal, wrong_answers

SCHEMA = json.loads((ROOT / "grader" / "report" / "schema.json").read_text())
CELL = "a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)"
CLASS = {
    "amy": (CELL, "# bias? <script>alert('x')</script>\n    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt))"),
    "bob": (CELL, "a_next = np.tanh(Wax @ xt + Waa @ a_prev)"),
    "cat": (CELL, "a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + 0 * ba)"),
    "dan": (CELL, "a_next = np.tanh(2 * np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)"),
    "eve": (CELL, "a_next = np.tanh(np.dot(Waa * 2, a_prev) + ba + np.dot(Wax, xt))"),
    "fay": (CELL, "a_next = np.tanh(3 * np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)"),
    "gus": None,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, rnn):
    root = tmp_path_factory.mktemp("shared")
    (root / "in").mkdir()
    for name, change in CLASS.items():
        (root / "in" / f"{name}.py").write_text(mutate(*change) if change else CORRECT)
    batch.grade_all(root / "in", root / "out", rnn, FAST, batch.Options(workers=2))
    reports = {name: json.loads((root / "out" / name / "report.json").read_text()) for name in CLASS}
    return root / "out", reports


def public(document, function="rnn_cell_forward"):
    return next(c for c in document["checks"] if c["id"] == f"{function}.public")


def test_the_same_wrong_answer_gets_the_same_fingerprint_whoever_wrote_it(graded):
    out, reports = graded
    for document in reports.values():
        jsonschema.validate(document, SCHEMA)
    prints = {name: public(d).get("answer", {}).get("fingerprint") for name, d in reports.items()}
    assert prints["amy"] == prints["bob"] == prints["cat"] is not None
    assert prints["dan"] == prints["eve"] is not None
    assert len({prints["amy"], prints["dan"], prints["fay"]}) == 3 and prints["gus"] is None
    assert all("answer" not in c for d in reports.values() for c in d["checks"] if c["status"] == "passed")


def test_the_class_page_lists_each_shared_answer_once_named_where_a_variant_explains_it(graded):
    out, reports = graded
    groups = wrong_answers.shared(list(reports.values()))
    assert list(groups) == ["rnn_cell_forward"]
    biggest, second = groups["rnn_cell_forward"]
    assert biggest.members == ["amy", "bob", "cat"] and biggest.mistakes == ["rnn_cell_forward.bias_left_out"]
    assert biggest.check == "rnn_cell_forward.public" and "rnn_cell_forward.hidden_values" in dict(biggest.also)
    assert second.members == ["dan", "eve"] and second.mistakes == []
    page = (out / "index.html").read_text()
    table = page[page.index('<table id="wrong-answers">'):]
    table = table[:table.index("</table>")]
    assert table.count('<tr class="group">') == 2 and "fay" not in table
    assert table.index(">amy<") < table.index(">dan<")  # largest first
    assert "<code>rnn_cell_forward.bias_left_out</code>" in table and "none known" in table
    assert "first at a_next[0][0]: expected" in table  # the shared message with its first difference
    assert 'href="amy/report.md"' in table and 'href="eve/report.md"' in table
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in table and "<script>" not in table  # amy's code


def test_the_most_common_problem_counts_distinct_problems_not_first_lines(graded):
    out, reports = graded
    label, students, distinct = wrong_answers.problems(list(reports.values()))["rnn_cell_forward.public"]
    assert (students, distinct) == (3, 3)  # first lines alone would make one problem of 6 students
    assert label.startswith("a_next differs in ") and "; first at a_next[0][0]" in label
    page = (out / "index.html").read_text()
    assert "(3; 3 distinct problems)" in page


def test_no_student_facing_output_shows_the_fingerprint(graded):
    out, reports = graded
    document = reports["amy"]
    answer = public(document)["answer"]
    texts = [markdown.render(document), terminal.render(document, ROOT), junit.render(document),
             json.dumps(gradescope.render(document)), (out / "amy" / "results.json").read_text(),
             (out / "amy" / "report.md").read_text()]
    for text in texts:
        assert answer["fingerprint"] not in text and answer["case"] not in text and "probe" not in text


def test_public_mode_writes_no_fingerprint(tmp_path, rnn):
    from grader.assignment import find
    from grader.grade import grade
    path = tmp_path / "amy.py"
    path.write_text(mutate(*CLASS["bob"]))
    graded = grade(path, find("rnn", public_only=True), FAST, public_only=True)
    failed = [r for r in graded.results if r.status == "failed"]
    assert failed and all(r.answer is None for r in failed)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (`make setup` installs it as root)")
def test_the_groups_show_in_a_browser(graded, tmp_path):
    out, _ = graded
    found, dom = in_browser(out / "index.html", tmp_path, "")
    seen = found["probe"]
    assert seen["errors"] == [] and seen["rows"]["wrong-answers"] == 2
    assert "alert(" in dom and "<script>alert" not in dom  # shown as text, never run


# The fingerprint on made-up values: float noise never splits an answer, a real difference always does.
def _answer(values, args=(np.ones(3),)):
    return wrong_answer.record(args, {"y": values}, rtol=1e-5, atol=1e-6)


def test_float_noise_keeps_the_fingerprint_and_a_difference_beyond_the_tolerance_changes_it():
    values = np.random.default_rng(0).standard_normal((5, 10, 7))
    noisy = values * (1 + 1e-14 * np.random.default_rng(1).standard_normal(values.shape))
    assert _answer(values)["fingerprint"] == _answer(noisy)["fingerprint"]
    one, step = values.copy(), values.copy()
    one[2, 3, 4] *= 1.1  # one entry of 350
    step[:, :, -1] *= 1.01  # the last time step, by a percent
    for other in (one, step):
        assert _answer(values)["fingerprint"] != _answer(other)["fingerprint"]
        assert not wrong_answers.close(_answer(values), _answer(other))
    assert _answer(values)["fingerprint"] != _answer(values, args=(np.zeros(3),))["fingerprint"]


def test_answers_equal_at_the_tolerance_but_not_on_the_grid_are_merged():
    values = np.random.default_rng(2).standard_normal((4, 6))
    near = values * (1 + 2e-6)  # within rtol = 1e-5, but beyond the grid's hundredth of it
    a, b = _answer(values), _answer(near)
    assert a["fingerprint"] != b["fingerprint"] and wrong_answers.close(a, b)
    reports = [{"submission": name, "checks": [{"id": "f.public", "function": "f", "status": "failed",
                                                "message": "y differs", "diagnoses": [], "answer": answer}]}
               for name, answer in (("amy", a), ("bob", b), ("cat", _answer(-values)))]
    [group] = wrong_answers.shared(reports)["f"]
    assert group.members == ["amy", "bob"]


def test_the_mistakes_verb_gives_the_class_figures_and_the_groups_no_variant_explains(graded, tmp_path):
    import subprocess
    import sys
    out, _ = graded
    run = subprocess.run([sys.executable, "-m", "grader", "mistakes", str(out)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("7 submissions; value failures on the public case: 6, named 3;")
    assert lines[1] == "wrong answers shared by two or more students: 2 groups (sizes: 3 x1, 2 x1), 1 named"
    assert "    3  rnn_cell_forward.public: rnn_cell_forward.bias_left_out" in lines
    assert "    2  rnn_cell_forward.public: NO VARIANT EXPLAINS IT" in lines
    assert lines[-1] == "unnamed value failures on the public case, by check: rnn_cell_forward.public 3"
    empty = subprocess.run([sys.executable, "-m", "grader", "mistakes", str(tmp_path)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert empty.returncode == 2 and "holds no reports" in empty.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (`make setup` installs it as root)")
def test_the_class_page_fits_a_small_screen_with_names_as_long_as_a_real_class_has(graded, tmp_path):
    """The same reports under names as collected from public repositories (owner, repository, commit: 60 characters
    with no space), with a flagged pair of them: the page fits a 1024-pixel window (the students' table scrolls in
    its own box, as it is meant to)."""
    from grader.report import classpage
    _, reports = graded
    long = {name: f"{name}-Lastname__Building_a_Recurrent_Neural_Network_Step_by_Step__0123abcd" for name in reports}
    renamed = []
    for name, document in reports.items():
        document = {**document, "submission": long[name]}
        other = long["bob" if name == "amy" else "amy"]
        document["similarity"] = {"neighbours": [{"other": other, "flagged": name in ("amy", "bob"), "score": 0.9}]}
        renamed.append(document)
    page = tmp_path / "index.html"
    page.write_text(classpage.render(renamed))
    seen, dom = in_browser(page, tmp_path, FITS, "--window-size=1024,900")
    assert "wrong-answers" in dom and 'id="similarity"' in dom
    assert seen["fits"] <= 0, f"{seen['fits']} pixels wider than the window"
