"""Normalized tokens and winnowed fingerprints of a function's code.

Tokens: the code as ast.unparse wrote it (so layout, comments and quotes are already gone). An identifier that is
not an attribute, a keyword or a builtin is encoded within each k-gram as "new here" or "the same as the one d
tokens back" (Baker's parameterized strings): renaming variables, parameters or helpers consistently changes
nothing, nor does moving code into a helper or inserting a statement elsewhere, while the calls a student chose
(`.dot`, `.tanh`, `.sum`), the operators (`@`, `*`) and which names are combined where stay. Fingerprints: hashes
of every K tokens in a row, winnowed with copydetect's `winnow` (window W, so that any match of K + W - 1 tokens or
more shares at least one fingerprint). Each token is hashed with blake2b and a k-gram's hash is a polynomial of its
tokens' hashes: the same in every process (Python's own hash() of a string is not).
"""
import builtins
import functools
import hashlib
import io
import keyword
import tokenize
from dataclasses import dataclass

import numpy as np
from copydetect.utils import winnow

K = 10  # tokens per k-gram: about one short statement (`V = V . tanh ( V @ V + V @`)
W = 4  # winnowing window: any match of K + W - 1 = 13 tokens or more shows
KEEP = set(dir(builtins))
NAME = "\x00"  # marks an identifier among the tokens
DROP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
        tokenize.ENCODING}


@dataclass(frozen=True)
class Tokens:
    """Normalized tokens of a code text, with where each one is in it (character offsets), for highlighting."""
    words: tuple
    spans: tuple  # (start, end) in the text


def tokens(code):
    """The tokens of `code` (text that ast.unparse wrote, so it always tokenizes), each identifier that is not an
    attribute, a keyword or a builtin marked as one (NAME + its text): `kgram_hashes` encodes them."""
    starts = _line_starts(code)
    words, spans, previous = [], [], None
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type in DROP:
            continue
        text = token.string
        if token.type == tokenize.NAME and not keyword.iskeyword(text) and text not in KEEP and previous != ".":
            text = NAME + text
        words.append(text)
        spans.append((starts[token.start[0] - 1] + token.start[1], starts[token.end[0] - 1] + token.end[1]))
        previous = token.string
    return Tokens(tuple(words), tuple(spans))


def _line_starts(code):
    starts, total = [], 0
    for line in code.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    return starts + [total]


def kgram_hashes(words, k=K):
    """One 63-bit hash per position: a polynomial hash of the k tokens' own hashes (uint64 arithmetic wraps).
    An identifier is encoded within its k-gram: "new here", or "the same as the one d tokens back" (Baker's
    parameterized strings). Renaming (consistently) changes nothing; nor does moving code into a helper, or a
    statement inserted elsewhere; what stays is which names a student combines where."""
    count = len(words) - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    ids = np.fromiter((_token_hash(w) for w in words), dtype=np.uint64, count=len(words))
    named = np.fromiter((w.startswith(NAME) for w in words), dtype=bool, count=len(words))
    back = _back(words, k)
    codes = np.array([_token_hash(f"{NAME}{d}") for d in range(k + 1)], dtype=np.uint64)
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            here = back[j:j + count]
            local = codes[np.where(here <= j, here, 0)]  # a name seen earlier in this k-gram, or new (0)
            hashes = hashes * np.uint64(1099511628211) + np.where(named[j:j + count], local, ids[j:j + count])
    return (hashes >> np.uint64(1)).astype(np.int64)


def _back(words, k):
    """For each token, how many tokens back the same identifier was last (k + 1 if not within k, or not a name)."""
    last, back = {}, np.full(len(words), k + 1, dtype=np.int64)
    for i, word in enumerate(words):
        if word.startswith(NAME):
            if word in last and i - last[word] <= k:
                back[i] = i - last[word]
            last[word] = i
    return back


@functools.lru_cache(maxsize=65536)
def _token_hash(word):
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def fingerprints(words, boilerplate=frozenset(), k=K, window=W):
    """The winnowed fingerprints of a token sequence that are the student's own (see `own`), as a set of ints."""
    hashes = kgram_hashes(words, k)
    if len(hashes) == 0:
        return frozenset()
    selected, where = winnow(hashes, min(window, len(hashes)))
    mine = own(hashes, boilerplate, k)
    return frozenset(int(h) for h, i in zip(selected, where) if mine[i])


def own(hashes, boilerplate, k=K):
    """For each k-gram, whether it is the student's own: less than half its tokens lie in starter code (some
    k-gram of the starter covers them). A k-gram that straddles a provided line and the student's first tokens
    after it is mostly the handout's, and every student who filled in the handout has it."""
    if not boilerplate:
        return np.ones(len(hashes), dtype=bool)
    starter = np.fromiter((int(h) in boilerplate for h in hashes), dtype=bool, count=len(hashes))
    covered = np.zeros(len(hashes) + k - 1, dtype=np.int32)
    for i in np.flatnonzero(starter):
        covered[i:i + k] = 1
    counts = np.convolve(covered, np.ones(k, dtype=np.int32), mode="valid")
    return counts * 2 < k


def all_kgrams(words, k=K):
    """Every k-gram hash of a token sequence (what starter code is removed by)."""
    return frozenset(int(h) for h in kgram_hashes(words, k))
