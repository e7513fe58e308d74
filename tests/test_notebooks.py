"""Notebooks and submission folders as students hand them in: every notebook here is built by the test.

Each test asserts the score that the notebook's final functions deserve, and which cells the report lists.
"""
import json
import re
import subprocess
import sys
import time

import jsonschema
import nbformat
import pytest
from conftest import CORRECT, ROOT, by_function, full_marks

from grader import report
from grader.grade import grade
from grader.report import SCHEMA
from grader.sandbox import executed, intake, notebook
from grader.sandbox.limits import Limits

# Hanging cells are stopped after 2 s; a cell importing matplotlib needs more on a busy machine.
HANGS = Limits(call_seconds=2.0, load_seconds=20.0, cell_seconds=2.0, memory_mb=1024)
SLOW_IMPORTS = Limits(call_seconds=5.0, load_seconds=30.0, cell_seconds=20.0, memory_mb=1024)

# The correct functions, one cell each, in the order of the handout.
FUNCTIONS = {re.match(r"def (\w+)", part).group(1): part.strip()
             for part in re.split(r"\n(?=def |if __name__)", CORRECT) if part.startswith("def ")}
IMPORTS = "import numpy as np\nfrom rnn_utils import *"
WRONG_CELL_FORWARD = FUNCTIONS["rnn_cell_forward"].replace("np.dot(Wax, xt) + ba)", "np.dot(Wax, xt))")


def write_notebook(path, sources):
    """A notebook as Jupyter saves it, with one code cell per source ("# md" sources become markdown)."""
    cells = [nbformat.v4.new_markdown_cell(s[5:]) if s.startswith("# md ") else nbformat.v4.new_code_cell(s)
             for s in sources]
    book = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python", "file_extension": ".py"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, path)
    return path


def graded_report(path, rnn, limits):
    graded = grade(path, rnn, limits)
    document = report.build(graded, rnn, limits)
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    return graded, document


def cells_by_number(document):
    return {cell["cell"]: cell for cell in document["cells"]}


