"""The batch's renderers and helpers on small made-up reports: no grading, so each case is quick and exact."""
import csv
import io
import os
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest

from conftest import ROOT
from grader import report
from grader.batch import grade_all as batch
from grader.batch.progress import Progress
from grader.grade import Graded, Result
from grader.report import classpage, gradebook, gradescope, junit
from grader.sandbox.intake import Submission
from grader.sandbox.limits import Limits

SCHEMA = json.loads((ROOT / "grader" / "report" / "schema.json").read_text())


DEMO = SimpleNamespace(name="demo", settings={"tolerance": {"rtol": 1e-5, "atol": 1e-6}})


def check(id, status="passed", points=1.0, max_points=1.0, message="", optional=False, diagnoses=()):
    function = None if id.startswith("submission.") else id.rsplit(".", 1)[0]
    return Result(id, function, f"what {id} checks", points, max_points, status, message, optional, 0.25,
                  diagnoses=list(diagnoses))


def document(name, checks, loaded=True, stdout="", seconds=1.5):
    """A report made by the real builder from made-up check results."""
    graded = Graded(submission=Submission(name, Path(f"{name}.py"), "module", f"{name}.py"), results=checks,
                    load_error=None if loaded else {"message": "did not load"}, output=[stdout, ""], restarts=0)
    made = report.build(graded, DEMO, Limits())
    made["seconds"] = seconds
    return made


def wrong(name, diagnoses=()):
    return document(name, [check("submission.loads", max_points=0), check("f.public"),
                           check("f.hidden_values", "failed", 0, 2, "f is off by one\nexpected 1, got 2",
                                 diagnoses=diagnoses),
                           check("f.properties", "failed", 0, 2, "fails for Case(n=1)", diagnoses=diagnoses),
                           check("g.public", "timeout", 0, 1, "g ran past its 2 s limit")])


def test_made_up_reports_follow_the_schema():
    jsonschema.validate(wrong("amy"), SCHEMA)


def test_gradescope_hidden_checks_and_their_visibility_are_configurable():
    made = wrong("amy", diagnoses=["f.off_by_one"])
    tests = {t["name"].split(":")[0]: t for t in gradescope.render(made)["tests"]}
    assert tests["f.hidden_values"]["visibility"] == "after_published"
    assert tests["f.public"]["visibility"] == tests["f.properties"]["visibility"] == "visible"
    assert tests["g.public"]["status"] == "failed" and tests["g.public"]["output"].startswith("[timeout]")
    assert "f.off_by_one" in tests["f.hidden_values"]["output"]
    custom = gradescope.render(made, hidden_kinds=("properties",), hidden_visibility="hidden")["tests"]
    assert [t["visibility"] for t in custom] == ["visible", "visible", "visible", "hidden", "visible"]
    with pytest.raises(ValueError, match="after_published"):
        gradescope.render(made, hidden_visibility="later")


def test_junit_keeps_what_xml_can_hold_of_any_output():
    made = wrong("amy")
    made["output"]["stdout"] = "bell \x07 escape \x1b[31m nul \x00 and <tags> & ünïcode"
    made["checks"][2]["message"] = "got \x0b instead"
    suites = ET.fromstring(junit.render(made).encode())
    suite = suites.find("testsuite")
    assert suite.get("tests") == "5" and suite.get("failures") == "2" and suite.get("errors") == "1"
    assert "<tags> & ünïcode" in suite.find("system-out").text and "\x00" not in suite.find("system-out").text
    failure = suite.find("testcase[@name='hidden_values']/failure")
    assert failure.get("message") == failure.text == "got \ufffd instead" and failure.get("type") == "WrongAnswer"
    assert suite.find("testcase[@name='public'][@classname='demo.g']/error").get("type") == "Timeout"


