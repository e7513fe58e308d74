"""Starts the sandbox child where bubblewrap can't, and kills every process the child left behind when it ends.

Run as `python -I reaper.py GRACE -- COMMAND...`, copied into the scratch folder's runtime. It makes itself the
"child subreaper" (prctl), so that a process the child starts and abandons, even one that left the session with
setsid, becomes its child instead of init's, and can be found and killed. It ends as the child ended (exit status
or signal) once nothing the child started is left. SIGTERM (the grader stopping the sandbox) reaches the child
too, as it is in the same process group; if the child is still alive GRACE seconds later, it gets SIGKILL. SIGINT
is the child's alone. If the grader dies, the kernel sends this process SIGTERM, and it cleans up the same way.
"""
import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36
WAKE = {signal.SIGCHLD, signal.SIGTERM}


def main():
    grace, command = float(sys.argv[1]), sys.argv[sys.argv.index("--") + 1:]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, WAKE)  # they are waited for with sigtimedwait
    child = os.fork()
    if child == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, WAKE)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # else Python would not turn SIGINT into KeyboardInterrupt
        os.execv(command[0], command)
    deadline = time.monotonic() + grace if os.getppid() == 1 else None  # the grader died already
    status = _wait(child, grace, deadline)
    _kill_all()
    _end_like(status)


def _wait(child, grace, deadline):
    """The child's wait status once it ended, reaping orphans meanwhile; SIGKILL for it `grace` after a SIGTERM."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return None
        if pid == child:
            return status
        if pid:
            continue
        if deadline is not None and time.monotonic() >= deadline:
            _kill(child)
        left = 3600 if deadline is None else max(0.01, deadline - time.monotonic())
        woke = signal.sigtimedwait(WAKE, left)
        if woke is not None and woke.si_signo == signal.SIGTERM and deadline is None:
            _kill(child, signal.SIGTERM)  # it may be in another process group by now
            deadline = time.monotonic() + grace


def _kill_all():
    """SIGKILL our children until none is left; the orphans of those killed become ours and go next."""
    while True:
        for pid in _children():
            _kill(pid)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        time.sleep(0.01)


def _children():
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == me:
                found.append(int(entry))
    return found


def _kill(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _end_like(status):
    """Exit as the child did, so that the grader sees its exit status or the signal that killed it."""
    code = os.waitstatus_to_exitcode(status) if status is not None else 1
    if code < 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, WAKE)
        if -code not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
