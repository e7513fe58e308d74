"""What an assignment declares about its graded functions (assignment.toml), read into frozen records.

  [functions.NAME]   outputs = ["a", "y", "cache"] (a tuple's items) or "gradients" (a dict); `layout`: outputs
                     whose entries the handout documents (a cache: checked for structure, not values);
                     `invariants`: what every output must satisfy (grader.checks.invariants)
  [backward.NAME]    forward = the function whose cache (its last output) NAME takes after the upstream gradients;
                     outputs, gradients (what each output is the gradient of: a forward argument's position or
                     name, "parameters.Wx" for an entry of a dict argument); upstream (the forward outputs that
                     get an upstream gradient; default: all but the cache); cache = "own" (each student's forward
                     makes the cache: grader.checks.own_caches) or "reference" (the handout documents its layout,
                     so the backward gets the reference forward's cache)
The file's shape is validated before this runs (grader/schemas/assignment.json, grader.validate).
"""
import inspect
from dataclasses import dataclass


@dataclass(frozen=True)
class Invariant:
    output: str
    kind: str  # range, sums_to_one, batch, causal
    value: object  # [low, high]; the axis that sums to 1; the batch axis; the time axis
    inputs: tuple = ()  # batch: the batched arguments; causal: the input along whose time axis outputs may not look
    why: str = ""


@dataclass(frozen=True)
class Backward:
    name: str
    forward: str
    outputs: object  # a tuple of names, or one name for a dict of gradients
    gradients: object  # a tuple of targets (position, dict key or None), or {key: target} for a dict
    upstream: tuple  # positions of the forward outputs that get an upstream gradient
    cache: str  # own or reference


@dataclass(frozen=True)
class Function:
    name: str
    outputs: object  # a tuple of names, or one name (a dict)
    layout: tuple = ()  # documented layouts: structure only
    own: tuple = ()  # laid out by each student (the cache of a forward whose backward takes its own): not compared
    invariants: tuple = ()
    backward: Backward | None = None

    @property
    def excluded(self):
        """Outputs left out of the value comparisons."""
        return (*self.layout, *self.own)


INVARIANT_KINDS = ("range", "sums_to_one", "batch", "causal")


def target(solution_function, where):
    """(position, key) of a gradient's variable: `where` is a position, an argument name or "name.key"."""
    if isinstance(where, int):
        return where, None
    name, _, key = where.partition(".")
    return list(inspect.signature(solution_function).parameters).index(name), key or None


def backwards(settings, solution=None):
    """{backward: Backward} of the [backward.NAME] tables; gradient targets by position need no solution."""
    out = {}
    for name, table in settings.get("backward", {}).items():
        forward = getattr(solution, table["forward"], None)
        # a student's copy has no solution: its targets stay names (only the gradient check, not public, uses them)
        resolve = lambda where: target(forward, where) if forward and not isinstance(where, int) else (where, None)  # noqa
        gradients = table["gradients"]
        gradients = ({k: resolve(v) for k, v in gradients.items()} if isinstance(gradients, dict)
                     else tuple(resolve(g) for g in gradients))
        outputs = table["outputs"] if isinstance(table["outputs"], str) else tuple(table["outputs"])
        upstream = _upstream(table, settings.get("functions", {}).get(table["forward"], {}).get("outputs"))
        out[name] = Backward(name, table["forward"], outputs, gradients, upstream, table.get("cache", "own"))
    return out


def functions(settings, solution=None):
    """{function: Function} of every graded function that [functions] or [backward] declares."""
    tables = settings.get("functions", {})
    pairs = backwards(settings, solution)
    own_cache = {b.forward for b in pairs.values() if b.cache == "own"}
    out = {}
    for name, table in tables.items():
        outputs = table["outputs"] if isinstance(table["outputs"], str) else tuple(table["outputs"])
        own = (outputs[-1],) if name in own_cache and isinstance(outputs, tuple) else ()
        invariants = tuple(_invariant(i) for i in table.get("invariants", ()))
        out[name] = Function(name, outputs, tuple(table.get("layout", ())), own, invariants, pairs.get(name))
    for name, pair in pairs.items():
        if name not in out:
            out[name] = Function(name, pair.outputs, backward=pair)
        else:
            out[name] = Function(**{**out[name].__dict__, "backward": pair})
    return out


def _invariant(table):
    kind = next(k for k in INVARIANT_KINDS if k in table)
    inputs = table.get("inputs", ())
    return Invariant(table["output"], kind, table[kind], tuple([inputs] if isinstance(inputs, str) else inputs),
                     table.get("why", ""))


def _upstream(table, forward_outputs):
    """Positions of the forward's outputs that get an upstream gradient: those `upstream` names (by name or
    position), or every output but the cache (the last)."""
    if "upstream" in table:
        return tuple(forward_outputs.index(u) if isinstance(u, str) else u for u in table["upstream"])
    return tuple(range(len(forward_outputs) - 1)) if isinstance(forward_outputs, list) else ()
