"""Loads the student's code inside the sandboxed child and returns the namespace its functions live in.

Copied into the sandbox beside child.py and wire.py; imports nothing from the grader.

A module is imported. A notebook is run cell by cell: the grader reads the notebook (nbformat) and sends each
code cell's source as a plain string, one request per cell, and this file runs it in an in-process IPython
`InteractiveShell`, the machinery inside every Jupyter Python kernel: the same input transformers (magics, `!`
escapes, `get_ipython()` lines of an nbconvert export), the same display hook (`Out[n]`, `_`), display() and
inline figures, tracebacks formatted as Jupyter shows them. Why not nbclient: it starts a real kernel per
notebook (a second process, ZeroMQ sockets, about 1-2 s before the first cell runs), which would also have to be
contained by the sandbox. What a kernel adds over its shell (comms for widgets, the stdin channel, the debugger)
no graded notebook needs; and `input()` gets end-of-file at once because the child's standard input is /dev/null.
The grader measures the two in benchmarks/notebook_speed.py.

Each cell's outputs (streams, displays, results, errors) are collected here in the shape of nbformat outputs,
bounded in size, and sent back as plain strings; the grader validates them and writes the executed notebook.
A SIGINT from the grader (a cell past its time limit) raises KeyboardInterrupt in the running cell, like
Jupyter's interrupt button; one that arrives after the cell has ended is ignored.

A sandbox started ahead of a notebook imports the shell's modules before the notebook arrives (warm()), and what a
notebook may use later (autoreload, what a cell's first error imports) only while the notebook is not there yet: a
cold `grade`'s child is late for it as a rule, and IPython imports the rest where it is first used, with the same
outputs. A zygote (zygote.py) does all of it once, for all its forks.
"""
import base64
import gc
import importlib.machinery
import importlib.util
import io
import json
import os
import signal
import sys
import time

RUNTIME = os.path.dirname(os.path.abspath(__file__))  # its folder, where the grader may put a font list (fonts.py)
STREAM_CHARS = 100_000  # per cell and stream; the rest is counted, not kept
DATA_CHARS = 2_000_000  # per display value (an inline figure is ~30 kB)
OUTPUTS = 200  # per cell

_shell = None  # the notebook's shell, made by the "load" request


def load(request, work, channel, describe_error):
    """Returns (namespace, report): report holds `error`, a load that failed. A program split across modules
    returns the namespaces of all its modules merged, and report's `modules`: {module: namespace}."""
    if request["kind"] == "modules":
        return _load_modules(request["entries"], work, describe_error)
    path = os.path.join(work, request["entry"])
    folder = os.path.dirname(path)
    if os.path.realpath(folder) != os.path.realpath(work):  # Jupyter runs a notebook in its own folder
        sys.path.insert(0, folder)
        os.chdir(folder)
    if request["kind"] == "module":
        return _load_module(path, work, describe_error, request.get("package"))
    if request["kind"] == "notebook":
        return _start_shell(work, describe_error)
    raise ValueError(f"unknown kind {request['kind']!r}")


def _load_module(path, work, describe_error, package=None):
    """A module inside a package folder (pkg/module.py beside an __init__.py) is imported as part of it; a
    lone module, as part of the package the assignment hands out (`package`), if there is one, so that its
    relative imports (`from .layers import *`) find the provided modules, as they would in the course's tree."""
    name = os.path.splitext(os.path.basename(path))[0]
    folder = os.path.dirname(path)
    if os.path.isfile(os.path.join(folder, "__init__.py")):
        package = os.path.basename(folder)
        sys.path.insert(0, os.path.dirname(folder))
        sys.modules.pop(package, None)
    if package:
        try:
            importlib.import_module(package)
            name = f"{package}.{name}"
        except ImportError:  # no such package here: a plain module
            package = None
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    if package:
        module.__package__ = package
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # SystemExit at import is a load error like any other
        return module.__dict__, {"error": describe_error(exc, work)}
    return module.__dict__, {"error": None}


