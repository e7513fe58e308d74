"""What a batch costs around its gradings: `grade-all` at 1 worker on N copies of the course notebook.

For each N (default 1, 6 and 12) it prints the wall and CPU seconds of the whole command (every process it ran,
sandboxes included: cputree.py), then the line through them: a fixed cost per batch (the worker's start, its first
grading's cold costs, the class files at the end) and a cost per notebook. Compare the CPU figures of two checkouts
run one after the other: on a shared machine the wall seconds follow the load (printed).

Run: .venv/bin/python benchmarks/batch_costs.py [N ...]
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import batch_speed, cputree, notebook_speed  # noqa: E402


def slope(points):
    """(fixed, per item) of the least-squares line through [(n, seconds)]."""
    mean_n = sum(n for n, _ in points) / len(points)
    mean_s = sum(s for _, s in points) / len(points)
    spread = sum((n - mean_n) ** 2 for n, _ in points)
    per = sum((n - mean_n) * (s - mean_s) for n, s in points) / spread if spread else 0.0
    return mean_s - per * mean_n, per


def main():
    counts = [int(a) for a in sys.argv[1:]] or [1, 6, 12]
    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="batch-costs-") as scratch:
        scratch = Path(scratch)
        source = notebook_speed.write(scratch / "course.ipynb", notebook_speed.course())
        for n in counts:
            folder = scratch / f"class{n}"
            folder.mkdir()
            for i in range(n):
                shutil.copy(source, folder / f"student_{i:03d}.ipynb")
            (wall, scores, _), cpu = cputree.seconds_of(batch_speed.grade_all, folder, scratch / f"out{n}", 1)
            walls.append((n, wall))
            cpus.append((n, cpu))
            print(f"{n:3d} notebooks: wall {wall:6.2f} s, CPU {cpu:6.2f} s (load average {os.getloadavg()[0]:.1f};"
                  f" scores {', '.join(sorted(set(scores.values())))})", flush=True)
    if len(counts) > 1:
        for name, points in (("wall", walls), ("CPU", cpus)):
            fixed, per = slope(points)
            print(f"{name}: {fixed:.2f} s per batch + {per:.2f} s per notebook")


if __name__ == "__main__":
    main()
