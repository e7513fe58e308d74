"""similarity.json, similarity.html and one side-by-side page per pair shown, rendered with Jinja2 templates
(grader/similarity/templates/). The pages are for the instructor only."""
import json
from dataclasses import asdict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..whole import write_whole
from . import extract, fingerprint, notebook, score
from .highlight import segments

from . import HTML, JSON, VIEWS  # noqa: F401 -- the files it writes, named in the package
SHOWN_BELOW = 20  # pairs below the threshold listed on the page, for a sense of scale
ENVIRONMENT = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                          autoescape=select_autoescape(["html"]), keep_trailing_newline=True)


def records(pairs):
    """The ranked pairs as similarity.json lists them; the flagged ones and the closest others get a view."""
    shown = {id(p) for p in pairs if p.flagged} | {id(p) for p in [p for p in pairs if not p.flagged][:SHOWN_BELOW]}
    found = []
    for rank, pair in enumerate(pairs, 1):
        record = {"rank": rank, **asdict(pair), "flagged": pair.flagged}
        record["view"] = f"{VIEWS}/pair-{rank:04d}.html" if id(pair) in shown else None
        found.append(record)
    return found


def write(out, comparison):
    """Write the three outputs of a comparison (grader/similarity/run.py's Comparison) into `out`."""
    out = Path(out)
    rows = records(comparison.pairs)
    settings = {"threshold": score.THRESHOLD, "part": score.PART, "evidence_full": score.EVIDENCE_FULL,
                "min_solved": score.MIN_SOLVED, "near": score.NEAR, "kgram": fingerprint.K, "window": fingerprint.W,
                "rarity": "1 / (d - 1)^2 for a fingerprint or surface item that d > 2 documents have",
                "marked": score.MARKED, "surface_full": score.SURFACE_FULL, "state_full": score.STATE_FULL,
                "block": score.BLOCK, "long": score.LONG, "whole": score.WHOLE, "exact": score.EXACT,
                "exact_from": score.EXACT_FROM, "exact_points": score.EXACT_POINTS, "profile": score.PROFILE,
                "apart": score.APART, "usual": score.USUAL, "neighbours": score.NEIGHBOURS,
                "alike": "a function is written alike (pair.alike) when `near` of the smaller side's own fingerprints"
                         " are in the other's, as they are or without each side's lines that compute nothing read (an"
                         " assert, an assignment to names used nowhere else)",
                "state": "what both notebook files recorded of their session, not the starter's (cell id: a cell's"
                         " id; run: the code cells' execution counts, or an exported script's `# In[N]:` lines, whole"
                         " or a window of them with two jumps; trace:"
                         " an output naming a memory address or a path in a home folder): per kind, the rare mass"
                         " shared over the smaller side's, scaled down below state_full; a block of `block` items or"
                         " more that the same documents alone have (cell ids, markdown lines) is a handout version's;"
                         " pair.recorded: the rare mass shared by kind",
                "surface": "what both wrote around the code, not the starter's, by kind (comment: a comment's text;"
                           " statement: a line with its names, weighed by the rarity its names add; layout: a"
                           " statement's spacing where it is not ast.unparse's): per kind, the rare mass shared over"
                           " the smaller side's, scaled down below surface_full, halved; pair.written: the rare mass"
                           " shared by kind"}
    document = {"settings": settings, "starter": comparison.starter, "students": comparison.students,
                "archive": comparison.archive, "unsolved": comparison.unsolved, "pairs": rows}
    write_whole(out / JSON, json.dumps(document, indent=1) + "\n")
    views = out / VIEWS
    views.mkdir(parents=True, exist_ok=True)
    for old in views.glob("pair-*.html"):
        old.unlink()
    for row in rows:
        if row["view"]:
            write_whole(out / row["view"], _pair_page(row, comparison))
    page = ENVIRONMENT.get_template(HTML).render(
        title=f"{comparison.assignment}: similarity", threshold=score.THRESHOLD, starter=comparison.starter,
        students=comparison.students, archive=comparison.archive, unsolved=comparison.unsolved,
        flagged=[r for r in rows if r["flagged"]], below=[r for r in rows if not r["flagged"]][:SHOWN_BELOW])
    write_whole(out / HTML, page)
    return document


def _pair_page(row, comparison):
    a, b = comparison.documents[row["a"]], comparison.documents[row["b"]]
    written = _texts(a, comparison.setting)
    functions = []
    for name, share in row["functions"].items():
        left = segments(a.code[name], b.code[name], comparison.boilerplate, comparison.rare)
        right = segments(b.code[name], a.code[name], comparison.boilerplate, comparison.rare)
        functions.append({"name": name, "share": share, "left": left, "right": right,
                          "written": _written_alike(a, b, name, written.get(name, {}), comparison.rare)})
    return ENVIRONMENT.get_template("pair.html").render(title=f"{row['a']} and {row['b']}", pair=row,
                                                        functions=functions, threshold=score.THRESHOLD,
                                                        recorded=_recorded_alike(a, b, comparison))


def _recorded_alike(a, b, comparison):
    """[(kind, text)] of the recorded state both notebook files carry that few others do (weight MARKED or more)."""
    both = a.recorded & b.recorded
    if not both or comparison.setting is None:
        return []
    file = extract.source_file(a.path, comparison.setting.expected_names, comparison.setting.helpers)
    texts = notebook.items(file) if file is not None else {}
    return sorted(texts[item] for item in filter(notebook.scored, both)
                  if item in texts and comparison.rare.get(item, 1.0) >= score.MARKED)


def _texts(document, setting):
    """{function: {surface item: (kind, text)}} of a document, read again from its file (only for the views)."""
    if setting is None or not document.path:
        return {}
    try:
        return extract.written_texts(document.path, setting.graded, setting.expected_names, setting.helpers)
    except OSError:
        return {}


def _written_alike(a, b, function, texts, rare):
    """[(kind, text)] of what both wrote around `function`'s code that few others write (weight MARKED or more)."""
    both = a.surface.get(function, frozenset()) & b.surface.get(function, frozenset())
    found = [texts[item] for item in both if item in texts and rare.get(item, 1.0) >= score.MARKED]
    return sorted(found)
