"""What the handout takes from the reference solution, read with ast (never imported for this): each function's
signature, docstring and the names it returns, and the imports a student's file needs."""
import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Signature:
    name: str
    arguments: str  # as written in the def: "xt, a_prev, parameters"; a class: its bases
    doc: str | None
    returns: tuple  # names of the returned values (`out1` where the return statement has no name); ()
    methods: tuple = ()  # a class's methods, as Signatures
    is_class: bool = False
    positional: tuple = (0, 0)  # (least, most) positional arguments it accepts; most -1: any number

    def accepts(self, count):
        least, most = self.positional
        return self.is_class or (least <= count and (most < 0 or count <= most))


def signatures(path):
    """{name: Signature} of the top-level functions and classes of the Python file at `path`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = _signature(node)
        elif isinstance(node, ast.ClassDef):
            methods = tuple(_signature(n) for n in node.body if isinstance(n, ast.FunctionDef))
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            found[node.name] = Signature(node.name, bases, ast.get_docstring(node), (), methods, True)
    return found


def _signature(node):
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    most = -1 if arguments.vararg else len(positional)
    return Signature(node.name, ast.unparse(arguments), ast.get_docstring(node), _returned_names(node),
                     positional=(len(positional) - len(arguments.defaults), most))


def _returned_names(function):
    returns = [n for n in ast.walk(function) if isinstance(n, ast.Return) and n.value is not None]
    if not returns:
        return ()
    value = returns[-1].value
    items = value.elts if isinstance(value, ast.Tuple) else [value]
    names = [item.id if isinstance(item, ast.Name) else None for item in items]
    if not any(names):
        return () if len(items) == 1 else tuple(f"out{i}" for i in range(1, len(items) + 1))
    return tuple(name or f"out{i}" for i, name in enumerate(names, 1))


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
    lines = [f"def {name}({arguments}):", *_docstring(doc)]
    lines += [STUB_MARK, f'    raise NotImplementedError("{name} is not written yet")']
    return "\n".join(lines)


def class_stub(signature, doc):
    """A graded class: its docstring, and every method as a stub (its message names the class)."""
    lines = [f"class {signature.name}" + (f"({signature.arguments})" if signature.arguments else "") + ":",
             *_docstring(doc)]
    for method in signature.methods:
        code = stub(method.name, method.arguments, method.doc).replace(
            f'"{method.name} is not written yet"', f'"{signature.name}.{method.name} is not written yet"')
        lines += [""] + ["    " + line if line else "" for line in code.splitlines()]
    if not signature.methods:
        lines.append("    pass")
    return "\n".join(lines)


def _docstring(doc):
    if not doc:
        return []
    body = doc.strip("\n").replace('"""', r'\"\"\"').splitlines()
    if len(body) == 1:
        return [f'    """{body[0].strip()}"""']
    return [f'    """{body[0].strip()}', *(f"    {line}".rstrip() for line in _dedent(body[1:])), '    """']


STUB_MARK = "    # YOUR CODE HERE"


def _dedent(lines):
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]
