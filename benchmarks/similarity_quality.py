"""How well the similarity check tells copies from a class of independent students, on real solutions, beside
compare50 (CS50's tool, its `structure` pass) on the same files, in one run.

Run: .venv/bin/python benchmarks/similarity_quality.py FOLDER [FOLDER ...] [--seed 0 | --seeds 0-9]
        [--renew some|all|none] [--originals N] [--no-compare50] [--show 5]

FOLDER is a labelled class (a folder with `class/` and `labels.tsv`, as benchmarks/similarity_class.py writes it)
or a dev set folder of real solutions (benchmarks/devset/build.py fetches them), from which a labelled class is
made first, into a temporary folder, with `--seed` (and `--renew`: which copies renew the notebook's recorded
state, execution counts and cell ids, as a copier who re-runs the notebook does; `--originals N`: from N of the dev
set's files drawn with the seed, a class the size of a course's, labelled by what the whole folder shows). The
starter code taken out is the folder's `starter/` (handout versions), else the assignment's own. For each folder it
prints, for ours and for compare50:
- AP: average precision of the ranking of all pairs (copy pairs are the positives; a pair that a tool does not
  list scores 0);
- above: how many copy pairs score above every independent pair;
- precision and recall of the pairs flagged (ours: at its threshold; compare50 has none and lists the 50 highest
  pairs by default, so those count as its flags).
Where the labelled class also has `labels-exact.tsv` (the labels by similarity_class.py's previous rule, copies
among the originals name for name only) and it differs, the same figures follow under those labels; then under the
made copies only (made.json: a disguised copy with its source, a pasted recipient with its donor; every other pair
independent, the copies among the originals too), as a hidden set of made copies is most likely labelled; and under
the made copies only with the other pairs that labels.tsv calls copies, or that benchmarks/devset/read.tsv lists as
read to be copies (of the originals, or of a made copy's source), left out of the count (`made-apart`: neither
copies nor independent, as in a class whose originals share no copied code). With `--seeds A-B` it makes and
measures a class per seed and prints one line per seed and label view, then their means.

compare50 is installed with pip into a throwaway virtual environment (COMPARE50_VENV, default under the temporary
folder; never the project's .venv). It reads text files, so each submission is given to it as one .py file: the
code cells of a notebook in order, IPython's `%` and `!` lines blanked, as our check reads them; the starter
files likewise, as its distribution code (`-d`).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from grader import assignment as assignments  # noqa: E402
from grader.similarity import extract, run  # noqa: E402
import similarity_class  # noqa: E402

VENV = Path(os.environ.get("COMPARE50_VENV", Path(tempfile.gettempdir()) / "compare50-venv"))
COMPARE50_SHOWN = 50  # pairs compare50 lists by default (its -n)
EXACT = "labels-exact.tsv"  # similarity_class.py's labels by the previous rule, measured beside labels.tsv
READ = ROOT / "benchmarks" / "devset" / "read.tsv"  # pairs of originals read as copies (devset/README.md)

# Runs in compare50's environment: every pair's score by the structure pass, as JSON lines.
DRIVER = '''
import json, pathlib, sys
from compare50 import _api, _data, passes
subs_dir, distro_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
pass_ = passes.structure
pre = _data.Preprocessor(pass_.preprocessors)
subs = [_data.Submission(d, [f.name for f in sorted(d.glob("*.py"))], preprocessor=pre)
        for d in sorted(subs_dir.iterdir()) if d.is_dir()]
distro = [_data.Submission(distro_dir, [f.name for f in sorted(distro_dir.glob("*.py"))], preprocessor=pre)]
ignored = {f for sub in distro for f in sub.files}
for s in _api.rank(subs, [], ignored, pass_, n=10 ** 7):
    print(json.dumps([s.sub_a.path.name, s.sub_b.path.name, s.score]))
'''


def labelled(folder, seed, scratch, renew="some", originals=0):
    """(the labelled class folder, its assignment): `folder` itself, or one made from a dev set folder (from
    `originals` of its files drawn with the seed, if given)."""
    folder = Path(folder)
    if (folder / "labels.tsv").is_file():
        made = json.loads((folder / "made.json").read_text())
        return folder, assignments.find(made["assignment"])
    chosen = assignments.find(folder.resolve().name)
    out = scratch / f"{folder.name}-seed{seed}-{renew}{f'-of-{originals}' if originals else ''}"
    similarity_class.make(folder, out, chosen, seed, renew=renew,
                          drawn=drawn(folder, originals, seed) if originals else None)
    for sub in similarity_class.NOT_STUDENTS:
        if (folder / sub).is_dir():
            shutil.copytree(folder / sub, out / "starter", dirs_exist_ok=True)
    return out, chosen


def drawn(folder, count, seed):
    """The names of `count` of a dev set folder's originals, drawn with `seed`."""
    name_of = {path: name for name, path in similarity_class.originals(folder).items()}
    return {name_of[p] for p in random.Random(seed).sample(sorted(name_of), min(count, len(name_of)))}


