"""The reference's answers to the sandbox's callbacks, remembered by the bytes of their arguments.

A stand-in for a graded callee (a function of the reference) is asked the same arguments again and again: a case
asked once for its values and again for its shapes, the same steps made by every correct submission of a batch, the
same submission graded again. The reference's functions keep no state, so an answer depends on the arguments only:
a repeated callback is answered from here, with the blob of the reply sent the first time and the cache that stays
in the grader (program.py's tokens), without decoding the arguments or running the reference again. The key is the
stand-in itself and the arguments' blobs as the child sent them, compared byte for byte: arguments that differ in
one bit, or in dtype or shape, are another key; a backward given the token of a cache kept here has that cache in
its key, by identity (Same), which the key keeps alive so that no other object can take its id. The child sees no more than before: only the answers to its own
calls, one callback at a time.
"""
import threading

MOST_BYTES = 128 * 2**20  # kept at most, counted as the blobs' lengths (a cache kept here counts as its reply's):
# the second assignment's grading asks about 1,000 different callbacks of about 75 kB each (a model's sequences)
MOST_ANSWERS = 16384


class Answers:
    """{key: (reply blob, cache)}, the least recently used forgotten first past MOST_BYTES or MOST_ANSWERS; safe
    across threads (a batch may grade in several)."""

    def __init__(self, most_bytes=MOST_BYTES, most=MOST_ANSWERS):
        self.most_bytes, self.most = most_bytes, most
        self._kept, self._bytes, self._lock = {}, 0, threading.Lock()
        self.asked = self.found = 0

    def get(self, key):
        self.asked += 1
        with self._lock:
            answer = self._kept.pop(key, None)
            if answer is None:
                return None
            self._kept[key] = answer  # the most recently used, last
        self.found += 1
        return answer[:2]

    def known(self, key):
        """The reply blob kept under `key`, or None, neither counted nor made the most recently used (what
        foreseen.keep() reads back)."""
        kept = self._kept.get(key)
        return None if kept is None else kept[0]

    def put(self, key, blob, cache):
        """Keep an answer; returns the cache kept under `key`: one kept before stays (a backward's key may hold it)."""
        size = sum(len(part) for part in key[1:] if type(part) is bytes) + 2 * len(blob)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None or size > self.most_bytes:
                return cache if kept is None else kept[1]
            self._kept[key] = (blob, cache, size)
            self._bytes += size
            while self._bytes > self.most_bytes or len(self._kept) > self.most:
                self._bytes -= self._kept.pop(next(iter(self._kept)))[2]
        return cache

    def clear(self):
        with self._lock:
            self._kept.clear()
            self._bytes = 0


def key(stand_in, args, kwargs, makes_cache=False, given=None):
    """The key a stand-in's answer is remembered by (REFERENCE): the stand-in, its arguments' and keywords' blobs,
    whether it makes a cache, and the cache it was given (a stand-in forward's, by identity; None: none)."""
    return stand_in, args, kwargs, makes_cache, Same(given)


class Same:
    """A part of a key that is one object (a cache kept in the grader), compared by identity."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __hash__(self):
        return id(self.obj)

    def __eq__(self, other):
        return type(other) is Same and other.obj is self.obj


REFERENCE = Answers()  # one per process: what one grading asked, the next asks again


class Asked:
    """{a call's request, as a key: the callbacks it made, [(callee, makes a cache, args blob, kwargs blob, the
    cache kept in the grader that a token given stood for, or None)]}: what the same call will most likely ask again
    in the next grading of this process (a class's correct submissions ask the same), so that the grader can send
    the reference's answers along, sealed by their questions (wire.seal: each opens only for that very callback).
    A call's callbacks are added to those kept (MOST_EACH at most); the first MOST_ASKED calls kept, MOST_BYTES of
    arguments' blobs at most (shared with REFERENCE's keys, as a rule). Safe across threads (a lost addition only
    costs a round trip)."""

    MOST_ASKED, MOST_EACH, MOST_BYTES = 16384, 256, 64 * 2**20

    def __init__(self):
        self._kept, self._bytes = {}, 0

    def get(self, key):
        return self._kept.get(key, ())

    def put(self, key, made):
        kept = self._kept.get(key, ())
        if not made or (not kept and len(self._kept) >= self.MOST_ASKED):
            return
        known = {_same(entry) for entry in kept}
        new = [entry for entry in made if _same(entry) not in known][:self.MOST_EACH - len(kept)]
        size = sum(len(entry[2]) + len(entry[3]) for entry in new)
        if new and self._bytes + size <= self.MOST_BYTES:
            self._kept[key], self._bytes = (*kept, *new), self._bytes + size

    def clear(self):
        self._kept.clear()
        self._bytes = 0


def _same(entry):
    """An Asked entry as a key: its cache (the last item) by identity."""
    return (*entry[:-1], id(entry[-1]))


ASKED = Asked()  # one per process, as REFERENCE (whose answers it points to)
# {(a calling function, its arguments' blob): the callbacks the reference's function made on them}, the same entries
# as ASKED's (foreseen.py): what a right submission's call with those arguments will ask in a first grading; for a
# method of an object kept in the child, {(function, method, arguments' blob, the blob of the call's before it in its
# batch or None): the callbacks the reference's method made} (foreseen.expect: a model's loss after its update)
FORESEEN = Asked()
