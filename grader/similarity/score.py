"""Scores of pairs, per graded function and per submission, from each one's own fingerprints weighed by how rare
they are in the class and the archive.

Rarity: a fingerprint that d documents have (the class and the archive, any function) weighs 1 when d <= 2 and
1 / (d - 1)^2 above: code that several students have is the handout's (any version of it, whatever the starter
folder holds) or the obvious way, and is evidence of nothing; code that only the two of a pair have is. Documents
are counted by source: a first count finds the groups of whole copies (pairs scoring WHOLE or more that wrote every
function both solved alike), and the pairs are weighed again with each group counted once; otherwise a copy makes all of its
source's code look common (three documents have it as soon as a third student shares a piece) and hides a partial
copy of its source.

Per function: the rare mass the two share over the smaller side's own rare mass (1.0: all of one side's code of
that function, weighed, is in the other's). A function counts only when both sides solved it: MIN_SOLVED own
fingerprints or more once the starter code and the template's placeholders are taken out.

Per pair: the rare mass shared over all the functions both solved, over the smaller side's own rare mass of those
functions (the whole-file share), scaled down while the rare mass shared is below EVIDENCE_FULL: two solutions
alike in what every student writes share little rare mass however alike they look, and one short function written
alike does not carry a pair. The score is the larger of that and the same over only the functions whose share is
PART or more (scaled the same way): two or three functions pasted into a file that is otherwise the student's own.

Agreement: rare pieces are not all a copy has. A function can be rare as a whole while each of its lines is common
(seed 002's backward passes: 21 versions among 27 students, made of the same few lines), and a copy of a student who
wrote the common lines agrees with its source in every function. So each function both sides wrote alike (NEAR or
more of the smaller side's own fingerprints in the other's) adds the product of two nulls taken from the class
itself. Near the pair: how few documents of the class and the archive are as close to either side in it (counted
by source, see below), log(n / (1 + closer)) / log(n), 1 when no other document of the n that solved it is as close, near 0 when most are.
Across the class: how few of the pairs compared in that function wrote it alike, log(m / alike) / log(m) of the m
pairs that both solved it, 1 when this pair is the only one, near 0 for a function most pairs write alike (a
one-line function of the handout: 62% of the pairs on the development set), whoever the two are. A function that
only this pair writes alike makes one point; one the whole class writes alike nothing, however unusual the two are
otherwise. A long function (LONG own fingerprints: dozens of choices left open) is the exception to the second null:
the pairs of a class that write a long function alike are mostly copies of it, two or three students each, and the
class's rate would count them against one another; so its length (own fingerprints over LONG, up to 1) stands in
for the class's null when larger, unless every pair wrote it alike (the handout's). A long function (EXACT_FROM own
fingerprints or more) that the two hold exactly (EXACT: the smaller side's fingerprints all in the other's, with or
without the lines that compute nothing read, Document.live) adds EXACT_POINTS more, times the near null: a copy of
it, pasted or re-uploaded, renamed or respaced, a shape check inserted, is exact, while students who converge on
each of its lines still differ in a line or two. And two files that solved the same functions (but for a tenth of
the smaller side's own code, APART: a stub a copier's edits left, not one only started) and wrote every one
alike (but for BROKEN functions that share PART of their rare mass: statements a copier inserted into one) add PROFILE
times the square of the code written alike over LONG (up to PROFILE_UP_TO) times how few other documents are that
alike to a side in every function (the same null): a whole copy of a student who wrote every function the class's
common way holds that student's set of ways, which few others hold, and the more of them the fewer (see
_whole_file); files with less own code than LONG get none (two near-empty files are no evidence). With e the
rare-code score plus the agreement (and the surface and recorded state below), less USUAL times its two sides'
usual evidence (`_usual`: how close each side is to its nearest others, a null per student from the class itself;
not for a pair that wrote the whole file alike, nor one that shares words of its own, `_worded`), the score is
e / (1 + e): 0 to 1, in the order of e (0.5 for e = 1).

Surface: when the graded code is written the common way, a copy and the class have the same fingerprints, and
what tells the copy apart is what the student typed around the code (surface.py: comments, statements with their
names, layout habits), weighed by rarity like the fingerprints. For each of the three kinds, over the functions
both solved: the rare mass shared over the smaller side's own rare mass of that kind, scaled down while the mass
shared is below SURFACE_FULL; halved, and the three added to e (a disguise rarely changes all three kinds).

Recorded state: a notebook file also carries what its session left (notebook.py: cell ids, execution counts,
machine traces in outputs), which a copy of the file keeps unless the copier renews it. Weighed by rarity like the
rest, except that a block of BLOCK items or more that exactly the same documents have, and no other, is a handout
version that few students have (its cells' ids, its markdown's lines), not a copy. Per kind, over the whole file:
the rare mass shared over the smaller side's, scaled down while the mass shared is below STATE_FULL, added to e: up
to a point per kind, since a file's session is no one's way of writing (two students who write alike share nothing
of it).
"""
import bisect
import heapq
import math
from collections import Counter
from dataclasses import dataclass, field, replace