def _load_modules(entries, work, describe_error):
    """Import every module of a split program by name, so that `from forward import *` in one finds the other
    (imported once). A module that raises keeps what it defined before; the load fails only if all of them raise."""
    for folder in dict.fromkeys(os.path.dirname(os.path.join(work, e)) for e in entries):
        if folder not in sys.path:
            sys.path.insert(1, folder)
    merged, modules, errors = {}, {}, {}
    for entry in entries:
        path = os.path.realpath(os.path.join(work, entry))
        name = os.path.splitext(os.path.basename(path))[0]
        module = sys.modules.get(name)
        if module is None or os.path.realpath(getattr(module, "__file__", "") or "") != path:
            namespace, report = _load_module(path, work, describe_error)
        else:  # another module imported it already
            namespace, report = module.__dict__, {"error": None}
        modules[entry] = namespace
        merged.update(namespace)
        if report["error"]:
            errors[entry] = report["error"]
    failed = len(errors) == len(entries)
    return merged, {"error": next(iter(errors.values())) if failed else None, "modules": modules,
                    "module_errors": errors}


def _start_shell(work, describe_error):
    global _shell
    try:
        _shell = _make_shell()
    except Exception as exc:  # IPython missing or broken: no cell can run
        return {}, {"error": describe_error(exc, work)}
    if AUTORELOAD in sys.modules:
        _fixed_modules_unchecked()
    else:  # before `%load_ext autoreload` makes its reloader, which looks at every module once
        _AfterImport.then(AUTORELOAD, _fixed_modules_unchecked)
    return _shell.user_ns, {"error": None}


def run_cell(request, work, describe_error):
    """Run one code cell; the answer holds its outputs and, if it raised, the error as the student reads it."""
    number, source = int(request["number"]), str(request["source"])
    outputs = _Outputs()
    _Outputs.current = outputs
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
    started, error = time.monotonic(), None
    try:
        with _Interruptible():
            _shell.execution_count = number  # the cell's In [n] and the <cell n> in tracebacks
            result = _shell.run_cell(source, store_history=True)
        error = result.error_before_exec or result.error_in_exec
    except KeyboardInterrupt as exc:  # the interrupt came between the cell's own statements
        error = exc
        outputs.error(type(exc), exc, ["KeyboardInterrupt: the cell was interrupted"])
    finally:
        sys.stdout, sys.stderr = saved
        _Outputs.current = None
    return {"op": "cell_done", "number": number, "seconds": round(time.monotonic() - started, 3),
            "error": describe_error(error, work) if error is not None else None, "outputs": outputs.items}


AUTORELOAD = "IPython.extensions.autoreload"


def _fixed_modules_unchecked():
    """`%autoreload` (a course notebook's first cell, often) looks at the file of every module loaded, before and
    after each cell: over a thousand once IPython, numpy and matplotlib are in, 7 ms a cell. The interpreter's own
    modules and the runtime's can't change while a notebook runs (read-only in the sandbox); only the others (the
    work folder's, /tmp's, the helpers') are looked at, as before. Its deduplicating reloader keeps the source of
    every module outside site-packages, to compare it with the next if it is reloaded: the interpreter's own (a
    hundred files, 4-5 ms to read) never are, and are kept as the empty source it keeps for site-packages'."""
    reloader = getattr(sys.modules.get(AUTORELOAD), "ModuleReloader", None)
    deduper = sys.modules.get("IPython.extensions.deduperreload.deduperreload")
    if reloader is None or getattr(reloader, "_fixed_skipped", False):
        return
    fixed = tuple(os.path.join(os.path.realpath(path), "") for path in {
        sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.abspath(__file__))})
    looked_at = reloader.filename_and_mtime

    def filename_and_mtime(self, module):
        if str(getattr(module, "__file__", None) or "").startswith(fixed):
            return None, None
        return looked_at(self, module)
    reloader.filename_and_mtime, reloader._fixed_skipped = filename_and_mtime, True
    file_name = getattr(deduper, "get_module_file_name", None)
    if file_name is not None:
        def get_module_file_name(module):
            name = file_name(module)
            return None if str(name or "").startswith(fixed) else name
        deduper.get_module_file_name = get_module_file_name


class _Interruptible:
    """While a cell runs, SIGINT raises KeyboardInterrupt; before and after it, SIGINT is ignored.

    The handler is set again before every cell, because a cell may have replaced it."""

    running = False

    def __enter__(self):
        _Interruptible.running = True
        signal.signal(signal.SIGINT, _on_interrupt)

    def __exit__(self, *exc):
        _Interruptible.running = False


