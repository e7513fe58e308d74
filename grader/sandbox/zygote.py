"""The warm sandbox: numpy and IPython (matplotlib too, for notebooks that use it) imported once, then forked into
a new sandbox for each submission.

Run as `python -I zygote.py --control FD ...` inside one bubblewrap sandbox (forkserver.py starts it), copied into
that sandbox's runtime; it imports nothing from the grader. Its sandbox is laid out like any other (isolation.py),
with one more folder, the pool (/sandbox/pool, writable), where the grader puts each submission's scratch folder.

For each submission the grader sends, over the control socket, the scratch folder's name and six descriptors
(the child's request and answer pipes, its stdout and stderr, an info socket, /dev/null). The zygote forks; that
process makes new user, mount, PID, network, IPC and UTS namespaces (bubblewrap's set-up, nested), in which it:
mounts a private /tmp of --file-mb, binds its submission's work folder at /sandbox/work and covers the pool with an
empty read-only folder (other submissions' folders, the next ones included, can't be reached), brings up its own
loopback; forks the namespace's first process, which mounts /proc for the new PID namespace and reaps; that one
forks the child (child.py's Child), which sets the submission's limits, joins a new session keyring, drops every
capability, and serves. Student code so runs in namespaces of its own, made after the zygote forked, as a user
with no capability, and nothing it does reaches the zygote (an ancestor, in a PID namespace it can't see) or the
next submission (forked from the zygote, not from it). The namespace's first process tells the grader its pid
(SCM_CREDENTIALS translates it), the forked process its exit status when it ends.

Nested user namespaces may mount /proc only if an uncovered /proc is visible; bubblewrap covers parts of its own,
so the zygote, which alone holds CAP_SYS_ADMIN in its sandbox, uncovers them before it becomes SANDBOX_UID.
"""
import argparse
import atexit
import ctypes
import fcntl
import json
import os
import re
import resource
import signal
import socket
import struct
import sys
import traceback

NEWNS, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET = 0x20000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 4096, 16384, 1 << 18
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 4, 24, 47, 4
KEYCTL_JOIN_SESSION_KEYRING, SYS_KEYCTL = 1, 250  # x86-64
POOL, WORK = "/sandbox/pool", "/sandbox/work"
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, kind, flags, data=None):
    encode = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(kind), flags, encode(data)), f"mount {target}")


def uncover_proc():
    """Unmount what bubblewrap mounted over parts of /proc, so that a nested namespace may mount its own /proc."""
    with open("/proc/self/mountinfo") as f:
        covers = [line.split()[4] for line in f if line.split()[4].startswith("/proc/")]
    for target in sorted(covers, key=len, reverse=True):
        _check(_libc.umount2(target.encode(), 2), f"umount {target}")  # MNT_DETACH


def drop_capabilities():
    """No capability left, none to regain: ambient, bounding, effective, permitted and inheritable sets cleared."""
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    _check(_libc.capset(ctypes.c_char_p(header), ctypes.create_string_buffer(24)), "capset")


def _enter_namespaces(name, file_mb):
    """The forked process: new namespaces, the submission's own /tmp and work folder, the pool covered."""
    uid, gid = os.geteuid(), os.getegid()
    _check(_libc.unshare(NEWUSER | NEWNS | NEWPID | NEWNET | NEWIPC | NEWUTS), "unshare")
    for path, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1\n"), ("gid_map", f"{gid} {gid} 1\n")):
        with open(f"/proc/self/{path}", "w") as f:
            f.write(text)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    under_tmp = _mounts_under("/tmp/")
    _mount("/tmp", WORK, None, MS_BIND | MS_REC)  # the old /tmp kept below the work folder, which covers it next
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={file_mb * 2**20},mode=1777")
    for path in under_tmp:  # a Python or venv under /tmp, bound read-only in the zygote's sandbox: bound again
        os.makedirs(path, exist_ok=True)
        _mount(WORK + path[len("/tmp"):], path, None, MS_BIND | MS_REC)
    _mount(os.path.join(POOL, name, "work"), WORK, None, MS_BIND)
    _mount("tmpfs", POOL, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4096,mode=0555")
    _loopback_up()


def _mounts_under(prefix):
    """The outermost mount points below `prefix` (mountinfo's fifth field, its octal escapes undone)."""
    with open("/proc/self/mountinfo") as f:
        points = {re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4]) for line in f}
    points = sorted(p for p in points if p.startswith(prefix))
    return [p for p in points if not any(p.startswith(q.rstrip("/") + "/") for q in points if q != p)]


def _loopback_up():
    """As bubblewrap does: the new network namespace's loopback, up (its address comes with it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.pack("16sH", b"lo", 0x1 | 0x8 | 0x40)  # IFF_UP | IFF_LOOPBACK | IFF_RUNNING
        fcntl.ioctl(s.fileno(), 0x8914, flags + bytes(22))  # SIOCSIFFLAGS


def _first_process(info, serve, fds):
    """PID 1 of the new namespace: mounts its /proc, says its pid, forks the child and reaps until it ends."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    drop_capabilities()
    os.setsid()
    info.send(b"P")  # the grader reads this process's pid from the message's credentials
    info.close()
    child = os.fork()
    if child == 0:
        serve()
    for fd in fds.values():  # the child's alone: its pipes close when it ends
        os.close(fd)
    forward = lambda signum, frame: _signal_group(child, signum)  # noqa: E731
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)  # as bubblewrap reports a child killed by a signal


