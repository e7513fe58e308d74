"""Loads the student's code inside the sandboxed child and returns the namespace its functions live in.

Copied into the sandbox beside child.py and wire.py; imports nothing from the grader.
"""
import importlib.util
import os
import sys


def load(request, work, channel, describe_error):
    """Returns (namespace, report): report holds `error` (a load that failed) and, for notebooks, `cells`."""
    path = os.path.join(work, request["entry"])
    if request["kind"] == "module":
        return _load_module(path, work, describe_error)
    raise ValueError(f"unknown kind {request['kind']!r}")


def _load_module(path, work, describe_error):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # SystemExit at import is a load error like any other
        return module.__dict__, {"error": describe_error(exc, work)}
    return module.__dict__, {"error": None}