def labels(folder, file="labels.tsv"):
    rows = (folder / file).read_text().splitlines()[1:]
    return {frozenset(row.split("\t")[:2]): row.split("\t")[2] for row in rows if row.strip()}


def made(folder):
    """The pairs that similarity_class.py made (made.json): each disguised copy with its source, each pasted
    recipient with its donor."""
    record = json.loads((folder / "made.json").read_text())
    return ({frozenset((copy, given["source"])) for copy, given in record["copies"].items()}
            | {frozenset((paste["recipient"], paste["donor"])) for paste in record["pasted"]})


def starter(folder):
    return folder / "starter" if (folder / "starter").is_dir() else None


def ours(folder, chosen):
    """({pair: score}, {flagged pairs}, seconds) of our check."""
    started = time.perf_counter()
    comparison = run.compare(run.entries(folder / "class"), chosen, starter=starter(folder))
    seconds = time.perf_counter() - started
    scores = {frozenset((p.a, p.b)): p.score for p in comparison.pairs}
    return scores, {frozenset((p.a, p.b)) for p in comparison.pairs if p.flagged}, seconds


def ensure_compare50():
    python = VENV / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import compare50"], capture_output=True).returncode == 0:
        return python, None
    print(f"compare50: installing it into {VENV} (a throwaway environment) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--disable-pip-version-check", "-q", "compare50"],
                       check=True, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as exc:
        said = (getattr(exc, "stderr", "") or str(exc)).strip()
        return None, f"could not install compare50 from PyPI: {said.splitlines()[-1] if said else exc}"
    return python, None


def compare50(folder, scratch):
    """({pair: score}, {the pairs it lists by default}, seconds), or (None, why not, None)."""
    python, why = ensure_compare50()
    if python is None:
        return None, why, None
    subs, distro = scratch / "c50" / "subs", scratch / "c50" / "distro"
    shutil.rmtree(scratch / "c50", ignore_errors=True)
    distro.mkdir(parents=True)
    for name, path in run.entries(folder / "class"):
        (subs / name).mkdir(parents=True)
        (subs / name / "submission.py").write_text(_as_python(path))
    for i, path in enumerate(similarity_class.collect.files(starter(folder)) if starter(folder) else []):
        (distro / f"starter_{i}.py").write_text(_as_python(path))
    (scratch / "c50" / "driver.py").write_text(DRIVER)
    started = time.perf_counter()
    done = subprocess.run([str(python), str(scratch / "c50" / "driver.py"), str(subs), str(distro)],
                          capture_output=True, text=True, timeout=3600, env={**os.environ, "PYTHONHASHSEED": "0"})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return None, f"compare50 failed: {done.stderr.strip()[-300:]}", None
    scores = {}
    for line in done.stdout.splitlines():
        a, b, value = json.loads(line)
        scores[frozenset((a, b))] = float(value)
    shown = set(sorted(scores, key=lambda p: -scores[p])[:COMPARE50_SHOWN])
    return scores, shown, seconds


