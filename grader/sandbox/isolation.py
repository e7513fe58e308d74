"""How the sandbox child is started: inside bubblewrap where it works, else under a small reaper process.

bubblewrap gives the child its own mount, PID, network, IPC and UTS namespaces. Its file system holds only the
Python installation and its packages (read-only), the scratch folder's work (writable), runtime and provided
(read-only) copies at SANDBOX, a private /tmp of bounded size, and a minimal /proc and /dev, on a read-only root
(else the folders bubblewrap makes there would be an unbounded tmpfs); it has no network at all, its own loopback
aside. When the PID namespace's first process ends, the kernel kills every process in it, those that left the
session included. With `--die-with-parent` this also happens if the grader dies.

Run as root, bubblewrap would leave the child root on the host (uid 0 mapped into the sandbox), and the kernel
never limits root's number of processes. So the grader writes the sandbox's uid and gid maps itself
(`--userns-block-fd`): uid 0 maps to 0 for bubblewrap's own set-up, and SANDBOX_UID to the unprivileged
HOST_UID. The child gets only CAP_SETUID and CAP_SETGID, and child.py drops to SANDBOX_UID before it reads any
student code, which leaves it no capability at all. Where root may not map other users (root in a rootless
container), bubblewrap maps root to SANDBOX_UID itself: the child has no capability, but its processes are not
capped.

Without bubblewrap, `reaper.py` starts the child and, when it ends, kills every process it left behind, including
those that detached with setsid (it is their "subreaper"). It hides no file and blocks no network: that is the
"process" isolation, named so in every report.
"""
import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..install import course

BUBBLEWRAP, PROCESS = "bubblewrap", "process"
SANDBOX = "/sandbox"  # where the scratch folder's work, runtime and provided copies appear inside bubblewrap
SANDBOX_UID = 1000  # the child's uid and gid inside the sandbox when the grader runs as root
HOST_UID = 65534  # what SANDBOX_UID is on the host then: nobody
SYSTEM = ("/usr",)  # read-only; the merged-/usr links (/bin -> usr/bin, ...) are recreated as links
LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/alternatives")  # the dynamic loader's cache; python3 -> alternatives
GRADER = Path(__file__).resolve().parents[1]  # the grader's own code: hidden where its folder would be bound


@dataclass(frozen=True)
class Layout:
    """Where the child's folders are, on the host (`scratch`) and as the child sees them (`inside`)."""

    scratch: Path
    inside: str

    def path(self, part):
        return f"{self.inside}/{part}"


def layout(isolation, scratch):
    return Layout(Path(scratch), SANDBOX if isolation == BUBBLEWRAP else str(Path(scratch)))


_SWITCH = {"user": True}  # False where root may not map other users (root in a rootless container)


def switches_user():
    """True when the grader runs as root and gives the sandbox an unprivileged uid (see the module's docstring)."""
    return os.geteuid() == 0 and _SWITCH["user"]


def without_user_switch():
    """From now on, bubblewrap maps the grader's root to SANDBOX_UID itself: no capability, but root on the host,
    so the kernel does not cap its processes."""
    _SWITCH["user"] = False


def python_folders():
    """The folders the child's Python needs, read-only: its installation and the virtual environment.

    Any that would contain the course (the reference, the fixtures) or a checkout's grader is left out; an installed
    grader inside the environment is hidden by `bubblewrap_command`."""
    found = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    found.add(os.path.dirname(os.path.realpath(sys.executable)))
    secret = [str(p) for p in (course.located(), course.CHECKOUT if (course.CHECKOUT / "reference").is_dir() else None)
              if p is not None]
    found = {p for p in found if os.path.isdir(p) and all(os.path.commonpath([p, s]) != p for s in secret)}
    found |= set(SYSTEM)
    # A venv's own path is kept as is (not resolved): its bin/python is what the child runs.
    for prefix in (sys.prefix, sys.exec_prefix):
        if os.path.realpath(prefix) in found:
            found.discard(os.path.realpath(prefix))
            found.add(prefix)
    return _outermost(found)