def _on_interrupt(signum, frame):
    if _Interruptible.running:
        raise KeyboardInterrupt


class _Outputs:
    """One cell's outputs, as nbformat output dictionaries of plain strings, bounded in size."""

    current = None

    def __init__(self):
        self.items, self.cut = [], {}

    def stream(self, name, text):
        last = self.items[-1] if self.items else None
        if last is None or last.get("name") != name:
            if len(self.items) >= OUTPUTS:
                return
            last = {"output_type": "stream", "name": name, "text": ""}
            self.items.append(last)
        kept = sum(len(o["text"]) for o in self.items if o.get("name") == name)
        room = max(0, STREAM_CHARS - kept)
        last["text"] += text[:room]
        if len(text) > room and not self.cut.get(name):
            self.cut[name] = True
            last["text"] += f"\n[... {name} cut at {STREAM_CHARS} characters]\n"

    def display(self, output_type, data, metadata=None):
        if len(self.items) >= OUTPUTS:
            return
        output = {"output_type": output_type, "data": _plain_data(data), "metadata": {}}
        if output_type == "execute_result":
            output["execution_count"] = _shell.execution_count
        self.items.append(output)

    def error(self, etype, evalue, lines):
        self.items.append({"output_type": "error", "ename": getattr(etype, "__name__", str(etype))[:200],
                           "evalue": str(evalue)[:2000], "traceback": [str(line)[:5000] for line in lines][-50:]})

    def clear(self):
        self.items.clear()


def _plain_data(data):
    """A display's MIME bundle as strings: images in base64, JSON as text; oversized values replaced by a note."""
    plain = {}
    for mime, value in (data or {}).items():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii") if mime.startswith("image/") else value.decode(
                "utf-8", "replace")
        elif not isinstance(value, str):
            try:
                value = json.dumps(value)
            except (TypeError, ValueError):
                value = str(value)
        if len(value) > DATA_CHARS:
            if mime != "text/plain":
                continue
            value = value[:DATA_CHARS] + "\n[... cut]"
        plain[str(mime)] = value
    return plain


class _Stream(io.TextIOBase):
    """sys.stdout or sys.stderr while a cell runs: what is written becomes the cell's stream output."""

    encoding, errors = "utf-8", "replace"

    def __init__(self, outputs, name):
        self.outputs, self.name = outputs, name

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.outputs.stream(self.name, text)
        return len(text)

    def writable(self):
        return True

    def isatty(self):
        return False


def warm(busy=None, plotting=False):
    """Import what a notebook's shell is made of (see spare.py); nothing is run, no shell is made. What making one
    imports (its completer, magics, inspector: 0.05 s) is imported too, and matplotlib if `plotting`
    (warm_plotting). Then, unless a request is waiting already (`busy()`: the child is late, its notebook is there),
    what a notebook may need later: autoreload (5 ms), the magics a course notebook uses (`%load_ext`, `%matplotlib`,
    `%%time`: 6 ms in each fork) and what a cell's first error imports and looks up, by a traceback formatted once
    (0.03 s), last, so that it looks up every module imported before it (matplotlib's 240 too: 10 ms in each fork
    otherwise). Left out, each is done where it is first used, by IPython as without a warm start: the notebook
    waits for no more than it uses.

    The cyclic garbage collector is paused meanwhile, and what the process holds then is frozen (gc.freeze, as
    Python's documentation advises a process that forks): the imports' objects are modules, classes and tables kept
    for the process's life, which each collection would walk again (0.03-0.04 s of the warm-up with matplotlib's);
    a fork's collections then write nothing into the zygote's pages. What this changes for student code:
    gc.get_objects() lists only the objects made after the warm-up (sys.modules and gc.get_referents() reach the
    others), and the few cycles the imports dropped are never collected."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        _warm(busy, plotting)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _warm(busy, plotting):
    try:
        import IPython.core.application  # noqa: F401
        import IPython.core.completer  # noqa: F401
        import IPython.core.completerlib  # noqa: F401
        import IPython.core.interactiveshell  # noqa: F401
        import IPython.core.logger  # noqa: F401
        import IPython.core.magics  # noqa: F401
        import IPython.core.oinspect  # noqa: F401
        import traitlets.config  # noqa: F401
        if plotting:
            warm_plotting()
        for step in (_warm_autoreload, _warm_magics, _warm_traceback):
            if busy is not None and busy():
                return
            step()
    except Exception:  # noqa: BLE001 -- the notebook's load says what is wrong, as without a warm start
        pass


def _warm_autoreload():
    import IPython.extensions.autoreload  # noqa: F401 -- a course notebook's first cell loads it, as a rule


def _warm_magics():
    """The modules of the magics a course notebook uses, which IPython imports where a cell first names one (their
    classes are made as they are imported: argparse parsers built, 6 ms), and what a first figure's PNG imports."""
    import IPython.core.magics.execution  # noqa: F401 -- %time, %%time
    import IPython.core.magics.extension  # noqa: F401 -- %load_ext
    import IPython.core.magics.pylab  # noqa: F401 -- %matplotlib
    import IPython.core.pylabtools  # noqa: F401
    import IPython.utils.timing  # noqa: F401
    if "matplotlib.pyplot" in sys.modules:
        import PIL.Image
        PIL.Image.preinit()  # (the image formats a first save() registers)


