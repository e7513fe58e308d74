"""Writes a handout: the notebook, the .py template, the public cases and the provided helpers, into one folder.

  <notebook>.ipynb   instructions, a setup cell, then per graded function its stub, a cell that runs the
                     handout's case and prints the table's rows, and the expected-output table; answer cells for
                     the items graded by people
  <template>.py      the same stubs as a module (`python <template>.py` runs the handout's cases)
  public_cases/<function>/<case>.json   the arguments of each public case (the public fixtures' inputs)
  the provided helpers (`from helpers import ...` works beside the notebook)
"""
import inspect
import json
import shutil
from pathlib import Path

import nbformat

from .values import HELPERS

YOUR_ANSWER = "YOUR ANSWER HERE"


def write(handout, folder):
    """Write `handout` into `folder` (created; files of the same names replaced); returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [_write(folder / handout.notebook, nbformat.writes(notebook(handout)) + "\n"),
               _write(folder / handout.template, template(handout))]
    cases = folder / "public_cases"
    if cases.exists():
        shutil.rmtree(cases)
    for function in handout.functions:
        for case in function.cases:
            written.append(_write(cases / function.name / f"{case.name}.json", json.dumps(case.record) + "\n"))
    for helper in handout.helpers:
        written += copy_helper(helper, folder)
    return written


def copy_helper(helper, folder):
    """Copy a provided module or package into `folder`; returns the files written."""
    target = Path(folder) / helper.name
    if helper.is_dir():
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(helper, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
        return sorted(p for p in target.rglob("*") if p.is_file())
    shutil.copyfile(helper, target)
    return [target]


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def helper_source():
    """The helpers that load a case and print a table's rows, as source for the handout's setup."""
    return "\n\n\n".join(inspect.getsource(helper).rstrip() for helper in HELPERS)


def case_lines(function, case):
    """The code that runs `function` on one public case and prints each row of its table."""
    lines = [f"args = handout_case({function.name!r}, {case.name!r})", f"{', '.join(case.targets)} = {case.call}"]
    return lines + [f"show({row.label!r}, {row.label})" for row in case.rows]


def table(case):
    """The expected-output table of one case, in Markdown."""
    if not case.rows:
        return f"No expected-output table for {case.describe}: the grader's public checks compare it."
    lines = [f"**Expected output**, on {case.describe}:", "", "| | |", "| --- | --- |"]
    lines += [f"| `{row.label}` | `{row.value}` |" for row in case.rows]
    return "\n".join(lines)


def notebook(handout):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["grader"] = {"assignment": handout.assignment, "made_by": "python -m grader handout"}
    cells = nb.cells
    cells.append(nbformat.v4.new_markdown_cell(f"# {handout.title}\n\n{handout.intro}".strip()))
    cells.append(nbformat.v4.new_markdown_cell(
        "Run the next cell first: it imports what you need, and defines `handout_case` and `show`, which load"
        " the handout's cases from `public_cases/` and print each value the way the tables below print it."))
    cells.append(nbformat.v4.new_code_cell(f"{handout.setup}\n\n\n{helper_source()}"))
    for function in handout.functions:
        cells.append(nbformat.v4.new_markdown_cell(function.text or f"## `{function.name}`"))
        cells.append(_tagged(nbformat.v4.new_code_cell(function.code), function=function.name))
        for case in function.cases:
            if case.call is not None:
                cells.append(_tagged(nbformat.v4.new_code_cell("\n".join(case_lines(function, case))),
                                     case=f"{function.name}/{case.name}"))
            cells.append(nbformat.v4.new_markdown_cell(table(case)))
    if handout.manual:
        cells.append(nbformat.v4.new_markdown_cell("## Written answers\n\nWrite each answer in the cell under"
                                                   " its question; these are graded by people."))
    for item in handout.manual:
        worth = f"{item.points:g} points" if item.points is not None else ""
        worth += (", extra credit" if worth else "extra credit") if item.optional else ""
        cells.append(nbformat.v4.new_markdown_cell(f"### {item.prompt or item.id}" + (f" ({worth})" if worth else "")))
        answer = _tagged(nbformat.v4.new_markdown_cell(YOUR_ANSWER), manual=item.id)
        answer.metadata["tags"] = [item.tag]
        cells.append(answer)
    cells.append(nbformat.v4.new_markdown_cell(
        "## Check your work\n\nThe public checks compare your functions with these tables, as the grader"
        f" will: `python -m grader grade --public {handout.notebook}`. Other checks, on other inputs and sizes,"
        " run when your work is graded."))
    for number, cell in enumerate(cells):  # stable ids: the same assignment makes the same bytes
        cell.id = f"cell-{number:03d}"
    return nb


def _tagged(cell, **grader):
    cell.metadata["grader"] = grader
    return cell


def template(handout):
    """The module template: the stubs, the helpers, and a `__main__` part that runs the handout's cases."""
    head = [f'"""{handout.title}', "",
            "Write each function below its `# YOUR CODE HERE` line. `python " + handout.template + "` runs the",
            "handout's cases and prints each value with the expected one above it; the public checks compare",
            f"the same: python -m grader grade --public {handout.template}", '"""', handout.setup]
    parts = ["\n".join(head), *(function.code for function in handout.functions),
             "# The handout's own code, for `python " + handout.template + "`: leave it as it is.\n\n"
             + helper_source()]
    main = ['if __name__ == "__main__":']
    for function in handout.functions:
        for case in (case for case in function.cases if case.call is not None):
            main.append(f"    print({f'{function.name} on {case.describe}:'!r})")
            lines = case_lines(function, case)
            main += [f"    {lines[0]}", f"    {lines[1]}"]
            for row, line in zip(case.rows, lines[2:]):
                main += [f"    # expected {row.value}", f"    {line}"]
    return "\n\n\n".join(parts) + "\n\n\n" + "\n".join(main) + "\n"
