"""How long the similarity check takes on a class of N against an archive of 2N known solutions, and how it grows.

Makes a synthetic class: each submission takes each graded function from one of the five styles of
tests/similarity_styles.py, with its identifiers renamed and a statement of its own (other calls, other constants)
after each statement of the style's, so that most pairs are not copies (but two students who took a function from
the same style still share its loops, which is why more pairs flag than were copied); one submission in ten is a disguised copy of another
(renamed, re-commented) and one known solution in twenty is copied by a student. Then times reading the files
(extraction and fingerprints) and comparing the pairs, for several sizes, and fits the growth exponent of each part
(time ~ N^k: 1 for reading, 2 for the pairs).
Run: .venv/bin/python benchmarks/similarity_speed.py [N ...]      (default: 50 100 200 500)
"""
import ast
import math
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from grader import assignment  # noqa: E402
from grader.similarity import collect, run, score  # noqa: E402
from similarity_copies import rename  # noqa: E402
from similarity_styles import STYLES  # noqa: E402

CALLS = ["zeros", "ones", "full", "sum", "mean", "maximum", "clip", "abs", "exp", "sqrt", "tile", "roll"]


def functions_of(text):
    return {n.name: n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}


STYLE_FUNCTIONS = {name: functions_of(text) for name, text in STYLES.items()}


def noise(rng):
    """A statement of the student's own: `tmp_3 = np.clip(x, 0.25, 7)`, with random names and constants."""
    call, a, b = rng.choice(CALLS), round(rng.uniform(0, 9), 2), rng.randint(2, 99)
    return ast.parse(f"scratch_{rng.randint(0, 999)} = np.{call}(({a}, {b})) * {rng.randint(2, 50)}").body[0]


def student(rng):
    """One synthetic submission's text: a style per function, renamed, with statements of its own."""
    parts = ["import numpy as np", "from rnn_utils import *"]
    for function in STYLE_FUNCTIONS["textbook"]:
        node = ast.parse(ast.unparse(STYLE_FUNCTIONS[rng.choice(list(STYLES))][function])).body[0]
        for at in range(len(node.body) - 1, 0, -1):  # a statement of its own after each of the style's
            node.body.insert(at, noise(rng))
        parts.append(ast.unparse(node))
    names = {"a_next": f"a_{rng.randint(0, 99)}", "parameters": rng.choice(["params", "p", "parameters"])}
    return rename("\n\n\n".join(parts), names)


def make_class(folder, count, archive_count, rng):
    (folder / "class").mkdir(parents=True)
    (folder / "archive").mkdir()
    known = [student(rng) for _ in range(archive_count)]
    for i, text in enumerate(known):
        (folder / "archive" / f"known_{i:04d}.py").write_text(text)
    made = []
    for i in range(count):
        if i % 10 == 9:
            text = rename(made[rng.randrange(len(made))], {"cache": "memo", "caches": "memos"})
        elif i % 20 == 7:
            text = rename(known[rng.randrange(len(known))], {"dx": "grad_x"})
        else:
            text = student(rng)
        made.append(text)
        (folder / "class" / f"student_{i:04d}.py").write_text(text)


def measure(rnn, count, seed=0):
    folder = Path(tempfile.mkdtemp(prefix="similarity-speed-"))
    try:
        make_class(folder, count, 2 * count, random.Random(seed))
        setting = collect.setting(rnn)
        cpu = _cpu()
        started = time.perf_counter()
        items = [(n, "class", p) for n, p in run.entries(folder / "class")]
        read = collect.documents(items + collect.archive_items(folder / "archive"), setting)
        students, known = read[:len(items)], read[len(items):]
        read = time.perf_counter() - started
        started = time.perf_counter()
        pairs = score.all_pairs(students, known, workers=collect.cores())
        compared = time.perf_counter() - started
        total_pairs = count * (count - 1) // 2 + count * 2 * count
        return read, compared, _cpu() - cpu, total_pairs, sum(p.flagged for p in pairs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _cpu():
    """CPU seconds of this process and of its finished children (the pools' workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(sizes):
    rnn = assignment.find("rnn")
    rows = []
    print(f"cores: {collect.cores()}; wall-clock seconds, and CPU seconds of all processes (on a busy machine the"
          " CPU time is the steadier figure)")
    print(f"{'N':>5} {'archive':>7} {'pairs':>9} {'read s':>8} {'compare s':>9} {'total s':>8} {'cpu s':>7}"
          f" {'flagged':>7}")
    for count in sizes:
        read, compared, cpu, pairs, flagged = measure(rnn, count)
        rows.append((count, read, compared))
        print(f"{count:5d} {2 * count:7d} {pairs:9d} {read:8.1f} {compared:9.1f} {read + compared:8.1f} {cpu:7.1f}"
              f" {flagged:7d}")
    if len(rows) >= 2:
        (n0, r0, c0), (n1, r1, c1) = rows[0], rows[-1]
        grow = math.log(n1 / n0)
        print(f"growth from N={n0} to N={n1}: reading ~ N^{math.log(r1 / r0) / grow:.2f}, "
              f"comparing ~ N^{math.log(c1 / c0) / grow:.2f} (the archive grows with N: pairs ~ N^2)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 100, 200, 500])
