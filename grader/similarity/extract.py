"""The graded code of one file: each graded function's own definition and the helpers it calls, read with ast.

Nothing is run or imported: a notebook is read as JSON, each code cell parsed on its own (IPython's `%` and `!`
lines blanked first), so a cell that does not parse costs only itself, and the last definition of a name wins, as
in a "Restart & Run All". A helper is a function the student defined and a graded function calls (directly or
through another helper), but not itself a graded function: a copy whose loop body was moved into a helper keeps the
same code under the graded function's name, and a helper called once, as a statement, is written back in place of
its call, so the moved block's fingerprints are its source's again.
"""
import ast
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..sandbox import intake
from . import surface

MAGIC = re.compile(r"^[ \t]*[%!].*$", re.MULTILINE)
# nbconvert's Python exporter writes `# In[3]:` above each code cell (as grader/sandbox/notebook.py reads it).
EXPORTED = re.compile(r"^# In\[[ 0-9]*\]:[ \t]*$", re.MULTILINE)
HELPER_DEPTH = 3


@dataclass(frozen=True)
class Function:
    """A graded function's code as compared: its definition, then each helper's, docstrings and prints left out;
    and its surface as written (surface.py: {item: a statement's shape item or None}), helpers' included."""
    name: str
    code: str
    surface: dict = field(default_factory=dict, hash=False)


def source_file(path, expected_names=(), helpers=()):
    """The file whose code is compared for a submission (a folder's main file chosen as grading chooses it)."""
    path = Path(path)
    if not path.is_dir():
        return path
    entry, _ = intake.choose_main(path, expected_names, helpers)
    if not entry:
        return None
    file = (path / entry).resolve()  # a link that leads out of the student's folder is not followed
    return file if file.is_relative_to(path.resolve()) else None


def cells(path):
    """The code cells of a notebook, an exported .py or a module (one cell), as text, in order."""
    raw = path.read_bytes().decode("utf-8", "replace")
    if path.suffix.lower() == ".ipynb":
        try:
            data = json.loads(raw)
        except ValueError:
            return []
        found = data.get("cells", []) if isinstance(data, dict) else []
        texts = [c.get("source", "") for c in found if isinstance(c, dict) and c.get("cell_type") == "code"]
        return ["".join(map(str, t)) if isinstance(t, list) else str(t) for t in texts]
    if EXPORTED.search(raw):
        return EXPORTED.split(raw)
    return [raw]


def definitions(texts):
    """{name: FunctionDef} of the top-level functions of the cells, docstrings and prints taken out; the last
    definition of a name wins."""
    found = {}
    for text in texts:
        for tree, written in _parse(MAGIC.sub("", text)):
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    node.written = (written, ast.get_docstring(node, clean=False))  # its cell, for its surface
                    found[node.name] = node
    for name, node in list(found.items()):
        try:
            node.body = _clean(node.body) or [ast.Pass()]
        except RecursionError:  # blocks nested too deep to walk: nothing to compare
            del found[name]
    return found


def _parse(text):
    """[(module, its text)] of a cell; when it does not parse, of each top-level block that does (a module with one
    bad cell)."""
    try:
        return [(ast.parse(text), text)]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    blocks = re.split(r"\n(?=\S)", text)
    trees = []
    for block in blocks:
        try:
            trees.append((ast.parse(block), block))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return trees


def graded_code(path, graded, expected_names=(), helpers=()):
    """{function: Function} for the graded functions that `path` defines (a missing one is left out)."""
    defs = _file_definitions(path, expected_names, helpers)
    found = {}
    for name in graded:
        try:
            solved = name in defs and not empty(defs[name])
            parts = _helpers(name, defs, set(graded)) if solved else []
            found[name] = Function(name, code_of(name, defs, set(graded)), _written(parts, defs)) if solved else None
        except RecursionError:  # nesting too deep to write back out: nothing to compare
            found[name] = None
    return {name: function for name, function in found.items() if function is not None}


