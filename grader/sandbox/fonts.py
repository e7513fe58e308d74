"""The sandbox's matplotlib font list, built once: every sandbox starts with an empty matplotlib folder (its own
/tmp), where matplotlib would otherwise scan every font file and read every AFM metric file again (0.5 s of CPU,
most of a notebook sandbox's start when it imports matplotlib ahead, loader.warm_plotting).

The list is built in a bubblewrap sandbox of its own, with the same layout, user and environment as a submission's
and nothing of any submission in it: process.build_fonts runs PROBE there (by the runtime's probe runner,
selftest.py), which has matplotlib write its list into the work folder. The grader copies that file (its bytes, never
parsed) into its own cache (beside its compiled modules), and from there into each bubblewrap sandbox's runtime folder
(read-only inside), where loader.py copies it into the child's matplotlib folder before matplotlib is imported. So a
submission's matplotlib reads the list its own sandbox would have built, and no sandbox's list ever reaches another
one.

The cache's key: matplotlib's version and files, the Python, this user, the sandbox's layout code, the runtime's
loader (which records the Artist classes' tables and the backends' entry points), the packages installed beside
matplotlib, and the font folders a sandbox sees (their files' names, sizes and times), so that a font installed or
removed is found again.
Process isolation (no bubblewrap) keeps no list: its child sees the host's folders and builds its own.
"""
import functools
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

from ..whole import write_whole

CACHE = Path(__file__).with_name("__pycache__") / "fonts"
NAME = re.compile(r"fontlist-v[0-9.]+\.json")  # matplotlib's own name for its list (font_manager._load_fontmanager)
MOST_BYTES = 2**22
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "/usr/X11R6/lib/X11/fonts", "/usr/X11/lib/X11/fonts",
                "/usr/lib/openoffice/share/fonts/truetype")
# As loader.warm_plotting's environment: matplotlib's folder (in the work folder here, for the grader to copy).
# The runtime's loader (on the probe's path: selftest.py) imports matplotlib as a notebook's sandbox does, recording
# the property tables of its Artist classes (loader._ArtistDocs) beside the list.
PROBE = """import os
os.environ.update(MPLCONFIGDIR=os.path.join(os.getcwd(), "matplotlib"),
                  MPLBACKEND="module://matplotlib_inline.backend_inline")
import loader
loader.record_artist_docs(os.path.join(os.environ["MPLCONFIGDIR"], loader.ARTIST_DOCS))
import matplotlib.font_manager  # noqa: F401 -- (imported already) wrote the list into MPLCONFIGDIR
"""
ARTIST_DOCS = "artist-docs.json"  # loader.ARTIST_DOCS


@functools.cache
def key():
    """The digest of what the sandbox's font list depends on (see the module's docstring); None without
    matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    package = Path(spec.origin).parent
    # the packages installed beside matplotlib, for the backends they declare (a package's version is in its name)
    installed = sorted(n for n in os.listdir(package.parent) if n.endswith((".dist-info", ".egg-info")))
    parts = [str(package), _listing(package / "mpl-data" / "fonts"), *[_listing(Path(f)) for f in FONT_FOLDERS],
             os.path.realpath(sys.executable), sys.prefix, sys.version, os.geteuid(), PROBE,
             *[Path(__file__).with_name(name).read_text() for name in ("isolation.py", "loader.py")], installed]
    for name in ("__init__.py", "font_manager.py", "_afm.py"):
        found = (package / name).stat()
        parts.append((name, found.st_size, found.st_mtime_ns))
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def _listing(folder):
    """(path, size, time) of every file under `folder`, sorted; empty where there is none."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            try:
                stat = os.stat(os.path.join(top, name))
            except OSError:
                continue
            found.append((os.path.join(top, name), stat.st_size, stat.st_mtime_ns))
    return found


def cached():
    """The cached font list for this key (a path), or None."""
    digest = key()
    folder = CACHE / digest if digest else None
    found = [p for p in folder.iterdir() if NAME.fullmatch(p.name)] if folder and folder.is_dir() else []
    return found[0] if found else None


def copy_into(runtime):
    """Give a bubblewrap sandbox's runtime folder the cached font list, if there is one, and the Artist classes'
    property tables recorded with it (loader._ArtistDocs)."""
    found = cached()
    if found is not None:
        shutil.copyfile(found, Path(runtime) / found.name)
        if (found.parent / ARTIST_DOCS).is_file():
            shutil.copyfile(found.parent / ARTIST_DOCS, Path(runtime) / ARTIST_DOCS)


def keep(work):
    """Cache the list the probe (PROBE, process.build_fonts) wrote in its sandbox's `work` folder, never parsed: a
    regular file of matplotlib's name and a bounded size, or nothing; and the Artist classes' tables beside it."""
    made = [p for p in (work / "matplotlib").glob("fontlist-v*.json") if NAME.fullmatch(p.name) and _kept(p)]
    digest = key()
    if len(made) != 1 or digest is None:
        return
    docs = work / "matplotlib" / ARTIST_DOCS
    folder = CACHE / digest
    try:
        for other in (CACHE.iterdir() if CACHE.is_dir() else ()):  # older keys' lists: not read again
            if other.name != digest:
                shutil.rmtree(other, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        for path in [docs] * _kept(docs) + made:  # the list last: a folder with a list is whole (cached())
            write_whole(folder / path.name, path.read_bytes())  # (at most MOST_BYTES: _kept)
    except OSError:
        pass


def _kept(path):
    """Whether the probe's `path` is one to keep: a regular file (no link) of a bounded size."""
    return path.is_file() and not path.is_symlink() and path.stat().st_size <= MOST_BYTES
