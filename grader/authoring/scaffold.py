"""`python -m grader new NAME --from solution.py`: a new assignment's folder, written from its solution module.

Read with ast (nothing is run): the graded functions are the module's public functions; a pair X_forward /
X_backward becomes a [backward.X_backward] table whose backward takes its student's own cache (the forward's last
output), with each gradient dNAME paired with the forward's argument NAME; each function's outputs are the names
its last `return` gives. cases.py draws every argument from the sizes its docstring gives ("of shape (N, D)");
what it couldn't tell is marked FILL IN. The rubric gives default points to every standard kind that applies.
"""
import ast
import re
import shutil
from pathlib import Path

from ..errors import UsageError

SHAPE = r"\b{name}\b[^\n]*?shape\s*\(([^)]*)\)"
DEFAULT_SIZES = (3, 4, 5, 6, 7, 2, 8, 9)


def write(folder, solution):
    """Write the assignment folder `folder` from `solution` (a .py path); returns the files written."""
    folder, solution = Path(folder), Path(solution)
    if folder.exists():
        raise UsageError(f"{folder} already exists: choose another name, or remove it first")
    if not solution.is_file():
        raise UsageError(f"no solution module {str(solution)!r}")
    try:
        tree = ast.parse(solution.read_text())
    except SyntaxError as exc:
        raise UsageError(f"{solution} does not parse: {exc}") from None
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)
                 and not node.name.startswith("_")}
    if not functions:
        raise UsageError(f"{solution} defines no public function to grade")
    pairs = {name: name[:-len("_backward")] + "_forward" for name in functions
             if name.endswith("_backward") and name[:-len("_backward")] + "_forward" in functions}
    arguments = {name: _arguments(node) for name, node in functions.items() if name not in pairs}
    sizes = list(dict.fromkeys(size for args in arguments.values() for shape in args.values() if shape
                               for size in shape if isinstance(size, str)))
    folder.mkdir(parents=True)
    shutil.copyfile(solution, folder / "solution.py")
    files = {"__init__.py": "", "assignment.toml": _settings(folder.name, functions, pairs, sizes),
             "rubric.toml": _rubric(functions, pairs), "cases.py": _cases(folder.name, arguments, pairs, sizes),
             "handout.toml": _handout(functions, pairs)}
    for name, text in files.items():
        (folder / name).write_text(text)
    return ["solution.py", *files]


def _arguments(node):
    """{argument: its shape as a tuple of size names and numbers, or None}, from the docstring."""
    doc = ast.get_docstring(node) or ""
    out = {}
    for arg in node.args.args:
        found = re.search(SHAPE.format(name=re.escape(arg.arg)), doc)
        dims = [d.strip() for d in found[1].split(",")] if found else None
        out[arg.arg] = tuple(int(d) if d.isdigit() else d for d in dims if d and d != "...") if dims else None
    return out


def _returns(node):
    """The names the function's last top-level `return` gives."""
    returns = [n for n in node.body if isinstance(n, ast.Return)]
    value = returns[-1].value if returns else None
    items = value.elts if isinstance(value, ast.Tuple) else [value] if value is not None else []
    names = [item.id if isinstance(item, ast.Name) else f"output{i}" for i, item in enumerate(items)]
    return names or ["out"]


def _settings(name, functions, pairs, sizes):
    lines = [f'title = "{name}"', "", "[tolerance]", "rtol = 1e-5", "atol = 1e-6", "",
             "[properties]", "# the range of every size of cases.Case that the property tests draw from",
             "max_examples = 10",
             "sizes = {" + ", ".join(f"{size} = [1, 4]" for size in sizes) + "}", "",
             "[student]", 'public_checks = ["public"]', ""]
    for function, node in functions.items():
        if function in pairs:
            continue
        outputs = _returns(node)
        lines += [f"[functions.{function}]", "outputs = [" + ", ".join(f'"{o}"' for o in outputs) + "]",
                  "# invariants = [{output = \"" + outputs[0] + "\", range = [-1, 1], why = \"...\"}]", ""]
    for backward, forward in pairs.items():
        outputs, parameters = _returns(functions[backward]), [a.arg for a in functions[forward].args.args]
        gradients = [parameters.index(o[1:]) if o.startswith("d") and o[1:] in parameters else i
                     for i, o in enumerate(outputs)]
        lines += [f"[backward.{backward}]", f'forward = "{forward}"',
                  "outputs = [" + ", ".join(f'"{o}"' for o in outputs) + "]",
                  f"# the argument of {forward} ({', '.join(parameters)}) that each output is the gradient of",
                  f"gradients = {gradients}", ""]
    return "\n".join(lines)


