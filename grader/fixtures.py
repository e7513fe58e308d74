"""Fixtures: the inputs and expected outputs of every recipe, written by the reference and never edited by hand.

Each recipe becomes `fixtures/<assignment>/<visibility>/<function>/<name>.json`, readable JSON in which every float
keeps all its digits. `manifest.json` records what made each file and a hash of every array in it, so that
`check` can regenerate everything into a temporary folder and name each array that drifted.

Another machine's processor can round the last bit of a float differently (its vector instructions for exp and
tanh, its BLAS kernels), so a regenerated array is compared with the one on disk by value, not by hash: a
difference under DRIFT_RTOL and DRIFT_ATOL, a million times smaller than any grading tolerance and a thousand
times larger than such rounding, is not drift. The manifest's hashes still catch an array edited by hand.
"""
import copy
import hashlib
import inspect
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MANIFEST = "manifest.json"
EXAMPLES = "properties.json"  # the property tests' examples (grader.checks.properties), with the fixtures
GRADIENTS = "gradients.json"  # the gradient checks' numeric gradients of the reference (kinds.Standard.prepare)
DRIFT_RTOL, DRIFT_ATOL = 1e-9, 1e-12


@dataclass(frozen=True)
class Recipe:
    """How an assignment's cases.py says what one fixture is made of: `recipes()` returns a list of these."""

    function: str
    name: str
    visibility: str  # public or hidden
    seed: int
    make: object  # () -> tuple of arguments
    describe: str
    expect: object = None  # (*args) -> expected; default: the reference function called on the arguments


def expect_backward(solution, forward, backward):
    """The `expect` of a Recipe for a backward function that takes its student's own cache ([backward.NAME]
    cache = "own"): its arguments are the forward's, then one upstream gradient per forward output but the cache;
    it expects {"forward": the forward's outputs but the cache, "backward": the backward's gradients}."""
    forward, backward = getattr(solution, forward), getattr(solution, backward)
    count = len(inspect.signature(forward).parameters)

    def expect(*args):
        out = forward(*args[:count])
        grads = backward(*args[count:], out[-1])
        return {"forward": tuple(out[:-1]), "backward": grads if isinstance(grads, tuple) else (grads,)}
    return expect


class RecipeError(Exception):
    """A recipe (cases.py) or the reference raised while a fixture was being made."""


@dataclass(frozen=True)
class Fixture:
    function: str
    name: str
    visibility: str
    describe: str
    args: tuple
    expected: object


