"""A class whose students name and write what attacks the grader outside its sandbox, graded by `python -m grader
grade-all` in a subprocess as an instructor runs it, then again with --force: names that collide, that are the
class's own files, that are 243 characters long, that are spreadsheet formulas or terminal escape sequences;
messages that close report.md's code blocks; an error formatter replaced to send megabytes; a report.md and a
report.pdf larger than the caps; a zip bomb. Small caps (--answer-bytes, --message-chars, --report-bytes) keep it
fast; docs/grading-a-class.md gives the real figures of the 1 GiB cases.
"""
import csv
import html
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote

import mistune
import nbformat
import pytest

from benchmarks import classroom
from conftest import ROOT
from grader.batch import grade_all, names
from grader.report import spreadsheet

ANSWER_BYTES, MESSAGE_CHARS, REPORT_BYTES = 65_536, 2_000, 40_000
CAPS = ["--answer-bytes", str(ANSWER_BYTES), "--message-chars", str(MESSAGE_CHARS), "--report-bytes",
        str(REPORT_BYTES)]
LIMITS = ["--call-timeout", "2", "--load-timeout", "6", "--cell-timeout", "5", "--memory-mb", "1024"]
ESCAPES = "\x1b]0;owned\x07\x1b[2J\x1b[H\r"
FENCE_BREAK = "```\\n<script>alert(1)</script>\\n# Owned\\n`````"
BUG = {what: (function, old, new) for what, function, old, new in classroom.BUGS}


def buggy(what):
    function, old, new = BUG[what]
    return classroom.mutate(old, new)


def raising(message):
    """A module whose every graded function raises `message`."""
    functions = ["rnn_cell_forward(xt, a_prev, parameters)", "rnn_forward(x, a0, parameters)",
                 "lstm_cell_forward(xt, a_prev, c_prev, parameters)", "lstm_forward(x, a0, parameters)",
                 "rnn_cell_backward(da_next, cache)", "rnn_backward(da, caches)",
                 "lstm_cell_backward(da_next, dc_next, cache)", "lstm_backward(da, caches)"]
    return "".join(f"def {f}:\n    raise ValueError({message!r})\n\n\n" for f in functions)


def notebook(source, failing_cell):
    cells = [nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell(failing_cell)]
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def build(folder):
    """The hostile class: {file name: (what it is, the function it breaks or None)}."""
    folder.mkdir()
    correct = classroom.CORRECT
    files = {
        "alice.py": ("correct", correct),
        "alice.py.py": ("no bias in rnn_cell_forward", buggy("no bias in rnn_cell_forward")),
        "alice.ipynb": ("forget gate ignored", notebook(buggy("forget gate ignored"),
                                                        'raise ValueError("<img src=x onerror=alert(1)> | `x`")')),
        "index.html.py": ("dba without keepdims", buggy("dba without keepdims")),
        "gradebook.csv.py": ("a0 not used in rnn_forward", buggy("a0 not used in rnn_forward")),
        "batch.json.py": ("load error", "raise ImportError('batch.json.py is not finished')\n"),
        "similarity.json.py": ("gradients not summed over time", buggy("gradients not summed over time")),
        "manual.sqlite.py": ("wrong tanh derivative", buggy("wrong tanh derivative")),
        "n" * 240 + ".py": ("sigmoid for the candidate", buggy("sigmoid for the candidate")),
        '=HYPERLINK("http:__evil.example","open").py': ("correct", correct),
        "@SUM(1+1)*cmd.py": ("lstm_backward missing", buggy("lstm_backward missing")),
        "+1+cmd.py": ("load error", "import os\nos._exit(3)\n"),
        ESCAPES + "term.py": ("load error", f"raise RuntimeError({ESCAPES + 'at import'!r})\n"),
        "fence.py": ("raises", raising(FENCE_BREAK.replace("\\n", "\n"))),
        "huge.py": ("raises", (ROOT / "tests" / "hostile" / "huge_messages.py").read_text()),
        os.fsdecode(b"not-utf8-\xff.py"): ("load error", "raise ImportError('a name that is not UTF-8')\n"),
    }
    for name, (_, text) in files.items():
        (folder / name).write_text(text)
    for name, answer, size in (("bigpdf", "report.pdf", 8 * ANSWER_BYTES), ("bigmd", "report.md", 0)):
        (folder / name).mkdir()
        (folder / name / "rnn.py").write_text("raise ImportError('only the written answer is handed in')\n")
        if size:  # sparse: a large file that costs no disk
            with open(folder / name / answer, "wb") as file:
                file.truncate(size)
        else:
            (folder / name / answer).write_text("Gradients vanish because tanh saturates. " * 20_000)
        files[name] = ("load error", None)  # quick to grade: the answer file is what matters here
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("report.pdf", b"\0" * 50 * 2**20)  # 50 MiB of zeros in about 50 kB
    files["bomb.zip"] = ("not gradable", None)
    return {name: what for name, (what, _) in files.items()}


