"""The similarity check (grader/similarity/): disguised copies rank above every pair of independent solutions, the
handout's starter code and nearly empty submissions never flag, each report gets an instructor-only field that no
student-facing output shows, and the pages render (in headless Chromium too: sorting and links). Solutions and
copies: tests/similarity_styles.py and tests/similarity_copies.py, written for these tests."""
import itertools
import json
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest

import similarity_classmates as classmates
import similarity_copies as copies
from conftest import ROOT
from grader.report import gradescope, markdown, terminal
from grader.similarity import run, score
from similarity_styles import OPERATORS, STYLES, TEXTBOOK
from test_batch import FITS, in_browser

STARTER = (ROOT / "reference" / "rnn" / "starter" / "handout.py").read_text()
# What docs/similarity.md says of these tests' class: the disguised copies score 0.78 to 0.87, the pasted pair 0.67,
# five independent solutions below 0.05 against each other. Change both together.
COPY_AT_LEAST, PASTED_PAIR_AT_LEAST, INDEPENDENT_BELOW = 0.725, 0.56, 0.05
SCHEMA = json.loads((ROOT / "grader" / "report" / "schema.json").read_text())


def write_class(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def compared(tmp_path_factory, rnn):
    """Five independent solutions and six disguised copies of them, compared as one class."""
    base = tmp_path_factory.mktemp("similarity")
    files = {f"{name}.py": text for name, text in STYLES.items()}
    files.update({f"copy_{name}{suffix}": make() for name, suffix, make, _ in copies.COPIES})
    folder = write_class(base / "class", files)
    comparison = run.run(run.entries(folder), base / "out", rnn)
    return comparison, base / "out"


def pair_scores(comparison):
    return {frozenset((p.a, p.b)): p for p in comparison.pairs}


def test_every_disguised_copy_ranks_above_every_pair_of_independent_solutions(compared):
    comparison, _ = compared
    pairs = pair_scores(comparison)
    copied = {name: pairs[frozenset((f"copy_{name}", source))] for name, _, _, source in copies.COPIES}
    independent = [pairs.get(frozenset(two)) for two in itertools.combinations(STYLES, 2)]
    highest = max((p.score for p in independent if p), default=0.0)
    assert all(p.flagged for p in copied.values()), {n: p.score for n, p in copied.items()}
    scores = {n: p.score for n, p in copied.items()}
    assert scores.pop("two_pasted") >= PASTED_PAIR_AT_LEAST and min(scores.values()) >= COPY_AT_LEAST, scores
    assert highest < INDEPENDENT_BELOW, f"two independent solutions score {highest}"
    lowest = min(copied.values(), key=lambda p: p.score)
    assert lowest.score > highest, f"copy {lowest.a} scores {lowest.score}, an independent pair {highest}"
    assert not any(p and p.flagged for p in independent)
    ranks = {frozenset((p.a, p.b)): rank for rank, p in enumerate(comparison.pairs)}
    worst_copy = max(ranks[frozenset((p.a, p.b))] for p in copied.values())
    best_independent = min((ranks[frozenset((p.a, p.b))] for p in independent if p), default=len(ranks))
    assert worst_copy < best_independent


@pytest.fixture(scope="module")
def real_like(tmp_path_factory, rnn):
    """Sixteen independent students who filled in the same handout the same hinted way (tests/
    similarity_classmates.py), a renamed and re-commented copy of the one with the most ways of their own, and one of
    the one who wrote the obvious way nearly everywhere."""
    mates = classmates.classmates()
    ranked = sorted(mates, key=lambda n: (-classmates.unusual(mates[n]), n))
    files = {f"{name}.py": text for name, text in mates.items()}
    files["copy_own.py"] = copies.recomment_text(copies.rename(mates[ranked[0]]))
    files["copy_obvious.py"] = copies.rename(mates[ranked[-1]])
    folder = write_class(tmp_path_factory.mktemp("real_like") / "class", files)
    return run.compare(run.entries(folder), rnn), ranked


def test_a_class_that_converged_on_the_hints_is_not_flagged_and_its_copies_stand_out(real_like):
    """The figures docs/similarity.md quotes: the copies score 0.83 and 0.81, independent students 0.51 at most."""
    comparison, ranked = real_like
    pairs = pair_scores(comparison)
    own, obvious = pairs[frozenset(("copy_own", ranked[0]))], pairs[frozenset(("copy_obvious", ranked[-1]))]
    independent = [p for p in comparison.pairs if not p.a.startswith("copy") and not p.b.startswith("copy")]
    highest = max(p.score for p in independent)
    assert own.score == pytest.approx(0.83, abs=0.01) and own.flagged, own
    assert not any(p.flagged for p in independent), [(p.a, p.b, p.score) for p in independent if p.flagged]
    assert highest == pytest.approx(0.51, abs=0.01), highest
    # A copy of the student who wrote what nearly everyone writes has little rare code, but it agrees with its
    # source in every function, and no two independent students of this class do: it is flagged, lower.
    assert obvious.flagged and obvious.score < own.score and len(obvious.alike) == 6, obvious
    assert {(p.a, p.b) for p in comparison.pairs if p.flagged} == {(own.a, own.b), (obvious.a, obvious.b)}


def test_two_pasted_functions_are_found_in_those_functions(compared):
    comparison, _ = compared
    pair = pair_scores(comparison)[frozenset(("copy_two_pasted", "textbook"))]
    assert pair.functions["rnn_cell_backward"] == 1.0 and pair.functions["rnn_backward"] == 1.0
    assert pair.raw < score.THRESHOLD <= pair.score  # the whole-file mean alone would have missed it


def test_the_starter_code_alone_and_nearly_empty_submissions_never_flag(tmp_path, rnn):
    one_line = STARTER.replace("    a_next = None\n", "    a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba)\n", 1)
    two_lines = one_line.replace("    yt_pred = None\n", "    yt_pred = softmax(np.dot(Wya, a_next) + by)\n", 1)
    bits = two_lines.replace("    dba = None\n", "    dba = np.sum(dtanh, axis=1, keepdims=True)\n", 1)
    notebook = copies.notebook(copies.blocks(STARTER))
    files = {"starter_a.py": STARTER, "starter_b.py": STARTER, "starter_nb.ipynb": notebook,
             "one_line.py": one_line, "two_lines_a.py": two_lines, "two_lines_b.py": two_lines, "bits.py": bits,
             "textbook.py": TEXTBOOK, "empty.py": "", "broken.ipynb": "{not json"}
    comparison = run.run(run.entries(write_class(tmp_path / "class", files)), tmp_path / "out", rnn)
    assert {"starter_a", "starter_b", "starter_nb", "empty", "broken"} <= set(comparison.unsolved)
    assert not [p for p in comparison.pairs if p.flagged], [(p.a, p.b, p.score) for p in comparison.pairs]
    assert not [p for p in comparison.pairs if "starter" in p.a + p.b]


def test_a_copy_of_a_known_solution_in_the_archive_is_flagged_and_named(tmp_path, rnn):
    archive = write_class(tmp_path / "archive" / "2019", {"public_solution.ipynb": copies.notebook(
        copies.blocks(STYLES["matmul"]))})
    folder = write_class(tmp_path / "class", {"alice.py": copies.rename(STYLES["matmul"], {"cache_list": "cl",
                                                                                          "steps": "T"}),
                                              "bob.py": STYLES["verbose"]})
    comparison = run.run(run.entries(folder), tmp_path / "out", rnn, archive=tmp_path / "archive")
    top = comparison.pairs[0]
    assert (top.a, top.b, top.origin, top.flagged) == ("alice", "archive:2019/public_solution.ipynb", "archive", True)
    assert not any(p.flagged for p in comparison.pairs if "bob" in (p.a, p.b))


def test_each_report_gets_its_neighbours_and_keeps_its_score(tmp_path, rnn):
    folder = write_class(tmp_path / "class", {"alice.py": TEXTBOOK, "bob.py": copies.renamed(),
                                              "carol.py": STYLES["helpers"]})
    out = tmp_path / "out"
    for name in ("alice", "bob", "carol"):  # reports as grade-all leaves them, trimmed to what matters here
        (out / name).mkdir(parents=True)
        (out / name / "report.json").write_text(json.dumps(_report(name)))
    run.run(run.entries(folder), out, rnn)
    reports = {n: json.loads((out / n / "report.json").read_text()) for n in ("alice", "bob", "carol")}
    near = reports["alice"]["similarity"]["neighbours"][0]
    assert (near["other"], near["origin"], near["flagged"]) == ("bob", "class", True)
    assert reports["alice"]["similarity"]["flagged"] and not reports["carol"]["similarity"]["flagged"]
    for name, document in reports.items():
        jsonschema.validate(document, SCHEMA)
        assert {k: v for k, v in document.items() if k != "similarity"} == _report(name)


def _report(name):
    """A minimal valid report.json of a graded submission."""
    check = {"id": "rnn_cell_forward.public", "function": "rnn_cell_forward", "description": "values",
             "points": 1.0, "max_points": 1.0, "status": "passed", "message": "", "optional": False,
             "seconds": 0.1, "diagnoses": []}
    return {"schema_version": "1.0", "grader_version": "0.1.0", "assignment": "rnn", "submission": name,
            "kind": "module", "score": 1.0, "max_score": 1.0, "extra_credit": 0.0, "extra_credit_max": 0.0,
            "isolation": "process", "loaded": True, "seconds": 1.0,
            "functions": {"rnn_cell_forward": {"score": 1.0, "max_score": 1.0, "optional": False}},
            "checks": [check], "cells": [], "notes": [], "output": {"stdout": "", "stderr": ""}, "limits": {},
            "tolerance": {"rtol": 1e-5, "atol": 1e-6}}


def test_no_student_facing_output_shows_the_similarity_field():
    document = _report("alice")
    document["similarity"] = {"threshold": 0.6, "own_code": 100, "compared": ["rnn_cell_forward"], "flagged": True,
                              "neighbours": [{"other": "mallory_secret", "origin": "class", "score": 0.97,
                                              "flagged": True, "functions": {"rnn_cell_forward": 1.0}}]}
    jsonschema.validate(document, SCHEMA)
    for text in (json.dumps(gradescope.render(document)), markdown.render(document),
                 terminal.render(document, ROOT)):
        assert "mallory_secret" not in text and "similarity" not in text.lower()


def test_the_pages_list_the_flagged_pairs_and_mark_the_matching_code(compared):
    comparison, out = compared
    page = (out / "similarity.html").read_text()
    data = json.loads((out / "similarity.json").read_text())
    flagged = [p for p in data["pairs"] if p["flagged"]]
    assert len(flagged) == sum(p.flagged for p in comparison.pairs) >= len(copies.COPIES)
    assert page.count('class="flag"') == len(flagged) and "{{" not in page
    view = out / flagged[0]["view"]
    text = view.read_text()
    assert "<mark>" in text and flagged[0]["a"] in text and flagged[0]["b"] in text
    independent = next(p for p in data["pairs"] if not p["flagged"] and p["view"])
    shown = (out / independent["view"]).read_text()
    assert marked_share(text) > 0.7 and marked_share(shown) < 0.5, (marked_share(text), marked_share(shown))


def marked_share(page):
    """The share of the code shown on a side-by-side page that is marked as matching."""
    code = "".join(re.findall(r"<pre>(.*?)</pre>", page, re.S))
    marked = "".join(re.findall(r"<mark>(.*?)</mark>", code, re.S))
    return len("".join(marked.split())) / len("".join(re.sub("</?mark>", "", code).split()))


def test_names_and_code_are_escaped_on_the_pages(tmp_path, rnn):
    hostile = TEXTBOOK.replace("# compute next activation", "# </pre><script>alert(1)</script>")
    hostile = hostile.replace('a_next = np.tanh(', 'tag = "<script>"\n    a_next = np.tanh(', 1)
    folder = write_class(tmp_path / "class", {"<b>eve.py": hostile, "frank.py": copies.renamed()})
    run.run(run.entries(folder), tmp_path / "out", rnn)
    pages = [(tmp_path / "out" / "similarity.html").read_text()]
    pages += [p.read_text() for p in (tmp_path / "out" / "similarity").glob("*.html")]
    assert all("<script>alert" not in p and "<b>eve" not in p and '"<script>"' not in p for p in pages)
    assert any("&lt;b&gt;eve" in p for p in pages)


def similarity(*args):
    return subprocess.run([sys.executable, "-m", "grader", "similarity", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_command_says_what_is_wrong_in_one_line(tmp_path):
    missing = similarity(tmp_path / "nowhere")
    folder = write_class(tmp_path / "class", {"a.py": TEXTBOOK})
    into_itself = similarity(folder, "--out", folder)
    no_archive = similarity(folder, "--out", tmp_path / "out", "--archive", tmp_path / "none")
    for result, words in ((missing, "is not a folder"), (into_itself, "does not write into"),
                          (no_archive, "--archive")):
        assert result.returncode == 2 and words in result.stderr and len(result.stderr.splitlines()) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["a.py"]
    grade_all = subprocess.run([sys.executable, "-m", "grader", "grade-all", str(folder), "--public",
                                "--similarity"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert grade_all.returncode == 2 and "instructor" in grade_all.stderr


def test_grade_all_runs_the_check_at_the_end_and_the_class_page_links_it(tmp_path):
    folder = write_class(tmp_path / "class", {"alice.py": TEXTBOOK, "bob.py": copies.renamed(),
                                              "carol.ipynb": copies.reordered()})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), "--workers", "2",
               "--call-timeout", "2", "--load-timeout", "10", "--cell-timeout", "5", "--similarity"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "similarity.html (1 pairs flagged)" in result.stdout
    alice = json.loads((out / "alice" / "report.json").read_text())
    assert alice["similarity"]["neighbours"][0]["other"] == "bob" and alice["score"] > 0
    page = (out / "index.html").read_text()
    assert 'href="similarity.html"' in page and "<td>alice</td><td>bob</td>" in page
    for name in ("alice", "bob", "carol"):
        results = (out / name / "results.json").read_text()
        assert "similarity" not in results and "neighbours" not in results
    again = similarity(out)  # on the grade-all output: code is read from the folder it was graded from
    assert again.returncode == 0 and "compared 3 submissions" in again.stdout, again.stderr
    assert json.loads((out / "alice" / "report.json").read_text())["similarity"]["neighbours"][0]["other"] == "bob"
    shutil.rmtree(folder)  # that folder gone: only a notebook's executed.ipynb keeps its code
    gone = similarity(out)
    assert gone.returncode == 0 and "alice: its report folder keeps no code" in gone.stderr
    assert "compared 1 submissions" in gone.stdout


def test_files_that_do_not_parse_or_lead_outside_the_folder_are_not_read(tmp_path, rnn):
    outside = tmp_path / "elsewhere.py"
    outside.write_text(TEXTBOOK)
    linked = tmp_path / "class" / "mallory"
    linked.mkdir(parents=True)
    (linked / "rnn.py").symlink_to(outside)
    deep = "def rnn_cell_forward(xt, a_prev, parameters):\n    return " + "(" * 3000 + "xt" + ")" * 3000 + "\n"
    half = TEXTBOOK.replace("def rnn_forward(x, a0, parameters):", "def rnn_forward(x, a0, parameters)", 1)
    write_class(tmp_path / "class", {"deep.py": deep, "half.py": half, "alice.py": TEXTBOOK})
    comparison = run.run(run.entries(tmp_path / "class"), tmp_path / "out", rnn)
    assert {"mallory", "deep"} <= set(comparison.unsolved)
    half_doc = comparison.documents["half"]
    assert "rnn_forward" not in half_doc.functions and "rnn_backward" in half_doc.functions
    assert comparison.pairs[0].flagged and {comparison.pairs[0].a, comparison.pairs[0].b} == {"alice", "half"}


def test_pairs_shared_among_processes_are_the_pairs_of_one_process():
    import random
    rng = random.Random(3)
    common = [rng.getrandbits(60) for _ in range(40)]

    def made(name, origin):
        return score.Document(name, origin, {f: frozenset(rng.sample(common, 12) + [rng.getrandbits(60)
                                                                                   for _ in range(20)])
                                             for f in ("f", "g", "h")})
    students = [made(f"s{i}", "class") for i in range(score.PARALLEL_FROM + 20)]
    students += [score.Document(f"copy{i}", "class", students[i].functions) for i in range(0, 40, 4)]
    archive = [made(f"archive:k{i}", "archive") for i in range(30)]
    together = score.all_pairs(students, archive, workers=1)
    assert score.all_pairs(students, archive, workers=2) == together
    assert sum(p.agreement > 0 for p in together) >= 10  # the copies' agreement counted across processes too


def test_a_function_written_alike_counts_by_how_few_others_and_how_few_pairs_write_it_so():
    """Agreement: each function two documents wrote alike adds log(n / (1 + closer)) / log(n), times
    log(m / alike) / log(m) of the m pairs that solved it: a function the whole class writes alike adds nothing,
    one that only the pair writes alike a point, one a few pairs write alike less."""
    import math
    import random
    rng = random.Random(5)
    usual = frozenset(rng.getrandbits(60) for _ in range(30))  # the function everyone writes the same way
    some = frozenset(rng.getrandbits(60) for _ in range(30))  # the way three students of twelve write h

    def own():
        return frozenset(rng.getrandbits(60) for _ in range(30))
    rare = own()
    students = [score.Document(f"s{i}", "class", {"f": usual, "g": own(), "h": some if i < 3 else own()})
                for i in range(10)]
    students += [score.Document("x", "class", {"f": usual, "g": rare, "h": own()}),
                 score.Document("y", "class", {"f": usual, "g": rare | {rng.getrandbits(60)}, "h": own()})]
    pairs = {frozenset((p.a, p.b)): p for p in score.all_pairs(students)}
    x_y, s0_s1, s3_s4 = (pairs[frozenset(two)] for two in (("x", "y"), ("s0", "s1"), ("s3", "s4")))
    assert x_y.alike == {"f": 1.0, "g": 1.0} and x_y.agreement == pytest.approx(1.0, abs=1e-4)
    assert s3_s4.alike == {"f": 1.0} and s3_s4.agreement == 0.0  # the one all 66 pairs write alike: nothing
    # h: three students of twelve, three pairs of 66; one other is as close to each side.
    h = math.log(12 / 2) / math.log(12) * math.log(66 / 3) / math.log(66)
    assert s0_s1.alike == {"f": 1.0, "h": 1.0} and s0_s1.agreement == pytest.approx(h, abs=1e-4)
    assert x_y.flagged and not s3_s4.flagged and s3_s4.score < s0_s1.score < x_y.score <= 1


def test_a_long_function_written_alike_counts_by_its_length_not_by_how_many_pairs_write_it_so():
    """A function long enough to leave dozens of choices open (score.LONG own fingerprints) that two students
    write alike counts by how few others are as close, even when several pairs of the class write it alike, two by
    two (in a real class, mostly copies: the class's rate would count them against each other); a short one keeps
    the class's rate; one that every pair writes alike adds nothing, however long."""
    import math
    import random
    rng = random.Random(11)

    def own(size):
        return frozenset(rng.getrandbits(60) for _ in range(size))
    # g held exactly (the two sides' fingerprints the same): a long one adds EXACT_POINTS more (test below)
    for size, expected in ((score.LONG, 1.0 + score.EXACT_POINTS), (30, math.log(66 / 5) / math.log(66))):
        everyone = own(score.LONG + 20)  # the handout's long given code: every pair has it alike
        pairs_g = [own(size) for _ in range(5)]  # g: five pairs, each written alike by its two only
        students = [score.Document(f"s{i}", "class", {"f": everyone, "g": pairs_g[i // 2] if i < 10 else own(size),
                                                     "h": own(30)}) for i in range(12)]
        found = {frozenset((p.a, p.b)): p for p in score.all_pairs(students)}
        s0_s1, s2_s4 = found[frozenset(("s0", "s1"))], found[frozenset(("s2", "s4"))]
        assert s0_s1.alike == {"f": 1.0, "g": 1.0} and s0_s1.agreement == pytest.approx(expected, abs=1e-4), size
        assert s2_s4.alike == {"f": 1.0} and s2_s4.agreement == 0.0


def test_a_whole_copy_of_a_third_student_counts_once_among_the_others_as_close():
    """The agreement's first null counts the others as close to a side by source: x and y write h as z does, and
    z's whole copy counts once with z (one other as close, not two), as it counts once in the rarity."""
    import math
    import random
    rng = random.Random(13)

    def own():
        return frozenset(rng.getrandbits(60) for _ in range(30))
    usual, shared = own(), own()
    students = [score.Document(f"s{i}", "class", {"f": usual, "g": own(), "h": own()}) for i in range(10)]
    x, y, z = (score.Document(name, "class", {"f": usual, "g": own(), "h": shared}) for name in "xyz")
    z_copy = score.Document("z_copy", "class", {f: prints | {rng.getrandbits(60)} for f, prints in z.functions.items()})
    pairs, _ = score.ranked([*students, x, y, z, z_copy])
    x_y = {frozenset((p.a, p.b)): p for p in pairs}[frozenset("xy")]
    assert score._sources(pairs).get("z_copy") == score._sources(pairs).get("z") is not None
    # 14 documents solved h, 91 pairs compared it, 6 wrote it alike (x, y, z, z_copy two by two).
    by_source = math.log(14 / 2) / math.log(14) * math.log(91 / 6) / math.log(91)
    assert x_y.alike == {"f": 1.0, "h": 1.0} and x_y.agreement == pytest.approx(by_source, abs=1e-4)


def test_a_whole_copy_does_not_make_its_sources_code_look_common():
    """Rarity counts sources, not files: once a first count finds a group of whole copies (flagged, every function
    both solved written alike), it counts once. Without that, the copy of x would make the function x and y share
    look common (three documents have it: a quarter of its weight) and hide the partial copy beside it."""
    import random
    rng = random.Random(7)

    def own():
        return frozenset(rng.getrandbits(60) for _ in range(30))
    usual, shared = own(), own()
    students = [score.Document(f"s{i}", "class", {"f": usual, "g": own(), "h": own()}) for i in range(10)]
    x = score.Document("x", "class", {"f": usual, "g": shared, "h": own()})
    y = score.Document("y", "class", {"f": usual, "g": shared | {rng.getrandbits(60)}, "h": own()})
    x_copy = score.Document("x_copy", "class", {f: prints | {rng.getrandbits(60)}
                                                for f, prints in x.functions.items()})
    alone = {frozenset((p.a, p.b)): p for p in score.all_pairs([*students, x, y])}
    pairs, rare = score.ranked([*students, x, y, x_copy])
    together = {frozenset((p.a, p.b)): p for p in pairs}
    groups = score._sources(pairs)  # the copy and its source; not y, which shares one function of three
    assert set(groups) == {"x", "x_copy"} and groups["x"] == groups["x_copy"], groups
    x_y = together[frozenset(("x", "y"))]
    assert x_y.evidence == alone[frozenset(("x", "y"))].evidence >= len(shared)  # each shared fingerprint weighs 1
    assert all(rare.get(h, 1.0) == 1.0 for h in shared) and x_y.flagged, x_y
    assert together[frozenset(("x", "x_copy"))].flagged and not together[frozenset(("s0", "s1"))].flagged


def test_the_class_page_lists_each_flagged_pair_once_and_only_when_measured():
    from grader.report import classpage
    from grader.report.similarity_section import flagged_pairs

    def measured(name, other, flagged):
        document = _report(name)
        document["similarity"] = {"threshold": 0.6, "own_code": 90, "compared": ["rnn_cell_forward"],
                                  "flagged": flagged, "neighbours": [{"other": other, "origin": "class",
                                                                      "score": 0.9 if flagged else 0.2,
                                                                      "flagged": flagged, "functions": {}}]}
        return document
    reports = [measured("<i>ann", "bo", True), measured("bo", "<i>ann", True), measured("cy", "bo", False)]
    page = classpage.render(reports)
    html = page[page.index("<h2>Similar code"):page.index("<h2>Students")]
    assert html.count("<tr><td>") == 1 and "&lt;i&gt;ann" in html and "<i>ann" not in html
    assert 'href="similarity.html"' in html and "1 flagged pairs" in html
    assert flagged_pairs([_report("x")]) is None and "Similar code" not in classpage.render([_report("x")])


VERSION_B = '''    shapes_seen = {}
    for key, value in list(locals().items()):
        shapes_seen[key] = getattr(value, "shape", None)
'''


def in_version_b(text):
    """A file of another version of the handout: every function starts with lines that version hands out."""
    return re.sub(r"^(def \w+\(.*\):\n)", lambda m: m.group(1) + VERSION_B, text, flags=re.M)


def test_the_code_taken_out_follows_each_submissions_version_of_the_handout(tmp_path, rnn):
    starters = write_class(tmp_path / "starter", {"2021.py": STARTER, "2019.py": in_version_b(STARTER)})
    folder = write_class(tmp_path / "class", {"ann.py": in_version_b(STYLES["matmul"]),
                                              "bo.py": in_version_b(STYLES["verbose"]), "cy.py": TEXTBOOK})
    both = run.run(run.entries(folder), tmp_path / "both", rnn, starter=starters)
    one = run.run(run.entries(folder), tmp_path / "one", rnn, starter=starters / "2021.py")
    with_both, with_one = (pair_scores(c).get(frozenset(("ann", "bo"))) for c in (both, one))
    assert with_one.score > 0.2, with_one  # the 2019 lines taken for the students' own code make them alike
    assert with_both is None or with_both.score < with_one.score / 2, with_both
    assert not any(p.flagged for p in both.pairs)


TEMPLATE = '''
import numpy as np


def {name}(x, prev_h, Wx, Wh, b):
    """{doc}"""
    out, cache = None, None
    # TODO: write the {name} step here; keep what the backward pass needs in cache.
    pass
    return out, cache
'''
SOLVED_STEP = '''
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One step of a vanilla RNN."""
    next_h, cache = None, None
    pre = x.dot(Wx) + prev_h.dot(Wh) + b
    next_h = np.tanh(pre)
    cache = (x, prev_h, Wx, Wh, next_h)
    pass
    return next_h, cache
'''


def test_functions_left_as_the_template_never_count_as_shared_code(tmp_path):
    """A file whose functions are all the unsolved template of its year, and two files that solved one function
    and left the LSTM ones as the template: nothing is shared but the solved code."""
    from grader import assignment
    layers = assignment.find("rnn_layers")
    unsolved = "".join(TEMPLATE.format(name=n, doc=f"{n} of the handout.") for n in
                       ("rnn_step_forward", "lstm_step_forward", "lstm_forward", "word_embedding_forward"))
    lstm = "".join(TEMPLATE.format(name=n, doc=f"{n} of the handout.") for n in ("lstm_step_forward", "lstm_forward"))
    own = SOLVED_STEP.replace("""    pre = x.dot(Wx) + prev_h.dot(Wh) + b
    next_h = np.tanh(pre)
    cache = (x, prev_h, Wx, Wh, next_h)""", """    next_h = np.tanh(prev_h @ Wh + x @ Wx + b)
    cache = {"h": next_h, "x": x, "prev": prev_h, "weights": (Wx, Wh)}""")
    folder = write_class(tmp_path / "class", {"template.py": unsolved, "ann.py": SOLVED_STEP + lstm,
                                              "bo.py": own + lstm})
    comparison = run.compare(run.entries(folder), layers)
    assert comparison.unsolved == ["template"]
    assert set(comparison.documents["ann"].functions) == {"rnn_step_forward"}
    assert not any(p.flagged for p in comparison.pairs), comparison.pairs


def test_the_side_by_side_view_marks_the_rare_code_and_not_what_everyone_writes(real_like):
    from grader.similarity.highlight import segments
    comparison, ranked = real_like
    source, copy = comparison.documents[ranked[0]], comparison.documents["copy_own"]
    text = classmates.classmates()[ranked[0]]
    own_ways = [way for ways in classmates.RARE.values() for way in ways if way in text]
    assert own_ways, "the source should have written something of its own"
    marked, unmarked = "", ""
    for function in source.code:
        for piece, mark in segments(source.code[function], copy.code[function], comparison.boilerplate,
                                    comparison.rare):
            marked, unmarked = (marked + piece, unmarked) if mark else (marked, unmarked + piece)
    squeeze = lambda s: "".join(s.split()).replace('"', "'")  # noqa: E731
    assert any(squeeze(way) in squeeze(marked) for way in own_ways), (own_ways, marked)
    assert "caches.append(cache)" in unmarked and "caches.append(cache)" not in marked


@pytest.fixture(scope="module")
def common_way(tmp_path_factory, rnn):
    """Fourteen students who wrote every function the obvious way (tests/similarity_classmates.py's common_way),
    and a renamed copy of one of them: its code is the class's, token for token once names are anonymized."""
    mates = classmates.common_way()
    files = {f"{name}.py": text for name, text in mates.items()}
    files["copy_renamed.py"] = copies.rename(mates["student_03"])
    folder = write_class(tmp_path_factory.mktemp("common_way") / "class", files)
    return run.compare(run.entries(folder), rnn)


def test_a_copy_of_a_student_who_wrote_the_common_way_is_told_apart_by_what_they_typed_around_it(common_way):
    """The fingerprints of the copy are every classmate's: only the source's own comments and layout, rare in the
    class, set it apart; independent classmates who share comments many others write, and the same names, do not
    rise. (Two kinds of surface kept add one point: 0.5 at most, not flagged by that alone; docs/similarity.md.)"""
    pairs = pair_scores(common_way)
    copy = pairs[frozenset(("copy_renamed", "student_03"))]
    independent = [p for p in common_way.pairs if "copy_renamed" not in (p.a, p.b)]
    highest = max(p.score for p in independent)
    assert copy.written.get("comment", 0) >= 4 and copy.surface >= 0.5, copy
    without = copy.score / (1 - copy.score) - copy.surface
    assert without / (1 + without) <= highest + 0.01, "the fingerprints alone should not tell this copy apart"
    assert copy.score > highest + 0.2, (copy.score, highest)
    assert not any(p.flagged for p in independent), [(p.a, p.b, p.score, p.written) for p in independent if p.flagged]
    shared_comment_pairs = [p for p in independent if p.written.get("comment")]
    assert shared_comment_pairs and all(p.written["comment"] < 0.1 for p in shared_comment_pairs), [
        (p.a, p.b, p.written) for p in shared_comment_pairs if p.written["comment"] >= 0.1]


def test_the_side_by_side_view_lists_the_rare_comments_both_wrote_and_not_the_common_ones(common_way, tmp_path):
    from grader.similarity import render
    document = render.write(tmp_path, common_way)
    row = next(r for r in document["pairs"] if {r["a"], r["b"]} == {"copy_renamed", "student_03"})
    assert row["surface"] >= 0.5 and row["written"]["comment"] >= 4 and "surface_full" in document["settings"]
    page = (tmp_path / row["view"]).read_text()
    own = re.findall(r"# ((?:\w+ ){3}3)$", classmates.common_way()["student_03"], re.MULTILINE)
    assert len(own) == 4 and all(f"<mark><code>{text}</code></mark>" in page for text in own), own
    assert "as in the lecture" not in page and "same as before" not in page and "vectorized over" not in page


def test_the_surface_is_what_the_student_typed_that_a_formatter_or_a_renaming_would_not_give():
    import ast as python_ast
    from grader.similarity import surface

    def written(source):
        node = python_ast.parse(source).body[0]
        return sorted(surface.texts(source, node, python_ast.get_docstring(node, clean=False)).values())
    formatted = 'def f(x, w):\n    """Given by the handout."""\n    y = np.dot(w, x)  # My own Words\n    return y\n'
    assert written(formatted) == [("comment", "my own words"), ("statement", "def f ( x , w ) :"),
                                  ("statement", "y = np . dot ( w , x )")]  # the docstring is the handout's
    mine = written(formatted.replace("np.dot(w, x)", "np.dot(w,x)").replace("y =", "y  =").replace("w, x)", "w,x)"))
    assert ("layout", "V  = V.dot(V,V)") in mine  # spacing kept, names replaced: a renaming keeps it
    assert written("def f(a):\n    b = g(a, 'q')\n") == written('def f(a):\n    b = g(a, "q")\n')  # quotes: no habit


def _prints(rng, size):
    return frozenset(rng.getrandbits(60) for _ in range(size))


def test_a_long_function_held_exactly_flags_its_holders_and_one_a_few_lines_apart_does_not():
    """Four students hold one long function fingerprint for fingerprint (a copy passed around, renamed or
    respaced); four others write another long function alike, each a few fingerprints apart (a class's common way
    converges line by line, never on every choice). Only the exact holders get EXACT_POINTS more, and only they are
    flagged, though their functions are as long, as rare and as closely written as the others'."""
    import math
    import random
    rng = random.Random(5)
    exact, common = _prints(rng, score.LONG), _prints(rng, score.LONG)
    held = [score.Document(f"e{i}", "class", {"g": exact, "h": _prints(rng, 30)}) for i in range(4)]
    lines = sorted(common)  # each of the four leaves out three fingerprints of its own: 94 of 100 shared two by two
    near = [score.Document(f"n{i}", "class", {"g": frozenset(lines[:3 * i] + lines[3 * i + 3:]) | _prints(rng, 3),
                                               "h": _prints(rng, 30)}) for i in range(4)]
    others = [score.Document(f"o{i}", "class", {"g": _prints(rng, score.LONG), "h": _prints(rng, 30)})
              for i in range(12)]
    found = {frozenset((p.a, p.b)): p for p in score.all_pairs([*held, *near, *others])}
    e, n = found[frozenset(("e0", "e1"))], found[frozenset(("n0", "n1"))]
    assert e.alike == {"g": 1.0} and 0.92 <= n.alike["g"] < score.EXACT
    null = math.log(20 / 3) / math.log(20)  # 20 solved g; two others as close to a side
    # The long function's length makes one point for both (score.LONG own fingerprints); held exactly, 1.5 more.
    assert e.agreement == pytest.approx(null * 2.5, abs=1e-3)
    assert n.agreement == pytest.approx(null * 1.0, abs=1e-3)
    assert e.score > n.score + 0.2 and e.flagged and not n.flagged


def test_a_whole_copy_of_a_student_who_wrote_the_common_way_stands_above_two_who_did(monkeypatch):
    """Every function of the class has three common ways and nothing rare. A copy (the same way in every function,
    and the same functions solved but for a stub its edits left) gets the whole-file agreement; two students who
    chose the same ways in every function but whom a third student matches too get less; two near-empty files
    (less own code than score.LONG) get none, and a pair that differs in one function none."""
    import random
    rng = random.Random(7)
    ways = {f: [_prints(rng, 30) for _ in range(3)] for f in "fghi"}

    def student(name, choice, extra=None):
        functions = {f: ways[f][c] for f, c in zip("fghi", choice)}
        return score.Document(name, "class", {**functions, **(extra or {})})
    choices = [tuple(rng.randrange(3) for _ in "fghi") for _ in range(30)]
    choices = [c for c in choices if c not in ((0, 1, 2, 0), (2, 2, 1, 1))]
    students = [student(f"s{i}", c) for i, c in enumerate(choices)]
    source = student("source", (0, 1, 2, 0))
    copy = student("copy", (0, 1, 2, 0), {"stub": _prints(rng, 5)})  # a tenth of its own code or less
    twins = [student(f"twin{i}", (2, 2, 1, 1)) for i in range(3)]
    small = [score.Document(f"small{i}", "class", {"f": ways["f"][0]}) for i in range(2)]
    everyone = [*students, source, copy, *twins, *small]
    found = {frozenset((p.a, p.b)): p for p in score.all_pairs(everyone)}
    copied, twin = found[frozenset(("source", "copy"))], found[frozenset(("twin0", "twin1"))]
    assert copied.whole == 1.0 and twin.whole == 1.0
    assert copied.agreement > twin.agreement and copied.score > twin.score
    # No one else holds the copy's set of ways: it adds PROFILE in full, times (its 120 fingerprints alike / LONG)^2.
    full = score.PROFILE * (4 * 30 / score.LONG) ** 2
    monkeypatch.setattr(score, "PROFILE", 0.0)
    without = {frozenset((p.a, p.b)): p for p in score.all_pairs(everyone)}
    assert copied.agreement - without[frozenset(("source", "copy"))].agreement == pytest.approx(full, abs=1e-3)
    assert twin.agreement - without[frozenset(("twin0", "twin1"))].agreement < full
    assert found[frozenset(("small0", "small1"))].whole == 0.0
    assert all(p.whole == 0.0 for p in found.values() if "source" in (p.a, p.b) and len(p.alike) < 4)


def test_a_whole_copy_with_one_function_disguised_stands_above_two_who_converged_on_most():
    """A class as seed 002's: four short forward passes that every student writes one of three common ways, two
    short backward passes likewise, and two long ones that few students finish, each held by a handful (the common
    way of a long function). Two students who converge on seven functions of eight, the two long ones among them
    (ways a few others hold too), are alike in most of the file; a whole copy of a student who wrote every function a
    common way,
    with statements inserted into one short function (PART of its code left, not NEAR), is alike in every choice
    of a longer file. The copy gets the whole-file agreement, grown with the code written alike, and ranks above."""
    import random
    rng = random.Random(3)
    short, long_ = ["f1", "f2", "f3", "f4", "b1", "b2"], ["b3", "b4"]
    ways = {f: [_prints(rng, 30) for _ in range(3)] for f in short}
    held = {f: [_prints(rng, score.LONG) for _ in range(3)] for f in long_}  # each long way held by a few

    def student(name, choice, longs):
        return score.Document(name, "class", {**{f: ways[f][c] for f, c in zip(short, choice)}, **longs})
    students = []
    for i in range(30):
        choice = tuple(rng.randrange(3) for _ in short)
        longs = ({f: held[f][i % 3] if i % 2 else _prints(rng, score.LONG) for f in long_} if i < 18 else {})
        students.append(student(f"s{i}", choice, longs))  # the last 12 solved the forward passes only
    source = student("source", (0, 1, 2, 0, 1, 2), {"b3": held["b3"][0], "b4": held["b4"][1]})
    disguised = sorted(source.functions["b1"])[3:]  # three of its 30 fingerprints cut by inserted statements
    copy = score.Document("copy", "class", {**source.functions, "b1": frozenset(disguised) | _prints(rng, 4)})
    p = student("p", (1, 2, 0, 1, 0, 1), {"b3": held["b3"][2], "b4": held["b4"][2]})
    q = student("q", (1, 2, 0, 1, 0, 2), {"b3": held["b3"][2], "b4": held["b4"][2]})
    found = {frozenset((x.a, x.b)): x for x in score.all_pairs([*students, source, copy, p, q])}
    copied, converged = found[frozenset(("source", "copy"))], found[frozenset(("p", "q"))]
    assert len(copied.alike) == 7 and copied.functions["b1"] >= score.PART and copied.whole == 1.0
    assert len(converged.alike) == 7 and converged.whole == 0.0
    assert copied.score > converged.score, (copied, converged)


LOOPED = '''import numpy as np


def step_all(x, h0, Wx, Wh, b):
    """Run the cell over every time step."""
    N, T, D = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    prev = h0
    for t in range(T):
        pre = x[:, t, :] @ Wx + prev @ Wh + b
        prev = np.tanh(pre)
        h[:, t, :] = prev
    return h
'''
# The same function with the loop's body moved into a helper, as a copier disguises a copy (the helper's own names
# for two of the values, its result returned as a tuple and unpacked).
MOVED = '''import numpy as np


def _step_part(x, prev, Wx, Wh, b, h, t):
    pre = x[:, t, :] @ Wx + prev @ Wh + b
    prev = np.tanh(pre)
    h[:, t, :] = prev
    return (pre, prev)


def step_all(x, h0, Wx, Wh, b):
    """Run the cell over every time step."""
    N, T, D = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    prev = h0
    for t in range(T):
        pre, prev = _step_part(x, prev, Wx, Wh, b, h, t)
    return h
'''


def test_a_block_moved_into_a_helper_is_compared_in_its_place(tmp_path):
    """A helper called once, as a statement, is written back where it is called: the copy is its source's code,
    fingerprint for fingerprint. A helper called twice, or with a `return` before its end, stays after the function
    (its code still counts, but not in place)."""
    from grader.similarity import extract, fingerprint
    (tmp_path / "looped.py").write_text(LOOPED)
    (tmp_path / "moved.py").write_text(MOVED)
    (tmp_path / "twice.py").write_text(MOVED.replace("        pre, prev = _step_part(x, prev, Wx, Wh, b, h, t)",
                                                     "        pre, prev = _step_part(x, prev, Wx, Wh, b, h, t)\n"
                                                     "        _step_part(x, prev, Wx, Wh, b, h, t)"))
    (tmp_path / "early.py").write_text(MOVED.replace("    prev = np.tanh(pre)",
                                                     "    if t < 0:\n        return (pre, prev)\n"
                                                     "    prev = np.tanh(pre)"))
    code = {name: extract.graded_code(tmp_path / f"{name}.py", ["step_all"])["step_all"].code
            for name in ("looped", "moved", "twice", "early")}
    assert code["moved"] == code["looped"]
    prints = {name: fingerprint.fingerprints(fingerprint.tokens(text).words) for name, text in code.items()}
    assert prints["moved"] == prints["looped"]
    for kept in ("twice", "early"):
        assert "def _step_part(" in code[kept] and "_step_part(x, prev" in code[kept].split("def _step_part")[0]


def test_a_template_with_stray_lines_is_not_solved_code_the_other_side_lacks(tmp_path, rnn):
    """Lines inserted into a function left as the handout's template (a shape check, a temporary never used) give it
    fingerprints of its own, but it computes nothing the template does not: against a student who solved that
    function it does not count (it would weigh the pair down as a function solved apart); two files that carry the
    same stray lines still share them."""
    from grader.similarity import collect
    start = STARTER.index("def rnn_cell_forward")
    template = STARTER[start:STARTER.index("\ndef ", start + 1)]
    started = "import numpy as np\n\n\n" + template.replace(
        "    ### START CODE HERE ###", "    assert xt is not None\n    _shape_12 = np.shape(a_prev)\n"
        "    n_check = len(np.shape(parameters))\n    ### START CODE HERE ###")
    write_class(tmp_path, {"started.py": started, "same.py": started, "solved.py": TEXTBOOK})
    setting = collect.setting(rnn)
    started, same, solved = (collect.document(n, "class", tmp_path / f"{n}.py", setting)
                             for n in ("started", "same", "solved"))
    assert "rnn_cell_forward" in started.functions and started.stray == {"rnn_cell_forward"}
    assert not solved.stray
    pair = score.compare(started, solved)
    assert pair is None or "rnn_cell_forward" not in pair.functions, pair
    assert score.compare(started, same).functions == {"rnn_cell_forward": 1.0}


def test_statements_inserted_into_a_function_do_not_keep_its_copy_from_being_written_alike(tmp_path, rnn):
    """A shape check, an `assert` or a temporary never read, inserted into a short function, cut many of its runs
    of tokens, and the copy no longer looks written alike; without the lines that compute nothing read it is its
    source's code again. Lines whose value is read still tell two students apart."""
    from grader.similarity import collect
    cell = OPERATORS.index("def lstm_cell_forward")
    inserted = (OPERATORS[:cell] + OPERATORS[cell:]
                .replace("    ft = sigmoid", "    _shape_9 = np.shape(xt)\n    ft = sigmoid", 1)
                .replace("    ot = sigmoid", "    assert z is not None\n    ot = sigmoid", 1))
    used = (OPERATORS[:cell] + OPERATORS[cell:]
            .replace("    ft = sigmoid", "    xt = np.asarray(xt)\n    ft = sigmoid", 1)
            .replace("    ot = sigmoid", "    z = z * 1.0\n    ot = sigmoid", 1))
    write_class(tmp_path, {"source.py": OPERATORS, "copy.py": inserted, "own.py": used})
    setting = collect.setting(rnn)
    source, copy, own = (collect.document(n, "class", tmp_path / f"{n}.py", setting) for n in ("source", "copy", "own"))
    assert len(source.functions["lstm_cell_forward"] & copy.functions["lstm_cell_forward"]) < (
        score.NEAR * len(source.functions["lstm_cell_forward"]))  # the inserted lines cut its runs of tokens
    assert score.compare(source, copy).alike["lstm_cell_forward"] == 1.0
    assert "lstm_cell_forward" not in score.compare(source, own).alike


def test_a_pair_of_students_close_to_many_others_stands_below_a_pair_as_close_to_no_one_else(monkeypatch):
    """Students who write the class's common way share a piece with many classmates, a different piece with each
    (c0 to c5, each pair of them 8 fingerprints that no one else has); c0 and c1 share 14 more. x and y share as
    much as c0 and c1, from files as large, and nothing with anyone else: the same rare code shared, but only x and
    y stand out from what each of them usually scores. With the usual evidence taken off (score.USUAL), x and y rank
    above c0 and c1; without it the two pairs tie."""
    import random
    rng = random.Random(17)
    common = {frozenset((i, j)): _prints(rng, 8) for i in range(6) for j in range(i + 1, 6)}
    extra, shared = _prints(rng, 14), _prints(rng, 22)

    def document(name, h):
        return score.Document(name, "class", {"f": _prints(rng, 30), "g": _prints(rng, 30), "h": h})
    hubs = [document(f"c{i}", frozenset().union(*(p for two, p in common.items() if i in two))
                     | (extra if i < 2 else _prints(rng, 14)) | _prints(rng, 10)) for i in range(6)]
    x, y = (document(name, shared | _prints(rng, 42)) for name in "xy")
    others = [document(f"s{i}", _prints(rng, 64)) for i in range(10)]
    everyone = [*hubs, x, y, *others]
    found = {frozenset((p.a, p.b)): p for p in score.all_pairs(everyone)}
    x_y, c0_c1 = found[frozenset("xy")], found[frozenset(("c0", "c1"))]
    assert x_y.evidence == c0_c1.evidence == 22 and x_y.usual == 0.0 < c0_c1.usual
    assert x_y.score > c0_c1.score, (x_y, c0_c1)
    monkeypatch.setattr(score, "USUAL", 0.0)
    before = {frozenset((p.a, p.b)): p.score for p in score.all_pairs(everyone)}
    assert before[frozenset("xy")] == before[frozenset(("c0", "c1"))] == x_y.score


def test_a_pair_that_shares_words_of_its_own_keeps_its_evidence_however_close_its_sides_are_to_others():
    """Functions pasted between two students who each write the class's common way keep their comments: c0 and c1,
    close to many classmates as the six hubs above are, share 14 fingerprints more and four comments that no one
    else wrote; c2 and c3 as much code and four layouts of a line. Students converge on the same lines, not on the
    same words around them: c0 and c1 keep their evidence (score.WORDS), while c2 and c3, whose layouts a shared
    editor or formatter could give, have theirs taken off and rank below."""
    import random
    rng = random.Random(23)
    common = {frozenset((i, j)): _prints(rng, 8) for i in range(6) for j in range(i + 1, 6)}
    pasted, laid = _prints(rng, 14), _prints(rng, 14)
    comments = frozenset(rng.getrandbits(60) << 2 for _ in range(4))  # surface.KINDS: kind 0, a comment
    layouts = frozenset(rng.getrandbits(60) << 2 | 2 for _ in range(4))  # kind 2, a layout

    def hub(i):
        code = frozenset().union(*(p for two, p in common.items() if i in two)) | _prints(rng, 10)
        extra, words = {0: (pasted, comments), 1: (pasted, comments), 2: (laid, layouts), 3: (laid, layouts)}.get(
            i, (_prints(rng, 14), frozenset()))
        return score.Document(f"c{i}", "class", {"f": _prints(rng, 30), "g": _prints(rng, 30), "h": code | extra},
                              surface={"h": words})
    others = [score.Document(f"s{i}", "class", {"f": _prints(rng, 30), "g": _prints(rng, 30), "h": _prints(rng, 64)})
              for i in range(10)]
    found = {frozenset((p.a, p.b)): p for p in score.all_pairs([*map(hub, range(6)), *others])}
    worded, spaced = found[frozenset(("c0", "c1"))], found[frozenset(("c2", "c3"))]
    assert worded.written["comment"] == spaced.written["layout"] == 4 and worded.surface == spaced.surface
    assert worded.usual == 0.0 < spaced.usual, (worded, spaced)
    assert worded.score > spaced.score


def _common_ways_class():
    """(the random source, a maker of students, 30 students): each writes functions f to i one of the class's three
    common ways (30 fingerprints each), by a choice of ways like (0, 1, 2, 0)."""
    import random
    rng = random.Random(7)
    ways = {f: [_prints(rng, 30) for _ in range(3)] for f in "fghi"}

    def student(name, choice):
        return score.Document(name, "class", {f: ways[f][c] for f, c in zip("fghi", choice)})
    return rng, student, [student(f"s{i}", tuple(rng.randrange(3) for _ in "fghi")) for i in range(30)]


def test_a_whole_copy_of_a_common_way_student_keeps_its_evidence_however_close_its_source_is_to_others():
    """A student who wrote every function one of the class's three common ways is close to many classmates (each
    shares some of the ways), and so is the copy of that student's file. The whole-file term has already asked how
    many others are as alike to either side in every function, so nothing is taken off the copy for its sides'
    usual evidence, while the source's pairs with classmates who share some of its ways have theirs taken off."""
    rng, student, students = _common_ways_class()
    source, copy = student("source", (0, 1, 2, 0)), student("copy", (0, 1, 2, 0))
    found = score.all_pairs([*students, source, copy])
    copied = next(p for p in found if {p.a, p.b} == {"source", "copy"})
    assert copied.whole == 1.0 and copied.usual == 0.0, copied
    assert any(p.usual > 0 for p in found if "source" in (p.a, p.b) and not p.whole)


def test_a_whole_copy_of_a_half_solved_file_with_stray_lines_in_its_stubs_is_still_a_whole_copy():
    """A student who solved four functions the class's common ways and left two as the template; a copier inserted a
    shape check or a temporary into each stub (functions only started: Document.stray, no solved code). The stubs are
    not functions the copy solved apart from its source: the pair is a whole file alike, gets the whole-file term
    and keeps its evidence, as the same copy without the stray lines does."""
    rng, student, students = _common_ways_class()
    source, plain = student("source", (0, 1, 2, 0)), student("plain", (0, 1, 2, 0))
    stubs = {"j": _prints(rng, 8), "k": _prints(rng, 8)}  # 16 own fingerprints: over a tenth of the source's 120
    copy = score.Document("copy", "class", {**source.functions, **stubs}, stray=frozenset(stubs))
    found = {frozenset((p.a, p.b)): p for p in score.all_pairs([*students, source, copy])}
    copied = found[frozenset(("source", "copy"))]
    alone = next(p for p in score.all_pairs([*students, source, plain]) if {p.a, p.b} == {"source", "plain"})
    assert set(copied.functions) == set("fghi") and copied.whole == 1.0 and copied.usual == 0.0, copied
    assert copied.score == pytest.approx(alone.score, abs=0.02) and copied.flagged == alone.flagged


def test_a_long_function_held_exactly_is_still_exact_with_a_statement_inserted_that_computes_nothing():
    """Four students write a long function alike, each a few fingerprints apart (the class's common way); a source
    and its copy hold another exactly, but the copier inserted a shape check into it, which cuts four of its runs
    of tokens and adds four of its own (0.96 of the source's left: alike, not exact). Without the lines that compute
    nothing read (Document.live) the copy is its source's function again, held exactly, and the pair gets
    EXACT_POINTS more, as the same copy without the inserted line does; the four who converged still do not."""
    import random
    rng = random.Random(5)
    exact, common = _prints(rng, score.LONG), _prints(rng, score.LONG)
    lines, cut = sorted(common), sorted(exact)
    near = [score.Document(f"n{i}", "class", {"g": frozenset(lines[:3 * i] + lines[3 * i + 3:]) | _prints(rng, 3),
                                               "h": _prints(rng, 30)}) for i in range(4)]
    others = [score.Document(f"o{i}", "class", {"g": _prints(rng, score.LONG), "h": _prints(rng, 30)})
              for i in range(12)]
    source = score.Document("source", "class", {"g": exact, "h": _prints(rng, 30)})
    copy = score.Document("copy", "class", {"g": frozenset(cut[4:]) | _prints(rng, 4), "h": _prints(rng, 30)},
                          live={"g": exact})
    plain = score.Document("copy", "class", {"g": exact, "h": copy.functions["h"]})
    found = {frozenset((p.a, p.b)): p for p in score.all_pairs([*near, *others, source, copy])}
    copied = found[frozenset(("source", "copy"))]
    alone = next(p for p in score.all_pairs([*near, *others, source, plain]) if {p.a, p.b} == {"source", "copy"})
    assert copied.alike == {"g": 1.0} and copied.agreement == pytest.approx(alone.agreement, abs=1e-3), copied
    assert copied.flagged and all(p.alike.get("g", 0) < score.EXACT for p in found.values() if "n0" in (p.a, p.b))


# Clicks the class page's column headers as a person would, and records the rows before and after each click.
SORT_PROBE = """<script>window.addEventListener("load", function () {
  var table = document.getElementById("flagged"), heads = table.tHead.rows[0].cells;
  function column(i) { return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return r.cells[i].textContent; }); }
  var seen = {shown: column(4)};
  heads[4].click(); seen.up = column(4);
  heads[4].click(); seen.down = column(4);
  heads[1].click(); seen.names = column(1);
  heads[6].click(); seen.shared = column(6);
  seen.links = Array.prototype.map.call(table.querySelectorAll("a"), function (a) { return a.getAttribute("href"); });
  var out = document.createElement("pre"); out.id = "sorted"; out.textContent = JSON.stringify(seen);
  document.body.appendChild(out);
});</script>"""


def test_the_pages_sort_and_link_in_a_browser(compared, tmp_path):
    """The similarity page in headless Chromium: its flagged rows sort by score both ways, by name and by the rare
    code shared as numbers, on a click of the header; each flagged row links a side-by-side page, and the first
    opens and shows the matching code marked, with no error."""
    comparison, out = compared
    seen, _ = in_browser(out / "similarity.html", tmp_path, SORT_PROBE)
    assert seen["probe"]["errors"] == []
    rows = seen["sorted"]
    flagged = [p for p in comparison.pairs if p.flagged]
    assert len(rows["shown"]) == len(flagged) and rows["shown"] == [f"{p.score:.2f}" for p in flagged]
    assert rows["up"] == sorted(rows["shown"], key=float) and rows["down"] == rows["up"][::-1]
    assert rows["names"] == sorted(p.a for p in flagged)
    assert rows["shared"] == [str(n) for n in sorted(p.evidence for p in flagged)]  # as numbers: 9 before 10
    assert len(rows["links"]) == len(flagged)
    pair = (out / rows["links"][0]).resolve()
    assert pair.is_file() and pair.parent == (out / "similarity").resolve()
    marks = """<script>window.addEventListener("load", function () {
      var out = document.createElement("pre"); out.id = "marks";
      out.textContent = JSON.stringify(document.querySelectorAll("pre mark").length);
      document.body.appendChild(out); });</script>"""
    shown, _ = in_browser(pair, tmp_path, marks)
    assert shown["probe"]["errors"] == [] and shown["marks"] > 0


def test_the_page_fits_a_screen_with_names_as_long_as_a_real_class_has(tmp_path, rnn):
    """Submissions named as collected from public repositories or a course's export (owner, repository, commit:
    60 characters with no space) still fit a 1024-pixel window: names wrap, each function's share stays on one
    line, and the side-by-side page says which functions were written alike."""
    names = ["Firstname-Lastname__Building_a_Recurrent_Neural_Network_Step_by_Step__0123abcd",
             "another-student-login__deeplearning.ai---Sequence_Models__89abcdef"]
    folder = write_class(tmp_path / "class", {f"{names[0]}.py": TEXTBOOK, f"{names[1]}.py": copies.renamed()})
    run.run(run.entries(folder), tmp_path / "out", rnn)
    seen, _ = in_browser(tmp_path / "out" / "similarity.html", tmp_path, FITS, "--window-size=1024,900")
    assert seen["probe"]["errors"] == [] and seen["fits"] <= 0, f"{seen['fits']} pixels wider than the window"
    view = json.loads((tmp_path / "out" / "similarity.json").read_text())["pairs"][0]["view"]
    assert ", written alike</h2>" in (tmp_path / "out" / view).read_text()
