"""CPU time of a sandbox's processes, read from /proc: what a budget counts, so that a verdict doesn't depend on
how busy the machine is (wall time does; CPU time of the work itself hardly does)."""
import os

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


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
            with open(f"/proc/{current}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            if current == pid:
                return None
            continue  # a process that ended while the tree was read
        total += sum(int(n) for n in fields[11:15]) / _TICKS  # utime stime cutime cstime
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(n) for n in children.read().split())
            except OSError:
                if current == pid and task == str(pid):  # a kernel without these lists: the tree can't be read
                    return None
    return total
