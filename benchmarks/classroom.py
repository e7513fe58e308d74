"""A made-up class for batch tests and benchmarks: copies of submissions/correct.py, some with one bug injected,
and a few hostile ones (an infinite loop at import, os._exit at import, a call that never returns, a syntax error).

`build(folder, n)` writes n submissions named student_000.py ... and returns {name: what it is}; with
`notebooks=True` each one is a course-style notebook instead (student_000.ipynb: the imports, then one cell per
function). The mix is fixed by the index, so the same n always gives the same class.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORRECT = (ROOT / "submissions" / "correct.py").read_text()

# One bug each: (what it is, the function it breaks, text in correct.py, what replaces it). Each text occurs once.
BUGS = [
    ("no bias in rnn_cell_forward", "rnn_cell_forward", "np.dot(Wax, xt) + ba)", "np.dot(Wax, xt))"),
    ("dba without keepdims", "rnn_cell_backward", "dba = np.sum(dtanh, axis=1, keepdims=True)",
     "dba = np.sum(dtanh, axis=1)"),
    ("forget gate ignored", "lstm_cell_forward", "c_next = ft * c_prev + it * cct", "c_next = c_prev + it * cct"),
    ("sigmoid for the candidate", "lstm_cell_forward", "cct = np.tanh(np.dot(Wc, concat) + bc)",
     "cct = sigmoid(np.dot(Wc, concat) + bc)"),
    ("a0 not used in rnn_forward", "rnn_forward", "    a_next = a0\n    for t in range(T_x):\n        a_next, yt_pred",
     "    a_next = np.zeros_like(a0)\n    for t in range(T_x):\n        a_next, yt_pred"),
    ("wrong tanh derivative", "rnn_cell_backward", "dtanh = (1 - a_next ** 2) * da_next",
     "dtanh = (1 - a_next) * da_next"),
    ("gradients not summed over time", "rnn_backward", "        dWax += dWaxt\n", "        dWax = dWaxt\n"),
    ("lstm_backward missing", "lstm_backward", "def lstm_backward(da, caches):",
     "def lstm_backward_unfinished(da, caches):"),
]
BROKEN = {what: function for what, function, _, _ in BUGS}

HOSTILE = [
    ("infinite loop at import", "while True:\n    pass\n"),
    ("os._exit at import", "import os\nos._exit(3)\n"),
    ("syntax error", "def rnn_cell_forward(xt, a_prev, parameters:\n    return 1\n"),
    ("rnn_forward never returns", None),  # the correct file with a hang in one function
]


def mutate(old, new, source=CORRECT):
    if source.count(old) != 1:
        raise ValueError(f"{old!r} occurs {source.count(old)} times in submissions/correct.py, not once")
    return source.replace(old, new)


def submission(index):
    """(what it is, source text) of the index-th student: hostile every 12th, buggy every other, else correct."""
    if index % 12 == 11:
        what, text = HOSTILE[(index // 12) % len(HOSTILE)]
        if text is None:
            text = mutate("def rnn_forward(x, a0, parameters):\n",
                          "def rnn_forward(x, a0, parameters):\n    while True:\n        pass\n")
        return what, text
    if index % 2 == 1:
        what, _, old, new = BUGS[(index // 2) % len(BUGS)]
        return what, mutate(old, new)
    return "correct", CORRECT


def cells(source):
    """A module's text as notebook cells: what comes before the first function, then one cell per function."""
    parts = [p.strip() for p in re.split(r"\n(?=def |if __name__)", source)]
    return [p for p in parts if p and not p.startswith("if __name__")]


def write_notebook(path, sources):
    import nbformat  # only the notebook classes need it
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python", "file_extension": ".py"}})
    nbformat.write(book, path)
    return path


def build(folder, n, notebooks=False):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for index in range(n):
        what, text = submission(index)
        name = f"student_{index:03d}"
        if notebooks:
            write_notebook(folder / f"{name}.ipynb", cells(text))
        else:
            (folder / f"{name}.py").write_text(text)
        made[name] = what
    return made
