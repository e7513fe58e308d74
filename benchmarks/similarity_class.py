"""Make a labelled class from a development set of real solutions: the originals, disguised copies of some of them,
and partial copies (2 or 3 functions of one student pasted into another's file; each original gives or receives
once at most), with a labels file.

Run: .venv/bin/python benchmarks/similarity_class.py DEVSET_FOLDER OUT [--assignment rnn] [--seed 0]
        [--copies 12] [--partial 4] [--small 2] [--renew some|all|none]

DEVSET_FOLDER holds the real solutions (.py and .ipynb, as benchmarks/devset/build.py fetches them); a subfolder
`starter` or `handout`, if present, holds handout versions and is not a student's. OUT gets:
- `class/`: every original (by its file name) and every copy (`copy_NN_<disguises>.py|.ipynb`); an original that
  received pasted functions keeps its name (the student who pasted them is that student);
- `labels.tsv`: `a  b  kind` for each pair that shares copied code (a disguised copy and its source, a partial copy
  and its donor, and any two documents whose code of some function has the same origin); every other pair is
  independent; `labels-exact.tsv` the same by the previous rule (copies among the originals name for name only);
- `made.json`: the seed, the assignment, the disguises of each copy, and the originals left out as duplicates.

Independence of the originals: public repositories hold re-uploads of one another. Two originals are the same code
when, among the graded functions both solved, the code as the check reads it (names kept; comments, docstrings,
prints and layout not) is identical in all but at most one function, and in MIN_SAME or more; each group of such
originals keeps one (the first by name), and made.json says which were left out. (Originals identical in fewer
functions stay: in a real class many students write most functions the same way, and that is what the check must
not flag.) Two originals that hold the same code of two functions or more of MIN_LINES lines or more,
every name kept, that no third original has even with its names changed, copied them from one another or from one
source: those functions count as copied between them (a known copy in the labels, kind `partial:<functions>`).
So does one long function that two originals hold name for name and no one else even renamed (`verbatim`), or
near verbatim: its code and its text as written the same but for a line or two (`near`).

Disguises (each copy gets two to four, every disguise used): renamed locals, comments removed / changed / added,
reordered cells or functions, reformatting, inserted statements, a function's loop body or a run of its statements
moved into a helper. Copies of small, half-solved submissions: `--small` of the copies take as source the originals
with the least graded code that still have some. A notebook copy keeps the source's recorded state (cell ids, metadata,
execution counts; outputs cleared) unless it renews it (`--renew`, renew_state): by default every third copy is
re-run (execution counts 1..n; in a notebook exported as a script, its `# In[N]:` lines) and every sixth also gets
new cell ids. Every source has some code of its own as the check reads it (a function with MIN_SOLVED own
fingerprints): a copy of the bare template copies nothing; likewise a function pasted from a donor that left it the
template is labelled no one's code, not a copy.
"""
import argparse
import ast
import difflib
import io
import itertools
import json
import random
import re
import sys
import tokenize
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import assignment as assignments  # noqa: E402
from grader.similarity import collect, extract, fingerprint  # noqa: E402

DISGUISES = ("rename", "comments", "reorder", "reformat", "insert", "helper")
# Which copies (by index) renew the notebook's recorded state (renew_state): "some", a third re-run and half of
# those new ids too; "all", every copy re-run with new ids; "none" (a copier who edits and saves the file).
RENEWED = {"some": lambda i: ("rerun", "ids") if i % 6 == 5 else ("rerun",) if i % 3 == 2 else (),
           "all": lambda i: ("rerun", "ids"), "none": lambda i: ()}
NOT_STUDENTS = {"starter", "handout"}
MIN_OWN_LINES = 3
MIN_SAME = 4
MIN_LINES = 5
LONG_PRINTS = 60  # own fingerprints of a function long enough that one copied alone shows (verbatim)
NEAR_LINES = 2  # lines of a long function in which two originals' code, and their text as written, may differ (near)
NEAR_TEXT = 10  # own lines as written that two originals must have in common for a near-verbatim copy
NEAR_GROUP = 4  # at most this many originals hold a long function near each other: more is the class's common way
NEW_NAMES = ["tmp", "val", "res", "out", "acc", "buf", "cur", "nxt", "prev_state", "grad", "step", "layer", "hid",
             "inp", "outp", "w", "v", "z", "s", "q", "r", "u", "alpha", "beta", "gamma", "delta", "kappa", "xx",
             "yy", "ww", "bb", "cc", "hh", "dd", "gg", "mm", "nn", "pp", "state", "memo", "store", "holder"]