def _file_definitions(path, expected_names, helpers):
    """{name: its last definition} in the file of submission `path` that grading would read ({} if none)."""
    file = source_file(path, expected_names, helpers)
    if file is None or not file.is_file():
        return {}
    return definitions(cells(file))


def empty(node):
    """True for a function that, placeholders taken out, only returns: a template left unsolved."""
    return all(isinstance(statement, (ast.Return, ast.Pass)) for statement in node.body)


def code_of(name, defs, graded):
    """The code of function `name`, a helper it calls once as a statement written in place of the call (see
    `_inline`), followed by that of the other helpers it calls (not graded ones), breadth first."""
    parts = _helpers(name, defs, graded)
    main, inlined = _inline(defs[name], {n: defs[n] for n in parts[1:]})
    return "\n".join([ast.unparse(main), *(ast.unparse(defs[n]) for n in parts[1:] if n not in inlined)])


def live_code(code):
    """The code compared (`code_of`), each function without what computes nothing it uses (`_live`)."""
    return "\n".join(ast.unparse(_live(node)) for node in ast.parse(code).body)


def _live(function):
    """`function` without `assert` statements and assignments to names that it never reads (again until none is
    left; a block left empty gets `pass`). Not what is compared (a student's own checks and leftovers are evidence
    too), but what says whether a function was solved at all: a template with a shape check or an unused temporary
    inserted computes nothing more than the template, and a copy of a half-solved file that got such lines in its
    unsolved functions must not count them as solved code that its source lacks."""
    declared = {n for node in ast.walk(function) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    while True:
        read = declared | {n.id for n in ast.walk(function) if isinstance(n, ast.Name)
                           and not isinstance(n.ctx, ast.Store)}
        dropped = False
        for holder in [n for n in ast.walk(function) if isinstance(getattr(n, "body", None), list)]:
            for field in ("body", "orelse", "finalbody"):
                block = getattr(holder, field, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    kept = [s for s in block if not _dead(s, read)]
                    dropped |= len(kept) < len(block)
                    setattr(holder, field, kept or [ast.Pass()])
        if not dropped:
            return function


def _dead(statement, read):
    """True for an `assert`, an assignment whose targets are all plain names none of which is in `read`, or a block
    (a loop, an `if`, a `with`) with nothing left in it."""
    if isinstance(statement, ast.Assert):
        return True
    if isinstance(statement, (ast.For, ast.While, ast.If, ast.With)):  # a block left with nothing in it
        return all(isinstance(s, ast.Pass) for s in [*statement.body, *getattr(statement, "orelse", [])])
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = [_names(t) for t in targets]
        return all(n is not None and not set(n) & read for n in names)
    return False


def _inline(function, helpers):
    """(a copy of `function` with each helper that it calls exactly once, as a statement `x, y = helper(a, b)` or
    `helper(a, b)`, written in place of the call, its parameters named as the arguments and its last `return v`
    made `x, y = v`; the names inlined). Moving a block of statements into a helper changes nothing a reader cares
    about, but cuts every fingerprint that spans the block's two ends and adds the call's and the `return`'s own:
    inlined, the block is back in its place and the code is the same as before it was moved."""
    calls = Counter(_called(function))
    if not any(calls[name] == 1 for name in helpers):
        return function, set()
    function = _copy(function)
    inlined = set()
    for holder in [n for n in ast.walk(function) if isinstance(getattr(n, "body", None), list)]:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(holder, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            for i in reversed(range(len(block))):
                found = _inlinable(block[i], helpers, calls)
                if found:
                    name, statements = found
                    block[i:i + 1] = statements
                    inlined.add(name)
    return function, inlined


def _inlinable(statement, helpers, calls):
    """(the helper's name, the statements that stand for `statement`) when it is a call of a helper made once, with
    plain names as its arguments, whose only `return` is its last statement; else None."""
    call = statement.value if isinstance(statement, (ast.Assign, ast.Expr)) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in helpers
            and calls[call.func.id] == 1 and not call.keywords
            and all(isinstance(a, ast.Name) for a in call.args)):
        return None
    helper = helpers[call.func.id]
    params = helper.args
    if (params.vararg or params.kwarg or params.kwonlyargs or params.posonlyargs or params.defaults
            or len(params.args) != len(call.args)):
        return None
    body = _copy(helper).body
    returns = [n for s in body for n in ast.walk(s) if isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom))]
    if returns and (len(returns) > 1 or returns[0] is not body[-1]):
        return None
    renamed = {p.arg: a.id for p, a in zip(params.args, call.args)}
    for node in (n for s in body for n in ast.walk(s) if isinstance(n, ast.Name)):
        node.id = renamed.get(node.id, node.id)
    value = body.pop().value if returns else None
    if isinstance(statement, ast.Assign):
        if value is None:
            return None
        if len(statement.targets) > 1 or _names(value) is None or _names(statement.targets[0]) != _names(value):
            body.append(ast.Assign(statement.targets, value, lineno=0))  # the helper returned something else
    return call.func.id, body or [ast.Pass()]