from . import notebook
from .surface import KINDS, kind

MIN_SOLVED = 3  # own fingerprints below which a function counts as unsolved (starter code, a stub, one line)
EVIDENCE_FULL = 12  # rare mass shared (fingerprints that only the pair has) for a pair's score to count in full
MARKED = 0.25  # the side-by-side view marks shared code of this weight or more (three documents or fewer have it)
THRESHOLD = 0.58  # a pair at or above this score is flagged (docs/similarity.md: why 0.58)
WHOLE = 0.55  # a pair at or above this score that wrote every function both solved alike is a whole copy (_sources)
NEAR = 0.92  # a function counts as written alike when this share of one side's own fingerprints is in the other's
PART = 0.8  # a function whose share is this or more counts in the score of the copied part
SURFACE_FULL = 4  # rare surface mass shared (items that only the pair has) for a kind to count in full
PARALLEL_FROM = 100  # students from which the pairs are shared among processes
KEEP = 0.02  # pairs below this score are not kept at all (nearest neighbours come from those above it)
STATE_FULL = 2  # rare recorded mass shared (items that only the pair has) for a kind to count in full
BLOCK = 20  # recorded items that the same documents, and only they, have: a handout version's, not a copy's
EXACT = 0.99  # a function whose smaller side's own fingerprints are this share or more in the other's is held exactly
EXACT_FROM = 75  # own fingerprints of a function held exactly from which it adds EXACT_POINTS more (see _exact)
EXACT_POINTS = 1.5  # what a function of LONG own fingerprints or more held exactly adds, before the near null
APART = 0.1  # own code of the functions only one side solved, over the smaller side's, for a whole file alike
PROFILE = 0.5  # what two files add that solved the same functions and wrote every one alike, per LONG squared
PROFILE_UP_TO = 2  # code written alike, over LONG, up to which a whole file alike adds more (see _whole_file)
BROKEN = 1  # functions of a whole file alike that may be only PART alike: a disguise's edits break one, not all
LONG = 100  # own fingerprints of a function written alike from which its length alone rules out chance (see agreed)
USUAL = 0.3  # share of its two sides' usual evidence taken off a pair's (see `_usual`)
NEIGHBOURS = 5  # the nearest others of a document whose evidence is its usual evidence (see `_usual`)
WORDS = ("comment", "statement")  # surface kinds whose rare items shared spare a pair its usual evidence (`_worded`)


@dataclass(frozen=True)
class Document:
    """One submission or known solution: its name, where it is from, and {function: own fingerprints}."""
    name: str
    origin: str  # "class" or "archive"
    functions: dict = field(hash=False)
    path: str = ""
    code: dict = field(hash=False, default_factory=dict)  # {function: the code compared}, for the side-by-side view
    surface: dict = field(hash=False, default_factory=dict)  # {function: its surface items (surface.py)}
    shapes: dict = field(hash=False, default_factory=dict)  # {statement item: its shape item}
    recorded: frozenset = field(hash=False, default_factory=frozenset)  # a notebook's recorded state (notebook.py)
    stray: frozenset = field(hash=False, default_factory=frozenset)  # functions only started (see `compare`)
    live: dict = field(hash=False, default_factory=dict)  # {function: own fingerprints without its dead lines}

    @property
    def own(self):
        return sum(len(f) for f in self.functions.values())


