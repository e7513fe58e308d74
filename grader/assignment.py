"""An assignment is a folder: reference solution, case recipes, checks, rubric and settings. The engine reads it here.

Folder layout (see reference/<name>/):
  assignment.toml  title, tolerances, property-test sizes, the helpers handed out with it, and `[calls]`: which
                   graded functions each graded function calls by design (the reference stands in for those only)
  rubric.toml      points of every check, per function; `optional = true` marks extra credit
  solution.py      the reference functions
  cases.py         `recipes()`: the seeded inputs the fixtures are made from
  checks.py        (optional) only checks no other assignment could use; the standard ones come from the declarations
  manual.toml      (optional) the items that people grade with a rubric: written answers, reports, a bonus

A student's copy of the assignment (`python -m grader init-student-repo`) holds only the public part: settings,
rubric, checks and provided helpers, no solution.py, cases.py or hidden fixtures (DESIGN.md: secrets). It is loaded
with `public_only=True`, and only the checks whose kind `[student] public_checks` in assignment.toml names run.
"""
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from .install import course, declared
from .errors import UsageError


@dataclass(frozen=True)
class Assignment:
    name: str
    folder: Path
    settings: dict
    rubric: dict
    package: object
    public_only: bool = False
    suite: object = None  # the checks, in the rubric's order (grader.checks.kinds.suite)
    standard: object = None  # the standard checks made from the declarations (grader.checks.kinds.Standard)

    @property
    def solution(self):
        """The reference module; None in a student's copy, which has only the public part."""
        return getattr(self.package, "solution", None)

    @property
    def provided(self):
        folder = self.settings.get("provided")
        return self.folder / folder if folder else None

    @property
    def helpers(self):
        """Names of the modules handed out with the assignment (a folder's file by that name is not its main one)."""
        folder = self.provided
        return tuple(sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")) if folder else ()

    @property
    def fixtures(self):
        """fixtures/<name> in the course that holds this assignment's folder (reference/<name>)."""
        return self.folder.parent.parent / "fixtures" / self.name

    @property
    def depends_on(self):
        """The files a grading with this assignment depends on: every file of its folder but compiled modules,
        sorted, then its fixtures' manifest (written by each `make fixtures`; it may not be there)."""
        own = sorted(p for p in self.folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        return [*own, self.fixtures / "manifest.json"]

    @property
    def public_kinds(self):
        """The kinds of check (`structure`, `public`, ...) that need neither the reference nor hidden fixtures."""
        return tuple(self.settings.get("student", {}).get("public_checks", ()))

    @property
    def functions(self):
        """The names of the graded functions, in the rubric's order."""
        return [name for name in self.rubric if name != "submission"]

    @property
    def calls(self):
        """{function: callees}: the graded functions that each one calls by design (assignment.toml, [calls])."""
        return {function: tuple(callees) for function, callees in self.settings.get("calls", {}).items()}

    @property
    def manual(self):
        """The items people grade (manual.toml), checked; an empty tuple when the assignment has none."""
        return manual_items(self.folder, self.name)

    @property
    def pairs(self):
        """{backward: forward}: the backward function that takes the cache (last output) of a forward function
        (assignment.toml, [backward.NAME] forward = ...); a reference stand-in's cache then stays in the grader."""
        return {name: table["forward"] for name, table in self.settings.get("backward", {}).items()
                if table.get("cache", "own") == "own"}

    def checks(self, public_only=False):
        """The checks to run, in order; with `public_only`, those whose kind is in `public_kinds`."""
        checks = list(self.suite.checks.values())
        if public_only:
            checks = [c for c in checks if c.id.rsplit(".", 1)[-1] in self.public_kinds]
        return checks

    def points(self, check):
        """(points, optional) of a check, from the rubric's table for its function."""
        table = self.rubric.get(check.function or "submission", {})
        kind = check.id.rsplit(".", 1)[-1]
        if kind not in table and check.id == "submission.loads":
            return 0.0, False
        if kind not in table:
            raise UsageError(f"rubric.toml of {self.name!r} gives no points for check {check.id!r}")
        return float(table[kind]), bool(table.get("optional", False))


def find(name=None, public_only=False, submissions=()):
    """The assignment folder `reference/<name>`; with no name, the only one there is, or else the one whose graded
    functions the `submissions` define (grader.detect)."""
    return load(choose(name, submissions), public_only)


def choose(name=None, submissions=()):
    """The folder find() loads (nothing is imported or validated)."""
    reference = course.root() / "reference"
    folders = sorted(p.parent for p in reference.glob("*/assignment.toml"))
    if name is None and len(folders) == 1:
        return folders[0]
    if name is None and not submissions:
        raise UsageError(f"say which assignment with --assignment NAME: there are {[f.name for f in folders]}")
    if name is None:
        from .detect import choose
        return reference / choose(folders, submissions)
    folder = reference / name
    if not (folder / "assignment.toml").is_file():
        raise UsageError(f"no assignment {name!r}; there are {[f.name for f in folders]}")
    return folder


def provided_of(folder):
    """What Assignment.provided is for the assignment in `folder`, read from its assignment.toml without loading
    the assignment; None when it names none or can't be read (load() says why)."""
    try:
        provided = declared.load(Path(folder) / "assignment.toml").get("provided")
    except (OSError, declared.DecodeError):
        return None
    return Path(folder) / provided if isinstance(provided, str) and provided else None


def folder_of(name_or_path):
    """The folder of an assignment given by name (reference/NAME) or by path."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    if (course.root() / "reference" / name_or_path / "assignment.toml").is_file():
        return course.root() / "reference" / name_or_path
    raise UsageError(f"no assignment folder {name_or_path!r}: give a folder's path or one of {names()}")


def names():
    """The assignments there are: the folders under reference/ with an assignment.toml."""
    return [p.parent.name for p in sorted((course.root() / "reference").glob("*/assignment.toml"))]


def load(folder, public_only=False):
    """Load an assignment folder; `public_only` accepts a student's copy, which has no reference solution."""
    from .authoring import validate
    from .checks import declarations, kinds
    folder = Path(folder)
    if not (folder / "solution.py").is_file() and not public_only:
        raise UsageError(f"{folder / 'solution.py'} is missing: this copy of {folder.name!r} holds only the public"
                         " checks (a student's repository?); run them with --public, or grade where the reference"
                         " solution is")
    settings, rubric = validate.read(folder, "assignment.toml"), validate.read(folder, "rubric.toml")
    for optional in ("handout.toml", "manual.toml"):
        validate.read(folder, optional)
    text = (folder / "assignment.toml").read_text(errors="replace")
    validate.packages(folder, settings, text)
    if not public_only and not (folder / "cases.py").is_file():
        raise validate.DeclarationError(folder, "cases.py", None, "missing: its recipes() make the fixtures, and its"
                                        " Case and arguments() the property tests' cases")
    package_name = f"_assignment_{folder.name}"
    if package_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(package_name, folder / "__init__.py",
                                                      submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[package_name] = module
        spec.loader.exec_module(module)
    # checks.py (optional: what no other assignment could use) imports the reference and the recipes only where a
    # non-public check needs them.
    parts = ("checks",) if public_only else ("solution", "cases", "checks", "mistakes")
    modules = {part: _import(folder, package_name, part) for part in parts
               if (folder / f"{part}.py").is_file() or (folder / part / "__init__.py").is_file()}
    solution = modules.get("solution")
    if solution is not None:
        validate.against_solution(folder, settings, solution, text)
    standard = kinds.Standard(settings, declarations.functions(settings, solution), solution, modules.get("cases"),
                              getattr(modules.get("mistakes"), "catalogue", None))
    custom = getattr(modules.get("checks"), "suite", None)
    made = kinds.suite(folder.name, standard, rubric, custom)
    validate.against_checks(folder, settings, rubric, made, standard, custom, text,
                            (folder / "rubric.toml").read_text(errors="replace"))
    if "cases" in modules:
        validate.against_recipes(folder, modules["cases"], {name: pair.forward for name, pair in
                                                            standard.pairs.items()})
    assignment = Assignment(folder.name, folder, settings, rubric, sys.modules[package_name], public_only, made,
                            standard)
    check_calls(assignment)
    return assignment


def _import(folder, package_name, part):
    """A module of the assignment folder; one that doesn't import is named with its error."""
    from .authoring import validate
    try:
        return importlib.import_module(f"{package_name}.{part}")
    except Exception as exc:  # noqa: BLE001 -- whatever the author's module raised, said with the file
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise validate.DeclarationError(folder, f"{part}.py" if (folder / f"{part}.py").is_file() else part, None,
                                        f"does not import{where}: {type(exc).__name__}: {exc}") from None


def check_calls(assignment):
    """[calls] names graded functions only, and every callee is graded before its caller: a callee's answers reach
    the sandbox (from the reference, through the caller) only once the callee's own checks are done."""
    order = [check.function for check in assignment.suite.checks.values()]
    where = f"assignment.toml of {assignment.name!r}, [calls]"
    for function, callees in assignment.calls.items():
        for name in (function, *callees):
            if name not in order:
                raise UsageError(f"{where}: {name!r} is not a graded function; those are {sorted(set(order))}")
        for callee in callees:
            if len(order) - order[::-1].index(callee) > order.index(function):
                raise UsageError(f"{where}: {function!r} calls {callee!r}, so every check of {callee!r} must come"
                                 f" before those of {function!r} in checks.py")


LOCATORS = ("tag", "heading", "file")


def manual_items(folder, name):
    """The [[items]] of `folder/manual.toml` as dictionaries, each with its rubric; a mistake names item and key."""
    path = Path(folder) / "manual.toml"
    if not path.is_file():
        return ()
    items = declared.load(path).get("items", [])
    seen = set()
    for number, item in enumerate(items, 1):
        where = f"manual.toml of {name!r}, item {number} ({item.get('id', 'no id')!r})"
        if not isinstance(item.get("id"), str) or not item["id"].isidentifier() or item["id"] in seen:
            raise UsageError(f"{where}: `id` must be a unique name of letters, digits and _")
        seen.add(item["id"])
        if not isinstance(item.get("points"), (int, float)) or item["points"] <= 0:
            raise UsageError(f"{where}: `points` must be a positive number, not {item.get('points')!r}")
        if not any(key in item for key in LOCATORS):
            raise UsageError(f"{where}: say where the answer is with one of {', '.join(LOCATORS)}")
        for rubric in item.setdefault("rubric", []):
            if not isinstance(rubric.get("points"), (int, float)) or not rubric.get("text"):
                raise UsageError(f"{where}: each [[items.rubric]] needs `points` (a number) and `text`")
        item.setdefault("title", item["id"])
        item["optional"] = bool(item.get("optional", False))
        for key in ("file", "heading"):  # one name or several
            if isinstance(item.get(key), str):
                item[key] = [item[key]]
    return tuple(items)