def _helpers(name, defs, graded):
    """`name` and the helpers it calls (not graded ones, HELPER_DEPTH calls deep at most), breadth first."""
    order, todo = [name], [(name, 0)]
    while todo:
        current, depth = todo.pop(0)
        if depth >= HELPER_DEPTH:
            continue
        for called in _called(defs[current]):
            if called in defs and called not in graded and called not in order:
                order.append(called)
                todo.append((called, depth + 1))
    return order


def written(name, defs, graded, read=surface.items):
    """{surface item: its shape item or None} (surface.py) of function `name` and of the helpers its code includes;
    with `read=surface.texts`, {item: (kind, text)}."""
    return _written(_helpers(name, defs, graded), defs, read)


def _written(parts, defs, read=surface.items):
    items = {}
    for part in parts:
        cell, docstring = getattr(defs[part], "written", (None, None))
        source = ast.get_source_segment(cell, defs[part]) if cell else None
        if source:
            items.update(read(source, defs[part], docstring))
    return items


def written_texts(path, graded, expected_names=(), helpers=()):
    """{function: {surface item: (kind, text)}} of a file's graded functions, for the side-by-side view."""
    defs = _file_definitions(path, expected_names, helpers)
    return {name: written(name, defs, set(graded), surface.texts) for name in graded if name in defs}


def _copy(function):
    """A copy of a function's tree to change (written out and read again: much faster than copy.deepcopy)."""
    return ast.parse(ast.unparse(function)).body[0]


def _names(node):
    """The names of a plain name or a tuple of plain names (None for anything else)."""
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    return [n.id for n in items] if all(isinstance(n, ast.Name) for n in items) else None


def _called(node):
    return [n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]


def _clean(body):
    """A statement list without docstrings, bare strings, print() calls and a template's placeholders (no logic of
    the student's), nested blocks cleaned too; a block left empty gets `pass`. Only statements are visited, so it
    is cheap."""
    kept = []
    for node in body:
        if isinstance(node, ast.Expr) and (
                isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                or isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "print") or placeholder(node):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(node, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(node, field, _clean(inner) or [ast.Pass()])
        for handler in getattr(node, "handlers", []):
            handler.body = _clean(handler.body) or [ast.Pass()]
        kept.append(node)
    return kept


def placeholder(node):
    """True for what a handout leaves for the student to replace, in any version: `pass`, `x = None`,
    `x, y = None, None`, `raise NotImplementedError`. A function left unsolved is then only its signature, the
    handout's given lines and its `return`: unsolved functions of two files never count as shared solved code."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Raise):
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
        return all(isinstance(v, ast.Constant) and v.value is None for v in values)
    return False