def weight(documents):
    """The rarity weight of a fingerprint that `documents` documents have."""
    return 1.0 if documents <= 2 else 1.0 / (documents - 1) ** 2


def rarity(documents, sources=None):
    """{fingerprint, surface or recorded item: weight} of every one that does not weigh 1: more than two documents
    have it, or (a statement) few write it even with names changed, which its fingerprints count already, or (a
    recorded item) a handout version's (_versions). `sources`: {document name: its source} (see `_sources`); the
    documents of one source count once."""
    sources = sources or {}
    items, shapes = {}, {}
    for d in documents:
        source = sources.get(d.name, d.name)
        items.setdefault(source, set()).update(*d.functions.values(), *d.surface.values(), d.recorded)
        shapes.setdefault(source, set()).update(d.shapes.values())
    count = Counter(h for held in items.values() for h in held)
    count.update(shape for held in shapes.values() for shape in held)
    found = {h: weight(n) for h, n in count.items() if n > 2}
    found.update(_versions(documents))
    for statement, shape in {k: v for d in documents for k, v in d.shapes.items()}.items():
        if statement in count:
            found[statement] = max(0.0, weight(count[statement]) - weight(count[shape]))
    return found


def _versions(documents):
    """{recorded item: 0.0} of the blocks of BLOCK items or more that the same two documents or more, and only
    they, have: a handout version's cells (its ids, its markdown's lines) that few students of the class had."""
    holders = {}
    for d in documents:
        for item in d.recorded:
            holders.setdefault(item, []).append(d.name)
    blocks = Counter(tuple(names) for names in holders.values() if len(names) > 1)
    return {item: 0.0 for item, names in holders.items() if blocks.get(tuple(names), 0) >= BLOCK}


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    origin: str  # of b: "class" or "archive"
    score: float
    raw: float
    evidence: int
    functions: dict = field(hash=False)  # {function: share}, the functions both sides solved
    agreement: float = 0.0  # what the functions written alike add (see the module's doc)
    alike: dict = field(hash=False, default_factory=dict)  # {function: containment} of those NEAR or more
    surface: float = 0.0  # what the rare surface both wrote adds (see the module's doc)
    written: dict = field(hash=False, default_factory=dict)  # {kind: rare surface mass shared}, surface.KINDS
    state: float = 0.0  # what the rare recorded state both files carry adds (see the module's doc)
    recorded: dict = field(hash=False, default_factory=dict)  # {kind: rare recorded mass shared}, notebook.KINDS
    lengths: dict = field(hash=False, default_factory=dict)  # {function: the smaller side's own fingerprints}, alike
    whole: float = 0.0  # the least alike function when the two solved the same ones and wrote all alike (but
    # for BROKEN functions PART alike), else 0
    usual: float = 0.0  # the evidence taken off for how close its two sides usually are to others (see `_usual`)

    @property
    def flagged(self):
        return self.score >= THRESHOLD


def solved(functions):
    """The functions with enough own code to be compared."""
    return {name: prints for name, prints in functions.items() if len(prints) >= MIN_SOLVED}


