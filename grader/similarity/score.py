"""Scores of pairs, per graded function and per submission, from each one's own fingerprints.

Per function: the share of the smaller side's own fingerprints that the other side has too (1.0: one function's
code is contained in the other's). A function counts only when both sides solved it: MIN_SOLVED own fingerprints
or more once the starter code is taken out.

Per pair: the mean of the functions' shares, each weighted by the smaller side's own code, so a long function
counts more than a one-liner that everyone writes alike. That mean is then scaled down when the pair shares little
code of its own (`evidence`, the sum of those weights, below EVIDENCE_FULL): a copy of a small solution (two or
three functions) keeps its full score, while two nearly empty submissions, alike because there is hardly anything
to compare, do not rise above the threshold.

A pair's score is the larger of that whole-submission score and the same score over only the functions whose share
is PART or more (scaled by their own evidence the same way): two functions pasted into a file that is otherwise the
student's own are a copy too, though the whole-file mean is diluted by the rest.
"""
from dataclasses import dataclass, field

MIN_SOLVED = 3  # own fingerprints below which a function counts as unsolved (starter code, a stub, one line)
EVIDENCE_FULL = 50  # own fingerprints compared (sum over functions) for a pair's score to count in full
THRESHOLD = 0.6  # a pair at or above this score is flagged (docs/similarity.md)
PART = 0.8  # a function whose share is this or more counts in the score of the copied part
PARALLEL_FROM = 100  # students from which the pairs are shared among processes
KEEP = 0.15  # pairs below this score are not kept at all (nearest neighbours come from those above it)


@dataclass(frozen=True)
class Document:
    """One submission or known solution: its name, where it is from, and {function: own fingerprints}."""
    name: str
    origin: str  # "class" or "archive"
    functions: dict = field(hash=False)
    path: str = ""
    code: dict = field(hash=False, default_factory=dict)  # {function: the code compared}, for the side-by-side view

    @property
    def own(self):
        return sum(len(f) for f in self.functions.values())


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    origin: str  # of b: "class" or "archive"
    score: float
    raw: float
    evidence: int
    functions: dict = field(hash=False)  # {function: share}, the functions both sides solved

    @property
    def flagged(self):
        return self.score >= THRESHOLD


def solved(functions):
    """The functions with enough own code to be compared."""
    return {name: prints for name, prints in functions.items() if len(prints) >= MIN_SOLVED}


def compare(a, b):
    """The Pair of two documents, or None when they solved no function in common."""
    shares, weights = {}, {}
    for name, mine in a.functions.items():
        theirs = b.functions.get(name)
        if theirs:
            weights[name] = min(len(mine), len(theirs))
            shares[name] = len(mine & theirs) / weights[name]
    if not weights:
        return None
    whole, raw = _scaled(shares, weights)
    part, _ = _scaled({f: s for f, s in shares.items() if s >= PART}, weights)
    return Pair(a.name, b.name, b.origin, round(max(whole, part), 4), round(raw, 4), sum(weights.values()),
                {f: round(s, 4) for f, s in shares.items()})


def _scaled(shares, weights):
    """(the weighted mean share scaled down below EVIDENCE_FULL, the plain weighted mean) of some functions."""
    evidence = sum(weights[f] for f in shares)
    if not evidence:
        return 0.0, 0.0
    raw = sum(weights[f] * share for f, share in shares.items()) / evidence
    return raw * min(1.0, evidence / EVIDENCE_FULL), raw


def all_pairs(students, archive=(), workers=1):
    """Every pair of students and every student with every known solution, ranked by score (highest first);
    pairs below KEEP are dropped. With `workers` > 1 the students' rows are shared among that many processes."""
    rows = [i for i, a in enumerate(students) if a.functions]
    if workers > 1 and len(rows) >= PARALLEL_FROM:
        from concurrent.futures import ProcessPoolExecutor
        chunks = [rows[k::workers * 4] for k in range(workers * 4)]  # interleaved: long and short rows mixed
        with ProcessPoolExecutor(workers, initializer=_share, initargs=(students, archive)) as pool:
            found = [pair for part in pool.map(_rows, chunks) for pair in part]
    else:
        found = _rows(rows, students, archive)
    return sorted(found, key=lambda p: (-p.score, -p.evidence, p.a, p.b))


_SHARED = {}


def _share(students, archive):
    _SHARED["documents"] = (students, archive)


def _rows(rows, students=None, archive=None):
    """The kept pairs of some students (by index) with the students after them and with the archive."""
    if students is None:
        students, archive = _SHARED["documents"]
    found = []
    for i in rows:
        a = students[i]
        for b in (*students[i + 1:], *archive):
            if b.functions and a.functions.keys() & b.functions.keys():
                pair = compare(a, b)
                if pair is not None and pair.score >= KEEP:
                    found.append(pair)
    return found


def nearest(pairs, count=3):
    """{student: the `count` nearest others}, from the ranked pairs, in one pass."""
    near = {}
    for pair in pairs:  # `a` is always a student; `b` a student or a known solution (named "archive:...")
        sides = [(pair.a, pair.b, pair.origin)] + ([(pair.b, pair.a, "class")] if pair.origin == "class" else [])
        for name, other, origin in sides:
            found = near.setdefault(name, [])
            if len(found) < count:
                found.append({"other": other, "origin": origin, "score": pair.score, "flagged": pair.flagged,
                              "functions": pair.functions})
    return near
