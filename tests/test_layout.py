"""The architecture points one way: no import cycle in grader/, nothing imports the command line, and each package
imports only what the Layout section of docs/development.md allows. Imports are read with ast; nothing is run."""
import ast
import re
from pathlib import Path

GRADER = Path(__file__).resolve().parent.parent / "grader"

# What each part may import from the rest of grader/ (docs/development.md, "Layout"); a part is a package or a top module.
ALLOWED = {
    "errors": set(),
    "whole": set(),  # a file written whole: a part that writes one may import it, as errors
    # course, declared, extras: errors and whole only; doctor: more
    "install": {"errors", "whole", "assignment", "batch", "fixtures", "report"},
    "sandbox": {"errors", "whole", "install"},
    "checks": {"errors", "sandbox", "fixtures", "install"},  # install.extras: hypothesis's version
    "fixtures": set(),
    "detect": {"errors", "install"},  # install.declared: the rubrics read
    # install.extras: the course's packages installed
    "authoring": {"errors", "whole", "checks", "fixtures", "install"},
    "assignment": {"errors", "detect", "checks", "fixtures", "authoring", "install"},
    "report": {"sandbox", "whole"},
    "grade": {"answers", "errors", "sandbox", "checks", "fixtures"},
    "answers": set(),
    "api": {"answers", "grade", "report", "sandbox"},
    "review": {"errors", "whole", "report"},
    "similarity": {"errors", "whole", "sandbox"},
    "batch": {"answers", "api", "assignment", "errors", "grade", "install", "report", "review", "sandbox",
              "similarity", "whole"},
    "handout": {"errors", "fixtures"},
    "catalogue": {"checks", "errors", "fixtures", "report"},
    "platforms": {"api", "assignment", "errors", "grade", "handout", "install", "report", "sandbox", "whole"},
    "cli": {"api", "assignment", "authoring", "batch", "catalogue", "errors", "fixtures", "handout", "install", "platforms", "report",
            "review", "sandbox", "similarity"},
    "__main__": {"cli"},
}


def modules():
    """{dotted name: path} of every module in grader/."""
    found = {}
    for path in GRADER.rglob("*.py"):
        parts = ["grader", *path.relative_to(GRADER).with_suffix("").parts]
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name, path, known):
    """The grader modules that module `name` imports (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            stem = ".".join(base + ([node.module] if node.module else []))
            candidates = [stem] + [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name and not name.startswith(candidate + "."):
                targets.add(candidate)
    return targets


def graph():
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def part(name):
    return name.split(".")[1] if name.count(".") else name


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_there_is_no_import_cycle_in_grader():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_imports_the_command_line():
    importers = [name for name, targets in graph().items() if "grader.cli" in targets]
    assert importers == ["grader.__main__"]


def test_course_declared_and_extras_import_only_errors():
    """Every part may use them (install/__init__.py), so they must not reach back up."""
    for name in ("grader.install.course", "grader.install.declared", "grader.install.extras"):
        assert graph()[name] <= {"grader.errors", "grader.whole", "grader.install.course"}, name


def test_each_part_imports_only_what_the_layout_allows():
    wrong = []
    for name, targets in graph().items():
        own = part(name)
        assert own in ALLOWED or name == "grader", f"{name} is in no part of the Layout section of docs/development.md"
        for target in targets:
            if part(target) != own and target != "grader" and part(target) not in ALLOWED.get(own, set()):
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def documented_imports():
    """{part: the parts it may import} as each entry of the Layout table in docs/development.md says in its last
    parentheses: "(may import a, b)", "(a, b)", "(may import errors only)", "(imports nothing of grader/)"."""
    table = (GRADER.parent / "docs" / "development.md").read_text().split("```")[1]
    grader = re.match(r"\ngrader/.*\n((?:  .*\n)+)", table).group(1)  # the lines under grader/
    entries = re.split(r"\n  (?=\S)", "\n" + grader)
    documented = {}
    for entry in filter(str.strip, entries):
        name = entry.split()[0].removesuffix("/").removesuffix(".py")
        said = re.findall(r"\(([^()]*)\)", " ".join(entry.split()))
        if name in ALLOWED and said and said[-1] != "nothing imports it":
            words = re.findall(r"\w+", said[-1].rsplit("may import ", 1)[-1])
            documented[name] = {w for w in words if w in ALLOWED} if not said[-1].startswith("imports nothing") else set()
    return documented


def test_the_allowed_imports_are_the_documented_ones():
    documented = documented_imports()
    assert len(documented) >= 10, documented
    assert {name: ALLOWED[name] for name in documented} == documented


def test_at_most_eleven_modules_sit_directly_in_grader():
    """Ten, and whole.py: the bottom of the layout (errors, whole) is two modules every part may import."""
    top = [p.name for p in GRADER.glob("*.py")]
    assert len(top) <= 11, top


def test_the_engine_names_no_assignment_and_none_of_its_graded_functions():
    import re
    import tomllib
    names = set()
    for settings in (GRADER.parent / "reference").glob("*/assignment.toml"):
        names.add(settings.parent.name)
        with open(settings.parent / "rubric.toml", "rb") as f:
            names |= {name for name, table in tomllib.load(f).items() if isinstance(table, dict)} - {"submission"}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names))) + r")\b")
    found = [f"{path.relative_to(GRADER)}: {match[0]}" for path in GRADER.rglob("*")
             if path.is_file() and "__pycache__" not in path.parts
             for match in [pattern.search(path.read_text(errors="replace"))] if match]
    assert names and found == []
