"""Checks as small decorated functions, and the failures they raise.

A check's docstring is what the student reads; its points come from the assignment's rubric. A check passes by
returning, and fails by raising: `Failure` for a wrong answer (its lines say what differs), or one of the
sandbox's exceptions for code that raised, hung or is missing.
"""
import inspect
from dataclasses import dataclass


class Failure(Exception):
    """A wrong answer. `lines` say what differs; the first line is the summary. `diagnoses` are the ids of the
    known mistakes that the answer matched (grader.checks.diagnose)."""

    def __init__(self, *lines, diagnoses=()):
        super().__init__(lines[0] if lines else "failed")
        self.lines = [str(line) for line in lines]
        self.diagnoses = list(diagnoses)

    def __str__(self):
        return "\n".join(self.lines)


class Skip(Exception):
    """A check that can't be judged on this submission, for a reason that is not this function's (its forward
    raised, say): reported as skipped, with the reason, and it earns no points."""


@dataclass(frozen=True)
class Check:
    id: str
    function: str | None
    description: str
    run: object  # (context) -> None
    depends: tuple = ()


class Suite:
    """The registry of one assignment's checks, in the order they run."""

    def __init__(self, name):
        self.name = name
        self.checks = {}

    def check(self, id, function=None, depends=(), description=None):
        """Register `run(context)` as check `id`; its docstring (or `description`) is what the student reads."""
        def register(run):
            if id in self.checks:
                raise ValueError(f"check {id!r} is registered twice")
            self.checks[id] = Check(id, function, description or inspect.getdoc(run) or id, run, tuple(depends))
            return run
        return register