def _warm_traceback():
    """A traceback formatted as a cell's error is: raised and caught in a source kept in linecache, as IPython keeps
    a cell's, so that no frame of this file is in it (stack_data would parse its 500 lines, which no cell needs)."""
    import linecache

    import IPython.core.ultratb
    name, source = "<warm>", ("try:\n    raise ValueError('warm')\nexcept ValueError as error:\n"
                              "    show(ValueError, error, error.__traceback__)\n")
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    try:
        exec(compile(source, name, "exec"), {"show": lambda *error: _folders_resolved_once(
            IPython.core.ultratb.VerboseTB(theme_name="nocolor").structured_traceback, *error)})
    finally:
        del linecache.cache[name]


def _folders_resolved_once(call, *args):
    """call(*args) with inspect.getmodule resolving each folder once: a cell's first error has it map the file of
    every module loaded (300 with numpy's and IPython's), a realpath each, which looks at every folder of the path
    again (10 ms; 4 ms with each folder resolved once per call). The same paths come out: a file that is a symbolic
    link is resolved as before. posixpath's realpath is replaced only inside getmodule's calls, where no cell's code
    runs."""
    import inspect
    import posixpath
    getmodule, realpath, folders = inspect.getmodule, posixpath.realpath, {}

    def realpath_once(path, *, strict=False):
        head, tail = posixpath.split(path) if type(path) is str else ("", "")
        if strict or not posixpath.isabs(head) or tail in ("", ".", ".."):
            return realpath(path, strict=strict)
        if head not in folders:
            folders[head] = realpath(head)
        path = posixpath.join(folders[head], tail)
        return realpath(path) if posixpath.islink(path) else path

    def mapped(object, _filename=None):
        if posixpath.realpath is realpath_once:  # (inspect calls itself)
            return getmodule(object, _filename)
        posixpath.realpath = realpath_once
        try:
            return getmodule(object, _filename)
        finally:
            if posixpath.realpath is realpath_once:  # (not replaced meanwhile by code of the notebook's)
                posixpath.realpath = realpath
    inspect.getmodule = mapped
    try:
        return call(*args)
    finally:
        if inspect.getmodule is mapped:
            inspect.getmodule = getmodule


def warm_plotting():
    """matplotlib and pyplot imported (the largest part of a course notebook's start, with `%matplotlib inline`),
    with the environment _make_shell() gives a notebook's shell before any cell runs, so that matplotlib reads the
    same backend (inline) and folders as when a cell imports it: a notebook zygote's (zygote.py; each fork gets the
    folders made again in its own /tmp), and a sandbox started ahead of a notebook that uses matplotlib."""
    import tempfile  # (here and in _make_shell: a module's child has no use for it, 2-4 ms with shutil and random)
    caches = tempfile.mkdtemp(prefix="notebook-")
    os.environ.update(IPYTHONDIR=os.path.join(caches, "ipython"), MPLCONFIGDIR=os.path.join(caches, "matplotlib"),
                      MPLBACKEND="module://matplotlib_inline.backend_inline")
    seed_fonts(os.environ["MPLCONFIGDIR"])
    _import_plotting(_ArtistDocs(os.path.join(RUNTIME, ARTIST_DOCS)))