def outputs_text(cell):
    """Everything a cell showed, as text: streams, text/plain results, PNG markers and errors."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("display_data", "execute_result"):
            parts.append(output.data.get("text/plain", "") + (" <png>" if "image/png" in output.data else ""))
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
    return "\n".join(parts)


COURSE = [
    "# md # Building your Recurrent Neural Network - Step by Step",
    IMPORTS + "\n%load_ext autoreload\n%autoreload 2\n%matplotlib inline",
    "from public_tests import *\nfrom test_utils import *",
    "data = np.load('datasets/rnn_data.npz')",
    "name = input('Your name: ')",
    WRONG_CELL_FORWARD,
    "rnn_cell_forward_test(rnn_cell_forward)",
    FUNCTIONS["rnn_cell_forward"],
    "%%time\nnp.random.seed(1)\nxt_tmp = np.random.randn(3, 10)\na_prev_tmp = np.random.randn(5, 10)\n"
    "parameters_tmp = {'Waa': np.random.randn(5, 5), 'Wax': np.random.randn(5, 3), 'Wya': np.random.randn(2, 5),\n"
    "                  'ba': np.random.randn(5, 1), 'by': np.random.randn(2, 1)}\n"
    "a_next_tmp, yt_pred_tmp, cache_tmp = rnn_cell_forward(xt_tmp, a_prev_tmp, parameters_tmp)\n"
    "print('a_next.shape =', a_next_tmp.shape)",
    *[FUNCTIONS[name] for name in ("rnn_forward", "lstm_cell_forward", "lstm_forward", "rnn_cell_backward",
                                   "rnn_backward", "lstm_cell_backward", "lstm_backward")],
    "%timeit -n 1 -r 1 rnn_forward(np.random.randn(3, 10, 4), a_prev_tmp, parameters_tmp)",
    "!ls",
    "import matplotlib.pyplot as plt\nplt.plot([3, 2, 1])\nplt.title('loss')\nplt.show()",
    "a_next_tmp.shape",
    "def lstm_backward(da, caches):\n    raise NotImplementedError('left for later')",
]


def test_a_course_notebook_gets_what_its_final_functions_deserve_and_an_executed_copy(tmp_path, rnn):
    path = write_notebook(tmp_path / "Building_a_Recurrent_Neural_Network_Step_by_Step.ipynb", COURSE)
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "grader", "grade", str(path), "--out", str(out),
                             "--cell-timeout", "20", "--call-timeout", "5"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "report.json").read_text())
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    assert document["kind"] == "notebook" and document["loaded"]
    # The wrong rnn_cell_forward was fixed in a later cell; lstm_backward was overwritten at the end.
    scores, best = by_function(document), full_marks(document)
    assert scores["lstm_backward"] == 0
    assert {f: s for f, s in scores.items() if f != "lstm_backward"} == \
        {f: m for f, m in best.items() if f != "lstm_backward"}
    failed = cells_by_number(document)
    assert sorted(failed) == [2, 3, 4, 6]
    assert failed[2]["message"].startswith("ModuleNotFoundError: No module named 'public_tests'")
    assert failed[3]["message"].startswith("FileNotFoundError") and "rnn_data.npz" in failed[3]["message"]
    assert failed[4]["message"].startswith("EOFError")
    assert failed[6]["message"].startswith("NameError") and failed[6]["first_line"].startswith("rnn_cell_forward_t")
    assert all(cell["status"] == "error" for cell in failed.values())
    assert "cell In [2] error: ModuleNotFoundError" in result.stdout
    assert "| In [3] | 💥 error | FileNotFoundError" in (out / "report.md").read_text()

    ran = nbformat.read(out / executed.NAME, as_version=4)
    nbformat.validate(ran)
    code = [cell for cell in ran.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(COURSE)))
    shown = [outputs_text(cell) for cell in code]
    assert "a_next.shape = (5, 10)" in shown[7] and "Wall time" in shown[7]  # %%time
    assert "loop" in shown[15]  # %timeit
    assert path.name in shown[16]  # !ls runs in the notebook's folder
    assert "<png>" in shown[17]  # inline figure
    assert shown[18] == "(5, 10)"  # an expression's value, as Out[19]
    assert "ModuleNotFoundError: No module named 'public_tests'" in shown[1]
    assert code[1].metadata["grader"]["status"] == "error"


HANGING = [
    IMPORTS,
    FUNCTIONS["rnn_cell_forward"] + "\n\n\n" + FUNCTIONS["rnn_forward"],
    "while True:\n    pass",
    FUNCTIONS["lstm_cell_forward"] + "\n\n\n" + FUNCTIONS["lstm_forward"],
    "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.05)",
    "print('the cells after a hang still run')",
    FUNCTIONS["rnn_cell_backward"] + "\n\n\ndef rnn_backward(da, caches):\n    while True:\n        pass",
    FUNCTIONS["lstm_cell_backward"] + "\n\n\n" + FUNCTIONS["lstm_backward"],
]


@pytest.mark.timeout(300)  # against a hang; the cells' statuses say they were stopped
def test_hanging_cells_are_stopped_and_the_cells_after_them_still_count(tmp_path, rnn):
    path = write_notebook(tmp_path / "hangs.ipynb", HANGING)
    graded, document = graded_report(path, rnn, HANGS)
    failed = cells_by_number(document)
    assert sorted(failed) == [3, 5]
    assert failed[3]["status"] == "timeout" and "was interrupted (KeyboardInterrupt)" in failed[3]["message"]
    assert failed[5]["status"] == "timeout" and "did not stop when interrupted" in failed[5]["message"]
    # Every function but the one that hangs when called earns full marks; the calls after its hang ran in a
    # fresh process where the notebook was replayed without the hanging cells.
    scores, best = by_function(document), full_marks(document)
    assert scores["rnn_backward"] == 0
    assert {f: s for f, s in scores.items() if f != "rnn_backward"} == \
        {f: m for f, m in best.items() if f != "rnn_backward"}
    assert next(c for c in document["checks"] if c["function"] == "rnn_backward")["status"] == "timeout"
    assert graded.restarts >= 1
    ran = executed.build(graded.submission.notebook, graded.cells)
    assert outputs_text(ran.cells[5]) == "the cells after a hang still run\n"
    for index in (2, 4):
        assert ran.cells[index].metadata["grader"]["status"] == "timeout"
        assert ran.cells[index].outputs[-1].ename == "CellTimeout"


def test_a_cell_that_ends_its_process_costs_only_that_cell(tmp_path, rnn):
    path = write_notebook(tmp_path / "crash.ipynb", [
        IMPORTS, FUNCTIONS["rnn_cell_forward"], "import os\nos._exit(3)", "import ctypes\nctypes.string_at(0)",
        *[FUNCTIONS[name] for name in FUNCTIONS if name != "rnn_cell_forward"]])
    graded, document = graded_report(path, rnn, HANGS)
    assert by_function(document) == full_marks(document)
    failed = cells_by_number(document)
    assert sorted(failed) == [3, 4]
    assert "ended (exit status 3)" in failed[3]["message"] and "SIGSEGV" in failed[4]["message"]


def test_a_notebook_exported_to_python_runs_cell_by_cell(tmp_path, rnn):
    from nbconvert import PythonExporter
    sources = ["from public_tests import *", IMPORTS + "\n%matplotlib inline", "%%time\nx = 1", "!ls",
               *FUNCTIONS.values()]
    book = nbformat.read(write_notebook(tmp_path / "book.ipynb", sources), as_version=4)
    script, _ = PythonExporter().from_notebook_node(book)
    assert "get_ipython().run_cell_magic('time'" in script and "# In[ ]:" in script
    path = tmp_path / "rnn.py"
    path.write_text(script)
    graded, document = graded_report(path, rnn, SLOW_IMPORTS)
    assert document["kind"] == "notebook" and any("exported from a notebook" in n for n in document["notes"])
    assert by_function(document) == full_marks(document)
    assert [(c["cell"], c["status"]) for c in document["cells"]] == [(1, "error")]
    assert "public_tests" in document["cells"][0]["message"]


def test_a_folder_is_graded_by_its_main_notebook_with_its_own_helpers_and_data(tmp_path, rnn):
    import numpy as np
    folder = tmp_path / "student"
    write_notebook(folder / "Building_a_Recurrent_Neural_Network_Step_by_Step.ipynb", [
        IMPORTS + "\nimport rnn_utils\nfrom helpers import double\nprint(rnn_utils.WRITTEN_BY_THE_STUDENT)",
        "x = np.load('data/seq.npy')\nprint(double(x).shape)", *FUNCTIONS.values()])
    write_notebook(folder / "scratch.ipynb", ["1/0"])
    write_notebook(folder / ".ipynb_checkpoints" / "scratch-checkpoint.ipynb", ["1/0"])
    provided = (rnn.provided / "rnn_utils.py").read_text()
    (folder / "rnn_utils.py").write_text(provided + "\nWRITTEN_BY_THE_STUDENT = 'yes'\n")
    (folder / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (folder / "data").mkdir()
    np.save(folder / "data" / "seq.npy", np.zeros((3, 4)))
    (folder / "secrets").symlink_to(ROOT / "reference")
    graded, document = graded_report(folder, rnn, SLOW_IMPORTS)
    assert document["submission"] == "student" and document["kind"] == "notebook"
    assert by_function(document) == full_marks(document)
    assert document["cells"] == []
    ran = executed.build(graded.submission.notebook, graded.cells)
    assert [outputs_text(cell) for cell in ran.cells[:2]] == ["yes\n", "(3, 4)\n"]
    assert "secrets links outside the submission and was not followed" in document["notes"]


@pytest.mark.parametrize("files,chosen", [
    (["a/work.ipynb"], "a/work.ipynb"),
    (["mine.ipynb", "old/copy.ipynb"], "mine.ipynb"),
    (["x.ipynb", "y.ipynb", "deep/RNN.ipynb"], "deep/RNN.ipynb"),
    (["rnn_utils.py", "my_answers.py"], "my_answers.py"),
    (["rnn.py", "helpers.py", "rnn_utils.py"], "rnn.py"),
    (["answers.py", "x.ipynb"], "x.ipynb"),
])
def test_the_main_file_of_a_folder_follows_the_documented_rule(tmp_path, files, chosen):
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    entry, problem = intake.choose_main(tmp_path, ["Building_a_Recurrent_Neural_Network_Step_by_Step", "rnn"],
                                        ["rnn_utils"])
    assert (entry, problem) == (chosen, None)


def zero_report_message(document, rnn):
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    assert document["score"] == 0 and not document["loaded"]
    assert len(document["checks"]) == 1 + len(rnn.suite.checks)
    assert {c["status"] for c in document["checks"][1:]} == {"skipped"}
    return document["checks"][0]["message"]


def test_an_ambiguous_folder_gets_a_zero_report_that_names_the_candidates(tmp_path, rnn):
    folder = tmp_path / "student"
    for name in ("first try.ipynb", "second_try.ipynb"):
        write_notebook(folder / name, [IMPORTS, *FUNCTIONS.values()])
    _, document = graded_report(folder, rnn, HANGS)
    message = zero_report_message(document, rnn)
    assert "first try.ipynb" in message and "second_try.ipynb" in message
    assert "Building_a_Recurrent_Neural_Network_Step_by_Step.ipynb" in message


AGAIN = "open it in Jupyter, save it, and hand it in again"


@pytest.mark.parametrize("name,content,expected", [
    ("rnn.ipynb", '{"cells": [{"cell_type": "code", "source": "x = 1"', "rnn.ipynb is not a valid notebook: it is not "
     f"valid JSON (line 1, column 51: Expecting ',' delimiter); {AGAIN}"),
    ("rnn.ipynb", '["a list"]', f"rnn.ipynb is JSON but not a notebook: it has no list of cells; {AGAIN}"),
    ("rnn.ipynb", b"\x89PNG\r\n\x1a\n\x00\x00", f"rnn.ipynb is not a notebook: it is not UTF-8 text (byte 0); {AGAIN}"),
    ("answers.txt", "def rnn_cell_forward(): pass", "answers.txt is not a notebook (.ipynb) nor a Python module (.py), "
     "so there is nothing to run; hand in the notebook you worked in"),
], ids=["invalid JSON", "JSON list", "binary", "text file"])
def test_a_file_that_is_not_a_notebook_gets_a_complete_zero_report_that_says_so(tmp_path, rnn, name, content,
                                                                               expected):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "out"
    # Nothing in these files says which assignment they are for (grader/detect.py): the test says it.
    result = subprocess.run([sys.executable, "-m", "grader", "grade", str(path), "--out", str(out), "--assignment",
                             "rnn"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    message = "the submission did not load: " + expected
    assert zero_report_message(json.loads((out / "report.json").read_text()), rnn) == message
    assert f"\n  {message}\n" in result.stdout


def test_an_exported_script_splits_into_its_cells_and_markdown():
    script = ("#!/usr/bin/env python\n# coding: utf-8\n\n# # Title\n# \n# Some text\n\n# In[1]:\n\n\n"
              "import numpy as np\n\n\n# ## Part 2\n\n# In[ ]:\n\n\ndef f():\n\n\n    return 1\n")
    assert notebook.is_exported(script) and not notebook.is_exported("import numpy as np\n# In the loop\n")
    book = notebook.from_exported(script)
    assert [(c.cell_type, c.source) for c in book.cells] == [
        ("markdown", "# Title\n\nSome text"), ("code", "import numpy as np"), ("markdown", "## Part 2"),
        ("code", "def f():\n\n\n    return 1")]
    assert [(c.number, c.index) for c in notebook.code_cells(book)] == [(1, 1), (2, 3)]


FIDELITY = ["print('hello')\nx = [1, 2]", "x", "1/0", "import numpy as np\nnp.arange(3)", "", "!echo shell",
            "for i in range(3):\n    print(i)\ni * 10", "def f(:\n    pass", "x;", "import sys\nprint('err', file=sys.stderr)"]


def test_matplotlib_inline_waits_until_a_cell_imports_matplotlib_then_does_what_the_magic_does(tmp_path, rnn,
                                                                                               cold_sandboxes):
    """A notebook that says `%matplotlib inline` and never plots is graded without matplotlib (its sandbox is not
    warmed with it, the magic waits for its import: loader.py); a module that imports pyplot later gets what the
    magic gives: the inline backend, interactive, the rcParams set before it, its figure shown as a PNG. Started
    cold, as the command line's: a zygote an earlier test left imports matplotlib for notebooks (forkserver.py)."""
    from grader.sandbox import spare
    folder = tmp_path / "student"
    path = write_notebook(folder / "plots_late.ipynb", [
        IMPORTS + "\n%load_ext autoreload\n%autoreload 2\n%matplotlib inline",
        "import sys\nany(name.startswith('matplot') for name in sys.modules)", "%matplotlib inline",
        *FUNCTIONS.values(), "from plots import show\nshow()", "any(n.startswith('matplot') for n in sys.modules)"])
    (folder / "plots.py").write_text(
        "import matplotlib\nmatplotlib.rcParams['figure.figsize'] = (3, 2)\nimport matplotlib.pyplot as plt\n\n\n"
        "def show():\n    print(matplotlib.get_backend(), matplotlib.is_interactive(), plt.rcParams['figure.figsize'])"
        "\n    plt.plot([1, 2])\n    plt.show()\n")
    assert spare.warm_for(path) == "notebook"
    graded, document = graded_report(folder, rnn, SLOW_IMPORTS)
    assert by_function(document) == full_marks(document) and document["cells"] == []
    shown = [outputs_text(cell) for cell in executed.build(graded.submission.notebook, graded.cells).cells]
    assert shown[1] == "False"
    assert shown[-2] == "inline True [3.0, 2.0]\n\n<Figure size 300x200 with 1 Axes> <png>" and shown[-1] == "True"