def _as_python(path):
    path = Path(path)
    file = extract.source_file(path) if path.is_dir() else path
    cells = extract.cells(file) if file else []
    return "\n\n".join(extract.MAGIC.sub("", cell) for cell in cells) + "\n"


def average_precision(scores, positives, everyone):
    """AP of a ranking of all pairs (ties counted together, as scikit-learn does); unlisted pairs score 0."""
    values = sorted(((scores.get(p, 0.0), p in positives) for p in everyone), key=lambda v: -v[0])
    total, found, seen, ap, i = len(positives), 0, 0, 0.0, 0
    while i < len(values):
        j = i
        while j < len(values) and values[j][0] == values[i][0]:
            j += 1
        hits = sum(1 for _, pos in values[i:j] if pos)
        seen, found = seen + (j - i), found + hits
        ap += hits / total * (found / seen) if total else 0.0
        i = j
    return ap


def figures(scores, flagged, positives, everyone):
    independent = max((scores.get(p, 0.0) for p in everyone if p not in positives), default=0.0)
    above = sum(1 for p in positives if scores.get(p, 0.0) > independent)
    hits = len(flagged & positives)
    return {"ap": average_precision(scores, positives, everyone), "above": above,
            "precision": hits / len(flagged) if flagged else 0.0, "recall": hits / len(positives) if positives else 0.0,
            "flagged": len(flagged), "highest_independent": independent}


def report(name, result, positives, show, scores):
    row = (f"  {name:<10} AP {result['ap']:.3f}   above every independent pair: {result['above']:>2}/{len(positives)}"
           f"   flagged {result['flagged']:>4}: precision {result['precision']:.2f}, recall {result['recall']:.2f}")
    print(row)
    if show:
        lowest = sorted(positives, key=lambda p: scores.get(p, 0.0))[:show]
        print("     lowest copies: " + ", ".join(f"{scores.get(p, 0):.3g} {'|'.join(sorted(p))}" for p in lowest))
        highest = sorted((p for p in scores if p not in positives), key=lambda p: -scores[p])[:show]
        print("     highest independent: " + ", ".join(f"{scores[p]:.3g} {'|'.join(sorted(p))}" for p in highest))


def read_as_copies(folder, everyone):
    """The pairs of `everyone` whose originals (a made copy's: its source) were read as copies of one another
    (READ): copies among the public originals that similarity_class.py's rules do not reach."""
    copies = json.loads((folder / "made.json").read_text())["copies"]
    source = {copy: given["source"] for copy, given in copies.items()}
    read = {frozenset(row.split("\t")[:2]) for row in READ.read_text().splitlines()[1:] if row.strip()}
    return {pair for pair in everyone if frozenset(source.get(n, n) for n in pair) in read}


def views(folder, everyone=()):
    """{label view: (its copy pairs, the pairs it leaves out of the count)}: labels.tsv, the previous rule's (when it
    differs), the made copies only, and the made copies only with the other pairs that labels.tsv calls copies, or
    that were read as copies (of `everyone`), left out: what a class whose originals share no copied code gives,
    as a hidden set of made copies would if its originals were independent."""
    positives = set(labels(folder))
    found = {"labels": (positives, set())}
    previous = set(labels(folder, EXACT)) if (folder / EXACT).is_file() else positives
    if previous != positives:
        found["previous"] = (previous, set())
    made_pairs = made(folder)
    found["made"] = (made_pairs, set())
    found["made-apart"] = (made_pairs, (positives | read_as_copies(folder, everyone)) - made_pairs)
    return found


SAID = {"previous": f"with the previous labels ({EXACT})", "made": "with the made copies only (made.json)",
        "made-apart": "with the made copies only, the other pairs labels.tsv calls copies or read.tsv read as copies"
                      " left out"}