def grade(folder, out, *options):
    command = [sys.executable, "-m", "grader", "grade-all", str(folder), "--out", str(out), "--workers", "2",
               *LIMITS, *CAPS, *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile-class")
    made = build(base / "class")
    runs = [grade(base / "class", base / "out")]
    first = _reports(base / "out")
    runs.append(grade(base / "class", base / "out", "--force"))
    return base / "class", base / "out", made, runs, first


def _reports(out):
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/report.json")}


def test_the_class_grades_twice_into_one_report_per_submission_with_its_own_score(graded):
    folder, out, made, runs, first = graded
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
        assert f"graded {len(made)} of {len(made)} submissions" in run.stdout
    entries = grade_all.discover(folder, out)
    assert len({e.name for e in entries}) == len(entries) == len(made)
    reports = _reports(out)
    assert sorted(reports) == sorted(e.name for e in entries) and reports.keys() == first.keys()
    for entry in entries:
        document = reports[entry.name]
        key = json.loads((out / entry.name / "fingerprint.json").read_text())
        assert key["submission"] == grade_all.content_hash(entry.path), entry.name  # its own submission's report
        assert document["submission"] == entry.original and document["folder"] == entry.name
        assert document["score"] == first[entry.name]["score"]
        what = made[entry.path.name]
        scores = {f: e["score"] for f, e in document["functions"].items()}
        full = {f: e["max_score"] for f, e in document["functions"].items()}
        if what == "correct":
            assert document["loaded"] and scores == full, entry.original
        elif what in BUG:
            broken = BUG[what][0]
            assert scores[broken] < full[broken] and {f: s for f, s in scores.items() if f != broken} == \
                {f: s for f, s in full.items() if f != broken}, entry.original
        else:
            assert document["score"] == 0, entry.original
    shown = {e.path.name: e for e in entries}
    assert {shown[n].original for n in ("alice.py", "alice.py.py", "alice.ipynb")} == \
        {"alice.py", "alice.py.py", "alice.ipynb"}
    assert shown["index.html.py"].name != "index.html" and shown["gradebook.csv.py"].name != "gradebook.csv"
    assert len(shown["n" * 240 + ".py"].name.encode()) <= names.MAX_BYTES
    assert (out / "index.html").is_file() and (out / "gradebook.csv").is_file() and (out / "batch.json").is_file()
    again = grade(folder, out)  # nothing changed: a resumed batch finds every report under the same name
    assert again.returncode == 0 and f"({len(made)} unchanged since the last run, kept)" in again.stdout


def test_no_output_file_is_over_the_caps(graded):
    _, out, _, _, _ = graded
    for path in out.glob("*/*"):
        cap = ANSWER_BYTES if path.name.startswith("answer-") else REPORT_BYTES
        assert path.stat().st_size <= cap, f"{path.relative_to(out)} holds {path.stat().st_size} bytes"
    huge = _reports(out)["huge"]
    assert any("--report-bytes" in note for note in huge["notes"])
    assert all(len(c["message"]) <= MESSAGE_CHARS + 80 for c in huge["checks"])
    answers = {name: _reports(out)[name]["manual"]["items"][0]["answer"] for name in ("bigpdf", "bigmd")}
    assert answers["bigpdf"]["file"]["copy"] is None and "--answer-bytes" in answers["bigpdf"]["message"]
    assert not list((out / "bigpdf").glob("answer-*"))
    assert "only its first 65536 bytes were read" in answers["bigmd"]["message"]
    assert "not a notebook" in _reports(out)["bomb"]["checks"][0]["message"]


def test_no_cell_of_any_csv_is_a_formula(graded):
    _, out, made, _, _ = graded
    rows = list(csv.reader((out / "gradebook.csv").open(newline="")))
    assert len(rows) == len(made) + 1
    exported = out.parent / "scores.csv"  # the review app's CSV: a manual score saved for a hostile name
    formula = next(e for e in grade_all.discover(out.parent / "class", out) if e.original.startswith("=HYPER"))
    with open(out.parent / "import.csv", "w", newline="") as file:  # what a TA typed in a spreadsheet
        csv.writer(file).writerows([["student", "item", "points", "comment"],
                                    [formula.name, "vanishing_gradients", "3", "=cmd|' /C calc'!A0"]])
    for command in (["--import", str(out.parent / "import.csv")], ["--export", str(exported)]):
        run = subprocess.run([sys.executable, "-m", "grader", "review", str(out), *command], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
    rows += list(csv.reader(exported.open(newline=""))) + list(csv.reader((out / "gradebook.csv").open(newline="")))
    cells = [cell for row in rows for cell in row]
    assert not any(re.search(r"[\x00-\x08\x0b-\x1f\x7f]", cell) for cell in cells)  # nothing a terminal plays
    assert any(cell.startswith("'=HYPERLINK") for cell in cells) and "'=cmd|' /C calc'!A0" in cells
    assert "'@SUM(1+1)*cmd" in cells and "'+1+cmd" in cells
    for cell in cells:
        assert not cell.startswith(spreadsheet._TRIGGERS) or re.fullmatch(r"-?\d+(\.\d+)?", cell), cell


def test_report_md_and_the_class_page_show_student_text_as_text(graded):
    _, out, _, _, _ = graded
    render = mistune.create_markdown(escape=False, plugins=["table"])  # raw HTML on: the worst viewer
    for path in out.glob("*/report.md"):
        page = render(path.read_text())
        assert "<script" not in page and "<img" not in page and "<h1>Owned" not in page, path
    fence = render((out / "fence" / "report.md").read_text())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fence
    cells = render((out / "alice.ipynb" / "report.md").read_text())
    assert "&lt;img src=x onerror=alert(1)&gt; | " in cells  # one table cell, its | escaped
    index = (out / "index.html").read_bytes().decode()  # as written: a carriage return stays one
    for document in _reports(out).values():
        assert html.escape(document["submission"]) in index
        assert f'href="{quote(document["folder"])}/report.md"' in index
    assert "<script" not in index


def test_the_terminal_gets_no_control_character(graded):
    _, _, _, runs, _ = graded
    for run in runs:
        said = run.stdout + run.stderr
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", said), repr(re.findall(r".{20}[\x00-\x1f].{20}", said))
        assert "\\x1b]0;owned\\x07" in run.stderr  # the name and the load error, shown as text


def test_folder_names_are_safe_unique_and_stable():
    paths = [Path(n) for n in ("alice.py", "alice.ipynb", "alice.py.py", "Index.HTML.py", "similarity",
                               "x" * 250, "../up.py".replace("/", "\\"), "\x1b[2J.py", "-rf.py", "con.py",
                               "e\u0301.py", "\u00e9.py", os.fsdecode(b"bad\xff.py"))]
    made = grade_all.entries(paths)
    folders = [e.name for e in made]
    assert len({names._key(f) for f in folders}) == len(folders)
    assert {"index.html", "gradebook.csv", "manual.sqlite", "similarity", "batch.json"} <= grade_all.class_files()
    assert not {names._key(f) for f in folders} & grade_all.class_files()
    for folder in folders:
        assert len(folder.encode()) <= names.MAX_BYTES and folder == names.safe(folder)
        assert not folder.startswith((".", "-", "=", "+", "@")) and "/" not in folder and "\\" not in folder
        assert folder.isprintable()
    assert folders[:3] == ["alice.py", "alice.ipynb", "alice.py.py"]
    assert [e.name for e in grade_all.entries(paths)] == folders  # the same from run to run
    assert [e.name for e in grade_all.entries(paths[:1])] == ["alice"]  # a stem alone keeps its plain name
    assert made[-1].original == "bad\ufffd"


def test_hashing_reads_a_bounded_part_of_a_huge_submission(tmp_path):
    big = tmp_path / "big"
    big.mkdir()
    with open(big / "data.bin", "wb") as file:
        file.truncate(2**30)  # sparse: 1 GiB that a whole read would take seconds to hash
    (big / "rnn.py").write_text("x = 1\n")
    first = grade_all.content_hash(big, budget=2**20)
    before = os.stat(big / "data.bin")
    with open(big / "data.bin", "r+b") as file:  # a byte changed past the budget, its time put back: not read
        file.seek(2**29)
        file.write(b"!")
    os.utime(big / "data.bin", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert grade_all.content_hash(big, budget=2**20) == first
    (big / "rnn.py").write_text("x = 2\n")
    assert grade_all.content_hash(big, budget=2**20) != first  # a change within the budget is seen
    changed = grade_all.content_hash(big, budget=2**20)
    with open(big / "data.bin", "r+b") as file:
        file.truncate(2**30 + 1)  # and past it, by size and time
    assert grade_all.content_hash(big, budget=2**20) != changed


def test_the_executed_notebook_keeps_a_bounded_amount_of_output(monkeypatch):
    from grader.sandbox import executed
    from grader.sandbox.cells import CellRun
    monkeypatch.setattr(executed, "OUTPUT_CHARS", 100_000)
    cells = [nbformat.v4.new_code_cell(f"print('x' * 20_000)  # {i}") for i in range(30)]
    flood = executed.clean_outputs([{"output_type": "stream", "name": "stdout", "text": "x" * 30_000}] * 3)
    runs = [CellRun(i + 1, i, "ok", "", 0.1, flood) for i in range(30)]
    built = executed.build(nbformat.v4.new_notebook(cells=cells), runs)
    assert len(nbformat.writes(built)) < 200_000  # 30 cells of 60 000 characters each: 1.8 MB without the cap
    assert "outputs left out" in built.cells[-1].outputs[0]["text"] and built.cells[0].outputs == list(flood)


def _made_up(name, message, cell_message="", stdout=""):
    from grader import report
    from grader.grade import Graded, Result
    from grader.sandbox.cells import CellRun
    from grader.sandbox.intake import Submission
    from grader.sandbox.limits import Limits
    from types import SimpleNamespace
    checks = [Result("submission.loads", None, "loads", 0.0, 0.0, "passed", "", False, 0.1),
              Result("f.public", "f", "f works", 0.0, 2.0, "error", message, False, 0.1)]
    graded = Graded(submission=Submission(name, Path("x.ipynb"), "notebook", "x.ipynb"), results=checks,
                    load_error=None, output=[stdout, ""], restarts=0,
                    cells=[CellRun(3, 2, "error", cell_message, 0.1, (), first_line="x = '|`<b>'")])
    limits = Limits(message_chars=MESSAGE_CHARS, report_bytes=REPORT_BYTES)
    return report.build(graded, SimpleNamespace(name="demo", settings={"tolerance": {"rtol": 0, "atol": 0}}),
                        limits)


def test_report_md_keeps_every_hostile_text_inert():
    from grader.report import markdown
    document = _made_up("<script>x</script>\n# Owned", FENCE_BREAK.replace("\\n", "\n"),
                        "<img src=x onerror=alert(1)> | two\nlines", stdout="````\n<script>y</script>")
    page = mistune.create_markdown(escape=False, plugins=["table"])(markdown.render(document))
    assert "<script" not in page and "<img" not in page and "<h1>Owned" not in page and "<h1>" in page
    assert page.count("<pre>") == 2 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td>&lt;img src=x onerror=alert(1)&gt; | two lines</td>" in page


def test_the_terminal_shows_control_characters_as_escapes():
    from grader.report import terminal
    document = _made_up(ESCAPES + "name", "raised " + ESCAPES, ESCAPES)
    shown = terminal.render(document)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", shown) and "\\x1b]0;owned\\x07" in shown


def test_a_report_stays_within_its_caps_whatever_the_messages():
    from grader.report import junit, markdown
    document = _made_up("flood", "<" * 2**20, "C" * 2**20, stdout="S" * 2**20)  # XML writes each < in 4 bytes
    assert len(json.dumps(document, indent=1)) + 1 <= REPORT_BYTES
    assert len(junit.render(document).encode()) <= REPORT_BYTES >= len(markdown.render(document).encode())
    assert len(document["checks"][1]["message"]) <= MESSAGE_CHARS + 80 and document["cells"][0]["message"]
    many = _made_up("many", "M" * 2**20)
    many["checks"] = many["checks"] * 40
    from grader.report import bounds
    from grader.sandbox.limits import Limits
    bounds.bound(many, Limits(message_chars=MESSAGE_CHARS, report_bytes=REPORT_BYTES))
    assert bounds.size(many) <= REPORT_BYTES and "--report-bytes" in many["notes"][-1]


def test_gradebook_cells_are_never_formulas():
    from grader.report import gradebook
    names_ = ['=HYPERLINK("http://evil","x")', "@SUM(1+1)*cmd", "+1+cmd", "-2+3", "\tx", "\r=1", "-inf", ESCAPES]
    rows = list(csv.reader(io.StringIO(gradebook.render([_made_up(n, "m") for n in names_]), newline="")))
    assert len(rows) == len(names_) + 1
    assert sum(row[0].startswith("'") for row in rows[1:]) == len(names_) - 1  # all but the escapes' name
    for row in rows[1:]:
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", row[0]), row[0]


def test_answer_files_are_read_and_copied_only_up_to_the_cap(tmp_path):
    from types import SimpleNamespace
    from grader import answers
    folder = tmp_path / "student"
    folder.mkdir()
    with open(folder / "report.pdf", "wb") as file:
        file.truncate(ANSWER_BYTES + 1)
    (folder / "report.md").write_text("Gradients vanish. " * (ANSWER_BYTES // 18 + 1) + "accuracy 0.91")
    submission = SimpleNamespace(source=folder, kind="folder", notebook=None)
    pdf = answers.locate({"file": ["report.pdf"], "id": "q"}, submission, tmp_path / "out", ANSWER_BYTES)
    assert pdf["file"]["copy"] is None and "not copied" in pdf["message"] and not (tmp_path / "out").exists()
    text = answers.locate({"file": ["report.md"], "id": "q", "numbers": "accuracy"}, submission, None, ANSWER_BYTES)
    assert "only its first 65536 bytes were read" in text["message"] and text["numbers"]["claimed"] == []
    assert len(text["file"]["text"]) < answers.MAX_TEXT + 100
    (folder / "report.pdf").write_bytes(b"%PDF small")
    small = answers.locate({"file": ["report.pdf"], "id": "q"}, submission, tmp_path / "out", ANSWER_BYTES)
    assert (tmp_path / "out" / small["file"]["copy"]).read_bytes() == b"%PDF small" and not small["message"]
