"""An assignment folder's declarations, checked when it loads: each file against its schema (schemas/<file>.json),
then the names in it against the reference solution and the checks that exist. A mistake is refused in one line
that names the file, the key (and its line), and what would be valid.
"""
import copy
import hashlib
import inspect
import json
import re
from functools import cache
from pathlib import Path

from ..errors import UsageError
from ..install import declared, extras
from ..whole import write_whole

SCHEMAS = Path(__file__).parent / "schemas"
FILES = ("assignment.toml", "rubric.toml", "handout.toml", "manual.toml")


class DeclarationError(UsageError):
    """A wrong declaration in an assignment folder: `file`, `key` (dotted) and `line` (or None) say where."""

    def __init__(self, folder, file, key, message, line=None):
        self.file, self.key, self.line = f"{Path(folder).name}/{file}", key, line
        where = f" (line {line})" if line else ""
        super().__init__(f"{self.file}: {key or 'the file'}{where}: {message}")


_READ = {}  # path -> (its size and time, what read() made of it): a batch worker loads the assignment per submission


def read(folder, file):
    """A TOML file of the folder as a dict, checked against its schema; {} when an optional file is absent. Read
    and checked once per process while the file stays the same (a copy each time: the caller may change it)."""
    path = Path(folder) / file
    if not path.is_file():
        if file in ("assignment.toml", "rubric.toml"):
            raise DeclarationError(folder, file, None, "missing: every assignment folder has one (python -m grader"
                                   " new NAME --from solution.py writes a first version)")
        return {}
    stat = path.stat()
    signature, known = (stat.st_mtime_ns, stat.st_size, stat.st_ino), _READ.get(str(path))
    if known is None or known[0] != signature:
        known = _READ[str(path)] = (signature, _checked(folder, file, path))
    return copy.deepcopy(known[1])


def _checked(folder, file, path):
    text = path.read_text(errors="replace")
    try:
        data = declared.parse(text)
    except declared.DecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise DeclarationError(folder, file, None, f"not valid TOML: {exc}", int(line[1]) if line else None) from None
    digest = hashlib.sha256(f"{_schema_text(file)}\0{text}".encode()).hexdigest()
    if digest in _valid(folder):  # checked by an earlier process, this text against this schema: valid still
        return data
    errors = sorted(_validator(file).iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str,
                                                                                                 e.absolute_path))))
    if errors:
        error = errors[0]
        key, message = _explain(error)
        raise DeclarationError(folder, file, key, message, line_of(text, key))
    _remember_valid(folder, digest)
    return data


# Each command is a new process: the digests of the texts found valid (with their schemas) are kept beside the
# assignment's compiled modules, so that jsonschema (its import and its checking, 0.15 s) runs once per text.
VALID = Path("__pycache__") / "declarations-valid.json"
_VALID = {}  # folder -> the digests read from its VALID file


def _valid(folder):
    if str(folder) not in _VALID:
        try:
            known = json.loads((Path(folder) / VALID).read_text())
            _VALID[str(folder)] = dict.fromkeys(d for d in known if isinstance(d, str)) if isinstance(known, list) \
                else {}
        except (OSError, ValueError):
            _VALID[str(folder)] = {}
    return _VALID[str(folder)]


def _remember_valid(folder, digest):
    """Add `digest` to the folder's VALID file (the last 64 kept); where it can't be written, nothing is kept."""
    known = _valid(folder)
    known[digest] = None
    path = Path(folder) / VALID
    try:
        write_whole(path, json.dumps(list(known)[-64:]), make_folder=True)
    except OSError:
        pass


@cache
def _schema_text(file):
    return (SCHEMAS / file.replace(".toml", ".json")).read_text()


@cache
def _validator(file):
    import jsonschema  # only for a text not checked before (its import alone is 0.05 s)
    return jsonschema.Draft202012Validator(json.loads(_schema_text(file)))