def _signal_group(pid, signum):
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass


def _child(request, fds, runtime):
    """What the namespace's first process forks: the submission's own process, serving child.py's protocol."""
    code = 1
    try:
        _become_child(request, fds)
        sys.argv = [os.path.join(runtime, "child.py"), "--fds", f"{fds['read']},{fds['write']}", "--work", WORK]
        runtime_child.__name__, sys.modules["__main__"] = "__main__", runtime_child  # as when child.py is run
        runtime_child.serve_pipes(fds["read"], fds["write"], WORK, request.get("provided"))
        code = 0
    except SystemExit as exc:  # as the interpreter ends a script
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def _become_child(request, fds):
    """Its own session, standard streams and limits; a new session keyring; no capability; no other descriptor."""
    os.setsid()
    for target, fd in ((0, fds["null"]), (1, fds["stdout"]), (2, fds["stderr"])):
        os.dup2(fd, target)
    _close_all_but({0, 1, 2, fds["read"], fds["write"]})
    limits = request["limits"]
    for kind, value in ((resource.RLIMIT_AS, limits["memory"]), (resource.RLIMIT_FSIZE, limits["file"]),
                        (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, limits["processes"])):
        resource.setrlimit(kind, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 1))
    # Its user namespace gives it a user keyring of its own; a session keyring of its own too, not the zygote's.
    _libc.syscall(SYS_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, None)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    for name in ("MPLCONFIGDIR", "IPYTHONDIR"):  # a notebook zygote's (loader.warm_plotting), in this fork's own /tmp
        if name in os.environ:
            os.makedirs(os.environ[name], mode=0o700, exist_ok=True)
    if "numpy" in sys.modules:  # a new process's global random state is drawn afresh; a fork's is the zygote's
        sys.modules["numpy"].random.seed()


def _close_all_but(keep):
    low = 0
    for fd in sorted(keep) + [65536]:
        if low < fd:  # closerange(n, n) would close everything from n on
            os.closerange(low, fd)
        low = fd + 1


def fork_sandbox(control, request, fds, runtime, file_mb):
    """Fork a new sandbox for one submission (see the module's docstring); the zygote goes on at once."""
    if os.fork() != 0:
        for fd in fds.values():
            os.close(fd)
        return
    control.close()  # only the zygote takes requests
    info = socket.socket(fileno=fds.pop("info"))
    try:
        _enter_namespaces(request["name"], file_mb)
        first = os.fork()
        if first == 0:
            _first_process(info, lambda: _child(request, fds, runtime), fds)
        for fd in fds.values():
            os.close(fd)
        drop_capabilities()
        _, status = os.waitpid(first, 0)
        info.send(b"X" + json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())
    except BaseException as exc:  # noqa: BLE001 -- the grader reads why, and starts a sandbox as usual
        try:
            info.send(b"X" + json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        except OSError:
            pass
    os._exit(0)


def serve(control, runtime, file_mb):
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 65536, 6)
        except InterruptedError:
            continue
        if not message:  # the grader closed the socket: it is done with this zygote
            _reap(block=True)
            return
        names = ("read", "write", "stdout", "stderr", "info", "null")
        if len(fds) != len(names):
            for fd in fds:
                os.close(fd)
            continue
        fork_sandbox(control, json.loads(message), dict(zip(names, fds)), runtime, file_mb)
        _reap()


def _reap(block=False):
    """The forked processes end when their sandbox does; their exit statuses are collected here."""
    try:
        while os.waitpid(-1, 0 if block else os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


runtime_child = None


def main():
    global runtime_child
    parser = argparse.ArgumentParser()
    parser.add_argument("--control", type=int, required=True)
    parser.add_argument("--user", type=int, default=None)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--processes", type=int, required=True)
    parser.add_argument("--warm", choices=("module", "notebook", "plotting"), default="module")  # as child.py's
    options = parser.parse_args()
    control = socket.socket(fileno=options.control)
    runtime = os.path.dirname(os.path.abspath(__file__))
    try:
        uncover_proc()
        if options.user is not None:  # as child.py does: the zygote, and so every fork, runs as SANDBOX_UID
            os.setgroups([])
            os.setgid(options.user)
            os.setuid(options.user)
        _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # else a fork may not write its own uid map
        # Room for the zygote and each sandbox's two set-up processes beyond the submission's own cap.
        resource.setrlimit(resource.RLIMIT_NPROC, (options.processes + 3, options.processes + 3))
        sys.path.insert(0, runtime)
        import child as runtime_child  # noqa: F811 -- its module is taken out of sys.modules: a student's is theirs
        del sys.path[0], sys.modules["child"]
        import numpy  # noqa: F401 -- what every submission imports
        import numpy.random  # noqa: F401 -- what each fork reseeds (_become_child): imported once, not in each fork
        if options.warm in ("notebook", "plotting"):  # a module's sandbox has no use for a notebook's shell
            runtime_child.loader.warm(plotting=options.warm == "plotting")  # matplotlib: for notebooks naming it
    except BaseException as exc:  # noqa: BLE001
        control.send(b"E" + f"{type(exc).__name__}: {exc}".encode()[:2000])
        return
    os.chdir("/")
    control.send(b"R")
    serve(control, runtime, options.file_mb)


if __name__ == "__main__":
    main()
    # Done: its forks are reaped. Tearing down numpy, IPython and matplotlib would keep a batch's end waiting (0.2 s).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