def _handout(functions, pairs):
    """A backward's public case holds its forward's arguments and the upstream gradients: its cell runs the
    student's forward for the cache, then the backward, and its table shows the fixture's "backward" part."""
    lines = ["# The student's handout (python -m grader handout). A table shows the shape of every array a function",
             "# returns unless `show` lists other expressions of its outputs (e.g. show = [\"out[0]\", \"out.shape\"]).", ""]
    for backward, forward in pairs.items():
        count = len(functions[forward].args.args)
        lines += [f"[functions.{backward}]", "outputs = [" + ", ".join(f'"{o}"' for o in _returns(functions[backward]))
                  + "]", f'call = "{backward}(*args[{count}:], {forward}(*args[:{count}])[-1])"',
                  'expected = "backward"', ""]
    return "\n".join(lines)


def _rubric(functions, pairs):
    forwards = set(pairs.values())
    lines = ["# Points of every check, by function; `optional = true` makes a function extra credit.", "",
             "[submission]", "loads = 0", ""]
    for function in functions:
        lines += [f"[{function}]"] + ([] if function in pairs or function in forwards else ["structure = 1"]) + [
            "public = 1", "hidden_values = 2", "hidden_shapes = 2", "properties = 1", ""]
    return "\n".join(lines)


CASES = '''"""Seeded cases of {name}: the arguments of every graded function, at the sizes of `Case`.

Scaffolded by `python -m grader new` from the solution's signatures and docstrings: check every line marked
FILL IN. ARGUMENTS gives each argument's shape in the sizes of Case (a float array drawn from the case's seed), or
("integers", shape, high) for integers in [0, high). A backward function's arguments are its forward's, then an
upstream gradient for each of the forward's outputs but the cache; its recipe's `expect` says what that gives.
"""
from dataclasses import dataclass, replace

import numpy as np

from grader.fixtures import Recipe, expect_backward

from . import solution


@dataclass(frozen=True)
class Case:
    seed: int
{sizes}


ARGUMENTS = {{
{arguments}
}}
FORWARD_OF = {pairs!r}


def forward_arguments(function, case):
    rng = np.random.default_rng(case.seed)
    out = []
    for argument, shape in ARGUMENTS[function].items():
        if shape is None:
            raise ValueError(f"cases.py: FILL IN the shape of {{argument!r}} of {{function}} in ARGUMENTS")
        if shape[0] == "integers":
            out.append(rng.integers(0, _size(case, shape[2]), size=[_size(case, s) for s in shape[1]]))
        else:
            out.append(rng.standard_normal([_size(case, s) for s in shape]))
    return tuple(out)


def _size(case, size):
    return getattr(case, size) if isinstance(size, str) else size


def arguments(function, case):
    """A forward's arguments; a backward's: its forward's, then one upstream gradient per output but the cache."""
    if function not in FORWARD_OF:
        return forward_arguments(function, case)
    args = forward_arguments(FORWARD_OF[function], case)
    outputs = getattr(solution, FORWARD_OF[function])(*args)[:-1]
    rng = np.random.default_rng(case.seed + 1)
    return (*args, *(rng.standard_normal(np.shape(o)) for o in outputs))


PUBLIC = Case(seed=1)
HIDDEN_VALUE_SEEDS = (2002, 2003)
# one case per size set to 1, and one with every size changed
HIDDEN_SHAPES = (*(replace(PUBLIC, seed=3001 + i, **{{size: 1}}) for i, size in enumerate({size_names!r})),
                 Case(seed=3100{other_sizes}))


def recipes():
    """Every fixture: the public case, other draws at its sizes, other sizes."""
    out = []
    for function in [*ARGUMENTS, *FORWARD_OF]:
        expect = expect_backward(solution, FORWARD_OF[function], function) if function in FORWARD_OF else None
        groups = (("public", "public", (PUBLIC,)),
                  ("values", "hidden", tuple(replace(PUBLIC, seed=s) for s in HIDDEN_VALUE_SEEDS)),
                  ("shapes", "hidden", HIDDEN_SHAPES))
        for group, visibility, cases in groups:
            for case in cases:
                name = "public" if group == "public" else f"{{group}}-{{case.seed}}"
                out.append(Recipe(function, name, visibility, case.seed,
                                  lambda f=function, c=case: arguments(f, c), repr(case), expect))
    return out
'''


def _cases(name, arguments, pairs, sizes):
    values = dict(zip(sizes, DEFAULT_SIZES * (len(sizes) // len(DEFAULT_SIZES) + 1)))
    size_lines = "\n".join(f"    {size}: int = {value}  # FILL IN: the public case's size" for size, value in
                           values.items()) or "    # FILL IN: the sizes of a case (N: int = 3, ...)"
    rows = []
    for function, args in arguments.items():
        shapes = ", ".join(f'"{arg}": {shape!r}' for arg, shape in args.items())
        unknown = [arg for arg, shape in args.items() if not shape]
        rows.append(f'    "{function}": {{{shapes}}},' + (f"  # FILL IN: {', '.join(unknown)}" if unknown else ""))
    other = "".join(f", {size}={value + 1}" for size, value in values.items())
    return CASES.format(name=name, sizes=size_lines, arguments="\n".join(rows), pairs=pairs,
                        size_names=tuple(sizes), other_sizes=other)
