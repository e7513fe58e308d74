"""Timing `otter run` (Otter-Grader) on the same notebooks as the batch benchmark, with equivalent tests.

Otter is installed with pip into a throwaway virtual environment under the temporary folder (never the project's
.venv): `otter-grader`, and `ipykernel` for the kernel it executes notebooks with. Its tests are OK-format doctests,
one per graded function, worth that function's points: the function's outputs on the same fixture cases as our
public, hidden-values and hidden-shapes checks, compared with the same tolerance. They do less than our grader
(no property tests, gradient checks, callee stand-ins or diagnoses), so the ratio flatters Otter.
`otter run` grades one notebook per process, so it is timed one notebook after another, against our 1 worker.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("OTTER_VENV", Path(tempfile.gettempdir()) / "otter-venv"))
PER_NOTEBOOK = 120  # seconds before a notebook's `otter run` is stopped (Otter has no cell time limit of its own)

# Runs in Otter's notebook environment: the fixtures are a support file beside the notebook.
SUPPORT = '''
import json
import numpy as np

with open("fixtures.json") as f:
    FIXTURES = json.load(f)


def _value(data):
    if isinstance(data, list):
        return [_value(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$array" in data:
        return np.array(data["$array"], dtype=data["dtype"]).reshape(data["shape"])
    if "$tuple" in data:
        return tuple(_value(v) for v in data["$tuple"])
    return {k: _value(v) for k, v in data["$dict"].items()}


def _same(expected, got, rtol, atol):
    if isinstance(expected, np.ndarray):
        got = np.asarray(got)
        return got.shape == expected.shape and np.allclose(got, expected, rtol=rtol, atol=atol)
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(k in got and _same(v, got[k], rtol, atol) for k, v in expected.items())
    if isinstance(expected, (tuple, list)):
        return len(got) == len(expected) and all(_same(e, g, rtol, atol) for e, g in zip(expected, got))
    return expected == got


def agree(function, name, rtol, atol):
    """True when `function` gives the expected outputs on every fixture case of `name`."""
    for case in FIXTURES[name]:
        if not _same(_value(case["expected"]), function(*_value(case["args"])), rtol, atol):
            return False
    return True
'''


def ensure_otter():
    """The path of `otter` in the throwaway environment, installing it there if needed; or (None, why not)."""
    otter = VENV / "bin" / "otter"
    if otter.exists() and (VENV / "share" / "jupyter" / "kernels" / "python3").exists():
        return otter, None
    print(f"otter: installing otter-grader and ipykernel into {VENV} (a throwaway environment) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)],
                       check=True, capture_output=True, text=True, timeout=300)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--disable-pip-version-check", "-q", "otter-grader",
                        "ipykernel"], check=True, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as exc:
        said = getattr(exc, "stderr", "") or str(exc)
        return None, f"could not install otter-grader from PyPI: {said.strip().splitlines()[-1] if said.strip() else exc}"
    return (otter, None) if otter.exists() else (None, "pip finished but installed no `otter` command")


def autograder(folder):
    """Write the tests, the support files and `otter generate`'s autograder.zip into `folder`; returns the zip."""
    with open(ROOT / "reference" / "rnn" / "rubric.toml", "rb") as f:
        rubric = tomllib.load(f)
    with open(ROOT / "reference" / "rnn" / "assignment.toml", "rb") as f:
        tolerance = tomllib.load(f)["tolerance"]
    fixtures = {}
    for path in sorted((ROOT / "fixtures" / "rnn").glob("*/*/*.json")):
        record = json.loads(path.read_text())
        fixtures.setdefault(record["function"], []).append({"args": record["args"], "expected": record["expected"]})
    tests = folder / "tests"
    tests.mkdir(parents=True)
    for name, points in rubric.items():
        if name == "submission":
            continue
        code = (f">>> from otter_support import agree\n>>> agree({name}, {name!r}, {tolerance['rtol']!r}, "
                f"{tolerance['atol']!r})\nTrue")
        test = {"name": name, "points": sum(v for k, v in points.items() if k in ("public", "hidden_values",
                                                                                   "hidden_shapes")),
                "suites": [{"cases": [{"code": code, "hidden": False, "locked": False}], "scored": True,
                            "setup": "", "teardown": "", "type": "doctest"}]}
        (tests / f"{name}.py").write_text(f"OK_FORMAT = True\n\ntest = {test!r}\n")
    (folder / "fixtures.json").write_text(json.dumps(fixtures))
    (folder / "otter_support.py").write_text(SUPPORT)
    (folder / "rnn_utils.py").write_text((ROOT / "reference" / "rnn" / "provided" / "rnn_utils.py").read_text())
    zipped = folder / "autograder.zip"
    subprocess.run([str(VENV / "bin" / "otter"), "generate", "-t", "tests", "-o", zipped.name, "--no-requirements",
                    "--no-environment", "--no-config", "fixtures.json", "otter_support.py", "rnn_utils.py"],
                   cwd=folder, check=True, capture_output=True, text=True)
    return zipped