@functools.cache
def editable_hooks():
    """The `.pth` files by which an editable install of the grader (`make setup`) imports its finder in every
    interpreter of the environment: inside the sandbox they read empty. The child has no use for the finder (the
    grader's folder is not there), whose import (pathlib, with urllib.parse and ipaddress) is 6 ms of the child's
    CPU at each start. Found by the finder module this process imported, whose MAPPING names the grader's folder."""
    hooks = []
    for name, module in list(sys.modules.items()):
        mapping = getattr(module, "MAPPING", None) if name.startswith("__editable__") else None
        if isinstance(mapping, dict) and str(GRADER) in map(os.path.realpath, mapping.values()):
            folder = Path(module.__file__).parent
            found = sorted(p for p in os.listdir(folder) if p.startswith("__editable__") and p.endswith(".pth"))
            hooks += [folder / p for p in found if name in (folder / p).read_text(errors="replace")]
    return tuple(hooks)


def _outermost(paths):
    """The paths that are not inside another one of them, sorted."""
    chosen = []
    for path in sorted(paths, key=len):
        if not any(os.path.commonpath([path, top]) == top for top in chosen):
            chosen.append(path)
    return sorted(chosen)


def bubblewrap_command(scratch, limits, info_fd, block_fd, provided, pool=None, caps=()):
    """bwrap's arguments up to and including `--`; the child's own command follows them. `pool` and `caps`: the
    zygote's (zygote.py), a folder bound writable at SANDBOX/pool and capabilities it keeps (as root only)."""
    inside = layout(BUBBLEWRAP, scratch)
    command = ["bwrap", "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
               "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox",
               "--cap-drop", "ALL", "--info-fd", str(info_fd)]
    if switches_user():
        command += ["--userns-block-fd", str(block_fd), "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
                    "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        for cap in caps:
            command += ["--cap-add", cap]
    elif os.geteuid() == 0:
        command += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    ro = [(p, p) for p in python_folders()] + [(str(scratch / "runtime"), inside.path("runtime"))]
    if provided:
        ro.append((str(scratch / "provided"), inside.path("provided")))
    # The private /tmp first: a Python or venv that lives under /tmp is then bound on top of it, not hidden by it.
    command += ["--size", str(limits.file_mb * 2**20), "--tmpfs", "/tmp"]
    command += _parents([dest for _, dest in ro] + [inside.path("work")] + ([inside.path("pool")] if pool else []))
    for source, dest in ro:
        command += ["--ro-bind", source, dest]
    if any(GRADER.is_relative_to(source) for source, _ in ro):  # installed in the bound environment: hide it
        (scratch / "hidden").mkdir(exist_ok=True)
        command += ["--ro-bind", str(scratch / "hidden"), str(GRADER)]
    for hook in editable_hooks():
        if any(hook.is_relative_to(source) for source, _ in ro):
            command += ["--ro-bind", os.devnull, str(hook)]
    command += ["--bind", str(scratch / "work"), inside.path("work")]
    if pool is not None:
        command += ["--bind", str(pool), inside.path("pool")]
    for link in LINKS:
        if os.path.islink(link):
            command += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            command += ["--ro-bind", link, link]
    for path in SYSTEM_FILES:
        command += ["--ro-bind-try", path, path]
    command += ["--proc", "/proc", "--dev", "/dev", "--chmod", "1777", "/tmp", "--remount-ro", "/",
                "--chdir", inside.path("work"), "--"]
    return command


def _parents(destinations):
    """`--dir` for every folder above a mount point, readable by all (bwrap would make some 0700)."""
    made, command = set(), []
    for dest in sorted(destinations):
        parts = Path(dest).parts[1:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:depth])
            if folder not in made:
                made.add(folder)
                command += ["--perms", "0755", "--dir", folder]
    return command


def write_id_maps(pid):
    """Map uid/gid 0 to root (bubblewrap's set-up) and SANDBOX_UID to HOST_UID, for bubblewrap's child `pid`."""
    for name in ("uid_map", "gid_map"):
        with open(f"/proc/{pid}/{name}", "w") as f:
            f.write(f"0 0 1\n{SANDBOX_UID} {HOST_UID} 1\n")


def give_work_to_sandbox(work):
    """As root: the child's uid owns its copy of the submission, so that it can write there and nowhere else."""
    os.chown(work, HOST_UID, HOST_UID)
    for folder, dirs, files in os.walk(work):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), HOST_UID, HOST_UID, follow_symlinks=False)