def test_gradebook_rows_are_sorted_and_say_why_a_submission_has_no_score():
    timed_out = document("bob", [check("submission.loads", "timeout", 0, 0, "too long"), check("f.public", "skipped", 0)],
                         loaded=False)
    rows = list(csv.DictReader(io.StringIO(gradebook.render([wrong("cat"), timed_out]))))
    assert [(r["student"], r["status"], r["f"], r["g"]) for r in rows] == [("bob", "timed out", "0", "0"),
                                                                            ("cat", "graded", "1", "0")]


def test_class_page_counts_each_diagnosed_mistake_once_per_student():
    reports = [wrong("amy", ["f.off_by_one"]), wrong("bob", ["f.off_by_one", "f.transposed"]), wrong("cat")]
    page = classpage.render(reports)
    table = page[page.index('<table id="diagnoses">'):]
    table = table[:table.index("</table>")]
    assert "<code>f.off_by_one</code></td><td class='n'>2</td>" in table
    assert "<code>f.transposed</code></td><td class='n'>1</td>" in table
    assert '<svg id="score-histogram"' in page and '<table id="pass-rates"' in page and "<img " not in page


def test_class_page_escapes_names_and_says_when_there_are_no_diagnoses():
    made = wrong('<b>"x"&y</b>')
    for c in made["checks"]:
        del c["diagnoses"]
    hostile = document("eve", [check("<script>f</script>.public")])
    del hostile["checks"][0]["diagnoses"]
    page = classpage.render([made, hostile])
    assert '&lt;b&gt;&quot;x&quot;&amp;y&lt;/b&gt;' in page and '<b>"x"' not in page
    assert "<script>" not in page and "<code>&lt;script&gt;f&lt;/script&gt;</code>" in page  # the grid's rows
    assert 'href="%3Cb%3E%22x%22%26y%3C/b%3E/report.md"' in page
    assert "name no mistakes" in page


def _charts(page):
    """What the class page's charts say: {chart id: [(low, high, count)]} of each histogram, and the pass-rate
    grid as {function: [cell text]}."""
    import re
    bars = {ident: [(float(low), float(high), int(count)) for low, high, count in re.findall(
        r'<rect class="bar"[^>]* data-low="([^"]+)" data-high="([^"]+)" data-count="(\d+)"', svg)]
        for ident, svg in re.findall(r'<svg id="([\w-]+)"(.*?)</svg>', page, re.S)}
    table = page[page.index('<table id="pass-rates"'):]
    table = table[:table.index("</table>")]
    grid = {row: re.findall(r'<td class="n"[^>]*>([^<]*)</td>', cells)
            for row, cells in re.findall(r'<th scope="row"><code>(\w+)</code></th>(.*?)</tr>', table, re.S)}
    return bars, grid


def test_the_class_pages_charts_say_the_scores_times_and_pass_rates_of_the_reports():
    import numpy
    reports = [wrong("amy"), wrong("bob"), wrong("cat"),
               document("dan", [check("submission.loads", max_points=0), check("f.public"),
                                check("f.hidden_values", points=2, max_points=2), check("g.public")], seconds=9.0)]
    reports[1]["score"] = 0.0  # the score a report says, not one the page works out again
    bars, grid = _charts(classpage.render(reports))
    assert list(bars) == ["score-histogram", "grading-time"]
    scores = [r["score"] for r in reports]
    assert sum(count for _, _, count in bars["score-histogram"]) == len(reports)
    for low, high, count in bars["score-histogram"]:
        assert count == sum(low <= s < high for s in scores), (low, high, scores)
    times = [r["seconds"] for r in reports]
    counts, edges = numpy.histogram(times, bins=5)
    assert [count for _, _, count in bars["grading-time"]] == [c for c in counts if c]
    assert [low for low, _, _ in bars["grading-time"]] == pytest.approx([e for e, c in zip(edges, counts) if c])
    # f: public passed by all 4, hidden_values by dan alone; g: public by dan alone; f has no check of g's kinds
    assert grid == {"f": ["100%", "25%", "0%"], "g": ["25%", "", ""]}


