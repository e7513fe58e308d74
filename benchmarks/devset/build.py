"""Rebuild the development set of public student solutions from its coordinates.

The code itself is third-party and never committed: this reads each row of rnn.tsv and
rnn_layers.tsv (repository, path, commit) and copies that file out of a local bare mirror.

    python benchmarks/devset/build.py --mirrors DIR DEST

DIR holds one git repository per row, named OWNER+NAME (`git clone --bare
https://github.com/OWNER/NAME DIR/OWNER+NAME`); a working clone's .git, or a `repo`
subfolder as the search tool's fetch makes it, is found too. Writes DEST/<set>/<id>.<ext>
and lists every row it could not find, so a partial set is never mistaken for a whole one.
"""
import argparse
import csv
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = ("rnn", "rnn_layers")


def git_dir(mirrors, repository):
    """The first candidate under mirrors that git accepts as a repository, else None."""
    base = mirrors / repository.replace("/", "+")
    for candidate in (base, base / "repo", base / "repo" / ".git", base / ".git"):
        if candidate.is_dir() and subprocess.run(
                ["git", "--git-dir", str(candidate), "rev-parse", "--git-dir"],
                capture_output=True).returncode == 0:
            return candidate
    return None


def blob(gitdir, commit, path):
    """The file's bytes at that commit, or None if the mirror lacks the commit or path."""
    done = subprocess.run(["git", "--git-dir", str(gitdir), "show", f"{commit}:{path}"],
                          capture_output=True)
    return done.stdout if done.returncode == 0 else None


def build_set(name, mirrors, dest):
    """Copy one set's rows into dest/name; return the rows that could not be found."""
    out = dest / name
    out.mkdir(parents=True, exist_ok=True)
    missing = []
    with open(HERE / f"{name}.tsv", newline="", encoding="utf-8") as table:
        for row in csv.DictReader(table, delimiter="\t"):
            gitdir = git_dir(mirrors, row["repository"])
            data = blob(gitdir, row["commit"], row["path"]) if gitdir else None
            if data is None:
                why = "no mirror" if gitdir is None else "commit or path not in mirror"
                missing.append(f"{name}: {row['repository']} {row['commit'][:8]} {row['path']} ({why})")
                continue
            ext = "ipynb" if row["kind"] == "notebook" else "py"
            (out / f"{row['id']}.{ext}").write_bytes(data)
    return missing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", required=True, type=Path, help="folder of OWNER+NAME git mirrors")
    parser.add_argument("dest", type=Path, help="folder to write rnn/ and rnn_layers/ into")
    args = parser.parse_args(argv)
    if not args.mirrors.is_dir():
        sys.exit(f"--mirrors {args.mirrors}: no such folder; clone the repositories listed in "
                 f"{', '.join(str(HERE / f'{name}.tsv') for name in SETS)} into it first (see README.md there)")
    missing = [line for name in SETS for line in build_set(name, args.mirrors, args.dest)]
    for line in missing:
        print("not found:", line)
    print(f"done; {len(missing)} row(s) not found")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
