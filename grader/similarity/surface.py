"""The surface of a graded function as the student wrote it: what the normalization (fingerprint.py) throws away.

Students of one course often write a function the same way, token for token: then the fingerprints of a copy and of
the class are the same, and only what the student typed around the code can tell the copy from the class. Three
kinds of it, each an item that counts only when it is not the starter's and, like a fingerprint, by how rare it is
in the class and the archive (score.rarity):
- comments: each comment's own text (lower case, spacing collapsed), 3 characters or more;
- statements: each line of code of 4 tokens or more, names kept, spacing dropped, strings by their value (so a
  reformatting does not change it, a renaming does). It counts for the rarity it adds to its shape (the line as the
  fingerprints see it: ast.unparse's, names replaced): a line that few write even with names changed is the
  fingerprints' evidence already (score.rarity weighs it by its shape too), while its names, or parentheses the
  code does not need, are not;
- layout: a one-line statement as written where it differs from what `ast.unparse` writes (names replaced, spacing
  kept, so a renaming does not change it): `concat[: n_a, :]`, `c[:,:,t]  = c_next`, `sigmoid((np.dot(Wf, concat)
  + bf))`. A line laid out as a formatter lays it out tells nothing; one's own habits do.
A disguise changes some of these (renaming the statements, rewording the comments, reformatting the layout), rarely
all. Items are 63-bit hashes whose two low bits say the kind (KINDS).
"""
import ast
import builtins
import hashlib
import io
import keyword
import re
import tokenize

KINDS = ("comment", "statement", "layout")  # the kinds scored; kind 3 is a statement's shape (SHAPE)
SHAPE = 3
MIN_COMMENT = 3  # characters of a comment's text for it to count
MIN_TOKENS = 4  # tokens of a line for it to count (`x = y` is anyone's)
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_KEEP = set(dir(builtins))


def kind(item):
    """The kind of an item (an index into KINDS)."""
    return item & 3


def items(source, node, docstring=None):
    """{item: its shape item (a statement's) or None} of one definition: `source` is its text as written (from its
    `def`), `node` its parsed FunctionDef, `docstring` its docstring (left out: the handout's)."""
    return {item: shape for item, (shape, _) in _found(source, node, docstring).items()}


def texts(source, node, docstring=None):
    """{item: (its kind's name, its text)} of one definition, for the side-by-side view."""
    return {item: (KINDS[kind(item)], text) for item, (_, text) in _found(source, node, docstring).items()}


def _found(source, node, docstring):
    try:
        found = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return {}
    simple = list(_simple(source, node))
    normalized = {line: _anonymous(canonical) for line, _, canonical in simple}
    made = {_item(0, text): (None, text) for text in _comments(found)}
    made.update({_item(1, text): (_item(SHAPE, shape), text)
                 for text, shape in _statements(found, docstring, normalized)})
    made.update({_item(2, text): (None, text) for text in _layouts(simple)})
    return made


def _item(index, text):
    value = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1
    return (value & ~3) | index


def _comments(found):
    for token in found:
        if token.type == tokenize.COMMENT:
            text = re.sub(r"\s+", " ", token.string.lstrip("#").strip().lower())
            if len(text) >= MIN_COMMENT:
                yield text


def _statements(found, docstring, normalized):
    """(text, shape) of each line of MIN_TOKENS tokens or more: its tokens, names kept; its shape, the line as the
    fingerprints see it (`normalized`: ast.unparse's, names replaced) where it is one simple statement, else its
    tokens with names replaced."""
    lines, previous = {}, None
    for token in found:
        if token.type in _SKIP or token.type == tokenize.STRING and _value(token.string) == docstring:
            continue
        lines.setdefault(token.start[0], []).append((_word(token), _named(token, previous)))
        previous = token.string
    return [(" ".join(w for w, _ in words), normalized.get(line) or " ".join("V" if n else w for w, n in words))
            for line, words in lines.items() if len(words) >= MIN_TOKENS]


def _word(token):
    return repr(_value(token.string)) if token.type == tokenize.STRING else token.string


def _value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _simple(source, node):
    """(line in `source`, text as written, ast.unparse's text) of each one-line simple statement, quotes made alike."""
    lines, first = source.splitlines(), node.lineno
    for statement in ast.walk(node):
        if (not isinstance(statement, ast.stmt) or getattr(statement, "lineno", None) is None  # a `pass` put in
                or statement.lineno != statement.end_lineno or statement.lineno == first
                or hasattr(statement, "body")):
            continue
        index = statement.lineno - first
        if index < len(lines):
            mine = lines[index][statement.col_offset:statement.end_col_offset].replace("'", '"')
            yield index + 1, mine, ast.unparse(statement).replace("'", '"')


_IDENTIFIER = re.compile(r'("[^"]*")|(?<![\w.])([A-Za-z_]\w*)')


def _anonymous(text):
    """`text` with each name that is not an attribute, a keyword or a builtin written V (strings left alone)."""
    def one(match):
        name = match.group(2)
        return match.group(0) if name is None or keyword.iskeyword(name) or name in _KEEP else "V"
    return _IDENTIFIER.sub(one, text)


def _layouts(simple):
    """The shapes (names replaced, spacing kept) of the simple statements not written as ast.unparse writes them:
    spacing, parentheses the code does not need, a number or a tuple written one's own way."""
    for _, mine, canonical in simple:
        if mine == canonical:
            continue
        tokens = _tokens(mine)
        if tokens and len(tokens) >= MIN_TOKENS:
            yield _shape(tokens, [b.start[1] - a.end[1] for a, b in zip(tokens, tokens[1:])])


def _named(token, previous):
    """True for a name the student chose: not an attribute, a keyword or a builtin."""
    return (token.type == tokenize.NAME and not keyword.iskeyword(token.string) and token.string not in _KEEP
            and previous != ".")


def _tokens(text):
    try:
        return [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in _SKIP]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


def _shape(tokens, gaps):
    """The statement with each name that is not an attribute, a keyword or a builtin written V, spacing kept."""
    out, previous = [], None
    for token, gap in zip(tokens, gaps + [0]):
        out.append("V" if _named(token, previous) else token.string)
        out.append(" " * gap)
        previous = token.string
    return "".join(out)