def compare(a, b, rare=None, masses=None):
    """The Pair of two documents, or None when they solved no function in common. `rare`: {fingerprint: weight}
    (see `rarity`); without it every fingerprint weighs 1. `masses`: {document name: ({function: its rare mass},
    {function: its surface's rare mass by kind}, its recorded state's rare mass by kind)}, computed once for all
    pairs (see `masses_of`)."""
    rare = rare or {}
    mass_a, written_a, kept_a = masses[a.name] if masses else masses_of([a], rare)[a.name]
    mass_b, written_b, kept_b = masses[b.name] if masses else masses_of([b], rare)[b.name]
    shares, shared, sizes, alike, lengths = {}, {}, {}, {}, {}
    for name, mine in a.functions.items():
        theirs = b.functions.get(name)
        if theirs:
            both = mine & theirs
            found = _alike(len(both), mine, theirs)
            if (not found or found[0] < EXACT) and (name in a.live or name in b.live) and (
                    2 * len(both) >= min(len(mine), len(theirs))):
                found = max(found, _alike(None, a.live.get(name, mine), b.live.get(name, theirs)),
                            key=lambda f: f[0] if f else 0.0)
            if found:
                alike[name], lengths[name] = found
            shared[name] = _mass(both, rare)
            sizes[name] = min(mass_a[name], mass_b[name])
            shares[name] = shared[name] / sizes[name] if sizes[name] else 0.0
            if name in a.stray | b.stray and shares[name] < PART:  # a stub's stray lines the other does not have
                for found in (shares, shared, sizes, alike, lengths):
                    found.pop(name, None)
    if not shares:
        return None
    broken = [f for f in shares if f not in alike]  # a copy's inserted statements leave PART or more of them
    whole_file = (min(alike.values()) if alike and len(broken) <= BROKEN and all(shares[f] >= PART for f in broken)
                  and min(a.own, b.own) >= LONG
                  and _apart(a, b) + _apart(b, a) <= APART * min(a.own, b.own) else 0.0)
    whole, raw = _scaled(list(shares), shared, sizes)
    part, _ = _scaled([f for f, s in shares.items() if s >= PART], shared, sizes)
    found, written = _surface(a, b, list(shares), written_a, written_b, rare)
    state, recorded = _state(a.recorded & b.recorded, kept_a, kept_b, rare)
    return Pair(a.name, b.name, b.origin, round(max(whole, part), 4), round(raw, 4), round(sum(shared.values()), 2),
                {f: round(s, 4) for f, s in shares.items()}, 0.0, alike, round(found, 4), written, round(state, 4),
                recorded, lengths, whole_file)


def _alike(both, mine, theirs):
    """(containment, the smaller side's own fingerprints) when one side's are NEAR or more in the other's, else None
    (`both`: how many they share, if counted). `compare` asks it again of the code without the lines that compute
    nothing read (Document.live) when half of the smaller side's are in the other's and not EXACT: statements a
    copier inserts into a short function cut most of its runs of tokens, not all, and into a long function held
    exactly, a few of them (0.96: alike, no longer exact, see `_exact`)."""
    smaller = min(len(mine), len(theirs))
    both = len(mine & theirs) if both is None else both
    if smaller < MIN_SOLVED or both < NEAR * smaller:
        return None
    return round(both / smaller, 4), smaller


def _apart(a, b):
    """The own fingerprints of the functions that `a` solved and `b` did not. A function `a` only started
    (Document.stray) is not solved code that `b` lacks, as `compare` leaves it out of the pair: a copier's shape
    checks inserted into the stubs of a half-solved file would otherwise keep its whole copy from being one."""
    return sum(len(prints) for f, prints in a.functions.items() if f not in b.functions and f not in a.stray)


def _state(both, kept_a, kept_b, rare):
    """(the recorded-state evidence of a pair, {kind: rare mass shared}) from the items both files carry."""
    shared = _kinds(filter(notebook.scored, both), rare, notebook.KINDS, notebook.kind)
    return _by_kind(shared, kept_a, kept_b, STATE_FULL, notebook.KINDS)


def _surface(a, b, functions, written_a, written_b, rare):
    """(the surface evidence of a pair, {kind: rare mass shared}) over `functions` (see the module's doc)."""
    shared, size_a, size_b = [0.0] * len(KINDS), [0.0] * len(KINDS), [0.0] * len(KINDS)
    for name in functions:
        for item in a.surface.get(name, frozenset()) & b.surface.get(name, frozenset()):
            shared[kind(item)] += rare.get(item, 1.0)
        for k in range(len(KINDS)):
            size_a[k] += written_a.get(name, (0.0,) * len(KINDS))[k]
            size_b[k] += written_b.get(name, (0.0,) * len(KINDS))[k]
    total, masses = _by_kind(shared, size_a, size_b, SURFACE_FULL, KINDS)
    return total / 2, masses