def test_cells_show_the_same_outputs_as_a_bare_jupyter_execution(tmp_path, rnn):
    from nbclient import NotebookClient
    path = write_notebook(tmp_path / "alone" / "fidelity.ipynb", FIDELITY)
    bare = nbformat.read(path, as_version=4)
    NotebookClient(bare, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    graded = grade(path, rnn, SLOW_IMPORTS)
    ours = executed.build(graded.submission.notebook, graded.cells)

    def shown(book):
        return [(cell.execution_count, [_normal(output) for output in cell.outputs])
                for cell in book.cells if cell.cell_type == "code"]

    assert shown(ours) == shown(bare)


def _normal(output):
    """What a student sees of an output: its type, stream or text/plain, error name and value."""
    if output.output_type == "stream":
        return output.name, output.text.replace("\r\n", "\n")
    if output.output_type == "error":  # a syntax error names the cell: <cell 8> here, a temporary file in Jupyter
        return "error", output.ename, re.sub(r"\([^(]*, line (\d+)\)$", r"(line \1)", output.evalue)
    return output.output_type, output.data.get("text/plain")


def test_autoreload_still_reloads_a_module_the_notebook_rewrites(tmp_path, rnn):
    """The sandbox's %autoreload looks only at files that can change while the notebook runs (the interpreter's
    own modules can't): a module the notebook writes, imports and rewrites is reloaded, as in Jupyter."""
    path = write_notebook(tmp_path / "alone" / "reloads.ipynb", [
        "%load_ext autoreload\n%autoreload 2",
        "%%writefile helper_module.py\ndef value():\n    return 'first'",
        "import helper_module\nimport numpy\nhelper_module.value()",
        "import time\ntime.sleep(0.05)",
        "%%writefile helper_module.py\ndef value():\n    return 'second'",
        "helper_module.value()",
    ])
    graded = grade(path, rnn, SLOW_IMPORTS)
    ours = executed.build(graded.submission.notebook, graded.cells)
    results = [output.data["text/plain"] for cell in ours.cells for output in cell.outputs
               if output.output_type == "execute_result"]
    assert results == ["'first'", "'second'"]
