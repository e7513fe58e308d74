"""What a submission can cost the grader outside its sandbox: a class of three graded by `grade-all` with the
default caps, timed, its peak memory and its output sizes measured.

  pdf/    the correct rnn.py and a report.pdf of SIZE bytes (the item people grade reads report.pdf)
  md/     the correct rnn.py and a report.md of SIZE bytes of text
  huge.py replaces the sandbox's error formatter and sends the largest strings the wire takes, for every check

With --before DIR (a checkout of the grader to compare with, e.g. `git worktree add /tmp/before main`), the same
class is graded by that checkout too, and both are printed side by side.

Run: .venv/bin/python benchmarks/outside_sandbox.py [--size BYTES] [--before DIR]
  --size   of report.pdf and report.md (default 1 GiB; the files are written under /tmp and removed)
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORRECT = (ROOT / "submissions" / "correct.py").read_text()
LIMITS = ["--call-timeout", "2", "--load-timeout", "10", "--workers", "2"]


def _write(path, block, size):
    with open(path, "wb") as file:
        for _ in range(size // len(block)):
            file.write(block)


def build(folder, size):
    for name, answer, block in (("pdf", "report.pdf", os.urandom(2**20)),
                                ("md", "report.md", b"Gradients vanish because tanh saturates. " * 25_000)):
        (folder / name).mkdir(parents=True)
        (folder / name / "rnn.py").write_text(CORRECT)
        _write(folder / name / answer, block, size)
    shutil.copy(ROOT / "tests" / "hostile" / "huge_messages.py", folder / "huge.py")


def grade(checkout, folder, out):
    """(seconds, peak resident MB of the largest process, output bytes, largest output file and its bytes)."""
    with tempfile.NamedTemporaryFile(suffix=".time", delete=False) as file:
        timing = Path(file.name)
    command = ["/usr/bin/time", "-f", "%M", "-o", str(timing), sys.executable, "-m", "grader", "grade-all",
               str(folder), "--out", str(out), *LIMITS]
    started = time.monotonic()
    run = subprocess.run(command, cwd=checkout, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        print(f"{checkout}: grade-all ended with {run.returncode}: {run.stderr[-2000:]}")
    peak = int(timing.read_text().split()[-1]) / 1024
    timing.unlink()
    files = [p for p in out.rglob("*") if p.is_file()]
    largest = max(files, key=lambda p: p.stat().st_size)
    return seconds, peak, sum(p.stat().st_size for p in files), largest.relative_to(out), largest.stat().st_size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2**30)
    parser.add_argument("--before", help="a checkout of the grader to compare with")
    options = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="outside-sandbox-"))
    try:
        build(base / "class", options.size)
        checkouts = ([("before", Path(options.before))] if options.before else []) + [("this", ROOT)]
        print(f"class: pdf/ and md/ with a {options.size / 2**20:.0f} MiB answer file each, huge.py; 2 workers")
        print(f"{'grader':<8} {'seconds':>8} {'peak MB':>8} {'output MB':>10}  largest output file")
        for label, checkout in checkouts:
            seconds, peak, total, largest, size = grade(checkout, base / "class", base / f"out-{label}")
            print(f"{label:<8} {seconds:>8.1f} {peak:>8.0f} {total / 2**20:>10.1f}  {largest} ({size / 2**20:.1f} MB)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
