"""Run in the sandbox before anything else (child.py, selftest.py): the cap on the sandbox user's processes, and
that user become (see isolation.py)."""
import os


def confine(processes, user):
    """Before any student code: cap the processes of the sandbox's user, and become that user (see isolation.py).

    Dropping from uid 0 to `user` also drops the CAP_SETUID and CAP_SETGID the sandbox started with."""
    import resource
    if processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    if user is not None:
        os.setgroups([])
        os.setgid(user)
        os.setuid(user)
        if os.getuid() != user or os.geteuid() != user:
            raise SystemExit(f"the sandbox could not become uid {user}")
