"""The student's handout made from the assignment: stubs that grade to zero with one message per function, the
reference's bodies pasted in get full marks, the tables are the public fixtures (all 23 values seed 002 prints),
a recipe's change reaches the tables and check-fixtures, and a second assignment gets its handout from the same
code. A student's path (fill in the notebook, run the public checks) runs end to end."""
import ast
import json
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import replace

import nbformat
import numpy as np
import pytest
from conftest import FAST, ROOT

from grader import assignment as assignments
from grader import fixtures, handout, report
from grader.grade import grade
from grader.handout import source, spec
from grader.handout.writer import notebook
from grader.report import github, markdown
from grader.platforms import gradescope, student_repo

NOTEBOOK = "Building_a_Recurrent_Neural_Network_Step_by_Step.ipynb"
STUB = re.compile(r'    # YOUR CODE HERE\n    raise NotImplementedError\("(\w+) is not written yet"\)')

# The 23 values (not shapes or lengths) of seed 002's expected-output tables, by function and row, as printed.
PUBLISHED = {
    ("rnn_cell_forward", "a_next[4]"): [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201, 0.99980978,
                                        -0.18887155, 0.99815551, 0.6531151, 0.82872037],
    ("rnn_cell_forward", "yt[1]"): [0.9888161, 0.01682021, 0.21140899, 0.36817467, 0.98988387, 0.88945212,
                                    0.36920224, 0.9966312, 0.9982559, 0.17746526],
    ("rnn_forward", "a[4][1]"): [-0.99999375, 0.77911235, -0.99861469, -0.99833267],
    ("rnn_forward", "y[1][3]"): [0.79560373, 0.86224861, 0.11118257, 0.81515947],
    ("rnn_forward", "cache[1][1][3]"): [-1.1425182, -0.34934272, -0.20889423, 0.58662319],
    ("lstm_cell_forward", "a_next[4]"): [-0.66408471, 0.0036921, 0.02088357, 0.22834167, -0.85575339, 0.00138482,
                                         0.76566531, 0.34631421, -0.00215674, 0.43827275],
    ("lstm_cell_forward", "c_next[2]"): [0.63267805, 1.00570849, 0.35504474, 0.20690913, -1.64566718, 0.11832942,
                                         0.76449811, -0.0981561, -0.74348425, -0.26810932],
    ("lstm_cell_forward", "yt[1]"): [0.79913913, 0.15986619, 0.22412122, 0.15606108, 0.97057211, 0.31146381,
                                     0.00943007, 0.12666353, 0.39380172, 0.07828381],
    ("lstm_cell_forward", "cache[1][3]"): [-0.16263996, 1.03729328, 0.72938082, -0.54101719, 0.02752074,
                                           -0.30821874, 0.07651101, -1.03752894, 1.41219977, -0.37647422],
    ("lstm_forward", "a[4][3][6]"): [0.172117767533],
    ("lstm_forward", "y[1][4][3]"): [0.95087346185],
    ("lstm_forward", "caches[1][1][1]"): [0.82797464, 0.23009474, 0.76201118, -0.22232814, -0.20075807, 0.18656139,
                                          0.41005165],
    ("lstm_forward", "c[1][2][1]"): [-0.855544916718],
    ("rnn_cell_backward", 'gradients["dxt"][1][2]'): [-0.460564103059],
    ("rnn_cell_backward", 'gradients["da_prev"][2][3]'): [0.0842968653807],
    ("rnn_cell_backward", 'gradients["dWax"][3][1]'): [0.393081873922],
    ("rnn_cell_backward", 'gradients["dWaa"][1][2]'): [-0.28483955787],
    ("rnn_cell_backward", 'gradients["dba"][4]'): [0.80517166],
    ("rnn_backward", 'gradients["dx"][1][2]'): [-2.07101689, -0.59255627, 0.02466855, 0.01483317],
    ("rnn_backward", 'gradients["da0"][2][3]'): [-0.314942375127],
    ("rnn_backward", 'gradients["dWax"][3][1]'): [11.2641044965],
    ("rnn_backward", 'gradients["dWaa"][1][2]'): [2.30333312658],
    ("rnn_backward", 'gradients["dba"][4]'): [-0.74747722],
}


