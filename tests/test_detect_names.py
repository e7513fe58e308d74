"""Which functions and classes a submission defines (grader.detect, which chooses the assignment): every
definition, however deeply nested in other statements, and nothing that only looks like one."""
import ast
import textwrap

from grader import detect

NESTED = textwrap.dedent('''
    import numpy as np
    def top(x):
        def inner(y):
            class InnerClass:
                def method(self):
                    pass
            return y
        return inner
    async def coroutine():
        async with a:
            async def in_async_with():
                pass
        async for _ in b:
            def in_async_for():
                pass
    class Model:
        def forward(self):
            pass
    if np:
        def in_if():
            pass
    else:
        def in_else():
            pass
    for i in range(2):
        def in_for():
            pass
    else:
        def in_for_else():
            pass
    while False:
        def in_while():
            pass
    with open("f") as f:
        def in_with():
            pass
    try:
        def in_try():
            pass
    except ValueError:
        def in_except():
            pass
    else:
        def in_try_else():
            pass
    finally:
        def in_finally():
            pass
    try:
        pass
    except* OSError:
        def in_except_star():
            pass
    match x:
        case 1:
            def in_case():
                pass
    not_a_function = lambda z: z
    value = (lambda: None) if top else None
    text = "def in_a_string(): pass"
''')


def test_every_nested_definition_is_found_and_nothing_else():
    names = detect._names(NESTED)
    everything = {node.name for node in ast.walk(ast.parse(NESTED))
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    assert names == everything
    assert {"inner", "InnerClass", "method", "in_async_with", "in_async_for", "in_else", "in_for_else",
            "in_except", "in_except_star", "in_try_else", "in_finally", "in_case"} <= names
    assert not names & {"not_a_function", "value", "in_a_string", "np"}


def test_a_cell_that_does_not_parse_is_read_line_by_line():
    assert detect._names("%timeit x\ndef rnn_forward(x):\n    return x\n") == {"rnn_forward"}
