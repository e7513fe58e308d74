"""What the handout takes from the reference solution, read with ast (never imported for this): each function's
signature, docstring and the names it returns, and the imports a student's file needs."""
import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Signature:
    name: str
    arguments: str  # as written in the def: "xt, a_prev, parameters"
    doc: str | None
    returns: tuple  # names of the returned values where the return statement names them; () when it doesn't


def signatures(path):
    """{name: Signature} of the top-level functions of the Python file at `path`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = Signature(node.name, ast.unparse(node.args), ast.get_docstring(node),
                                         _returned_names(node))
    return found


def _returned_names(function):
    last = [n for n in ast.walk(function) if isinstance(n, ast.Return) and n.value is not None]
    if not last:
        return ()
    value = last[-1].value
    items = value.elts if isinstance(value, ast.Tuple) else [value]
    names = [item.id if isinstance(item, ast.Name) else None for item in items]
    return tuple(names) if all(names) else ()


def student_imports(path, provided):
    """The reference's top-level imports as a student writes them: `from .<provided>.helpers import f` becomes
    `from helpers import f` (the helpers sit beside the handout); other relative imports are the grader's own."""
    tree = ast.parse(path.read_text(), filename=str(path))
    lines = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            lines.append(ast.unparse(node))
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            lines.append(ast.unparse(node))
        elif isinstance(node, ast.ImportFrom) and provided and (node.module or "").startswith(provided + "."):
            module = node.module[len(provided) + 1:]
            lines.append(ast.unparse(ast.ImportFrom(module, node.names, 0)))
    return lines


def stub(name, arguments, doc):
    """A graded function as the student gets it: its signature and docstring, and a body that says it is
    not written yet (the grader reports that once per function, not as an error per check)."""
    lines = [f"def {name}({arguments}):"]
    if doc:
        body = doc.strip("\n").replace('"""', r'\"\"\"').splitlines()
        lines.append(f'    """{body[0].strip()}')
        lines += [f"    {line}".rstrip() for line in _dedent(body[1:])]
        lines.append('    """')
    lines += [STUB_MARK, f'    raise NotImplementedError("{name} is not written yet")']
    return "\n".join(lines)


STUB_MARK = "    # YOUR CODE HERE"


def _dedent(lines):
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]
