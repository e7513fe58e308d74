"""Copies a submission into a scratch folder and decides what kind it is. The original is never touched."""
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path


class UsageError(Exception):
    """Bad input from the person running the grader: one line that says what to do."""


@dataclass
class Submission:
    name: str
    source: Path
    kind: str  # module
    entry: str  # the file to load, relative to scratch/work
    notes: list = field(default_factory=list)


KINDS = {".py": "module"}


def take_in(source, scratch):
    """Copy `source` (a file or a folder) into `scratch/work` and describe it."""
    source = Path(source)
    if not source.exists():
        raise UsageError(f"no such submission: {str(source)!r}")
    work = Path(scratch) / "work"
    if source.is_dir():
        raise UsageError(f"{str(source)!r} is a folder; this grader takes a .py file")
    kind = KINDS.get(source.suffix.lower())
    if kind is None:
        raise UsageError(f"can't grade {source.name!r}: expected one of {', '.join(sorted(KINDS))}")
    work.mkdir(parents=True)
    shutil.copyfile(source, work / source.name)
    return Submission(source.stem, source, kind, source.name)


def refuse_outside_links(work):
    """Remove links that lead outside `work`; returns a note for each."""
    notes, root = [], os.path.realpath(work)
    for folder, dirs, files in os.walk(work):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                target = os.path.realpath(path)
                if os.path.commonpath([root, target]) != root:
                    os.unlink(path)
                    notes.append(f"{os.path.relpath(path, work)} links outside the submission and was not followed")
    return notes