@pytest.fixture(scope="module")
def made(tmp_path_factory, rnn):
    """The handout of the RNN assignment, written into a temporary folder."""
    folder = tmp_path_factory.mktemp("handout") / "rnn"
    handout.build(rnn, folder)
    return folder


def reference_bodies(assignment):
    """{function: its body in the reference, docstring left out}, as a student would write it in the stub."""
    text = (assignment.folder / "solution.py").read_text()
    lines = text.splitlines()
    bodies = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            first = node.body[1] if ast.get_docstring(node) else node.body[0]
            bodies[node.name] = "\n".join(lines[first.lineno - 1:node.end_lineno])
    return bodies


def fill(source, bodies):
    """The stubs in `source` with the bodies pasted in place of `# YOUR CODE HERE` and its `raise`."""
    filled, count = STUB.subn(lambda m: bodies[m[1]], source)
    assert count, "no stub in the source"
    return filled


def tables(notebook_path):
    """{(function, label): value as the table shows it}, read from the notebook's Markdown."""
    nb = nbformat.read(notebook_path, as_version=4)
    rows, function = {}, None
    for cell in nb.cells:
        if cell.cell_type == "code" and "function" in cell.metadata.get("grader", {}):
            function = cell.metadata["grader"]["function"]
        for label, value in re.findall(r"^\| `(.+?)` \| `(.+?)` \|$", cell.source, re.MULTILINE):
            if cell.cell_type == "markdown":
                rows[(function, label)] = value
    return rows


def _printed_digits(value):
    decimals = len(repr(float(value)).split(".")[1].rstrip("0")) if "." in repr(float(value)) else 0
    return 0.5 * 10.0 ** -decimals + 1e-15


