"""The matching regions of two functions' code, for the side-by-side view.

A token is marked when it lies in a run of K normalized tokens that the other side has too and that is not starter
code: the same runs the fingerprints are taken from, so what is highlighted is what was counted.
"""
from .fingerprint import K, kgram_hashes, own, tokens


def segments(code, other_code, boilerplate=frozenset()):
    """[(text, marked)] covering `code`, marked where it matches `other_code`."""
    mine, theirs = tokens(code), tokens(other_code)
    hashes = kgram_hashes(mine.words)
    shared = set(int(h) for h in kgram_hashes(theirs.words))
    mine_own = own(hashes, boilerplate)
    marked = [False] * len(mine.words)
    for i, value in enumerate(hashes):
        if mine_own[i] and int(value) in shared:
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
