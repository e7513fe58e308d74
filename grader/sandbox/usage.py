"""CPU time of a sandbox's processes, read from /proc: what a budget counts, so that a verdict doesn't depend on
how busy the machine is (wall time does; CPU time of the work itself hardly does)."""
import os

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def stat(pid):
    """The fields of /proc/PID/stat after the command's name (state first: utime is [11], the start time [19])."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()


def children(pid):
    """The pids of `pid`'s children, from every one of its threads' lists. Raises OSError where /proc can't say."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(n) for n in f.read().split()]
    return found


def cpu_seconds(pid):
    """User and system CPU seconds of process `pid` and every process under it (as they are now, the ones ended
    and waited for included), or None where /proc can't say (not Linux, or the process is gone)."""
    total, stack, seen = 0.0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            fields = stat(current)
            below = children(current)
        except OSError:
            if current == pid:
                return None  # gone, or a kernel without the children lists: the tree can't be read
            continue  # a process that ended while the tree was read
        total += sum(int(n) for n in fields[11:15]) / _TICKS  # utime stime cutime cstime
        stack.extend(below)
    return total
