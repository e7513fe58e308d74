"""How the handout shows a value, and how a table's expression is read.

`shown`, `decoded`, `handout_case` and `show` are copied, as source, into the handout's setup cell (and the .py
template's `__main__` part): the student's printout and the expected-output table are made by the same code, so
they agree to the last digit when the student's answer is right. They use only numpy, json and pathlib.
"""
import ast

from ..errors import UsageError


def shown(value):
    """A value as the expected-output tables print it: arrays to 8 decimals, other floats to 12 digits, on one
    line (the precision of the seed handouts' printouts)."""
    import numpy as np
    if isinstance(value, np.ndarray) and value.ndim > 0:
        text = np.array2string(value, precision=8, max_line_width=10**6, threshold=10**6)
        return " ".join(text.split())
    if isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
        return format(float(value), ".12g")
    if isinstance(value, (np.integer, np.ndarray)):
        return str(value.item() if hasattr(value, "item") else value)
    if isinstance(value, tuple):
        return str(tuple(v.item() if isinstance(v, np.generic) else v for v in value))
    return str(value)


def decoded(data):
    """A public case as the grader's fixture files write it ($array, $tuple, $dict), back as numpy values."""
    import numpy as np
    if isinstance(data, list):
        return [decoded(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$array" in data:
        return np.array(data["$array"], dtype=data["dtype"]).reshape(data["shape"])
    if "$tuple" in data:
        return tuple(decoded(v) for v in data["$tuple"])
    return {k: decoded(v) for k, v in data["$dict"].items()}


def handout_case(function, name):
    """The arguments of the handout's case `name` for `function`, from public_cases/ beside this file."""
    import json
    import pathlib
    here = pathlib.Path(__file__).parent if "__file__" in globals() else pathlib.Path()  # a notebook: its folder
    path = here / "public_cases" / function / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not beside this file: keep the handout's public_cases/ folder with it")
    return decoded(json.loads(path.read_text())["args"])


def show(label, value):
    """Print one row of an expected-output table, as the table beside it shows it."""
    print(f"{label} = {shown(value)}")


HELPERS = (shown, decoded, handout_case, show)


def evaluate(expression, names, where):
    """The value of a table's `expression` on the outputs `names`: names, indexing with constants, `.shape`,
    `len(...)`; nothing else, so a typo in the assignment's table says where it is instead of running."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError as exc:
        raise UsageError(f"{where}: {expression!r} is not an expression ({exc.msg})") from None
    try:
        return _value(tree, names, f"{where}: {expression!r}")
    except (AttributeError, IndexError, KeyError, TypeError) as exc:
        raise UsageError(f"{where}: {expression!r} can't be read on the public case's outputs"
                         f" ({type(exc).__name__}: {exc})") from None


def _value(node, names, where):
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise UsageError(f"{where} names {node.id!r}; the outputs are {sorted(names)}")
        return names[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_value(node.operand, names, where)
    if isinstance(node, ast.Subscript):
        return _value(node.value, names, where)[_value(node.slice, names, where)]
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        return tuple(_value(node.value, names, where).shape)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1:
        return len(_value(node.args[0], names, where))
    raise UsageError(f"{where}: a table may use output names, [index], .shape and len(); not {ast.unparse(node)!r}")