def _import_plotting(docs):
    try:
        with docs:
            import matplotlib.backends.backend_agg  # noqa: F401
            import matplotlib.figure  # noqa: F401
            import matplotlib.pyplot  # noqa: F401
    except ImportError:  # no matplotlib here: a notebook that imports it gets the error, as without a warm start
        pass


def record_artist_docs(path):
    """Import matplotlib as warm_plotting does, recording the property table of each Artist class (_ArtistDocs)
    into `path` (fonts.PROBE, in a sandbox of its own)."""
    _import_plotting(_ArtistDocs(path, record=True))


ARTIST_DOCS = "artist-docs.json"  # beside the font list (fonts.py)


class _ArtistDocs:
    """matplotlib.artist.kwdoc, the table of an Artist class's properties that matplotlib writes into the docstring
    of each Artist class's `set` as the class is made (a quarter of matplotlib's import: every setter's docstring
    read and parsed), answered while the runtime imports matplotlib ahead of a notebook from a table recorded by
    this same code in a sandbox of its own (fonts.py), so every docstring is the text matplotlib makes. The same
    record gives each class's setters, which the signature of its `set` lists (inspect), and the backends that
    installed packages declare (entry_points). A class the table lacks, another matplotlib or another
    `docstring.hardcopy`, and every call after that import, run matplotlib's own. `record`: fill the record
    instead, and write it at the end (the recording probe).
    A finder on sys.meta_path during the import, only to see matplotlib.backends.registry and matplotlib.artist
    executed."""

    WATCHED = ("matplotlib.backends.registry", "matplotlib.artist")

    def __init__(self, path, record=False):
        self.path, self.record, self.table, self.module, self.real = path, record, {}, None, None
        self.inspector = None  # matplotlib's ArtistInspector, while _Inspector stands in for it
        self.asked = {}  # {class: how many of its tables were asked for}
        self.answered = self.listed = 0  # tables, lists of setters given from the recorded ones
        self.setters = {}  # recording: {class: its setters, or None if they were not the same at every call}
        self.registry = self.backends = None  # matplotlib's backend_registry; recording: its entry points
        self.seen = set()  # the WATCHED modules found
        if not record:
            try:
                with open(path, encoding="utf-8") as f:
                    self.table = json.load(f)
            except (OSError, ValueError):
                self.table = {}
            if not isinstance(self.table, dict) or not isinstance(self.table.get("classes"), dict):
                self.table = {}

    def __enter__(self):
        if (self.record or self.table) and "matplotlib.artist" not in sys.modules:
            sys.meta_path.insert(0, self)

    def __exit__(self, *exc):
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        if self.registry is not None:
            self.registry.__dict__.pop("_read_entry_points", None)  # (the class's own again)
        if self.module is None:
            return
        self.module.kwdoc, self.module.ArtistInspector = self.real, self.inspector
        if self.record and exc[0] is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(self.path, "w", encoding="utf-8") as f:
                json.dump({**self._settings(), "classes": self.table, "setters": self.setters,
                           "backends": self.backends}, f)

    def find_spec(self, name, path=None, target=None):
        if name not in self.WATCHED or name in self.seen:
            return None
        self.seen.add(name)
        if len(self.seen) == len(self.WATCHED):
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                if name == "matplotlib.artist":
                    self.module, self.real, self.inspector = module, module.kwdoc, module.ArtistInspector
                    module.kwdoc, module.ArtistInspector = self.kwdoc, self.inspect
                elif hasattr(getattr(module, "backend_registry", None), "_read_entry_points"):
                    self.registry = module.backend_registry
                    self.registry._read_entry_points = self.entry_points
            spec.loader.exec_module = exec_module
        return spec

    def entry_points(self):
        """The backends that installed packages declare (BackendRegistry._read_entry_points, which matplotlib reads
        as it validates the inline backend `MPLBACKEND` names: importlib.metadata imported and every installed
        package looked at, 20 ms), as recorded for the same matplotlib and packages (the font list's key)."""
        if self.record:
            self.backends = type(self.registry)._read_entry_points(self.registry)
            return self.backends
        recorded = self.table.get("backends")
        if type(recorded) is list and all(type(entry) is list and len(entry) == 2 and all(
                type(part) is str for part in entry) for entry in recorded) and self.table.get(
                "matplotlib") == sys.modules["matplotlib"].__version__:
            return [tuple(entry) for entry in recorded]
        return type(self.registry)._read_entry_points(self.registry)

    def _settings(self):
        matplotlib = sys.modules["matplotlib"]
        return {"matplotlib": matplotlib.__version__, "hardcopy": bool(matplotlib.rcParams["docstring.hardcopy"])}

    def _recorded_here(self):
        """Whether the record was made with this matplotlib and its docstring setting."""
        return all(self.table.get(k) == v for k, v in self._settings().items())

    @staticmethod
    def _key(artist):
        return f"{artist.__module__}.{artist.__qualname__}" if isinstance(artist, type) else None

    def kwdoc(self, artist):
        """The table of `artist`; a class's n-th table of the import is the n-th recorded for it (a class's table
        changes as it is made: its `set` gets the one without the aliases its decorator adds after)."""
        key = self._key(artist)
        if self.record:
            made = self.real(artist)
            if key is not None:
                self.table.setdefault(key, []).append(made)
            return made
        recorded = self.table["classes"].get(key) if key is not None else None
        asked = self.asked[key] = self.asked.get(key, -1) + 1
        if type(recorded) is list and asked < len(recorded) and type(recorded[asked]) is str and self._recorded_here():
            self.answered += 1
            return recorded[asked]
        return self.real(artist)

    def inspect(self, artist):
        """ArtistInspector(artist), of which the signature of each Artist class's `set` is made as the class is made:
        one whose get_setters() gives the class's recorded setters (_Inspector), where the recording found the same
        ones at every call."""
        key = self._key(artist)
        if self.record:
            made = self.inspector(artist)
            if key is not None:
                setters = made.get_setters()
                self.setters[key] = setters if self.setters.get(key, setters) == setters else None
            return made
        table = self.table.get("setters")
        recorded = table.get(key) if isinstance(table, dict) and key is not None else None
        if type(recorded) is list and all(type(name) is str for name in recorded) and self._recorded_here():
            self.listed += 1
            return _Inspector(self.inspector, artist, recorded)
        return self.inspector(artist)


