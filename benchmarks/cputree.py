"""CPU time of everything a measured command runs, its sandboxes included, sampled from /proc (Linux).

getrusage(RUSAGE_CHILDREN) counts a process only once its parent waited for it, and so on up to ours: bubblewrap
never lets that happen for the processes of its sandbox, so a grading's sandboxes (the student's code, the
notebook's cells, the zygote's forks) would count for nothing, while a bare `jupyter nbconvert --execute` is
counted whole. Here every process below this one is looked at every INTERVAL seconds, and each one counts with
the last CPU time seen (its own, not its children's): at most INTERVAL of each process's last moments is missed,
the same for every command measured.
"""
import contextlib
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from grader.sandbox import process, usage  # noqa: E402

INTERVAL = 0.02
TICK = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def sandbox_cpu():
    """Within it, the CPU seconds of every sandbox stopped are added up in the list it gives (one number)."""
    spent, stop = [0.0], process.Sandbox.stop

    def counted(sandbox):
        if sandbox.process is not None:
            spent[0] += usage.cpu_seconds(sandbox.process.pid) or 0.0
        return stop(sandbox)
    process.Sandbox.stop = counted
    try:
        yield spent
    finally:
        process.Sandbox.stop = stop


class Sampled:
    """`with Sampled() as cpu: ...`, then cpu.seconds: the CPU seconds of the processes started meanwhile."""

    def __init__(self):
        self.seen, self.before = {}, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self.before = set(self._sample())  # what runs already (another command's leftovers) is not counted
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.seen.update(self._sample())

    @property
    def seconds(self):
        return sum(cpu for key, cpu in self.seen.items() if key not in self.before)

    def _watch(self):
        while not self._stop.wait(INTERVAL):
            self.seen.update(self._sample())

    def _sample(self):
        """{(pid, start time): CPU seconds} of every process below this one."""
        found, waiting = {}, [os.getpid()]
        while waiting:
            pid = waiting.pop()
            try:
                waiting += usage.children(pid)
                if pid != os.getpid():
                    fields = usage.stat(pid)
                    found[(pid, fields[19])] = (int(fields[11]) + int(fields[12])) / TICK
            except (OSError, IndexError, ValueError):  # it ended meanwhile
                continue
        return found


def seconds_of(run, *args):
    """(what run(*args) returns, the CPU seconds of the processes it ran)."""
    with Sampled() as cpu:
        value = run(*args)
    return value, cpu.seconds


if __name__ == "__main__":
    import subprocess
    with Sampled() as cpu:
        started = time.perf_counter()
        subprocess.run(sys.argv[1:])
    print(f"{time.perf_counter() - started:.2f} s, CPU {cpu.seconds:.2f} s", file=sys.stderr)