def _explain(error):
    """(dotted key, what is wrong and what would be valid) of a schema error."""
    path = [str(p) for p in error.absolute_path]
    schema, value = error.schema, error.instance
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in value)
        return ".".join([*path, missing]), f"missing; this table needs {', '.join(error.validator_value)}"
    if error.validator == "additionalProperties" and schema.get("properties"):
        extra = next(k for k in value if k not in schema["properties"])
        return ".".join([*path, extra]), f"unknown key {extra!r}; valid keys: {', '.join(schema['properties'])}"
    if error.validator == "enum":
        return ".".join(path), f"{value!r} is not one of {', '.join(map(repr, error.validator_value))}"
    if error.validator in ("oneOf", "anyOf") and isinstance(value, dict) and "output" in value:
        return ".".join(path), ("an invariant is one of {range = [low, high]}, {sums_to_one = AXIS},"
                                " {batch = AXIS, inputs = [...]}, {causal = AXIS, inputs = NAME}, with `output`")
    if error.validator == "pattern":
        return ".".join(path), f"{value!r} is not a name (letters, digits and _)"
    return ".".join(path), error.message


def line_of(text, key):
    """The line of `key` (dotted: table names, then the key) in a TOML text, or None where it can't be told."""
    if not key:
        return None
    parts = key.split(".")
    for split in range(len(parts), 0, -1):  # the longest table header that the key starts with
        header = re.compile(r"^\s*\[+\s*" + r"\s*\.\s*".join(map(re.escape, parts[:split])) + r"\s*\]+\s*(#.*)?$")
        lines = text.splitlines()
        starts = [i for i, line in enumerate(lines) if header.match(line)]
        if not starts:
            continue
        if split == len(parts):
            return starts[0] + 1
        name = re.compile(r"^\s*" + re.escape(parts[split]) + r"\s*=")
        for i in range(starts[0] + 1, len(lines)):
            if lines[i].lstrip().startswith("["):
                break
            if name.match(lines[i]):
                return i + 1
        return starts[0] + 1
    top = re.compile(r"^\s*" + re.escape(parts[0]) + r"\s*=", re.MULTILINE)
    match = top.search(text)
    return text[:match.start()].count("\n") + 1 if match else None


def against_solution(folder, settings, solution, text):
    """Names of assignment.toml that must be functions (and arguments) of the reference solution."""
    def refuse(key, message):
        raise DeclarationError(folder, "assignment.toml", key, message, line_of(text, key))

    functions = sorted(n for n, v in vars(solution).items() if inspect.isfunction(v) or inspect.isclass(v)
                       if not n.startswith("_") and getattr(v, "__module__", None) == solution.__name__)
    where = "solution.py's functions are " + ", ".join(functions)
    declared = settings.get("functions", {})
    for name, table in declared.items():
        if name not in functions:
            refuse(f"functions.{name}", f"{name!r} is not a function of solution.py; {where}")
        _invariants(refuse, name, table, getattr(solution, name))
    for name, table in settings.get("backward", {}).items():
        if name not in functions:
            refuse(f"backward.{name}", f"{name!r} is not a function of solution.py; {where}")
        if table["forward"] not in functions:
            refuse(f"backward.{name}.forward", f"{table['forward']!r} is not a function of solution.py; {where}")
        _backward(refuse, name, table, getattr(solution, table["forward"]), declared.get(table["forward"]))
    for name, callees in settings.get("calls", {}).items():
        for callee in (name, *callees):
            if callee not in functions:
                refuse(f"calls.{name}", f"{callee!r} is not a function of solution.py; {where}")


def _invariants(refuse, name, table, function):
    parameters = list(inspect.signature(function).parameters)
    outputs = table["outputs"] if isinstance(table["outputs"], list) else [table["outputs"]]
    for invariant in table.get("invariants", ()):
        if invariant["output"] not in outputs:
            refuse(f"functions.{name}.invariants", f"output {invariant['output']!r} is not one of `outputs`"
                   f" ({', '.join(outputs)})")
        inputs = invariant.get("inputs", [])
        for argument in [inputs] if isinstance(inputs, str) else inputs:
            if argument not in parameters:
                refuse(f"functions.{name}.invariants", f"input {argument!r} is not an argument of {name}"
                       f" ({', '.join(parameters)})")