def _by_kind(shared, size_a, size_b, full, kinds):
    """(the sum over `kinds` of the rare mass shared over the smaller side's, scaled down while the mass shared is
    below `full`; {kind: rare mass shared}) of the surface or the recorded state (see the module's doc)."""
    total = 0.0
    for k, mass in enumerate(shared):
        smaller = min(size_a[k], size_b[k])
        total += (mass / smaller if smaller else 0.0) * min(1.0, mass / full)
    return total, {kinds[k]: round(mass, 2) for k, mass in enumerate(shared) if mass}


def _mass(prints, rare):
    return sum(rare.get(h, 1.0) for h in prints)


def _kinds(items, rare, kinds=KINDS, kind_of=kind):
    masses = [0.0] * len(kinds)
    for item in items:
        masses[kind_of(item)] += rare.get(item, 1.0)
    return tuple(masses)


def masses_of(documents, rare):
    """{document name: ({function: the rare mass of its own fingerprints}, {function: its surface's rare mass by
    kind}, its recorded state's rare mass by kind)}."""
    return {d.name: ({f: _mass(prints, rare) for f, prints in d.functions.items()},
                     {f: _kinds(items, rare) for f, items in d.surface.items()},
                     _kinds(filter(notebook.scored, d.recorded), rare, notebook.KINDS, notebook.kind))
            for d in documents}


def _scaled(functions, shared, sizes):
    """(the share of rare mass over `functions`, scaled down below EVIDENCE_FULL rare mass shared; unscaled)."""
    mass, size = sum(shared[f] for f in functions), sum(sizes[f] for f in functions)
    if not size:
        return 0.0, 0.0
    raw = mass / size
    return raw * min(1.0, mass / EVIDENCE_FULL), raw


def all_pairs(students, archive=(), workers=1, rare=None):
    """Every pair of students and every student with every known solution, ranked by score (highest first);
    pairs below KEEP are dropped (see `ranked`)."""
    return ranked(students, archive, workers, rare)[0]


def ranked(students, archive=(), workers=1, rare=None):
    """(every pair, ranked as all_pairs ranks them; the rarity they were weighed by). Rarity is counted over the
    students and the archive together (unless `rare` gives it), then once more with each group of whole copies that
    the first count found counted as one source (`_sources`): a copy does not make its source's code look common.
    Last, each pair's two sides' usual evidence is taken off its own (`_usual`). With `workers` > 1 the students'
    rows are shared among that many processes."""
    documents = [*students, *archive]
    rare = rarity(documents) if rare is None else rare
    pairs = _ranked(students, archive, workers, rare)
    sources = _sources(pairs)
    if sources:
        rare = rarity(documents, sources)
        pairs = _ranked(students, archive, workers, rare, sources)
    return _usual(pairs, sources), rare


def _sources(pairs):
    """{document name: its source} of the documents in a group of whole copies: pairs scoring WHOLE or more that
    wrote every function both solved alike (two or more), joined transitively; the source is one name of the group.
    (WHOLE is not the flag's threshold: where the flag is drawn says nothing about how rarity is counted.)"""
    parent = {}

    def root(name):
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name
    for pair in pairs:
        if pair.score >= WHOLE and len(pair.alike) == len(pair.functions) >= 2:
            parent[root(pair.a)] = root(pair.b)
    return {name: root(name) for name in parent}


def _ranked(students, archive, workers, rare, sources=None):
    masses = masses_of([*students, *archive], rare)
    rows = [i for i, a in enumerate(students) if a.functions]
    if workers > 1 and len(rows) >= PARALLEL_FROM:
        from concurrent.futures import ProcessPoolExecutor
        chunks = [rows[k::workers * 4] for k in range(workers * 4)]  # interleaved: long and short rows mixed
        with ProcessPoolExecutor(workers, initializer=_share, initargs=(students, archive, rare, masses)) as pool:
            found = [pair for part in pool.map(_rows, chunks) for pair in part]
    else:
        found = _rows(rows, students, archive, rare, masses)
    return _order(p for p in agreed(found, *_solvers(students, archive), sources=sources) if p.score >= KEEP)


