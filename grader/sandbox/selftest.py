"""Bubblewrap's self-test, run in a sandbox started as every other (process._self_test): it confines itself as
child.py does, without child.py's imports (numpy: most of a child's start), and runs the probe in its work folder.
Its exit status says whether the probe passed; its standard error, what failed."""
import argparse
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # (python -I leaves the script's folder out)
from confine import confine  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--fds", "--work", "--provided", "--warm"):
        parser.add_argument(flag)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--user", type=int, default=None)
    options = parser.parse_args()
    confine(options.processes, options.user)
    runpy.run_path(os.path.join(options.work, "probe.py"))


if __name__ == "__main__":
    main()
