"""Bubblewrap's self-test passed here: remembered until something it depends on changes, so that each command (a new
process) does not pay for the test again (0.14 s, on the critical path of a `.py`'s grading).

A pass is kept under a digest of what the test's outcome depends on: this boot (a kernel setting changed with
sysctl since the last boot is tested again at the next; the settings that allow user namespaces are in the key
too), the kernel, the bwrap binary (its path, size, time and inode), this user, the Python that runs the child, and
the sandbox's own code (isolation.py, the runtime's self-test and confinement, the probe). A failed test is never
kept: it runs again next time, and says again why. The file sits beside the grader's compiled modules
(`__pycache__`, as authoring/validate.py keeps the declarations found valid); where it can't be written, nothing is
kept and every command tests again.
"""
import hashlib
import json
import os
import sys
from pathlib import Path

from ..whole import write_whole

KEPT = Path(__file__).with_name("__pycache__") / "bubblewrap-passed.json"
KEEP = 16  # digests kept: a few users, Pythons or checkouts' sandbox code on one machine
SETTINGS = ("/proc/sys/kernel/random/boot_id", "/proc/sys/user/max_user_namespaces",
            "/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
CODE = ("isolation.py", "selftest.py", "confine.py", "process.py")


def key(bwrap, probe, user_switch):
    """The digest of what the self-test's outcome depends on (see the module's docstring); None if bwrap can't be
    looked at. `user_switch`: bubblewrap is run with the sandbox's own user (as root, isolation.switches_user)."""
    try:
        found = os.stat(bwrap)
    except OSError:
        return None
    parts = [os.path.realpath(bwrap), found.st_size, found.st_mtime_ns, found.st_ino, *os.uname(), os.geteuid(),
             os.getegid(), user_switch, os.path.realpath(sys.executable), sys.prefix, sys.version, probe]
    parts += [_read(path) for path in SETTINGS]
    parts += [_read(Path(__file__).with_name(name)) for name in CODE]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _read(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def passed(digest):
    """Whether a self-test with this key passed already (`digest` None: never)."""
    return digest is not None and digest in _kept()


def remember(digest):
    """Keep this key's pass (the last KEEP kept); nothing is kept where the file can't be written."""
    if digest is None:
        return
    kept = [d for d in _kept() if d != digest] + [digest]
    try:
        write_whole(KEPT, json.dumps(kept[-KEEP:]), make_folder=True)
    except OSError:
        pass


def forget():
    """Test again from now on, every key (a sandbox that failed to start where the test had passed)."""
    try:
        KEPT.unlink()
    except OSError:
        pass


def _kept():
    try:
        known = json.loads(KEPT.read_text())
    except (OSError, ValueError):
        return []
    return [d for d in known if isinstance(d, str)] if isinstance(known, list) else []