def _usual(pairs, sources):
    """The pairs ranked again with USUAL times their two sides' usual evidence taken off each one's. A side's usual
    evidence is the mean of its NEIGHBOURS highest with others that it is not flagged with (by source, the pair's
    own sources left out; 0 for each missing): a null from the class itself, per student. Two students who write the
    class's common way are close to many others as well, and their pair stands out less from what each of them
    usually scores than a copy does from what its source usually scores. The others a side is flagged with are left
    out of its usual evidence (a student whose code was pasted into two files is not for that a common-way
    student), and it is the mean of the nearest few, not the nearest one: one close neighbour is one coincidence.
    A pair that wrote the whole file alike (Pair.whole) keeps its evidence: its whole-file term has already asked
    how many others are as alike to either side (`_whole_file`), and the crowd would count twice. So does a pair
    that shares SURFACE_FULL rare items or more of the words it chose (`_worded`). Each pair's
    evidence is read back from its score (e = s / (1 - s)); a pair listed before stays listed, however low its score
    falls."""
    evidence = {id(p): p.score / (1 - min(p.score, 0.9999)) for p in pairs}
    flagged = THRESHOLD / (1 - THRESHOLD)
    best = {}  # {document: {source of an other: the highest evidence with it, below the flag}}
    for pair in pairs:
        for side, other in ((pair.a, pair.b), (pair.b, pair.a)):
            row, other = best.setdefault(side, {}), sources.get(other, other)
            if evidence[id(pair)] < flagged:
                row[other] = max(row.get(other, 0.0), evidence[id(pair)])

    # The pair's own two sources are left out of a side's nearest: two more than NEIGHBOURS are enough.
    nearest = {side: heapq.nlargest(NEIGHBOURS + 2, ((e, other) for other, e in row.items()))
               for side, row in best.items()}

    def usual(side, mine):
        return sum([e for e, other in nearest[side] if other not in mine][:NEIGHBOURS]) / NEIGHBOURS
    done = []
    for pair in pairs:
        mine = {sources.get(pair.a, pair.a), sources.get(pair.b, pair.b)}
        taken = 0.0 if pair.whole or _worded(pair) else USUAL * (usual(pair.a, mine) + usual(pair.b, mine)) / 2
        left = max(0.0, evidence[id(pair)] - taken)
        done.append(replace(pair, score=round(left / (1 + left), 4), usual=round(taken, 4)))
    return _order(done)


def _worded(pair):
    """Whether the two wrote SURFACE_FULL rare items or more of their own words alike: comments, or statements with
    their names. The usual evidence is a null for code: students of the common way converge on the same lines, not
    on the same words around them, and two functions pasted with their comments or names keep them."""
    return any(pair.written.get(name, 0.0) >= SURFACE_FULL for name in WORDS)


def _order(pairs):
    return sorted(pairs, key=lambda p: (-p.score, -p.evidence, p.a, p.b))