class _Inspector:
    """matplotlib.artist.ArtistInspector(artist) with its setters given (_ArtistDocs.inspect): anything else is
    asked of a real one, made then. Making one lists the class's aliases (the docstring of every `get_` and `set_`
    method read) and its get_setters() looks at the signature and docstring of every `set_` method: 25-45 ms of
    matplotlib's import in all."""

    def __init__(self, inspector, artist, setters):
        self._inspector, self._artist, self._setters, self._real = inspector, artist, setters, None

    def get_setters(self):
        return list(self._setters)

    def __getattr__(self, name):
        if self._real is None:
            self._real = self._inspector(self._artist)
        return getattr(self._real, name)


class _AfterImport:
    """A finder on sys.meta_path until a module is first imported, only to run what waits for it (then()) once the
    module has run, as the import that asked for it goes on (`import matplotlib.pyplot` finds the matplotlib
    package imported, then pyplot, which the deferred `%matplotlib inline` imported itself)."""

    def __init__(self, name):
        self.name, self.waiting = name, []

    @classmethod
    def then(cls, name, call):
        finder = next((f for f in sys.meta_path if isinstance(f, cls) and f.name == name), None)
        if finder is None:
            finder = cls(name)
            sys.meta_path.insert(0, finder)
        finder.waiting.append(call)

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            run, waiting = spec.loader.exec_module, self.waiting

            def exec_module(module):
                run(module)
                del spec.loader.exec_module  # (the loader's own again)
                for call in waiting:
                    call()
            spec.loader.exec_module = exec_module
        return spec