def _backward(refuse, name, table, forward, forward_table):
    parameters = list(inspect.signature(forward).parameters)
    outputs, gradients = table["outputs"], table["gradients"]
    if isinstance(outputs, list) != isinstance(gradients, list):
        refuse(f"backward.{name}.gradients", "a list (one entry per output) when `outputs` is a list, a table"
               " {key = argument} when `outputs` names a dict")
    if isinstance(outputs, list) and len(outputs) != len(gradients):
        refuse(f"backward.{name}.gradients", f"{len(gradients)} entries for {len(outputs)} outputs"
               f" ({', '.join(outputs)}): give each output the forward argument it is the gradient of")
    for target in gradients.values() if isinstance(gradients, dict) else gradients:
        bad = (target >= len(parameters)) if isinstance(target, int) else target.split(".")[0] not in parameters
        if bad:
            refuse(f"backward.{name}.gradients", f"{target!r} is not an argument of {table['forward']}: its"
                   f" arguments are {', '.join(parameters)} (positions 0 to {len(parameters) - 1})")
    forward_outputs = (forward_table or {}).get("outputs", [])
    for upstream in table.get("upstream", ()):
        if isinstance(upstream, str) and upstream not in forward_outputs:
            refuse(f"backward.{name}.upstream", f"{upstream!r} is not an output of {table['forward']}"
                   f" ([functions.{table['forward']}] outputs: {', '.join(forward_outputs) or 'not declared'})")


def against_checks(folder, settings, rubric, suite, standard, custom, text, rubric_text):
    """Rubric keys against the checks that exist, and the public kinds against the kinds the checks have."""
    for function, table in rubric.items():
        if function == "submission":
            continue
        available = [*standard.kinds(function), *(c.split(".", 1)[1] for c in (custom.checks if custom else ())
                                                 if c.split(".", 1)[0] == function)]
        for kind in (k for k in table if k != "optional"):
            if f"{function}.{kind}" not in suite.checks:
                key = f"{function}.{kind}"
                what = (f"the kinds of check of {function} are {', '.join(available)}" if available else
                        f"{function} has no check: declare it in assignment.toml ([functions.{function}] or"
                        f" [backward.{function}]) or write its check in checks.py")
                raise DeclarationError(folder, "rubric.toml", key, f"no check {key!r}: {what}",
                                       line_of(rubric_text, key))
    for check_id in (custom.checks if custom else ()):
        function, _, kind = check_id.partition(".")
        if kind not in rubric.get(function, {}):
            raise DeclarationError(folder, "rubric.toml", function, f"gives no points to check {check_id!r} of"
                                   f" checks.py: add `{kind} = POINTS` to [{function}]",
                                   line_of(rubric_text, function))
    kinds = {c.split(".", 1)[1] for c in suite.checks}
    for kind in settings.get("student", {}).get("public_checks", ()):
        if kind not in kinds:
            raise DeclarationError(folder, "assignment.toml", "student.public_checks",
                                   f"{kind!r} is not a kind of check of this assignment; its kinds are"
                                   f" {', '.join(sorted(kinds))}", line_of(text, "student.public_checks"))


def against_recipes(folder, cases, pairs):
    """A recipe of a backward that takes its student's own cache needs `expect`: its arguments are not the
    backward's own (they are the forward's and the upstream gradients)."""
    for recipe in cases.recipes():
        if recipe.function in pairs and recipe.expect is None:
            raise DeclarationError(folder, "cases.py", f"recipes() {recipe.function}/{recipe.name}", (
                f"a recipe of {recipe.function} (cache = \"own\" in [backward.{recipe.function}]) needs `expect`:"
                f" Recipe(..., expect=grader.fixtures.expect_backward(solution, {pairs[recipe.function]!r},"
                f" {recipe.function!r}))"))


def packages(folder, settings, text):
    """The packages the course's students used (assignment.toml, `packages`) are installed where the sandbox runs."""
    for name in settings.get("packages", ()):
        if extras.version(name) is None:
            raise DeclarationError(folder, "assignment.toml", "packages", (
                f"{name!r} is not installed in this Python environment, and student code that imports it would"
                f" not load: add it to requirements.txt and pyproject.toml, then run `make setup`"),
                line_of(text, "packages"))
