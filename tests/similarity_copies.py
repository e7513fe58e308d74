"""Disguised copies of the solutions in tests/similarity_styles.py, made the way students disguise a copy: renamed
variables, reformatted, comments changed, cells reordered, a function's body moved into a helper, and two functions
pasted into someone else's file. Each function returns the text of a .py, or the JSON of an .ipynb."""
import ast
import json
import re

from similarity_styles import HELPERS, MATMUL, OPERATORS, TEXTBOOK, VERBOSE

RENAMES = {"a_next": "h_new", "a_prev": "h_old", "parameters": "params", "dtanh": "grad_z", "caches": "memory",
           "cache": "mem", "concat": "joined", "y_pred": "preds", "yt_pred": "out", "dxt": "d_input",
           "da_prevt": "carry", "Wax": "U", "Waa": "V_", "Wya": "Wout", "xt": "x_t"}


def rename(text, renames=RENAMES):
    """Every identifier in `renames` replaced, keys of dictionaries ("Wax") left as they are."""
    pattern = re.compile(r"(?<![\w\"'])(" + "|".join(map(re.escape, renames)) + r")(?![\w\"'])")
    return pattern.sub(lambda m: renames[m.group(1)], text)


def renamed():
    return rename(TEXTBOOK)


def reformatted():
    """OPERATORS as a formatter (or a student retyping it) would lay it out: one statement per line, 2-space
    indents, different line breaks and spacing."""
    text = ast.unparse(ast.parse(OPERATORS))
    text = re.sub(r"^((?:    )+)", lambda m: "  " * (len(m.group(1)) // 4), text, flags=re.MULTILINE)
    return text.replace(", ", " ,").replace(" = ", "=")


def recommented():
    """VERBOSE with its comments taken out and others written in."""
    return recomment_text(VERBOSE)


def recomment_text(text):
    """`text` with its comment lines taken out and others written in."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if line.strip() and i % 3 == 0 and not line.rstrip().endswith(("(", ",")):
            indent = re.match(r"\s*", line).group(0)
            out.append(f"{indent}# step {i}: see the lecture notes")
    return "\n".join(out)


def notebook(cells):
    """An .ipynb of code cells (with a markdown cell between them), as Jupyter writes it."""
    document = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for i, source in enumerate(cells):
        document["cells"].append({"cell_type": "markdown", "id": f"m{i}", "metadata": {}, "source": f"## Part {i}"})
        document["cells"].append({"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {},
                                  "outputs": [], "source": source})
    return json.dumps(document, indent=1)


def blocks(text):
    """The top-level statements of a module, each as a cell."""
    return [chunk.strip("\n") for chunk in re.split(r"\n(?=\S)", text) if chunk.strip()]


def reordered():
    """HELPERS as a notebook whose cells come in another order (each function in its own cell)."""
    cells = blocks(HELPERS)
    return notebook(cells[:3] + cells[3:][::-1])


HELPER_BACKWARD = '''
def backward_step(upstream, step_cache, grad_store, t):
    gradients = rnn_cell_backward(upstream, step_cache)
    grad_store["dx"][:, :, t] = gradients["dxt"]
    grad_store["dWax"] += gradients["dWax"]
    grad_store["dWaa"] += gradients["dWaa"]
    grad_store["dba"] += gradients["dba"]
    return gradients["da_prev"]
'''


def moved_into_helper():
    """TEXTBOOK renamed, with rnn_backward's loop body moved into a helper of the student's own."""
    text = renamed()
    start = text.index("def rnn_backward")
    backward = '''def rnn_backward(da, memory):
    (memory, x) = memory
    (a1, a0, x1, params) = memory[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    store = {"dx": np.zeros((n_x, m, T_x)), "dWax": np.zeros((n_a, n_x)), "dWaa": np.zeros((n_a, n_a)),
             "dba": np.zeros((n_a, 1))}
    carry = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        carry = backward_step(da[:, :, t] + carry, memory[t], store, t)
    store["da0"] = carry
    return store
'''
    return text[:start] + HELPER_BACKWARD.lstrip() + "\n\n" + backward


def functions_of(text):
    """{name: source} of a module's top-level functions."""
    tree = ast.parse(text)
    lines = text.splitlines()
    return {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno]) for node in tree.body
            if isinstance(node, ast.FunctionDef)}


def two_pasted():
    """MATMUL's file with two of TEXTBOOK's functions (renamed) pasted in place of its own."""
    text, donor = MATMUL, functions_of(renamed())
    own = functions_of(MATMUL)
    for name in ("rnn_cell_backward", "rnn_backward"):
        text = text.replace(own[name], donor[name])
    return text


# (name of the copy, how it is stored, its text, the solution it copies)
COPIES = [("renamed", ".py", renamed, "textbook"), ("reformatted", ".py", reformatted, "operators"),
          ("recommented", ".py", recommented, "verbose"), ("reordered", ".ipynb", reordered, "helpers"),
          ("moved_into_helper", ".py", moved_into_helper, "textbook"), ("two_pasted", ".py", two_pasted, "textbook")]
