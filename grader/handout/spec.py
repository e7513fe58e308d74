"""What an assignment folder declares for its handout, gathered in one frozen `Handout`.

Read from the folder (all optional but the reference solution and the public fixtures):
  handout.md    the instructions; `<!-- function: NAME -->` on a line of its own starts the text shown before
                NAME's stub, and the text before the first marker opens the handout
  handout.toml  `notebook`, `template` (file names; default: the first of assignment.toml's expected_names, and
                [student] submission), `setup` (the imports cell; default: the reference's imports),
                and per graded function `[functions.NAME]`: `outputs` (names of what it returns), `show` (the
                table's expressions on them: names, [index], .shape, len()), `doc` (the stub's docstring),
                `call` (what the case cell runs, an expression on `args`, the case's arguments; default
                `NAME(*args)`) and `expected` (the key of the fixture's expected dict that the table shows)
  manual.toml   items graded by people (id, title or prompt, points, optional, tag); each gets a heading and
                an answer cell with the item's tag (none when the file is absent)
Undeclared, a function's outputs are the names its reference returns and its table shows each array's shape.
"""
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .. import fixtures
from ..errors import UsageError
from . import source
from .values import evaluate, shown

MARKER = re.compile(r"^<!--\s*function:\s*(\w+)\s*-->\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Row:
    label: str  # the expression, as the cell evaluates it and the table names it
    value: str  # the expected value as shown(): what a right answer prints


@dataclass(frozen=True)
class Case:
    name: str
    describe: str
    record: dict  # the public fixture's arguments, as its file writes them
    rows: tuple
    call: str | None  # what the cell evaluates, on `args`: "f(*args)" unless handout.toml says; None: no cell
    targets: tuple  # the names the cell assigns the call's result to


@dataclass(frozen=True)
class Function:
    name: str
    code: str  # the stub
    text: str  # the instructions before it
    outputs: tuple
    cases: tuple


@dataclass(frozen=True)
class ManualItem:
    id: str
    prompt: str
    points: float | None
    optional: bool
    tag: str  # the answer cell's tag, where the grader of manual items looks first (manual.toml `tag`)


@dataclass(frozen=True)
class Handout:
    assignment: str
    title: str
    intro: str
    setup: str
    functions: tuple
    manual: tuple  # ManualItems: the items graded by people
    notebook: str
    template: str
    helpers: tuple  # the provided helpers: modules and packages of the provided folder
    notes: tuple = ()  # what the handout could not make from the folder, for the instructor


def read(assignment, fixtures_folder=None):
    """The handout of `assignment`, its tables filled from the public fixtures in `fixtures_folder`."""
    folder = assignment.folder
    declared = _toml(folder / "handout.toml")
    solution = folder / "solution.py"
    if not solution.is_file():
        raise UsageError(f"{solution} is missing: the handout's stubs are made from the reference solution")
    public = fixtures.load(fixtures_folder or assignment.fixtures, "public")
    if not public:
        raise UsageError(f"no public fixtures in {fixtures_folder or assignment.fixtures}: the handout's tables are"
                         " made from them; run `make fixtures` first")
    intro, texts = _instructions(folder / declared.get("instructions", "handout.md"))
    signatures = source.signatures(solution)
    graded = list(dict.fromkeys(c.function for c in assignment.suite.checks.values() if c.function))
    tables = declared.get("functions", {})
    for name, where in [*((n, "handout.md") for n in texts), *((n, "handout.toml") for n in tables)]:
        if name not in graded:
            raise UsageError(f"{folder / where}: {name!r} is not a graded function; those are {graded}")
    for name in graded:
        if name not in signatures:
            raise UsageError(f"{solution} has no function {name!r}, which checks.py grades: the handout's stub"
                             " is made from it")
    order = [*texts, *(name for name in graded if name not in texts)]
    made = [_function(signatures[name], texts.get(name, ""), tables.get(name, {}), public.get(name, []), folder,
                      assignment.pairs.get(name)) for name in order]
    functions, notes = tuple(f for f, _ in made), tuple(note for _, n in made for note in n)
    provided = assignment.provided
    setup = declared.get("setup") or "\n".join(source.student_imports(solution, provided and provided.name))
    student = assignment.settings.get("student", {})
    return Handout(assignment.name, assignment.settings.get("title", assignment.name), intro, setup.strip(),
                   functions, _manual(folder / "manual.toml"), declared.get("notebook", _notebook_name(assignment)),
                   declared.get("template", student.get("submission", f"{assignment.name}.py")),
                   _helpers(provided), notes)


def _helpers(provided):
    """The modules and packages in the provided folder (its own __init__.py, caches and hidden files left out)."""
    if provided is None or not provided.is_dir():
        return ()
    return tuple(sorted(p for p in provided.iterdir() if p.name != "__init__.py" and p.name != "__pycache__"
                        and not p.name.startswith(".") and (p.suffix == ".py" or p.is_dir())))


def _notebook_name(assignment):
    """The first name the grader looks for in a folder (assignment.toml, expected_names), else the folder's."""
    names = assignment.settings.get("expected_names") or [assignment.name]
    return f"{names[0]}.ipynb"


def _toml(path):
    if not path.is_file():
        return {}
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: {exc}; fix the file and run the handout again") from None


def _instructions(path):
    """(opening text, {function: text before its stub}) from the instructions file, if there is one."""
    if not path.is_file():
        return "", {}
    parts = MARKER.split(path.read_text())
    return parts[0].strip(), {name: text.strip() for name, text in zip(parts[1::2], parts[2::2])}


def _function(signature, text, declared, public, folder, forward=None):
    where = f"{folder / 'handout.toml'}, [functions.{signature.name}]"
    outputs = tuple(declared.get("outputs", ())) or signature.returns or (
        signature.name.lower() if signature.is_class else "result",)
    doc = declared.get("doc", signature.doc)
    cases, notes = [], []
    for fixture in public:
        case, note = _case(fixture, outputs, declared, where, signature, forward)
        cases.append(case)
        notes += [note] if note else []
    code = (source.class_stub(signature, doc) if signature.is_class
            else source.stub(signature.name, signature.arguments, doc))
    return Function(signature.name, code, text, outputs, tuple(cases)), notes


def _case(fixture, outputs, declared, where, signature, forward=None):
    """One public case: the call its cell makes and its table's rows, with a note when the rows can't be made
    from what the assignment declares (the cell then only runs the call, and the table says so)."""
    expected, key = fixture.expected, declared.get("expected")
    if key is not None:
        if not isinstance(expected, dict) or key not in expected:
            holds = sorted(expected) if isinstance(expected, dict) else "no dict"
            raise UsageError(f"{where}: expected = {key!r}, but the public fixture {fixture.name!r} of"
                             f" {fixture.function} holds {holds}")
        expected = expected[key]
    count = len(expected) if isinstance(expected, tuple) else 1
    call = declared.get("call", f"{fixture.function}(*args)")
    record = {"function": fixture.function, "name": fixture.name, "describe": fixture.describe,
              "args": fixtures.to_json(fixture.args)}
    problem = None
    if len(outputs) > 1 and count != len(outputs):
        problem = f"outputs {list(outputs)}, but the public case {fixture.name!r} expects {count} value(s)"
        if "outputs" in declared:
            raise UsageError(f"{where}: {problem}")
    elif forward and "call" not in declared:  # its arguments are the forward's and the upstream gradients
        problem = (f"the public case {fixture.name!r} holds the arguments of {forward} and the upstream gradients,"
                   f" not the cache that {fixture.function} takes")
    elif "call" not in declared and not signature.accepts(len(fixture.args)):
        problem = f"the public case {fixture.name!r} has {len(fixture.args)} arguments, not the function's"
    if problem:  # no cell that would fail for the student: the public checks still compare this case
        note = f"{where}: {problem}: the handout has no cell or table for it; declare `call` and `expected` there"
        return Case(fixture.name, fixture.describe, record, (), None, ()), note
    if len(outputs) == 1 and isinstance(expected, tuple) and len(expected) == 1:
        expected = expected[0]  # one value, kept in a tuple by the fixture's maker
    names = dict(zip(outputs, expected)) if len(outputs) > 1 else {outputs[0]: expected}
    labels = declared["show"] if "show" in declared else _default_show(names)
    rows = tuple(Row(label, shown(evaluate(label, names, where))) for label in labels)
    return Case(fixture.name, fixture.describe, record, rows, call, outputs), None


def _default_show(names):
    """With no table declared: the shape of every array the function returns, and of every array in a dict."""
    labels = []
    for name, value in names.items():
        if hasattr(value, "shape"):
            labels.append(f"{name}.shape")
        elif isinstance(value, dict):
            labels += [f"{name}[{key!r}].shape" for key, item in value.items() if hasattr(item, "shape")]
    return labels


def _manual(path):
    """The items of manual.toml (`[[items]]`, or one table per item) as ManualItems."""
    data = _toml(path)
    items = data.get("items") if isinstance(data.get("items"), list) else [
        {"id": key, **value} for key, value in data.items() if isinstance(value, dict)]
    out = []
    for number, item in enumerate(items, 1):
        ident = str(item.get("id", f"item{number}"))
        prompt = item.get("prompt") or item.get("title") or item.get("question") or item.get("description") or ""
        points = item.get("points") if isinstance(item.get("points"), (int, float)) else None
        out.append(ManualItem(ident, str(prompt).strip(), points, bool(item.get("optional", False)),
                              str(item.get("tag") or ident)))
    return tuple(out)
