"""nbformat's notebook validator, compiled once and kept: nbformat checks every notebook it reads or writes
against its JSON schema with fastjsonschema, which turns the schema into Python source and compiles that (176 kB)
in every process that validates a notebook: 0.1-0.15 s of CPU, as much as the rest of reading one, each time a
notebook is graded (while its sandbox starts, the two share the machine's cores).

install() makes nbformat use a validator whose code is the same fastjsonschema source, written once into the
grader's own cache (beside its compiled modules, as fonts.py keeps the sandbox's font list) with its compiled
module, then imported from there. It is nbformat's own validator class, built on that code: a notebook is
accepted or refused as before, with the same messages (tests/test_notebook_schema.py). The cache's file is named by
a digest of the schema and fastjsonschema's version, so another schema (a newer notebook minor version, the relaxed
one) or another fastjsonschema gets its own; where the cache can't be written or read back, the validator is
compiled in the process, as nbformat does.
"""
import hashlib
import importlib.util
import json
import py_compile
from pathlib import Path

from ..whole import write_whole

CACHE = Path(__file__).with_name("__pycache__") / "nbschema"
ROOT_NAME = "NOTEBOOK_VALIDATE"  # what the kept module calls its schema's root function


def install():
    """From now on, nbformat's fastjsonschema validators (its default) are built from the kept code."""
    from nbformat import json_compat
    table = getattr(json_compat, "_VALIDATOR_MAP", None)  # nbformat's own, not its API: another nbformat may lack it
    if not isinstance(table, list) or any(cls is _cached_class() for _, _, cls in table):
        return  # (without it, nbformat compiles its validator as it always did)
    table[:] = [(name, module, _cached_class() if name == "fastjsonschema" else cls) for name, module, cls in table]


_made = {}


def _cached_class():
    """nbformat's FastJsonSchemaValidator, its compiled function taken from compiled() (made once)."""
    if "class" not in _made:
        from nbformat.json_compat import FastJsonSchemaValidator, JsonSchemaValidator

        class KeptFastJsonSchemaValidator(FastJsonSchemaValidator):
            def __init__(self, schema):
                JsonSchemaValidator.__init__(self, schema)  # what FastJsonSchemaValidator's does, but compile
                self._validator = compiled(schema)

        _made["class"] = KeptFastJsonSchemaValidator
    return _made["class"]


def compiled(schema, cache=None):
    """fastjsonschema.compile(schema)'s function, from the cache's module for it (written there first if need be);
    compiled here, as fastjsonschema does, if the cache can't hold it."""
    import fastjsonschema
    cache = Path(cache or CACHE)
    # (the keys in their order: fastjsonschema's code checks them in that order, which decides the message)
    digest = hashlib.sha256(json.dumps([fastjsonschema.VERSION, schema]).encode()).hexdigest()[:32]
    path = cache / f"schema_{digest}.py"
    if path.is_file():
        function = _load(path, digest)
        if function is not None:
            return function
        path.unlink(missing_ok=True)  # unreadable (a disk that filled up, say): written again
    if _write(path, schema):
        function = _load(path, digest)
        if function is not None:
            return function
    return fastjsonschema.compile(schema)


def _write(path, schema):
    """Write fastjsonschema's source for `schema` and its compiled module; False if the folder can't be written."""
    import fastjsonschema
    from fastjsonschema.ref_resolver import RefResolver
    root = RefResolver.from_schema(schema, handlers={}, store={}).get_scope_name()
    code = fastjsonschema.compile_to_code(schema) + f"\n\n{ROOT_NAME} = {root}\n"
    try:
        write_whole(path, code, make_folder=True)  # another process may be reading it
        py_compile.compile(str(path), doraise=True)
    except (OSError, py_compile.PyCompileError):
        return False
    return True


def _load(path, digest):
    """The root function of the kept module at `path`, or None if it can't be imported."""
    try:
        spec = importlib.util.spec_from_file_location(f"grader_notebook_schema_{digest}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, ROOT_NAME)
    except Exception:  # noqa: BLE001 -- a damaged cache file: compiled again, as without a cache
        return None
