"""The limits of one submission's sandbox, and the command-line options that set them (grade and grade-all)."""
from dataclasses import dataclass, fields

ISOLATIONS = ("auto", "bubblewrap", "process")
# The environment of a process that computes with numpy beside others: one thread for each BLAS library (numpy's
# OpenBLAS). A sandbox's child, a batch's workers and the command line's grader each take one core; the threads
# that OpenBLAS starts at numpy's import would wait for work spinning on the core beside (0.04 s of CPU).
SINGLE_THREADED = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


@dataclass(frozen=True)
class Limits:
    """What one submission's sandbox may use, and what the grader keeps of what it sends and of the files it
    reads outside the sandbox; each field has a command-line option (OPTIONS)."""

    call_seconds: float = 5.0  # wall time of one function call
    load_seconds: float = 60.0  # wall time to load a module (a notebook: to start its shell)
    cell_seconds: float = 30.0  # wall time of one notebook cell, before it is interrupted
    cpu_seconds: int = 600  # CPU time of one sandbox process over its whole life (then SIGXCPU, SIGKILL)
    memory_mb: int = 2048  # address space of each process in the sandbox
    file_mb: int = 64  # the largest file it may write; also the size of its private /tmp
    processes: int = 64  # processes and threads at once, the sandbox's first process included (bubblewrap)
    output_bytes: int = 64 * 1024  # kept of its standard output, and of its standard error; the rest is counted
    grace_seconds: float = 1.0  # between SIGTERM and SIGKILL when the sandbox is stopped
    isolation: str = "auto"  # bubblewrap where it works (auto), bubblewrap or fail, or process-level only
    # Outside the sandbox (the grader's own process): a submission can't make the reports huge or the grader slow.
    answer_bytes: int = 32 * 2**20  # an answer file read (report.md) or copied beside the report (report.pdf)
    message_chars: int = 20_000  # kept of each check's message, notebook cell's error, note; the rest is counted
    report_bytes: int = 8 * 2**20  # the largest report.json: messages are cut shorter until it fits

    def __post_init__(self):
        if self.isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {self.isolation!r}")
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name != "isolation" and not value > 0:
                raise ValueError(f"{field.name} must be positive, not {value!r}")


# (field, option, help); the type and the default come from Limits.
OPTIONS = (
    ("call_seconds", "--call-timeout", "seconds of wall time per function call"),
    ("load_seconds", "--load-timeout", "seconds of wall time to load a submission"),
    ("cell_seconds", "--cell-timeout", "seconds of wall time per notebook cell"),
    ("cpu_seconds", "--cpu-seconds", "seconds of CPU time of each sandbox process"),
    ("memory_mb", "--memory-mb", "memory (address space) of each sandbox process, in MB"),
    ("file_mb", "--file-mb", "largest file the sandbox may write, and the size of its /tmp, in MB"),
    ("processes", "--processes", "processes and threads the sandbox may run at once (bubblewrap only)"),
    ("output_bytes", "--output-bytes", "bytes kept of the sandbox's stdout, and of its stderr"),
    ("grace_seconds", "--kill-grace", "seconds between SIGTERM and SIGKILL when a sandbox is stopped"),
    ("isolation", "--isolation", "auto: bubblewrap where it works, else process-level limits only"),
    ("answer_bytes", "--answer-bytes", "bytes of an answer file read, or copied beside the report; a larger one "
     "is named in the report, not taken"),
    ("message_chars", "--message-chars", "characters kept of each check's message (and cell error, note)"),
    ("report_bytes", "--report-bytes", "largest report.json, in bytes: messages are cut shorter until it fits"),
)


def add_arguments(parser):
    """The limit options, on an argparse parser."""
    defaults = Limits()
    for name, option, text in OPTIONS:
        value = getattr(defaults, name)
        unit = name.rsplit("_", 1)[-1].upper() if "_" in name else "N"
        extra = {"choices": ISOLATIONS} if name == "isolation" else {"type": type(value), "metavar": unit}
        parser.add_argument(option, dest=name, default=value, help=f"{text} (default: {value})", **extra)


def from_options(options):
    """Limits from parsed options; a bad value is a one-line usage error."""
    from ..errors import UsageError
    try:
        return Limits(**{name: getattr(options, name) for name, _, _ in OPTIONS})
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def as_arguments(limits):
    """The options that give `limits` again (a batch passes them to its workers)."""
    argv = []
    for name, option, _ in OPTIONS:
        argv += [option, str(getattr(limits, name))]
    return argv