def _solvers(students, archive):
    """({function: documents that solved it}, {function: pairs compared in it}): students with each other and with
    the archive, never two known solutions."""
    mine = Counter(f for d in students for f in d.functions)
    known = Counter(f for d in archive for f in d.functions)
    return mine + known, {f: n * (n - 1) // 2 + n * known[f] for f, n in mine.items()}


def agreed(pairs, solvers, compared=None, sources=None):
    """The pairs with their agreement added to their score. `solvers`: {function: documents that solved it};
    `compared`: {function: pairs that both solved it} (by default every two of its solvers); `sources`:
    {document name: its source} (see `_sources`): the others as close to a side count by source, so a whole copy of
    a third student who wrote the function alike counts once with that student."""
    sources = sources or {}
    near, alike = {}, Counter()  # near: {(document, function): {source of an other: the closest of its documents}}
    for pair in pairs:
        for function, value in pair.alike.items():
            for side, other in ((pair.a, pair.b), (pair.b, pair.a)):
                best = near.setdefault((side, function), {})
                other = sources.get(other, other)
                best[other] = max(best.get(other, 0.0), value)
            alike[function] += 1
    ordered = {key: sorted(best.values()) for key, best in near.items()}
    files, documents = _files(pairs, sources), max([2, *solvers.values()])
    done = []
    for pair in pairs:
        mine = {sources.get(pair.a, pair.a), sources.get(pair.b, pair.b)}
        total = _whole_file(pair, files, mine, documents)
        for function, value in pair.alike.items():  # how many other sources are as close to a side
            closer = max(len(ordered[(side, function)]) - bisect.bisect_left(ordered[(side, function)], value)
                         - sum(near[(side, function)].get(source, -1.0) >= value for source in mine)
                         for side in (pair.a, pair.b))
            n = max(solvers[function], 2)
            m = (compared or {}).get(function, n * (n - 1) // 2)
            length = pair.lengths.get(function, 0)
            total += _unusual(n, 1 + closer) * (max(_unusual(m, alike[function]), _long(length, m, alike[function]))
                                                + _exact(value, length, m, alike[function]))
        evidence = pair.score + total + pair.surface + pair.state  # squashed into 0..1, the order kept
        done.append(replace(pair, score=round(evidence / (1 + evidence), 4), agreement=round(total, 4)))
    return done


def _files(pairs, sources):
    """{document: {source of an other: whole}} of the pairs that wrote the same functions, all alike (Pair.whole)."""
    files = {}
    for pair in pairs:
        if pair.whole:
            for side, other in ((pair.a, pair.b), (pair.b, pair.a)):
                best, other = files.setdefault(side, {}), sources.get(other, other)
                best[other] = max(best.get(other, 0.0), pair.whole)
    return files


def _whole_file(pair, files, mine, documents):
    """What two files that wrote the same functions, all alike (Pair.whole), add: PROFILE times the square of the
    code written alike over LONG (up to PROFILE_UP_TO), times how few other sources (not `mine`, the pair's) are that
    alike to either side in every function, of the `documents` that solved any. Squared: two students who write the
    class's common way are whole files alike in its few short functions (four forward passes, about LONG own
    fingerprints), rarely in six or eight; a copy of a file that solved more keeps every one of its choices."""
    if not pair.whole:
        return 0.0
    closer = max(sum(value >= pair.whole for source, value in files[side].items() if source not in mine)
                 for side in (pair.a, pair.b))
    size = min(PROFILE_UP_TO, sum(pair.lengths.values()) / LONG) ** 2
    return PROFILE * size * _unusual(documents, 1 + closer)


def _exact(value, length, compared, alike):
    """What a long function held exactly adds to its agreement before the near null, 0 to EXACT_POINTS: that many
    points times its own fingerprints over LONG, when the smaller side's are all in the other's (EXACT) and there
    are EXACT_FROM or more; nothing for a function that every pair compared wrote alike (the handout's). Two
    students who write a long function alike the class's common way still differ in a line or two (on the
    development set, 0.92 to 0.97 of a long backward pass's fingerprints shared); its copies, pasted or re-uploaded,
    renamed or respaced, are exact: dozens of choices made the same, however many students converge on each line."""
    if value < EXACT or length < EXACT_FROM or alike >= compared:
        return 0.0
    return EXACT_POINTS * min(1.0, length / LONG)


def _long(length, compared, alike):
    """What a function's length alone says against chance, 0 to 1: its own fingerprints over LONG, and nothing for
    a function that every pair compared wrote alike (the handout's, however long)."""
    return min(1.0, length / LONG) if alike < compared else 0.0


def _unusual(among, as_close):
    """log(among / as_close) / log(among): 1 when only one of `among` is as close, 0 when all are (a null from the
    class itself: how many documents, or pairs, are as close as this one)."""
    if among < 2:
        return 1.0
    return max(0.0, math.log(among / max(as_close, 1)) / math.log(among))


_SHARED = {}


def _share(students, archive, rare, masses):
    _SHARED["documents"] = (students, archive, rare, masses)


def _rows(rows, students=None, archive=None, rare=None, masses=None):
    """The pairs of some students (by index) with the students after them and with the archive that score KEEP or
    more or wrote a function alike (their agreement is added once all pairs are known)."""
    if students is None:
        students, archive, rare, masses = _SHARED["documents"]
    found = []
    for i in rows:
        a = students[i]
        for b in (*students[i + 1:], *archive):
            if b.functions and a.functions.keys() & b.functions.keys():
                pair = compare(a, b, rare, masses)
                if pair is not None and (pair.score >= KEEP or pair.alike or pair.surface + pair.state >= KEEP):
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