def _views(name, scores, flagged, positives, everyone, show):
    """The figures under each label view (see `views`), those after the first introduced by a line; returns
    {view: figures}."""
    found = {}
    for view, (pairs, apart) in positives.items():
        if view in SAID:
            print(f"  {name}, {SAID[view]}: {len(pairs)} copy pairs" + (f", {len(apart)} left out" if apart else ""))
        found[view] = figures(scores, flagged - apart, pairs, everyone - apart)
        report(name, found[view], pairs, show, {p: s for p, s in scores.items() if p not in apart})
    return found


def summary(rows):
    """One line per seed, tool and label view, then the means (a view's over the seeds that have it: the previous
    labels only where they differ); `rows`: {(seed, tool, view): (figures, copy pairs)}."""
    means = {}
    for (seed, tool, view), (result, count) in rows.items():
        print(f"  seed {seed:>3} {tool:<10} {view:<10} AP {result['ap']:.3f}   above {result['above']:>2}/{count:<3}"
              f" precision {result['precision']:.2f}   recall {result['recall']:.2f}")
        means.setdefault((tool, view), []).append((result, count))
    for (tool, view), found in means.items():
        mean = {k: sum(r[k] for r, _ in found) / len(found) for k in ("ap", "precision", "recall")}
        above, count = sum(r["above"] for r, _ in found), sum(c for _, c in found)
        print(f"  mean     {tool:<10} {view:<10} AP {mean['ap']:.3f}   above {above:>3}/{count:<4}"
              f" ({above / count:.0%})   precision {mean['precision']:.2f}   recall {mean['recall']:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", help="A-B: a class per seed from A to B, one summary line each and their means")
    parser.add_argument("--no-compare50", action="store_true")
    parser.add_argument("--renew", choices=sorted(similarity_class.RENEWED), default="some",
                        help="which copies renew the notebook's recorded state (similarity_class.py)")
    parser.add_argument("--show", type=int, default=0, help="list the N lowest copies and highest independent pairs")
    parser.add_argument("--originals", type=int, default=0,
                        help="make the class from N of the dev set's files, drawn with the seed (a smaller class)")
    args = parser.parse_args()
    first, last = map(int, args.seeds.split("-")) if args.seeds else (args.seed, args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="similarity-quality-"))
    try:
        for given in args.folders:
            rows = {}
            for seed in range(first, last + 1):
                rows.update(measure(given, seed, scratch, args))
            if args.seeds:
                print(f"{given}, seeds {args.seeds}:")
                summary(rows)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def measure(given, seed, scratch, args):
    """Print the figures of one labelled class (made with `seed` from a dev set folder); returns its summary rows
    {(seed, tool, view): (figures, copy pairs)}."""
    folder, chosen = labelled(given, seed, scratch, args.renew, args.originals)
    names = [n for n, _ in run.entries(folder / "class")]
    everyone = {frozenset((a, b)) for i, a in enumerate(names) for b in names[i + 1:]}
    positives = views(folder, everyone)
    print(f"{given} ({chosen.name}, seed {seed}): {len(names)} documents, {len(everyone)} pairs,"
          f" {len(positives['labels'][0])} copy pairs; starter:"
          f" {starter(folder) and 'the folder' or 'the assignment' + chr(39) + 's'}")
    found = {"ours": _views("ours", *ours(folder, chosen)[:2], positives, everyone, args.show)}
    if not args.no_compare50:
        scores, shown, _ = compare50(folder, scratch)
        if scores is None:
            print(f"  compare50: not compared: {shown}")
        else:
            found["compare50"] = _views("compare50", scores, shown, positives, everyone, args.show)
    return {(seed, tool, view): (result, len(positives[view][0]))
            for tool, results in found.items() for view, result in results.items()}


if __name__ == "__main__":
    main()