@pytest.mark.parametrize("seed", range(5))
def test_the_histograms_bins_are_numpys(seed):
    import numpy
    from grader.report import charts
    values = numpy.random.default_rng(seed).integers(0, 40, size=60).astype(float).tolist() + [0.0, 40.0]
    edges = [0.0, 5.0, 10.0, 20.0, 40.0]
    assert charts.bins(values, edges) == numpy.histogram(values, bins=edges)[0].tolist()


def test_the_pass_rate_grid_shades_from_red_to_green_with_readable_text():
    from grader.report import charts
    grid = dict(charts.pass_rate_grid(["f", "g"], ["public", "properties"],
                                      {("f", "public"): 1.0, ("f", "properties"): 0.0, ("g", "public"): 0.5}))
    assert [cell.text for cell in grid["f"] + grid["g"]] == ["100%", "0%", "50%", ""]
    assert grid["f"][0].background == charts.RED_YELLOW_GREEN[-1] and grid["f"][1].background == "#a50026"
    assert grid["g"][0].background == charts.RED_YELLOW_GREEN[5] and grid["g"][0].colour == "black"
    assert grid["f"][0].colour == grid["f"][1].colour == "white" and grid["g"][1].rate is None


def test_entries_are_named_by_their_stem_unless_two_share_it(tmp_path):
    for name in ("amy.py", "bob.py", "bob.ipynb", ".hidden.py"):
        (tmp_path / name).write_text("")
    (tmp_path / "cat").mkdir()
    (tmp_path / "out").mkdir()
    entries = batch.discover(tmp_path, tmp_path / "out")
    assert [(e.name, e.path.name) for e in entries] == [("amy", "amy.py"), ("bob.ipynb", "bob.ipynb"),
                                                        ("bob.py", "bob.py"), ("cat", "cat")]


def test_a_folder_changes_its_hash_when_any_file_in_it_changes(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.py").write_text("x = 1\n")
    before = batch.content_hash(tmp_path)
    (tmp_path / "sub" / "a.py").write_text("x = 2\n")
    assert batch.content_hash(tmp_path) != before


def test_a_submission_whose_grading_did_not_finish_gets_a_valid_report_with_nothing_counted(rnn):
    entry = batch.Entry("dan", Path("dan.py"))
    made = batch.unfinished_report(entry, rnn, Limits(), "timeout", "stopped after 600 s")
    jsonschema.validate(made, SCHEMA)
    assert made["score"] == 0 and not made["loaded"] and made["max_score"] == 52
    assert made["checks"][0]["status"] == "timeout" and gradebook.status(made) == "timed out"


def test_progress_without_a_terminal_prints_one_line_per_submission():
    stream = io.StringIO()
    progress = Progress(2, stream=stream)
    progress.finished("amy", "52 / 52 in 1.0 s")
    progress.finished("bob", "not graded: it hung", failed=True)
    assert stream.getvalue() == "[1/2] amy: 52 / 52 in 1.0 s\n[2/2] bob: not graded: it hung\n"
    assert progress.failed == 1


def test_the_class_page_lists_mistakes_as_many_students_made_in_one_order_whatever_the_process():
    """Tied mistakes were listed in the order of a set of strings, which Python's hash seed changes per process."""
    import subprocess
    import sys
    from conftest import ROOT
    code = ("import sys; sys.path.insert(0, 'tests'); from test_batch_outputs import wrong; "
            "from grader.report import classpage; "
            "print(classpage.render([wrong('amy', ['f.a', 'f.b', 'f.c', 'f.d', 'f.e', 'f.f']), wrong('bob', ['f.a'])]))")
    pages = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(5)}
    assert len(pages) == 1
    page = pages.pop()
    assert [page.index(f"<code>f.{x}</code></td><td class='n'>") for x in "abcdef"] == sorted(
        page.index(f"<code>f.{x}</code></td><td class='n'>") for x in "abcdef")