COMMENTS = ["# compute this step", "# see lecture notes", "# TODO check shapes", "# update", "# gradient here",
            "# loop over time", "# this part was tricky", "# from the formula", "# keep for backprop", "# ok"]


# ---------------------------------------------------------------- a document: cells of code, as text

class Doc:
    """A submission as a list of code cells (a module is one cell), and how to write it back."""

    def __init__(self, path):
        self.path = Path(path)
        self.notebook = self.path.suffix.lower() == ".ipynb"
        raw = self.path.read_bytes().decode("utf-8", "replace")
        if self.notebook:
            self.data = json.loads(raw)
            self.code = [i for i, c in enumerate(self.data.get("cells", [])) if c.get("cell_type") == "code"]
            self.cells = [_text(self.data["cells"][i].get("source", "")) for i in self.code]
        else:
            self.cells = [raw]

    renew = ()  # what of the recorded state a copier renewed: "rerun", "ids" (see renew_state)

    def text(self):
        if not self.notebook:
            return _rerun_script(self.cells[0]) if "rerun" in self.renew else self.cells[0]
        data = json.loads(json.dumps(self.data))
        for i, source in zip(self.code, self.cells):
            data["cells"][i]["source"] = source.splitlines(keepends=True)
            data["cells"][i]["outputs"] = []
        renew_state(data, self.renew, random.Random(str(self.path)))
        return json.dumps(data, indent=1)

    def functions(self, graded):
        """{name: (cell index, FunctionDef)} of the last top-level definition of each graded function."""
        found = {}
        for index, cell in enumerate(self.cells):
            tree = _parse(cell)
            for node in tree.body if tree else []:
                if isinstance(node, ast.FunctionDef) and node.name in graded:
                    found[node.name] = (index, node)
        return found


def renew_state(data, renew, rng):
    """A notebook as its copier left it after renewing its recorded state: "rerun" (Restart & Run All: execution
    counts 1..n in order, outputs cleared), "ids" (every cell id new, as a copy pasted cell by cell into a fresh
    notebook gets; Colab's ids in the metadata too)."""
    code = [c for c in data.get("cells", []) if c.get("cell_type") == "code"]
    if "rerun" in renew:
        for n, cell in enumerate(code, 1):
            cell["execution_count"], cell["outputs"] = n, []
    if "ids" in renew:
        for cell in data.get("cells", []):
            fresh = "".join(rng.choice("0123456789abcdef") for _ in range(8))
            if "id" in cell:
                cell["id"] = fresh
            for key in ("id", "outputId"):
                if key in cell.get("metadata", {}):
                    cell["metadata"][key] = fresh


def _rerun_script(text):
    """A notebook exported as a script (nbconvert's `# In[14]:` above each code cell) as its copier left it after
    running it from the top and exporting it again: its cells' counts 1..n in order."""
    counts = itertools.count(1)
    return extract.EXPORTED.sub(lambda m: f"# In[{next(counts)}]:", text)


def _exported(doc):
    return not doc.notebook and extract.EXPORTED.search(doc.cells[0]) is not None


def _text(source):
    return "".join(source) if isinstance(source, list) else str(source)


def _parse(text):
    try:
        return ast.parse(_blank_magics(text))
    except (SyntaxError, ValueError):
        return None


def _blank_magics(text):
    return re.sub(r"^([ \t]*)[%!].*$", r"\1pass", text, flags=re.M)


def _lines(node, text):
    """The source lines of a top-level definition (decorators included), as (first, last) 0-based indices."""
    first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    return first, node.end_lineno


def _replace_lines(text, first, last, new):
    lines = text.splitlines(keepends=True)
    return "".join(lines[:first]) + new.rstrip("\n") + "\n" + "".join(lines[last:])


# ---------------------------------------------------------------- disguises, each on one cell's text

def rename_locals(text, rng, share=0.8):
    """Rename most names that a function assigns or takes as parameters, within that function only."""
    tree = _parse(text)
    if tree is None:
        return text
    edits = []
    for node in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        local = {a.arg for a in node.args.args + node.args.kwonlyargs}
        local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        chosen = [n for n in sorted(local) if rng.random() < share and n != "self"]
        names = {n: f"{rng.choice(NEW_NAMES)}_{rng.randint(1, 99)}" for n in chosen}
        edits += _name_edits(text, node.lineno, node.end_lineno, names)
    return _apply(text, edits)