def to_json(value):
    if isinstance(value, np.ndarray):
        return {"$array": value.tolist(), "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"$tuple": [to_json(v) for v in value]}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {"$dict": {k: to_json(v) for k, v in value.items()}}
    if isinstance(value, np.generic):
        return value.item()
    return value


def from_json(data):
    if isinstance(data, list):
        return [from_json(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$array" in data:
        return np.array(data["$array"], dtype=data["dtype"]).reshape(data["shape"])
    if "$tuple" in data:
        return tuple(from_json(v) for v in data["$tuple"])
    return {k: from_json(v) for k, v in data["$dict"].items()}


def arrays(value, path=""):
    """{path: array} of every array inside `value`; the path reads like Python indexing."""
    if isinstance(value, np.ndarray):
        return {path: value}
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    out = {}
    for key, item in items:
        out.update(arrays(item, f"{path}[{key!r}]"))
    return out


def _hash(a):
    return hashlib.sha256(f"{a.dtype.str}{a.shape}".encode() + a.tobytes()).hexdigest()


def array_hashes(value):
    """{path: sha256} of every array inside `value`."""
    return {path: _hash(a) for path, a in arrays(value).items()}


def _read(path):
    record = json.loads(Path(path).read_text())
    return arrays({"args": tuple(from_json(record["args"])), "expected": from_json(record["expected"])})


def _same(a, b):
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=DRIFT_RTOL, atol=DRIFT_ATOL, equal_nan=True))
    return bool(np.array_equal(a, b))


def generate(assignment, folder):
    """Write every recipe's fixture and the manifest into `folder` (replacing what was there)."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    manifest = {"assignment": assignment.name, "made_by": "make fixtures (python -m grader fixtures)",
                "numpy": np.__version__, "files": {}}
    for recipe in assignment.package.cases.recipes():
        try:
            args = recipe.make()
            expect = recipe.expect or getattr(assignment.solution, recipe.function)
            expected = expect(*copy.deepcopy(args))  # a copy: an update in place (a running mean) stays out of args
        except Exception as exc:  # noqa: BLE001 -- the author's recipe or reference: say which one, and why
            raise RecipeError(f"{assignment.name}: the recipe of {recipe.function} {recipe.name!r}"
                              f" ({recipe.describe}) failed: {type(exc).__name__}: {exc}") from exc
        relative = f"{recipe.visibility}/{recipe.function}/{recipe.name}.json"
        record = {"function": recipe.function, "name": recipe.name, "visibility": recipe.visibility,
                  "describe": recipe.describe, "args": to_json(args), "expected": to_json(expected)}
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(json.dumps(record, indent=1) + "\n")
        manifest["files"][relative] = {"recipe": recipe.describe, "function": recipe.function, "seed": recipe.seed,
                                       "arrays": array_hashes({"args": args, "expected": expected})}
    _write_examples(assignment, folder, manifest)
    _write_gradients(assignment, folder, manifest)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def _write_examples(assignment, folder, manifest):
    """properties.json: the examples the property tests try when they all pass, drawn here by hypothesis, so that
    a grading whose examples all pass never imports it (grader.checks.properties)."""
    standard = getattr(assignment, "standard", None)  # (an assignment made by hand in a test has none)
    try:
        entry = standard.examples_record() if standard is not None else None
    except ValueError as exc:
        raise RecipeError(f"{assignment.name}: {exc}") from exc
    if entry is None:
        return
    text = json.dumps({"made_by": manifest["made_by"], "properties": [entry]}, indent=1) + "\n"
    (folder / EXAMPLES).write_text(text)
    manifest["properties"] = {"file": EXAMPLES, "strategy": entry["strategy"], "hypothesis": entry["hypothesis"],
                              "sha256": hashlib.sha256(text.encode()).hexdigest()}


def _write_gradients(assignment, folder, manifest):
    """gradients.json: the reference's numeric gradients that the gradient checks compare with, made here, so that
    a grading reads them instead of computing them (kinds.Standard.gradients_record). A fixture like the others:
    in the manifest, with its arrays' hashes, and regenerated and compared by `check`. Its case: [gradcheck]'s."""
    standard = getattr(assignment, "standard", None)
    made = standard.gradients_record() if standard is not None else None
    if made is None:
        return
    case, gradients = made
    (folder / GRADIENTS).write_text(json.dumps({
        "function": None, "name": "gradients", "visibility": "hidden", "describe": "the gradient checks' case",
        "args": to_json((case,)), "expected": to_json(gradients)}, indent=1) + "\n")
    manifest["files"][GRADIENTS] = {"recipe": f"the reference's numeric gradients on [gradcheck] case {case}",
                                    "function": None, "seed": case.get("seed"),
                                    "arrays": array_hashes({"args": (case,), "expected": gradients})}


_STORED = {}  # path of a file of a fixtures folder -> (its time and size, its content read as JSON)


def _stored(path):
    """The JSON of `path`, read once per process while it stays the same; None when it can't be read."""
    try:
        signature = (path.stat().st_mtime_ns, path.stat().st_size)
        if _STORED.get(str(path), (None,))[0] != signature:
            _STORED[str(path)] = (signature, json.loads(path.read_text()))
    except (OSError, ValueError):
        return None
    return _STORED[str(path)][1]


def stored_examples(folder):
    """properties.json of a fixtures folder, read as JSON once per process while it stays the same; {} when there is
    none (a student's copy, fixtures made before it existed) or it can't be read: the examples are drawn then."""
    return _stored(Path(folder) / EXAMPLES) or {}


def stored_gradients(folder):
    """gradients.json of a fixtures folder as (its [gradcheck] case, {function: {gradient's name: array}}), read
    once per process while it stays the same; None when there is none or it is not what _write_gradients writes:
    the gradients are computed then."""
    record = _stored(Path(folder) / GRADIENTS)
    try:
        (case,), gradients = from_json(record["args"]), from_json(record["expected"])
    except (TypeError, KeyError, ValueError):
        return None
    return case, gradients


def _examples_drift(folder, recorded, scratch, fresh):
    """Lines naming how properties.json in `folder` differs from a fresh one in `scratch` and from its manifest entry."""
    name = EXAMPLES
    if recorded is None and fresh.get("properties") is None:
        return []
    if recorded is None or fresh.get("properties") is None:
        return [f"{name}: {'not in the manifest' if recorded is None else 'in the manifest, but nothing makes it'}"]
    if not (folder / name).is_file():
        return [f"{name}: missing on disk"]
    text, drift = (folder / name).read_text(), []
    if hashlib.sha256(text.encode()).hexdigest() != recorded.get("sha256"):
        drift.append(f"{name}: on disk differs from its manifest entry (edited by hand?)")
    kept, made = json.loads(text).get("properties"), json.loads((scratch / name).read_text())["properties"]
    if kept != made:
        versions = {entry.get("hypothesis") for entry in (kept or []) + made if isinstance(entry, dict)}
        drift.append(f"{name}: the property tests' examples drifted ({fresh['properties']['strategy']}, hypothesis"
                     f" {' and '.join(sorted(str(v) for v in versions))})")
    return drift


def load(folder, visibility):
    """{function: [Fixture, ...]} for one visibility; an empty dict when that part isn't there (a student's copy)."""
    return grouped(read(sorted((Path(folder) / visibility).glob("*/*.json"))), visibility)


def read(paths):
    """[function, name, description, args, expected] of each fixture file in `paths`, in their order."""
    made = []
    for path in paths:
        record = json.loads(path.read_text())
        made.append([record["function"], record["name"], record["describe"], tuple(from_json(record["args"])),
                     from_json(record["expected"])])
    return made


def grouped(made, visibility):
    """read()'s fixtures as load() gives them."""
    out = {}
    for function, name, describe, args, expected in made:
        out.setdefault(function, []).append(Fixture(function, name, visibility, describe, args, expected))
    return out


def check(assignment, folder):
    """Lines naming every drift between the fixtures in `folder` and a fresh regeneration (empty: none)."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        return [f"{folder}: no {MANIFEST}; run `make fixtures`"]
    recorded = json.loads(manifest_path.read_text())
    drift = []
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate(assignment, Path(scratch) / assignment.name)
        if recorded.get("numpy") != fresh["numpy"]:
            drift.append(f"note: fixtures were made with numpy {recorded.get('numpy')}, this is {fresh['numpy']}")
        for relative in sorted(set(recorded["files"]) | set(fresh["files"])):
            old, new = recorded["files"].get(relative), fresh["files"].get(relative)
            if old is None or new is None:
                drift.append(f"{relative}: {'new recipe, not in the manifest' if old is None else 'no recipe makes it'}")
                continue
            on_disk = folder / relative
            if not on_disk.is_file():
                drift.append(f"{relative}: missing on disk")
                continue
            made, kept = _read(Path(scratch) / assignment.name / relative), _read(on_disk)
            for array in sorted(set(made) | set(kept)):
                if array not in made or array not in kept or not _same(made[array], kept[array]):
                    drift.append(f"{relative}: {array} drifted (recipe {new['recipe']})")
            for array in sorted(a for a in old["arrays"] if a not in kept or _hash(kept[a]) != old["arrays"][a]):
                drift.append(f"{relative}: {array} on disk differs from its manifest entry (edited by hand?)")
        drift += _examples_drift(folder, recorded.get("properties"), Path(scratch) / assignment.name, fresh)
    return [line for line in drift if not line.startswith("note:")] and drift