def seed_fonts(folder):
    """Put the font list the grader built in a sandbox like this one (fonts.py: in the runtime folder, if it has one)
    into matplotlib's new folder, so that matplotlib reads it instead of reading every font again (0.5 s)."""
    try:
        names = [n for n in os.listdir(RUNTIME) if n.startswith("fontlist-v") and n.endswith(".json")]
        if names and not os.path.exists(os.path.join(folder, names[0])):
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(RUNTIME, names[0]), "rb") as source, \
                    open(os.path.join(folder, names[0]), "wb") as target:
                target.write(source.read())
    except OSError:  # matplotlib builds its own list, as without one
        pass


def _make_shell():
    """An InteractiveShell whose displays, results and tracebacks become the current cell's outputs."""
    import tempfile
    # IPython's profile and matplotlib's cache would otherwise be written into the student's folder ($HOME).
    try:
        caches = tempfile.mkdtemp(prefix="notebook-")
        os.environ.setdefault("IPYTHONDIR", os.path.join(caches, "ipython"))
        os.environ.setdefault("MPLCONFIGDIR", os.path.join(caches, "matplotlib"))
        seed_fonts(os.environ["MPLCONFIGDIR"])
    except OSError:  # no writable temporary folder: both fall back to places of their own
        pass
    # A Jupyter kernel's default: figures are shown inline, as PNG outputs, even without `%matplotlib inline`.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    from IPython.core.compilerop import CachingCompiler
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Compiler(CachingCompiler):
        def get_code_name(self, raw_code, transformed_code, number):
            return f"<cell {number}>"  # tracebacks and the grader's messages name the cell as In [n]

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            if _Outputs.current is not None:
                _Outputs.current.display("display_data", data, metadata)

        def clear_output(self, wait=False):
            if _Outputs.current is not None:
                _Outputs.current.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            if _Outputs.current is not None:
                _Outputs.current.display("execute_result", format_dict, md_dict)

        def finish_displayhook(self):
            self._is_active = False

    class Shell(InteractiveShell):
        compiler_class, displayhook_class, display_pub_class = Compiler, Hook, Publisher

        def init_traceback_handlers(self, custom_exceptions):
            """A cell's error is formatted twice (1-2 ms each), to show it and to keep it in the shell's history
            (which `%notebook` writes): within a cell, the error just formatted is given again, once, if asked for
            the same way (the same exception and traceback, frames skipped, context lines and mode)."""
            super().init_traceback_handlers(custom_exceptions)
            formatter, self._formatted = self.InteractiveTB, None
            format_traceback = formatter.structured_traceback

            def structured_traceback(etype, evalue, etb=None, tb_offset=None, context=5):
                key = (etype, evalue, etb, formatter.tb_offset if tb_offset is None else tb_offset, context,
                       formatter.mode)
                last, self._formatted = self._formatted, None
                if last is not None and all(a is b for a, b in zip(key[:3], last[0])) and key[3:] == last[0][3:]:
                    return list(last[1])
                lines = _folders_resolved_once(format_traceback, etype, evalue, etb, tb_offset, context)
                self._formatted = key, list(lines)
                return lines
            formatter.structured_traceback = structured_traceback

        def run_cell(self, *args, **kwargs):
            self._formatted = None
            return super().run_cell(*args, **kwargs)

        def _showtraceback(self, etype, evalue, stb):
            if _Outputs.current is not None:
                _Outputs.current.error(etype, evalue, stb)

        def enable_gui(self, gui=None):
            pass  # no event loop here: `%matplotlib inline` figures come out through display()

        def enable_matplotlib(self, gui=None):
            """`%matplotlib inline` before matplotlib is imported: done when it first is (_AfterImport), so that a
            notebook that never plots does not import it (0.4 s); what the magic prints for inline, nothing,
            is the same. Any other backend, or matplotlib (or its inline backend) missing, as IPython does."""
            if gui != "inline" or "matplotlib" in sys.modules or not all(  # (not a finder waiting for it)
                    importlib.machinery.PathFinder.find_spec(name) for name in ("matplotlib", "matplotlib_inline")):
                return super().enable_matplotlib(gui)
            _AfterImport.then("matplotlib", lambda: super(Shell, self).enable_matplotlib(gui))
            return gui, "inline"

        def atexit_operations(self):
            """Nothing: IPython's would empty the namespace (its gc.collect() alone 0.1 s with matplotlib loaded)
            and remove its temporary files, all in the sandbox's own /tmp; the process ends without its teardown."""

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    return Shell.instance(config=config)