def _name_edits(text, first, last, names):
    """(line, col, old, new) of each NAME token in lines first..last that is renamed (not an attribute, not a
    keyword argument of a call)."""
    edits, previous, depth = [], None, 0
    toks = list(_tokens(text))
    for i, tok in enumerate(toks):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        following = toks[i + 1].string if i + 1 < len(toks) else ""
        if (tok.type == tokenize.NAME and first <= tok.start[0] <= last and tok.string in names
                and previous != "." and not (depth > 0 and following == "=")):
            edits.append((tok.start[0], tok.start[1], tok.string, names[tok.string]))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok.string
    return edits


def _tokens(text):
    try:
        yield from tokenize.generate_tokens(io.StringIO(text).readline)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return


def _apply(text, edits):
    lines = text.splitlines(keepends=True)
    for line, col, old, new in sorted(edits, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[:col] + new + row[col + len(old):]
    return "".join(lines)


def recomment(text, rng):
    """Remove every comment, or reword each, then add a few of one's own above statements."""
    drop = rng.random() < 0.5
    edits = [(t.start[0], t.start[1], t.string, "" if drop else rng.choice(COMMENTS))
             for t in _tokens(text) if t.type == tokenize.COMMENT]
    text = _apply(text, edits)
    tree = _parse(text)
    if tree is None:
        return text
    lines = text.splitlines(keepends=True)
    spots = sorted({n.lineno for f in tree.body if isinstance(f, ast.FunctionDef) for n in f.body}, reverse=True)
    for line in spots:
        if rng.random() < 0.4:
            indent = re.match(r"[ \t]*", lines[line - 1]).group(0)
            lines.insert(line - 1, f"{indent}{rng.choice(COMMENTS)}\n")
    return "".join(lines)


def reformat(text, rng):
    """Lay the code out again: as a formatter would (comments lost, 2-space indents) or by respacing tokens."""
    tree = _parse(text)
    if tree is None or _blank_magics(text) != text:
        return text
    if rng.random() < 0.5:
        out = ast.unparse(tree)
        return re.sub(r"^((?:    )+)", lambda m: "  " * (len(m.group(1)) // 4), out, flags=re.M) + "\n"
    out = re.sub(r"(?<=\S) = (?=\S)", "=", text)
    out = re.sub(r",(?=\S)", ", ", out)
    out = re.sub(r"\((?=\w)", "( ", out)
    return out if _parse(out) is not None else text


def insert_statements(text, rng, graded):
    """Insert a statement or two of one's own (a shape check, a temporary) into about half the graded functions."""
    tree = _parse(text)
    if tree is None:
        return text
    lines = text.splitlines(keepends=True)
    spots = []
    for node in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in graded):
        params = [a.arg for a in node.args.args] or ["None"]
        statements = [s for s in ast.walk(node) if isinstance(s, ast.stmt) and s is not node]
        if statements and rng.random() < 0.5:
            for statement in rng.sample(statements, min(len(statements), rng.choice([1, 2]))):
                spots.append((statement.lineno, rng.choice(params)))
    for line, name in sorted(set(spots), reverse=True):
        indent = re.match(r"[ \t]*", lines[line - 1]).group(0)
        made = rng.choice([f"_shape_{line} = np.shape({name})", f"assert {name} is not None",
                           f"n_check = len(np.shape({name}))", "debug = False"])
        candidate = lines[:line - 1] + [f"{indent}{made}\n"] + lines[line - 1:]
        if _parse("".join(candidate)) is not None:
            lines = candidate
    return "".join(lines)


def move_into_helper(text, rng, graded):
    """Move a for loop's body, or a run of statements, of one graded function into a helper function it calls."""
    tree = _parse(text)
    if tree is None or _blank_magics(text) != text:
        return text
    candidates = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in graded and len(n.body) > 2]
    rng.shuffle(candidates)
    for node in candidates:
        made = _extract(node, rng)
        if made is not None:
            first, last = _lines(node, text)
            indent = re.match(r"[ \t]*", text.splitlines()[first]).group(0)
            if indent:
                continue
            out = _replace_lines(text, first, last, made)
            if _parse(out) is not None:
                return out
    return text


def _extract(function, rng):
    """The text of `function` with a block of statements moved into a helper, or None when none fits."""
    loops = [s for s in function.body if isinstance(s, ast.For) and len(s.body) >= 2]
    if loops:
        holder, block = loops[0], loops[0].body
        start, stop = 0, len(block)
    else:
        holder, block = function, function.body
        plain = [i for i, s in enumerate(block) if not isinstance(s, (ast.Return, ast.Expr))]
        if len(plain) < 3:
            return None
        start = plain[1]
        stop = start + 1
        while stop < len(block) and stop - start < 4 and not isinstance(block[stop], ast.Return):
            stop += 1
    chunk = block[start:stop]
    if any(isinstance(n, (ast.Return, ast.Yield, ast.Break, ast.Continue, ast.Global, ast.Nonlocal))
           for s in chunk for n in ast.walk(s)):
        return None
    stored = {n.id for s in chunk for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    loaded = [n.id for s in chunk for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    known = {a.arg for a in function.args.args} | {
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    inputs = sorted({n for n in loaded if n in known})
    outputs = sorted(stored)
    helper = f"_{function.name}_part{rng.randint(1, 9)}"
    body = chunk + [ast.Return(ast.Tuple([ast.Name(o, ast.Load()) for o in outputs], ast.Load()))] if outputs \
        else chunk
    definition = ast.FunctionDef(helper, ast.arguments([], [ast.arg(i) for i in inputs], None, [], [], None, []),
                                 body, [], None, None)
    call = ast.Call(ast.Name(helper, ast.Load()), [ast.Name(i, ast.Load()) for i in inputs], [])
    if outputs:
        target = ast.Tuple([ast.Name(o, ast.Store()) for o in outputs], ast.Store())
        statement = ast.Assign([target], call)
    else:
        statement = ast.Expr(call)
    block[start:stop] = [statement]
    holder.body = block
    return ast.unparse(ast.fix_missing_locations(definition)) + "\n\n\n" + ast.unparse(
        ast.fix_missing_locations(function)) + "\n"


def reorder(doc, rng, graded):
    """Shuffle the cells that define graded functions (a notebook) or the top-level functions (a module)."""
    if doc.notebook:
        defining = [i for i, c in enumerate(doc.cells) if _defines(c, graded)]
        names = [n for i in defining for n in _defined(doc.cells[i])]
        if len(names) != len(set(names)) or len(defining) < 2:
            return
        moved = [doc.cells[i] for i in defining]
        rng.shuffle(moved)
        for i, text in zip(defining, moved):
            doc.cells[i] = text
        return
    text = doc.cells[0]
    tree = _parse(text)
    if tree is None:
        return
    nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    names = [n.name for n in nodes]
    if len(nodes) < 2 or len(names) != len(set(names)):
        return
    lines = text.splitlines(keepends=True)
    spans = [_lines(n, text) for n in nodes]
    pieces = ["".join(lines[a:b]) for a, b in spans]
    rng.shuffle(pieces)
    out, position = [], 0
    for (a, b), piece in zip(spans, pieces):
        out.append("".join(lines[position:a]))
        out.append(piece if piece.endswith("\n") else piece + "\n")
        position = b
    out.append("".join(lines[position:]))
    candidate = "".join(out)
    if _parse(candidate) is not None:
        doc.cells[0] = candidate


def _defines(cell, graded):
    return any(name in graded for name in _defined(cell))


def _defined(cell):
    tree = _parse(cell)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)] if tree else []


def disguise(doc, names, rng, graded):
    """Apply the disguises `names` to a document, in place."""
    for name in names:
        if name == "reorder":
            reorder(doc, rng, graded)
            continue
        for i, cell in enumerate(doc.cells):
            if not _defines(cell, graded):
                continue
            if name == "rename":
                doc.cells[i] = rename_locals(cell, rng)
            elif name == "comments":
                doc.cells[i] = recomment(cell, rng)
            elif name == "reformat":
                doc.cells[i] = reformat(cell, rng)
            elif name == "insert":
                doc.cells[i] = insert_statements(cell, rng, graded)
        if name == "helper":
            for i in rng.sample(range(len(doc.cells)), len(doc.cells)):
                if _defines(doc.cells[i], graded):
                    changed = move_into_helper(doc.cells[i], rng, graded)
                    if changed != doc.cells[i]:
                        doc.cells[i] = changed
                        break


def paste(recipient, donor, functions, rng):
    """Replace the recipient's definitions of `functions` by the donor's (locals renamed), in place."""
    theirs = donor.functions(set(functions))
    for name in functions:
        cell, node = theirs[name]
        source = donor.cells[cell]
        first, last = _lines(node, source)
        code = "".join(source.splitlines(keepends=True)[first:last])
        code = rename_locals(code, rng, share=0.6) if rng.random() < 0.7 else code
        mine = recipient.functions({name})
        if name in mine:
            index, own = mine[name]
            a, b = _lines(own, recipient.cells[index])
            recipient.cells[index] = _replace_lines(recipient.cells[index], a, b, code)
        else:
            recipient.cells[-1] = recipient.cells[-1].rstrip("\n") + "\n\n\n" + code


# ---------------------------------------------------------------- which code is whose

def function_lines(doc, graded):
    """{function: [its lines, stripped, blank ones left out]} of a document's graded functions."""
    found = {}
    for name, (cell, node) in doc.functions(set(graded)).items():
        first, last = _lines(node, doc.cells[cell])
        lines = doc.cells[cell].splitlines()[first:last]
        found[name] = [line.strip() for line in lines if line.strip()]
    return found


def common_lines(lines_of, starter_lines):
    """{function: lines that many originals have (the handout's, or the obvious way)} plus the starter's lines."""
    count = Counter()
    for functions in lines_of.values():
        for name, lines in functions.items():
            count.update((name, line) for line in set(lines))
    many = max(3, 0.2 * len(lines_of))
    common = {}
    for (name, line), n in count.items():
        if n >= many or line in starter_lines or _trivial(line):
            common.setdefault(name, set()).add(line)
    return common


def _trivial(line):
    return line.startswith(("#", "def ", "return", "pass", '"""', "'''")) or re.fullmatch(r"[\w, ]+= *None", line)


def own_lines(lines, common):
    return [line for line in lines if line not in common and not line.startswith("#")]


def solved_functions(functions, common, least=MIN_OWN_LINES):
    return {name for name, lines in functions.items() if len(own_lines(lines, common.get(name, set()))) >= least}


def duplicates(codes, drawn=None):
    """[(kept, left out)] of originals that are the same code: among the functions both solved, the code (as the
    check reads it: names kept, comments, docstrings and layout not) is identical in all but at most one, and in
    at least MIN_SAME. Each group of such originals keeps its first by name (its first `drawn`, if given)."""
    names = sorted(codes)
    parent = {n: n for n in names}
    for a, b in itertools.combinations(names, 2):
        both = codes[a].keys() & codes[b].keys()
        same = sum(codes[a][f] == codes[b][f] for f in both)
        if same >= MIN_SAME and same >= len(both) - 1:
            root_a, root_b = _root(parent, a), _root(parent, b)
            parent[max(root_a, root_b)] = min(root_a, root_b)
    kept = {}
    for n in names:
        kept.setdefault(_root(parent, n), []).append(n)
    kept = {root: min(group, key=lambda n: (drawn is not None and n not in drawn, n)) for root, group in kept.items()}
    return [(kept[_root(parent, n)], n) for n in names if kept[_root(parent, n)] != n]


def verbatim(codes, names, prints=None, written=None):
    """[(a, b, function)] of code that originals copied from one another or from one source:
    - two originals hold the same code of two functions or more, each of MIN_LINES lines or more (as the check reads
      it, every name kept), that no third original has, even with its names changed (one short function alone can be
      chance: a function with several open choices has many versions);
    - or two or three originals hold, name for name, the same code of one long function (LONG_PRINTS of its own
      fingerprints or more: little of it is the handout's) that no other original has even renamed: a long function
      leaves dozens of choices open (seed 002's lstm_cell_backward: 21 versions among 27 students who solved it), and
      the same choices, every name kept, are one source. (Public repositories re-upload popular solutions.)
    - or (`near`, with `written`) two originals hold one long function near verbatim: its code the same but for a line
      or two, and its text as written (comments, spacing) too.
    `prints`: {original: {function: its own fingerprints}}; without it only the first rule applies. `written`:
    {original: {function: its own lines as written}} (written_lines)."""
    holders, shapes = {}, Counter()
    for name in names:
        for function, code in codes[name].items():
            shapes[(function, _shape(code))] += 1
            if code.count("\n") + 1 >= MIN_LINES:
                holders.setdefault((function, code), []).append(name)
    found, long = [], set()
    for (function, code), who in holders.items():
        if shapes[(function, _shape(code))] != len(who):
            continue
        if len(who) == 2:
            found.append((*sorted(who), function))
        if prints and len(who) in (2, 3) and all(len(prints[n].get(function, ())) >= LONG_PRINTS for n in who):
            long |= {(a, b, function) for a, b in itertools.combinations(sorted(who), 2)}
    pairs = Counter((a, b) for a, b, _ in found)
    exact = {(a, b, function) for a, b, function in found if pairs[(a, b)] >= 2} | long
    return sorted(exact | (near(codes, names, prints, written) if prints and written else set()))


def near(codes, names, prints, written):
    """{(a, b, function)} of long functions (LONG_PRINTS own fingerprints or more on both sides) that two originals
    hold near verbatim: a re-upload with a line or two changed (a statement written twice, a hint comment kept) is
    still the source's text, and no two students write several dozen lines of their own to the same comments and
    spacing. Near verbatim means:
    - the code as the check reads it, every name kept, differs in at most NEAR_LINES lines on either side;
    - every original whose code of it is that near with its names changed is that near with its names kept (the
      names are the source's too, as in the exact rule), and they are NEAR_GROUP or fewer: a function that more
      originals write that near is the class's common way (seed 002's lstm_backward: groups of five and six);
    - as written (comments, names, spacing; the lines a fifth of the originals or more write, the handout's, left
      out), one side's own lines are all in the other's, in order, but for at most NEAR_LINES, and they have
      NEAR_TEXT such lines or more in common (CS231n's lstm_step_forward has a dozen lines, most of them everyone's:
      two students with 5 own lines in common and 2 of 20 lines of code apart wrote the obvious way)."""
    found = set()
    for function in sorted({f for n in names for f in codes[n]}):
        long = [n for n in names if function in codes[n] and len(prints[n].get(function, ())) >= LONG_PRINTS]
        lines = {n: _code_lines(codes[n][function]) for n in long}
        shaped = {n: [_shape(line) for line in lines[n]] for n in long}
        for a, b in itertools.combinations(long, 2):
            if not _near(lines[a], lines[b]):
                continue
            named = {c for c in long if _near(lines[a], lines[c]) or _near(lines[b], lines[c])}
            renamed = {c for c in long if _near(shaped[a], shaped[c]) or _near(shaped[b], shaped[c])}
            text_a, text_b = written[a].get(function, []), written[b].get(function, [])
            only_a, only_b = _differ(text_a, text_b)
            same_text = min(only_a, only_b) <= NEAR_LINES and len(text_a) - only_a >= NEAR_TEXT
            if renamed == named and len(named) <= NEAR_GROUP and same_text:
                found.add((a, b, function))
    return found


def _code_lines(code):
    return [line.strip() for line in code.splitlines() if line.strip()]


def _near(a, b):
    return max(_differ(a, b)) <= NEAR_LINES


def _differ(a, b):
    """(lines of a, lines of b) not matched when a is laid against b in order."""
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    same = sum(block.size for block in blocks)
    return len(a) - same, len(b) - same


def written_lines(paths, names, graded, starter):
    """{original: {function: its own lines as written}}: the graded function's source text as the check finds it
    (comments, names and spacing kept; indentation and blank lines not), less the lines that a fifth of the originals
    or more write in it and the starter's lines."""
    texts = {}
    for name in names:
        defs = extract.definitions(extract.cells(paths[name]))
        texts[name] = {}
        for function in graded:
            cell = getattr(defs.get(function), "written", (None,))[0]
            source = ast.get_source_segment(cell, defs[function]) if cell else None
            texts[name][function] = [line.strip() for line in (source or "").splitlines() if line.strip()]
    count = Counter((f, line) for functions in texts.values() for f, lines in functions.items() for line in set(lines))
    many = max(3, 0.2 * len(names))
    return {name: {f: [line for line in lines if count[(f, line)] < many and line not in starter]
                   for f, lines in functions.items() if lines} for name, functions in texts.items()}


def _shape(code):
    """The code with every identifier the same: what is left when names are changed."""
    return " ".join("V" if w.startswith(fingerprint.NAME) else w for w in fingerprint.tokens(code).words)


def _root(parent, name):
    parent.setdefault(name, name)
    while parent[name] != name:
        name = parent[name]
    return name


# ---------------------------------------------------------------- the class

def originals(folder):
    files = [p for p in collect.files(folder) if not NOT_STUDENTS & set(p.relative_to(folder).parts[:-1])]
    return {_name(p, folder): p for p in files}


def _name(path, folder):
    return "__".join(path.relative_to(folder).with_suffix("").parts)


def starter_lines(folder, graded):
    lines = set()
    for sub in NOT_STUDENTS:
        if (Path(folder) / sub).is_dir():
            for file in collect.files(Path(folder) / sub):
                for found in function_lines(Doc(file), graded).values():
                    lines |= set(found)
    return lines


def _starter(folder):
    found = [Path(folder) / sub for sub in sorted(NOT_STUDENTS) if (Path(folder) / sub).is_dir()]
    return found[0] if found else None


def make(folder, out, assignment, seed=0, copies=12, partial=4, small=2, renew="some", drawn=None):
    """Write the labelled class into `out`; returns made.json's content. With `drawn` (names of originals), the
    class holds those only, labelled by what the whole folder shows: two drawn originals that hold one source's
    code through an original not drawn still share it, and duplicates are groups of the whole folder."""
    rng = random.Random(seed)
    graded = collect.graded_functions(assignment)
    paths = originals(Path(folder))
    drawn = set(paths) if drawn is None else set(drawn)
    docs = {}
    for name, path in paths.items():
        try:
            docs[name] = Doc(path)
        except (OSError, ValueError) as exc:
            print(f"{path}: left out, not readable ({exc})", file=sys.stderr)
    lines_of = {name: function_lines(doc, graded) for name, doc in docs.items() if name in drawn}
    common = common_lines(lines_of, starter_lines(folder, graded))
    setting = collect.setting(assignment, _starter(folder))
    codes, prints = {}, {}
    for name, path in paths.items():
        document = collect.document(name, "class", path, setting)
        codes[name], prints[name] = document.code, document.functions
    left_out = duplicates(codes, drawn)
    for _, name in left_out:
        docs.pop(name, None)
    everyone = sorted(docs)
    exact = verbatim(codes, everyone, prints)
    known = verbatim(codes, everyone, prints, written_lines(paths, everyone, graded, starter_lines(folder, graded)))
    docs = {name: doc for name, doc in docs.items() if name in drawn}
    solved = {name: solved_functions(lines_of[name], common) for name in docs}
    names = sorted(docs)
    pasted = _paste_some(docs, names, solved, rng, partial)
    # A copy's source must have some code of its own as the check reads it: a copy of the bare template copies
    # nothing (seed 1 drew such a source among the smallest submissions).
    made = _copy_some(docs, [n for n in names if prints[n]], solved, rng, copies, small, graded)
    for i, (_, chosen, doc) in enumerate(made.values()):
        doc.renew = RENEWED[renew](i)
        chosen += [f"renew-{what}" for what in doc.renew if doc.notebook or what == "rerun" and _exported(doc)]
    _write(out, docs, made)
    # Whose code a function is, is read as the check reads it (solved: own fingerprints): the line rule, which
    # picks what to paste, takes a template's lines for a student's own where few originals left them so (seed 3
    # pasted two of the bare template's functions), and a small class's common way for the handout's.
    owned = {name: set(prints[name]) for name in everyone}
    in_class = set(docs) | set(made)
    labels = _labels(_origin(owned, known, pasted, made), in_class)
    _write_labels(Path(out) / "labels.tsv", labels)
    # The labels of the previous rule (copies among the originals only name for name), to measure against both.
    _write_labels(Path(out) / "labels-exact.tsv", _labels(_origin(owned, exact, pasted, made), in_class))
    record = {"assignment": assignment.name, "seed": seed, "originals": len(names), "copies": {
        n: {"source": s, "disguises": d} for n, (s, d, _) in made.items()}, "pasted": pasted,
        "left_out_as_duplicates": [{"kept": a, "left_out": b} for a, b in left_out if b in drawn],
        "verbatim_among_originals": [{"a": a, "b": b, "function": f, "rule": "exact" if (a, b, f) in exact else "near"}
                                     for a, b, f in known if a in docs and b in docs], "copy_pairs": len(labels),
        "documents": len(docs) + len(made)}
    (Path(out) / "made.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def _paste_some(docs, names, solved, rng, count):
    """`count` originals receive 2 or 3 solved functions of another original. Each original takes part in one
    paste at most: a donor that received later could lose what it gave, and made.json would count the pair a copy
    of code one side no longer holds (draw 1 of 40: three functions recorded, two shared)."""
    done, taken = [], set()
    receivers = [n for n in names if len(solved[n]) >= 3]
    rng.shuffle(receivers)
    for recipient in receivers:
        if len(done) == count:
            break
        if recipient in taken:
            continue
        donors = [n for n in names if n not in taken | {recipient} and len(solved[n]) >= 3]
        if not donors:
            break
        donor = rng.choice(donors)
        functions = rng.sample(sorted(solved[donor]), min(len(solved[donor]), rng.choice([2, 3])))
        paste(docs[recipient], docs[donor], functions, rng)
        done.append({"recipient": recipient, "donor": donor, "functions": functions})
        taken |= {recipient, donor}
    return done


def _copy_some(docs, names, solved, rng, count, small, graded):
    """{copy name: (source, disguises, Doc)}: `small` of the sources are the smallest submissions with some code."""
    by_size = sorted((n for n in names if solved[n]), key=lambda n: (len(solved[n]), n))
    half = [n for n in by_size if len(solved[n]) * 2 <= len(graded)][:small] or by_size[:small]
    rest = [n for n in names if solved[n] and n not in half]
    sources = half + rng.sample(rest, min(count - len(half), len(rest)))
    made = {}
    for i, source in enumerate(sources):
        chosen = [DISGUISES[i % len(DISGUISES)]] + rng.sample(DISGUISES, rng.randint(1, 3))
        chosen = list(dict.fromkeys(chosen))
        doc = Doc(docs[source].path)
        doc.cells = list(docs[source].cells)
        disguise(doc, chosen, rng, set(graded))
        name = f"copy_{i:02d}_{'_'.join(chosen)}"
        made[name] = (source, chosen, doc)
    return made


def _write(out, docs, made):
    folder = Path(out) / "class"
    folder.mkdir(parents=True, exist_ok=True)
    for name, doc in docs.items():
        (folder / f"{name}{doc.path.suffix.lower()}").write_text(doc.text())
    for name, (_, _, doc) in made.items():
        (folder / f"{name}{doc.path.suffix.lower()}").write_text(doc.text())


def _origin(solved, known, pasted, made):
    """{document: {function: the original its code comes from}}: each original's own, less what it shares with
    another original (`known`, verbatim), what was pasted into it, and each copy's source's."""
    origin = {name: {f: name for f in functions} for name, functions in solved.items()}
    parent = {}
    for a, b, function in known:  # joined transitively: a group holding one source's function has its first's
        root_a, root_b = _root(parent, (function, a)), _root(parent, (function, b))
        parent[max(root_a, root_b)] = min(root_a, root_b)
    for function, name in parent:  # (a file the line reader cannot parse whole still has the function the check reads)
        origin[name][function] = _root(parent, (function, name))[1]
    for done in pasted:
        for f in done["functions"]:
            if f in origin[done["donor"]]:
                origin[done["recipient"]][f] = origin[done["donor"]][f]
            else:  # the donor's template: the recipient's own code of it is gone, and nothing came in its place
                origin[done["recipient"]].pop(f, None)
    for name, (source, _, _) in made.items():
        origin[name] = dict(origin[source])
    return origin


def _write_labels(path, labels):
    path.write_text("a\tb\tkind\n" + "".join(f"{a}\t{b}\t{kind}\n" for (a, b), kind in sorted(labels.items())))


def _labels(origin, among=None):
    """{(a, b): kind} of every pair (of `among`, if given) whose code of some solved function has the same origin."""
    labels = {}
    for a, b in itertools.combinations(sorted(among or origin), 2):
        shared = [f for f, who in origin[a].items() if origin[b].get(f) == who]
        if shared:
            whole = len(shared) == len(origin[a]) == len(origin[b])
            labels[(a, b)] = "copy" if whole else f"partial:{','.join(sorted(shared))}"
    return labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("devset")
    parser.add_argument("out")
    parser.add_argument("--assignment", default=None, help="rnn or rnn_layers (default: the dev set folder's name)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--partial", type=int, default=4)
    parser.add_argument("--small", type=int, default=2)
    parser.add_argument("--renew", choices=sorted(RENEWED), default="some",
                        help="which copies renew the notebook's recorded state (execution counts, cell ids)")
    args = parser.parse_args()
    chosen = assignments.find(args.assignment or Path(args.devset).resolve().name)
    record = make(args.devset, args.out, chosen, args.seed, args.copies, args.partial, args.small, args.renew)
    print(f"{args.out}: {record['documents']} documents ({record['originals']} originals, {len(record['copies'])}"
          f" disguised copies, {len(record['pasted'])} with pasted functions), {record['copy_pairs']} copy pairs"
          f" ({len(record['verbatim_among_originals'])} functions verbatim between two originals);"
          f" {len(record['left_out_as_duplicates'])} originals left out as duplicates")


if __name__ == "__main__":
    main()
