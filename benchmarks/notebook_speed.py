"""Grading a notebook against executing it: does grading cost much more than a bare Jupyter run?

For each course-style notebook built here (the correct functions of submissions/correct.py in cells, with the
handout's imports, magics, test cells that fail because public_tests is not there, and one with a figure), it
times on the same file:
  bare   `jupyter nbconvert --to notebook --execute` (errors allowed, so every cell runs, as in the grader)
  grade  `python -m grader grade NOTEBOOK --out DIR`: every cell run in the sandbox, then all the checks
and prints the median of each and their ratio (the goal: under 2, better under 1). Then it grades a notebook
with a cell that never ends, with the default limits, and prints its time (the goal: under a minute) and score.
Run: .venv/bin/python benchmarks/notebook_speed.py [repeats]
"""
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
JUPYTER = PYTHON.with_name("jupyter")
CORRECT = (ROOT / "submissions" / "correct.py").read_text()
FUNCTIONS = [part.strip() for part in re.split(r"\n(?=def |if __name__)", CORRECT) if part.startswith("def ")]
TEST_CELL = "{}_test({})"  # what the course's test cells look like; public_tests is not there, so they fail


def course(figure=False, hang=False):
    """The cells of a course notebook: imports, magics, each function followed by its test cell."""
    cells = ["import numpy as np\nfrom rnn_utils import *\n%load_ext autoreload\n%autoreload 2",
             "from public_tests import *", "%matplotlib inline"]
    for source in FUNCTIONS:
        name = re.match(r"def (\w+)", source).group(1)
        cells += [source, TEST_CELL.format(name, name)]
        if hang and name == "rnn_forward":
            cells.append("while True:\n    pass")
    cells += ["%%time\nx = np.random.randn(3, 10, 4)\na, y, caches = rnn_forward(x, np.zeros((5, 10)), "
              "{'Waa': np.eye(5), 'Wax': np.ones((5, 3)), 'Wya': np.ones((2, 5)), 'ba': np.zeros((5, 1)), "
              "'by': np.zeros((2, 1))})\na.shape"]
    if figure:
        cells.append("import matplotlib.pyplot as plt\nplt.plot(a[0, 0, :])\nplt.show()")
    return cells


def write(path, sources):
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python", "file_extension": ".py"}})
    nbformat.write(book, path)
    (path.parent / "rnn_utils.py").write_text((ROOT / "reference" / "rnn" / "provided" / "rnn_utils.py").read_text())
    return path


def timed(command, cwd):
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def bare(path):
    return timed([JUPYTER, "nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--output",
                  path.with_suffix(".bare.ipynb").name, path.name], path.parent)


def graded(path, out, *options):
    seconds = timed([PYTHON, "-m", "grader", "grade", path, "--out", out, *options], ROOT)
    return seconds, json.loads((Path(out) / "report.json").read_text())


def compare(folder, name, sources, repeats):
    path = folder / name / f"{name}.ipynb"
    path.parent.mkdir()
    write(path, sources)
    bares, grades = [], []
    for _ in range(repeats):
        bares.append(bare(path))
        seconds, document = graded(path, folder / name / "out")
        grades.append(seconds)
    b, g = statistics.median(bares), statistics.median(grades)
    print(f"{name:<22} {len(sources):>3} cells  bare {b:5.2f} s  grade {g:5.2f} s  ratio {g / b:4.2f}"
          f"  score {document['score']:g} / {document['max_score']:g}+{document['extra_credit_max']:g}")
    return b, g


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"median of {repeats} runs each; grade = the whole `python -m grader grade` command, all checks included")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        ratios = [g / b for b, g in (compare(folder, "course", course(), repeats),
                                     compare(folder, "course_with_figure", course(figure=True), repeats))]
        print(f"ratio grade / bare: {max(ratios):.2f} at most (goal: under 2, aim under 1)")
        path = folder / "hang" / "hang.ipynb"
        path.parent.mkdir()
        write(path, course(hang=True))
        seconds, document = graded(path, folder / "hang" / "out")
        print(f"a cell that never ends, default limits: graded in {seconds:.1f} s (goal: under 60), score "
              f"{document['score']:g} / {document['max_score']:g}+{document['extra_credit_max']:g}, cells "
              + ", ".join(f"In [{c['cell']}] {c['status']}" for c in document["cells"] if c["status"] == "timeout"))


if __name__ == "__main__":
    main()
