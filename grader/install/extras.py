"""The optional parts of the package (pyproject.toml's extras) and what each needs: a verb that needs a missing
one says which to install, in one line, instead of a traceback."""
import functools
import importlib.util
import os
import re
import sys

from ..errors import UsageError
# extra: (the modules it brings, what it is for)
EXTRAS = {
    # The grader draws its own plots (SVG); a submitted notebook that plots needs matplotlib where it runs.
    "plots": (("matplotlib",), "matplotlib for the submitted notebooks that plot (the sandbox runs them here)"),
    "review": (("flask",), "the review app, where people grade written answers"),
    "cluster": (("dask", "distributed"), "grading a class on a Dask cluster (--scheduler)"),
    "similarity": (("copydetect",), "the similarity check of a class's code"),
}


def missing(extra):
    """The modules of `extra` that can't be imported here (none: the extra is installed)."""
    return [name for name in EXTRAS[extra][0] if importlib.util.find_spec(name) is None]


def installed(extra):
    return not missing(extra)


def version(distribution):
    """The version of the installed distribution `distribution` (the name pip knows it by), or None if there is
    none: read from the name of its `NAME-VERSION.dist-info` folder on sys.path, as pip installs it, else from
    importlib.metadata, whose import alone costs a grading command 0.01-0.02 s."""
    wanted = _normalized(distribution)
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            project, _, found = name.removesuffix(".dist-info").partition("-")
            if name.endswith(".dist-info") and found and _normalized(project) == wanted:
                return found
    from importlib import metadata
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _normalized(name):
    """A distribution's name as the packaging specifications compare them."""
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def package():
    """The name pip knows the grader by: the installed distribution that holds grader/, else pyproject.toml's."""
    from importlib import metadata
    names = metadata.packages_distributions().get("grader")
    if names:
        return names[0]
    import tomllib

    from .course import CHECKOUT
    try:
        with open(CHECKOUT / "pyproject.toml", "rb") as f:
            return tomllib.load(f)["project"]["name"]
    except (OSError, KeyError, ValueError):
        return "the grader's package"


def install_hint(extra):
    return f'pip install "{package()}[{extra}]"'


def require(extra, what):
    """A UsageError naming the extra to install when `what` can't run here."""
    lacking = missing(extra)
    if lacking:
        raise UsageError(f"{what} needs the {extra!r} extra, which is not installed here (no {', '.join(lacking)}):"
                         f" {install_hint(extra)}")