def test_the_handout_folder_holds_a_valid_notebook_the_template_the_cases_and_the_helpers(made, rnn):
    names = {p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file()}
    assert {NOTEBOOK, "rnn.py", "rnn_utils.py", "public_cases/rnn_backward/handout.json"} <= names
    nb = nbformat.read(made / NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    stubs = [c for c in nb.cells if "function" in c.metadata.get("grader", {})]
    assert [c.metadata["grader"]["function"] for c in stubs] == list(rnn.standard.functions)
    assert stubs[0].source.startswith("def rnn_cell_forward(xt, a_prev, parameters):")
    assert "# YOUR CODE HERE" in stubs[0].source and "a_prev -- the hidden state" in stubs[0].source
    assert "a⟨t⟩ = tanh(Waa a⟨t-1⟩ + Wax x⟨t⟩ + ba)" in "".join(c.source for c in nb.cells)
    # an answer cell for each item people grade (manual.toml), tagged where the grading of those items looks first
    answers = {c.metadata["grader"]["manual"]: c.metadata.get("tags") for c in nb.cells
               if "manual" in c.metadata.get("grader", {})}
    assert answers == {item["id"]: [item.get("tag", item["id"])] for item in rnn.manual}
    case = json.loads((made / "public_cases" / "rnn_backward" / "handout.json").read_text())
    assert "expected" not in case and case["args"]
    # only the public cases: nothing of the hidden fixtures reaches the handout
    shipped = {p.relative_to(made / "public_cases").with_suffix("").as_posix()
               for p in (made / "public_cases").rglob("*.json")}
    public = fixtures.load(rnn.fixtures, "public")
    assert shipped == {f"{f.function}/{f.name}" for cases in public.values() for f in cases}


def test_the_tables_show_all_23_published_values_to_the_printed_digits(made):
    shown = tables(made / NOTEBOOK)
    assert len(PUBLISHED) == 23
    for key, printed in PUBLISHED.items():
        got = [float(v) for v in shown[key].strip("[]").split()]
        assert len(got) == len(printed), key
        for g, p in zip(got, printed):
            assert abs(g - p) <= _printed_digits(p), f"{key}: table shows {g!r}, seed 002 printed {p!r}"
    assert shown[("rnn_forward", "len(cache)")] == "2" and shown[("lstm_forward", "a.shape")] == "(5, 10, 7)"


def test_the_stubs_grade_to_zero_with_one_message_per_function(made, rnn):
    for path in (made / "rnn.py", made / NOTEBOOK):
        document = report.build(grade(path, rnn, FAST), rnn, FAST)
        assert document["score"] == 0 and document["loaded"], path
        by_function = {}
        for check in document["checks"][1:]:
            by_function.setdefault(check["function"], []).append(check)
        for function, checks in by_function.items():
            first, rest = checks[0], checks[1:]
            assert first["status"] == "error"
            assert first["message"].startswith(f"{function} is not written yet: it raises NotImplementedError")
            assert {c["status"] for c in rest} == {"skipped"}
            assert {c["message"] for c in rest} == {f"not run: {function} is not written yet (see {first['id']})"}
        # report.md: for each function, its error and one section for the checks skipped because of it
        sections = re.findall(r"^### (.*)$", markdown.render(document), re.MULTILINE)
        assert len(sections) == 2 * len(by_function), sections


def test_a_stub_that_returns_none_is_said_once_too(tmp_path, rnn):
    path = tmp_path / "rnn.py"
    path.write_text("def rnn_cell_forward(xt, a_prev, parameters):\n    # YOUR CODE HERE\n    pass\n")
    document = report.build(grade(path, rnn, FAST, public_only=False), rnn, FAST)
    checks = [c for c in document["checks"] if c["function"] == "rnn_cell_forward"]
    assert checks[0]["message"].startswith("rnn_cell_forward is not written yet: it returned None")
    assert {c["status"] for c in checks[1:]} == {"skipped"}


def test_a_placeholder_left_as_the_handout_gave_it_is_said_once_as_not_written_yet(tmp_path, rnn):
    """Coursera's notebooks leave `n_x, m = None` for the student to fill in: it raises on every call, so the report
    says once where it is, as for a stub, instead of the same TypeError on every check."""
    path = tmp_path / "rnn.py"
    path.write_text("def rnn_cell_forward(xt, a_prev, parameters):\n    n_x, m = None  # xt's shape\n"
                    "    return None\n\n\ndef cell(xt):\n    (n_x, m) = None\n\n\n"
                    "def rnn_forward(x, a0, parameters):\n    return cell(x)\n")
    document = report.build(grade(path, rnn, FAST, public_only=True), rnn, FAST)
    checks = [c for c in document["checks"] if c["function"] == "rnn_cell_forward"]
    assert checks[0]["status"] == "error" and checks[0]["message"] == (
        "rnn_cell_forward is not written yet: it stops at a placeholder, at line 2 of rnn.py: n_x, m = None  # xt's"
        " shape; put the code it stands for in place of the None")
    assert {c["status"] for c in checks[1:]} == {"skipped"} and document["score"] == 0
    assert any(",line=2,title=rnn_cell_forward.structure" in a for a in github.annotations(document, path))
    # a placeholder in a helper it calls is the helper's: the function is written, and the error says where
    forward = [c for c in document["checks"] if c["function"] == "rnn_forward"]
    assert forward[0]["message"].startswith("rnn_forward raised TypeError: cannot unpack non-iterable NoneType")
    assert "line 7 of rnn.py: (n_x, m) = None" in forward[0]["message"]


def test_a_function_that_calls_an_unwritten_stub_is_not_itself_called_unwritten(tmp_path, rnn):
    bodies = reference_bodies(rnn)
    template = tmp_path / "h"
    handout.build(rnn, template)
    text = (template / "rnn.py").read_text()
    text = STUB.sub(lambda m: m[0] if m[1] == "rnn_cell_forward" else bodies[m[1]], text)
    (template / "rnn.py").write_text(text)
    document = report.build(grade(template / "rnn.py", rnn, FAST, public_only=True), rnn, FAST)
    forward = next(c for c in document["checks"] if c["id"] == "rnn_forward.structure")
    assert forward["status"] == "error" and "rnn_forward is not written yet" not in forward["message"]
    assert "rnn_cell_forward is not written yet" in forward["message"]


def test_the_reference_bodies_pasted_into_the_template_get_full_marks_and_print_the_tables(made, rnn, tmp_path):
    work = tmp_path / "student"
    shutil.copytree(made, work)
    (work / "rnn.py").write_text(fill((work / "rnn.py").read_text(), reference_bodies(rnn)))
    document = report.build(grade(work / "rnn.py", rnn, FAST), rnn, FAST)
    assert document["score"] == document["max_score"] + document["extra_credit_max"], [
        c["message"] for c in document["checks"] if c["status"] != "passed"]
    run = subprocess.run([sys.executable, "rnn.py"], cwd=work, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    printed = [line.split(" = ", 1) for line in run.stdout.splitlines() if " = " in line]
    assert printed == [[label, value] for (_, label), value in tables(made / NOTEBOOK).items()]


def test_a_student_fills_in_the_notebook_and_passes_the_public_checks(made, rnn, tmp_path):
    """The student's path: open the notebook, write each function in its stub cell, run the public checks."""
    work = tmp_path / "student"
    shutil.copytree(made, work)
    nb = nbformat.read(work / NOTEBOOK, as_version=4)
    bodies = reference_bodies(rnn)
    for cell in nb.cells:
        if "function" in cell.metadata.get("grader", {}):
            cell.source = fill(cell.source, bodies)
    nbformat.write(nb, work / NOTEBOOK)
    out = tmp_path / "report"
    # The workspace folder is graded: its only notebook, with public_cases/ and the helpers beside it.
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(work), "--public", "--out",
                          str(out), "--fail-under", "100"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    document = json.loads((out / "report.json").read_text())
    assert (document["score"], document["max_score"], document["extra_credit"]) == (16, 12, 4)
    assert not document["cells"]  # no cell raised
    # Every case cell printed its table's rows, as the table beside it shows them.
    executed = nbformat.read(out / "executed.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if "case" in c.metadata.get("grader", {})
                      for o in c.get("outputs", []))
    expected = "".join(f"{label} = {value}\n" for (_, label), value in tables(made / NOTEBOOK).items())
    assert printed == expected
    # and the instructor's full grading gives the same notebook every point, extra credit included
    full = report.build(grade(work, rnn, FAST), rnn, FAST)
    assert full["score"] == full["max_score"] + full["extra_credit_max"] == 52 + 20


def test_changing_a_recipe_changes_the_tables_and_check_fixtures_names_the_drift(rnn, tmp_path):
    copy = tmp_path / "rnn_changed"  # another name: the real folder's modules stay loaded as they are
    shutil.copytree(rnn.folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
    cases = copy / "cases.py"
    old = "def _handout_rnn(shape_x):\n    np.random.seed(1)"
    assert old in cases.read_text()
    cases.write_text(cases.read_text().replace(old, "def _handout_rnn(shape_x):\n    np.random.seed(2)"))
    changed = assignments.load(copy)
    drift = fixtures.check(changed, rnn.fixtures)  # regenerates into a temporary folder; reads the real ones
    assert "public/rnn_cell_forward/handout.json: ['args'][0] drifted (recipe the handout's rnn_cell_forward" \
           " cell (seed 1))" in drift
    assert not [line for line in drift if "lstm" in line]
    fixtures.generate(changed, tmp_path / "fixtures")
    handout.build(changed, tmp_path / "new", tmp_path / "fixtures")
    handout.build(rnn, tmp_path / "old")
    old_rows, new_rows = tables(tmp_path / "old" / NOTEBOOK), tables(tmp_path / "new" / NOTEBOOK)
    assert old_rows[("rnn_cell_forward", "a_next[4]")] != new_rows[("rnn_cell_forward", "a_next[4]")]
    assert old_rows[("lstm_forward", "a[4][3][6]")] == new_rows[("lstm_forward", "a[4][3][6]")]
    assert old_rows[("rnn_cell_forward", "a_next.shape")] == new_rows[("rnn_cell_forward", "a_next.shape")]


TOY_SOLUTION = '''
import numpy as np


def affine_forward(x, w, b):
    """An affine layer: x (N, D) times w (D, M), plus b (M,).

    Returns out (N, M) and the cache (x, w, b)."""
    out = x @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx, dw, db = dout @ w.T, x.T @ dout, dout.sum(axis=0)
    return dx, dw, db
'''

TOY_CASES = '''
import numpy as np

from grader.fixtures import Recipe


def _case():
    draw = np.random.default_rng(0).standard_normal
    return draw((2, 3)), draw((3, 4)), draw(4)


def recipes():
    return [Recipe("affine_forward", "example", "public", 0, _case, "the example (seed 0)")]
'''

TOY_CHECKS = '''
from grader.checks.suite import Suite

suite = Suite("toy")
for name in ("affine_forward", "affine_backward"):
    suite.check(f"{name}.public", name, description=f"{name} on the example")(lambda context: None)
'''

# A backward case as an assignment may keep it: the forward's arguments and the upstream gradient, and an
# expected dict with both passes (the backward is called with the cache of the student's own forward).
TOY_BACKWARD = {"call": "affine_backward(args[3], affine_forward(*args[:3])[1])", "expected": "backward",
                "outputs": ["dx", "dw", "db"], "show": ["dx.shape", "dw[0]", "db"]}


def _toy(tmp_path, name="toy_layers"):
    """A small assignment folder; each test its own name, since a loaded assignment's modules stay loaded."""
    folder = tmp_path / name
    folder.mkdir()
    for name, text in (("__init__.py", ""), ("solution.py", TOY_SOLUTION), ("cases.py", TOY_CASES),
                       ("checks.py", TOY_CHECKS), ("rubric.toml", "[affine_forward]\npublic = 1\n"
                                                                  "[affine_backward]\npublic = 1\n"),
                       ("assignment.toml", 'title = "Layers"\n[tolerance]\nrtol = 1e-5\natol = 1e-6\n')):
        (folder / name).write_text(textwrap.dedent(text))
    toy = assignments.load(folder)
    fixtures.generate(toy, tmp_path / "fixtures")
    x, w, b = toy.package.cases._case()
    dout = np.random.default_rng(1).standard_normal((2, 4))
    out, cache = toy.solution.affine_forward(x, w, b)
    record = {"function": "affine_backward", "name": "example", "visibility": "public", "describe": "the example",
              "args": fixtures.to_json((x, w, b, dout)),
              "expected": fixtures.to_json({"forward": (out,), "backward": toy.solution.affine_backward(dout, cache)})}
    (tmp_path / "fixtures" / "public" / "affine_backward").mkdir()
    (tmp_path / "fixtures" / "public" / "affine_backward" / "example.json").write_text(json.dumps(record))
    return toy


def test_a_second_assignment_gets_its_handout_from_the_same_code(tmp_path):
    toy = _toy(tmp_path)
    made = spec.read(toy, tmp_path / "fixtures")  # nothing declared: the reference and the fixtures only
    handout.write(made, tmp_path / "out")
    nb = nbformat.read(tmp_path / "out" / "toy_layers.ipynb", as_version=4)
    source = "".join(c.source for c in nb.cells)
    assert "def affine_forward(x, w, b):\n    \"\"\"An affine layer" in source
    assert "import numpy as np" in source
    assert "args = handout_case('affine_forward', 'example')\nout, cache = affine_forward(*args)" in source
    assert tables(tmp_path / "out" / "toy_layers.ipynb") == {("affine_forward", "out.shape"): "(2, 4)"}
    # affine_backward's case is not a plain call: no table, and a note that says what to declare
    assert len(made.notes) == 1 and "outputs ['dx', 'dw', 'db'], but the public case 'example' expects 1" in \
        made.notes[0] and "declare `call` and `expected`" in made.notes[0]
    assert "No expected-output table for the example" in source and "affine_backward(*args)" not in source

    (toy.folder / "handout.toml").write_text("[functions.affine_backward]\n" + "".join(
        f"{key} = {json.dumps(value)}\n" for key, value in TOY_BACKWARD.items()))
    made = spec.read(toy, tmp_path / "fixtures")
    assert made.notes == ()
    handout.write(made, tmp_path / "declared")
    rows = tables(tmp_path / "declared" / "toy_layers.ipynb")
    assert rows[("affine_backward", "dx.shape")] == "(2, 3)"
    assert len(rows[("affine_backward", "dw[0]")].strip("[]").split()) == 4
    # the reference's bodies pasted into the template print the tables, through the declared call
    template = tmp_path / "declared" / "toy_layers.py"
    template.write_text(fill(template.read_text(), reference_bodies(toy)))
    run = subprocess.run([sys.executable, template.name], cwd=template.parent, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    printed = [line.split(" = ", 1) for line in run.stdout.splitlines() if " = " in line]
    assert printed == [[label, value] for (_, label), value in rows.items()]


def test_a_name_that_is_not_graded_or_missing_fixtures_are_refused_with_where(tmp_path):
    from grader.errors import UsageError
    toy = _toy(tmp_path, "toy_refused")
    (toy.folder / "handout.toml").write_text("[functions.affine_fwd]\nshow = []\n")
    with pytest.raises(UsageError, match=r"handout.toml: 'affine_fwd' is not a graded function; those are"):
        spec.read(toy, tmp_path / "fixtures")
    (toy.folder / "handout.toml").unlink()
    with pytest.raises(UsageError, match="no public fixtures in .*run `make fixtures` first"):
        spec.read(toy, tmp_path / "nowhere")


def test_a_graded_class_gets_its_methods_as_stubs(tmp_path):
    path = tmp_path / "solution.py"
    path.write_text(textwrap.dedent('''
        class Model(object):
            """A tiny model."""

            def __init__(self, n):
                self.n = n

            def loss(self, x, y=None):
                """The loss."""
                return 0.0
        '''))
    signature = source.signatures(path)["Model"]
    code = source.class_stub(signature, signature.doc)
    namespace = {}
    exec(compile(code, "stub", "exec"), namespace)  # the stub is valid Python, and each method says what it is
    with pytest.raises(NotImplementedError, match=r"^Model.loss is not written yet$"):
        namespace["Model"].loss(None, 1)
    assert code.startswith('class Model(object):\n    """A tiny model."""\n\n    def __init__(self, n):')


def test_manual_items_get_answer_cells_with_their_tags(rnn, tmp_path):
    (tmp_path / "manual.toml").write_text(textwrap.dedent('''
        [[items]]
        id = "why_vanish"
        title = "Written: why gradients vanish through many steps"
        points = 4
        tag = "why_vanish"

        [[items.rubric]]
        points = 4
        text = "the product of Jacobians"

        [[items]]
        id = "bonus"
        title = "Bonus: a sentiment model"
        points = 10
        optional = true
        '''))
    items = spec._manual(tmp_path / "manual.toml")
    assert [(i.id, i.points, i.optional, i.tag) for i in items] == [("why_vanish", 4, False, "why_vanish"),
                                                                    ("bonus", 10, True, "bonus")]
    nb = notebook(replace(spec.read(rnn), manual=items))
    answers = [c for c in nb.cells if "manual" in c.metadata.get("grader", {})]
    assert [(c.cell_type, c.metadata["tags"], c.source) for c in answers] == [
        ("markdown", ["why_vanish"], "YOUR ANSWER HERE"), ("markdown", ["bonus"], "YOUR ANSWER HERE")]
    text = "".join(c.source for c in nb.cells)
    assert "### Written: why gradients vanish through many steps (4 points)" in text
    assert "### Bonus: a sentiment model (10 points, extra credit)" in text
    nbformat.validate(nb)


def test_a_table_expression_outside_names_indexing_shape_and_len_is_refused(rnn, tmp_path):
    from grader.errors import UsageError
    from grader.handout.values import evaluate
    assert evaluate('g["d"][1].shape', {"g": {"d": np.zeros((2, 3))}}, "here") == (3,)
    with pytest.raises(UsageError, match=r"here: 'g.sum\(\)': a table may use"):
        evaluate("g.sum()", {"g": np.zeros(2)}, "here")
    with pytest.raises(UsageError, match="names 'h'; the outputs are"):
        evaluate("h[0]", {"g": np.zeros(2)}, "here")


def test_the_student_repository_starts_from_the_template_and_the_bundle_holds_the_handout(rnn, tmp_path):
    student_repo.init(tmp_path / "repo", rnn)
    starter = (tmp_path / "repo" / "rnn.py").read_text()
    assert STUB.search(starter) and (tmp_path / "repo" / "public_cases" / "rnn_forward" / "handout.json").is_file()
    assert (tmp_path / "repo" / "rnn_utils.py").is_file()
    names = gradescope.gradescope(rnn, tmp_path / "autograder.zip")
    assert {f"handout/rnn/{NOTEBOOK}", "handout/rnn/rnn.py", "handout/rnn/rnn_utils.py"} <= set(names)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as bundle:
        assert STUB.search(bundle.read("handout/rnn/rnn.py").decode())


def test_make_handout_writes_every_assignment(tmp_path):
    # -o .venv/.ready: the environment is already set up; without it, a pyproject.toml newer than .venv/.ready
    # (an edit, a merge) made this test reinstall the .venv that the rest of the suite runs from.
    run = subprocess.run(["make", "-s", "-o", ".venv/.ready", "handout", f"OUT={tmp_path}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "note:" not in run.stderr  # every graded function of every assignment has its case cell and table
    for name in assignments.names():
        assert (tmp_path / name / "public_cases").is_dir(), name
    assert (tmp_path / "rnn" / NOTEBOOK).is_file()


def test_the_second_assignments_handout_shows_every_public_case_and_its_cells_run(tmp_path):
    """The CS231n-style layers: a table for every graded layer, and the notebook with the reference's bodies pasted
    in runs every cell, each case cell printing its table's rows as the table shows them (values from the fixtures,
    printed by the student's code)."""
    layers = assignments.find("rnn_layers")
    made = tmp_path / "rnn_layers"
    handout.build(layers, made)
    [book] = made.glob("*.ipynb")
    rows = tables(book)
    public = fixtures.load(layers.fixtures, "public")
    assert {function for function, _ in rows} == set(public) and len(public) == 12
    assert all(re.search(r"\d", value) for value in rows.values())  # values, not only shapes
    nb = nbformat.read(book, as_version=4)
    sigmoid = "(lambda z: 1 / (1 + np.exp(-z)))("  # the reference's private helper, which no stub has
    bodies = {name: body.replace("_sigmoid(", sigmoid) for name, body in reference_bodies(layers).items()}
    for cell in nb.cells:
        if cell.metadata.get("grader", {}).get("function") in bodies:
            cell.source = fill(cell.source, bodies)
    nbformat.write(nb, book)
    out = tmp_path / "report"
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(made), "--public", "--assignment",
                          "rnn_layers", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    document = json.loads((out / "report.json").read_text())
    assert document["cells"] == [], document["cells"]
    assert all(c["status"] == "passed" for c in document["checks"] if c["function"] in public), [
        c["message"] for c in document["checks"] if c["status"] != "passed"]
    executed = nbformat.read(out / "executed.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if "case" in c.metadata.get("grader", {})
                      for o in c.get("outputs", []))
    assert printed == "".join(f"{label} = {value}\n" for (_, label), value in rows.items())
