"""What a class's submissions are called: a name for people (report.json, the class page, the gradebook) and a
folder name in the output folder.

The name for people is the file's stem (`alice.py` -> `alice`), or its whole name where a stem would be ambiguous
(`alice.py` and `alice.ipynb`; `alice.py.py` beside `alice.py`). The folder name is that name made safe to create:
no control or invisible characters, no path parts, no leading dot, dash or formula sign (`=`, `+`, `@`: the review
app's CSV lists folder names), nothing a common file system refuses, at most MAX_BYTES bytes; never one of the
class's own files (`reserved`); unique in the class even where file systems ignore case or Unicode
normalization. Where it had to change (too long, or clashing with another), it ends
in a short hash of the submission's own file name, so it is the same from run to run and a resumed batch finds its
reports again.
"""
import hashlib
import os
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 96  # of a folder name in UTF-8: far below NAME_MAX (255), with room for what the batch appends
HASH = 8  # hex digits of the short hash, more only if two hashed names still clash
_REFUSED = set('/\\:*?"<>|')  # path separators, and what Windows refuses (output folders get zipped and shared)
_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


@dataclass(frozen=True)
class Entry:
    name: str  # its folder in the output folder: OUT/<name>/
    path: Path
    original: str = ""  # the name people see (report.json's `submission`); the folder's name when not given

    def __post_init__(self):
        if not self.original:
            object.__setattr__(self, "original", self.name)


def readable(name):
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates) become U+FFFD."""
    return os.fsencode(name).decode("utf-8", "replace")


def entries(paths, reserved=frozenset()):
    """An Entry for each of `paths` (the submissions of one class folder), in their order; no folder is named as
    one of `reserved` (case-folded names: the class's own files, grade_all.class_files)."""
    paths = [Path(p) for p in paths]
    full = [p.name for p in paths]
    stems = [p.name if p.is_dir() else p.stem for p in paths]
    count = Counter(stems)
    shown = [s if count[s] == 1 and (s == f or s not in full) else f for s, f in zip(stems, full)]
    taken = Counter(full)  # one folder's entries differ by name; `grade` may be given alice.py from two folders
    originals = [os.fsencode(f if taken[f] == 1 else str(p.resolve())) for f, p in zip(full, paths)]
    folders = unique([safe(readable(s)) for s in shown], originals, reserved)
    return [Entry(folder, path, readable(s)) for folder, path, s in zip(folders, paths, shown)]


def safe(name):
    """`name` with every character that could do harm in a path or a terminal replaced by `_`, and its leading
    dots, dashes and formula signs and trailing dots and spaces too ('' becomes '_'); the length is not capped."""
    text = unicodedata.normalize("NFC", name)
    text = "".join("_" if c in _REFUSED or unicodedata.category(c)[0] == "C"
                   or (unicodedata.category(c)[0] == "Z" and c != " ") else c for c in text)
    stripped = text.lstrip(".-=+@")  # hidden, an option, a spreadsheet formula (the review app's CSV lists folders)
    text = "_" * (len(text) != len(stripped)) + stripped
    return text.rstrip(". ") or "_"


def fit(base, digest=""):
    """`base` cut (at a character) so that, with `-digest` appended, it holds at most MAX_BYTES bytes."""
    suffix = f"-{digest}" if digest else ""
    if not digest and len(base.encode()) <= MAX_BYTES:
        return base
    room = MAX_BYTES - len(suffix)
    cut = base.encode()[:room].decode("utf-8", "ignore").rstrip(". ")
    return cut + suffix


def unique(bases, originals, reserved=frozenset()):
    """Folder names from safe `bases`, one per distinct original file name (bytes): a name too long, clashing with
    another (case and Unicode normalization ignored) or with a `reserved` one gets a short hash of its original."""
    digests = [hashlib.sha256(o).hexdigest() for o in originals]
    names = [fit(b, d[:HASH] if len(b.encode()) > MAX_BYTES else "") for b, d in zip(bases, digests)]
    for length in range(HASH, 65, HASH):
        keys = Counter(_key(n) for n in names)
        clashing = [i for i, n in enumerate(names) if keys[_key(n)] > 1 or _key(n) in reserved
                    or _key(n).split(".")[0] in _DEVICES]
        if not clashing:
            return names
        for i in clashing:
            names[i] = fit(bases[i], digests[i][:length])
    raise ValueError("two submissions have the same file name")  # their sha256 would be equal: not distinct files


def _key(name):
    return unicodedata.normalize("NFC", name).casefold()