def run_one(zipped, notebook, out):
    """(seconds, score or None, why not, how many tests it ran) of `otter run` on one notebook."""
    out.mkdir(parents=True)
    started = time.perf_counter()
    try:
        run = subprocess.run([str(VENV / "bin" / "otter"), "run", "--no-logo", "-a", str(zipped), "-o", str(out),
                              str(notebook)], capture_output=True, text=True, timeout=PER_NOTEBOOK,
                             start_new_session=True)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, None, f"stopped after {PER_NOTEBOOK} s", 0
    seconds = time.perf_counter() - started
    results = out / "results.json"
    if not results.is_file():
        return seconds, None, (run.stderr.strip().splitlines() or ["no results.json"])[-1][:200], 0
    tests = json.loads(results.read_text()).get("tests", [])
    return seconds, sum(t.get("score") or 0 for t in tests), None, len(tests)


def _usual(counts):
    """The most common of the counts (a notebook that did not load has fewer checks)."""
    return max(set(counts), key=counts.count) if counts else 0


def compare(folder, made, ours_seconds, scratch, ours_out, ours_workers="at 1 worker"):
    """Time `otter run` on every notebook in `folder`, one after another, and print the ratio to ours (`ours_seconds`
    of grade-all, `ours_workers` says with how many workers); `ours_out` is our grade-all output on the same
    notebooks, whose reports say how many checks each notebook got. Returns Otter's seconds, or None."""
    otter, why = ensure_otter()
    if otter is None:
        print(f"otter: not compared: {why}")
        return
    scratch.mkdir(parents=True)
    try:
        zipped = autograder(scratch)
    except subprocess.CalledProcessError as exc:
        print(f"otter: not compared: `otter generate` failed: {(exc.stderr or '').strip()[-500:]}")
        return
    total, problems, otter_tests = 0.0, [], []
    for name in made:
        seconds, score, why, tests = run_one(zipped, folder / f"{name}.ipynb", scratch / "out" / name)
        total += seconds
        otter_tests.append(tests)
        if why:
            problems.append(f"{name} ({made[name]}): {why}")
    n = len(made)
    print(f"otter run, one notebook at a time: {total:6.1f} s   {n / total * 60:6.1f} notebooks per minute"
          f"   ({len(made) - len(problems)} graded)")
    ours_checks = [len(json.loads(p.read_text())["checks"]) for p in Path(ours_out).glob("*/report.json")]
    print(f"ratio otter / ours {ours_workers}: {total / ours_seconds:.2f} (above 1: ours is faster, while running "
          f"{_usual(ours_checks)} checks per notebook to Otter's {_usual(otter_tests)} tests)")
    for line in problems:
        print(f"  otter: {line}")
    return total
