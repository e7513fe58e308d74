"""The matching regions of two functions' code, for the side-by-side view: what makes the pair unusual.

A token is marked when it lies in a fingerprint (K normalized tokens, winnowed) that the other side has too, that
is not starter code, and that few documents of the class and the archive have (weight MARKED or more): the code
that counted. Code that every student writes alike is left unmarked, however alike it is.
"""
from copydetect.utils import winnow

from .fingerprint import K, W, kgram_hashes, own, tokens
from .score import MARKED


def segments(code, other_code, boilerplate=frozenset(), rare=None):
    """[(text, marked)] covering `code`, marked where it shares rare code with `other_code`. `rare`:
    {fingerprint: weight} (score.rarity); without it every shared fingerprint is marked."""
    rare = rare or {}
    mine, theirs = tokens(code), tokens(other_code)
    hashes = kgram_hashes(mine.words)
    marked = [False] * len(mine.words)
    if len(hashes) == 0:
        return _cut(code, mine.spans, marked)
    shared = set(int(h) for h in kgram_hashes(theirs.words))
    mine_own = own(hashes, boilerplate)
    _, where = winnow(hashes, min(W, len(hashes)))
    for i in where:
        value = int(hashes[i])
        if mine_own[i] and value in shared and rare.get(value, 1.0) >= MARKED:
            marked[i:i + K] = [True] * len(marked[i:i + K])
    return _cut(code, mine.spans, marked)


def _cut(code, spans, marked):
    """Split the text into runs: a marked run goes from its first marked token's start to its last one's end."""
    pieces, position, i = [], 0, 0
    while i < len(spans):
        if not marked[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(spans) and marked[j + 1]:
            j += 1
        start, end = spans[i][0], spans[j][1]
        if start > position:
            pieces.append((code[position:start], False))
        pieces.append((code[start:end], True))
        position, i = end, j + 1
    if position < len(code):
        pieces.append((code[position:], False))
    return pieces


def coverage(pieces):
    """The share of a code's non-blank characters that are marked."""
    total = sum(len("".join(text.split())) for text, _ in pieces)
    marked = sum(len("".join(text.split())) for text, flag in pieces if flag)
    return marked / total if total else 0.0
