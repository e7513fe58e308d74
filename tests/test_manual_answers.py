"""The answers people grade, taken from submissions as handed in (grader.answers), and their scores in SQLite
(grader.review.store) merged into the reports (grader.report.manual). No grading runs here, so each case is quick."""
import json
import re
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest

from conftest import ROOT
from grader import answers
from grader.errors import UsageError
from grader.report import gradebook, gradescope, junit, manual
from grader.review import store
from grader.sandbox import notebook as notebooks
from manual_notebooks import notebook
from test_batch_outputs import check, document
from test_gradescope_export import RESULTS_SCHEMA

SCHEMA = json.loads((ROOT / "grader" / "report" / "schema.json").read_text())


def submission(tmp_path, text, name="amy.ipynb"):
    path = tmp_path / name
    path.write_text(text)
    read, _ = notebooks.read(path)
    return SimpleNamespace(notebook=read, source=path, kind="notebook")


def by_id(records):
    return {r["id"]: r for r in records}


def test_the_bonus_shows_code_outputs_plot_and_the_accuracies_beside_the_claims(tmp_path, rnn):
    found = by_id(answers.extract(rnn.manual, submission(tmp_path, notebook())))
    bonus = found["sentiment_bonus"]["answer"]
    assert bonus["found"] and bonus["where"] == "the cells under the heading '6 BONUS: Sentiment Analysis'"
    code = [c for c in bonus["cells"] if c["type"] == "code"]
    assert "imdb.load_data" in code[0]["source"] and "model.fit" in code[1]["source"]
    assert "val_accuracy: 0.8604" in code[1]["outputs"][0]["text"] and code[1]["outputs"][1]["image"]
    assert bonus["numbers"]["outputs"] == [0.6644, 0.7902, 0.9071, 0.8604, 0.8521]
    assert bonus["numbers"]["claimed"] == [0.86, 0.79] and bonus["numbers"]["unmatched"] == []
    assert "## 7 Notes" not in json.dumps(bonus)  # the next heading of the same level ends the answer
    written = found["vanishing_gradients"]["answer"]
    assert written["where"] == "the cells under the heading 'Why do gradients vanish?'"
    assert "diag(1 - a^2) Waa" in written["cells"][0]["source"]
    assert found["vanishing_gradients"]["status"] == "pending" and found["vanishing_gradients"]["points"] is None


def test_a_claim_that_no_output_shows_is_named(tmp_path, rnn):
    made = notebook(claims="my best LSTM accuracy was 95%, the SimpleRNN accuracy 0.79")
    numbers = by_id(answers.extract(rnn.manual, submission(tmp_path, made)))["sentiment_bonus"]["answer"]["numbers"]
    assert numbers["claimed"] == [0.95, 0.79] and numbers["unmatched"] == [0.95]


def test_a_tag_wins_over_a_heading_and_a_missing_answer_says_where_the_grader_looked(tmp_path, rnn):
    found = by_id(answers.extract(rnn.manual, submission(tmp_path, notebook(bonus=False, tagged=True))))
    assert found["vanishing_gradients"]["answer"]["where"] == "the cells tagged 'vanishing_gradients'"
    missing = found["sentiment_bonus"]["answer"]
    assert not missing["found"] and missing["cells"] == []
    assert missing["message"] == ("no answer found: no cell is tagged 'bonus'; no markdown heading holds 'sentiment "
                                  "analysis'; no file named bonus.md or report.md in the submission")


def test_an_empty_answer_or_the_untouched_placeholder_is_no_answer(tmp_path, rnn):
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook
    for text, why in (("", "are empty"), ("   \n", "are empty"),
                      ("YOUR ANSWER HERE", "still hold the handout's placeholder (YOUR ANSWER HERE)")):
        cell = new_markdown_cell(text)
        cell.metadata["tags"] = ["vanishing_gradients"]
        made = nbformat.writes(new_notebook(cells=[new_markdown_cell("## Why do gradients vanish?"), cell]))
        answer = by_id(answers.extract(rnn.manual, submission(tmp_path, made)))["vanishing_gradients"]["answer"]
        assert not answer["found"]
        assert answer["message"] == f"nothing written: the cells tagged 'vanishing_gradients' {why}"
    # The tagged cell left as handed out, the answer written in a cell of its own under the heading: found.
    cell = new_markdown_cell("YOUR ANSWER HERE")
    cell.metadata["tags"] = ["vanishing_gradients"]
    made = nbformat.writes(new_notebook(cells=[new_markdown_cell("## Why do gradients vanish?"), cell,
                                               new_markdown_cell("The Jacobians multiply and shrink.")]))
    answer = by_id(answers.extract(rnn.manual, submission(tmp_path, made)))["vanishing_gradients"]["answer"]
    assert answer["found"] and answer["where"] == "the cells under the heading 'Why do gradients vanish?'"


def test_outputs_of_every_image_type_and_attachments_are_kept(tmp_path, rnn):
    from manual_notebooks import written_notebook
    answer = by_id(answers.extract(rnn.manual, submission(tmp_path, written_notebook())))["vanishing_gradients"]
    cells = answer["answer"]["cells"]
    assert cells[0]["attachments"]["grad_norm.png"]["mime"] == "image/png"
    outputs = cells[1]["outputs"]
    assert [o.get("mime") for o in outputs] == ["image/png", "image/jpeg", "image/svg+xml", "image/gif", None]
    assert outputs[4]["html"].startswith("<table")
    import base64
    assert base64.b64decode(outputs[2]["image"]).lstrip().startswith(b"<?xml")
    jsonschema.validate(answer, SCHEMA["properties"]["manual"]["properties"]["items"]["items"])


def test_a_folder_answers_with_its_report_file_and_a_pdf_is_copied_beside_the_report(tmp_path, rnn):
    folder = tmp_path / "cat"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "REPORT.md").write_text("# Report\nBPTT sums dW over every step; the product of Jacobians"
                                               " shrinks.\nBest accuracy: 84.1%\n")
    (folder / "bonus.pdf").write_bytes(b"%PDF-1.4 made up")
    module = SimpleNamespace(notebook=None, source=folder, kind="module")
    found = by_id(answers.extract(rnn.manual, module, tmp_path / "out"))
    written = found["vanishing_gradients"]["answer"]
    assert written["where"] == "the file docs/REPORT.md" and "product of Jacobians" in written["file"]["text"]
    bonus = found["sentiment_bonus"]["answer"]  # bonus.md is not there: report.md, its second name, is
    assert bonus["file"]["name"] == "docs/REPORT.md" and bonus["numbers"]["unmatched"] == [0.841]
    items = [dict(i, file=["bonus.pdf"], tag=None, heading=[]) for i in rnn.manual]
    copied = answers.extract(items, module, tmp_path / "out")[0]["answer"]["file"]
    assert copied["copy"] == "answer-vanishing_gradients.pdf"
    assert (tmp_path / "out" / copied["copy"]).read_bytes() == b"%PDF-1.4 made up"


def test_the_cells_of_an_item_not_to_run_are_held_back_but_never_a_graded_function(tmp_path, rnn):
    made = submission(tmp_path, notebook())
    cells = made.notebook.cells
    assert [cells[i].source.split()[0] for i in sorted(answers.not_run(rnn.manual, made))] == ["from", "history"]
    cells[5].source += "\ndef rnn_forward(x, a0, parameters):\n    return None"
    assert [cells[i].source.split()[0] for i in answers.not_run(rnn.manual, made, ["rnn_forward"])] == ["from"]
    assert answers.not_run([dict(i, run=True) for i in rnn.manual], made) == set()


def test_manual_toml_mistakes_are_named(tmp_path):
    from grader.assignment import manual_items
    (tmp_path / "manual.toml").write_text('[[items]]\nid = "essay"\npoints = 3\n')
    with pytest.raises(UsageError, match="item 1 .'essay'.: say where the answer is with one of tag, heading, file"):
        manual_items(tmp_path, "demo")
    (tmp_path / "manual.toml").write_text('[[items]]\nid = "essay"\npoints = 0\ntag = "x"\n')
    with pytest.raises(UsageError, match="`points` must be a positive number, not 0"):
        manual_items(tmp_path, "demo")


ITEMS = [{"id": "essay", "title": "Essay", "points": 4, "optional": False, "tag": "essay",
          "rubric": [{"points": 3, "text": "right"}, {"points": 1, "text": "clear"}, {"points": -2, "text": "late"}]},
         {"id": "bonus", "title": "Bonus", "points": 5, "optional": True, "tag": "bonus", "rubric": []}]


def made_up(name):
    made = document(name, [check("submission.loads", points=0, max_points=0),
                           check("f.public", max_points=2, points=2)])
    made["manual"] = {"items": answers.unanswered(ITEMS, "no answer found: made up")}
    return manual.totals(made)


def test_pending_items_are_not_zero_and_graded_ones_count_everywhere():
    pending = made_up("amy")
    jsonschema.validate(pending, SCHEMA)
    assert pending["total"] == {"score": 2, "max_score": 6, "extra_credit_max": 5, "pending": 2}
    graded = manual.apply(made_up("bob"), {"essay": {"points": 3, "rubric_items": [0], "comment": "good",
                                                     "grader": "ta1", "graded_at": "2026-12-02T01:00:00+00:00"}})
    jsonschema.validate(graded, SCHEMA)
    assert graded["total"] == {"score": 5, "max_score": 6, "extra_credit_max": 5, "pending": 1}
    rows = gradebook.render([pending, graded]).splitlines()
    assert rows[0].endswith("f,essay,bonus,total,total_max,pending,status,seconds")
    assert rows[1].startswith("amy,2,2,0,2,pending,pending,2,6,2,")
    assert rows[2].startswith("bob,2,2,0,2,3,pending,5,6,1,")
    tests = {t["name"].split(":")[0]: t for t in gradescope.render(graded)["tests"]}
    assert gradescope.render(graded)["score"] == 5 and tests["manual.essay"]["score"] == 3
    assert tests["manual.essay"]["output"] == "3 / 4 points (partial credit)\n+3 right\ngood"
    assert tests["manual.essay"]["status"] == "passed" and "manual.bonus" not in tests  # 3/4 is not a failure
    assert "  Bonus: pending / 5 (extra credit)" in gradescope.render(graded)["output"]
    jsonschema.validate(gradescope.render(graded), RESULTS_SCHEMA)
    xml = junit.render(graded)
    assert '<testcase classname="demo.manual" name="bonus"' in xml and 'message="pending: graded by a person' in xml
    assert 'name="total_score" value="5"' in xml and 'type="ManualGrade"' in xml
    assert manual.rubric_points(ITEMS_AS_RECORDS["essay"], [0, 1]) == 4
    assert manual.rubric_points(ITEMS_AS_RECORDS["essay"], [2]) == 0  # never below zero


ITEMS_AS_RECORDS = {r["id"]: r for r in answers.unanswered(ITEMS, "")}


def test_two_graders_never_overwrite_each_other_unseen(tmp_path):
    assert store.save(tmp_path, "amy", "essay", 3, [0], "", "ta1", version=0) == 1
    with pytest.raises(store.Conflict, match="ta1 saved this score at") as conflict:
        store.save(tmp_path, "amy", "essay", 1, [1], "", "ta2", version=0)  # opened before ta1 saved
    assert conflict.value.current["points"] == 3 and store.get(tmp_path, "amy", "essay")["grader"] == "ta1"
    assert store.save(tmp_path, "amy", "essay", 1, [1], "", "ta2", version=1) == 2  # after seeing ta1's score
    assert store.load(tmp_path)["amy"]["essay"]["rubric_items"] == [1]


RUBRIC = [{"points": 3.0, "text": "right"}, {"points": 1.0, "text": "clear"}, {"points": -2.0, "text": "late"}]


def test_a_csv_roundtrips_and_a_bad_row_imports_nothing(tmp_path):
    known = {name: {"essay": (4.0, RUBRIC), "bonus": (5.0, [])} for name in ("amy", "bob")}
    text = "student,item,points,rubric_items,comment\namy,essay,4,0;1,fine\nbob,bonus,2.5,,\n"
    assert store.import_csv(tmp_path, text, known, grader="sheet") == 2
    exported = store.export_csv(tmp_path).splitlines()
    assert exported[0] == "student,item,points,rubric_items,adjustment,adjustment_reason,comment,grader,graded_at,version"
    assert exported[1].startswith("amy,essay,4,0;1,0,,fine,sheet,") and exported[1].endswith(",1")
    assert exported[2].startswith("bob,bonus,2.5,,2.5,imported without rubric items,,sheet,")
    for bad, why in (("amy,essay,5", "line 3: 5 points is outside 0..4 for 'essay'"),
                     ("zed,essay,1", "line 3: no student 'zed'"),
                     ("amy,quiz,1", "line 3: no item 'quiz'; the items are bonus, essay"),
                     ("amy,essay,lots", "points 'lots' is not a number"),
                     ("amy,essay,nan", "points 'nan' is not a number"),
                     ("amy,essay,1,9;17", "line 3: 'essay' has no rubric item '9'; its items are 0..2"),
                     ("amy,essay,4,0", "line 3: points 4 disagree with rubric items 0 and adjustment \\+0, which make 3")):
        with pytest.raises(UsageError, match=why):
            store.import_csv(tmp_path, f"student,item,points,rubric_items\nbob,essay,1,1\n{bad}\n", known)
    assert "essay" not in store.load(tmp_path)["bob"]  # the good row before the bad one was not saved either


def test_an_import_counts_lines_refuses_stale_rows_and_names_every_bad_one(tmp_path):
    known = {name: {"essay": (4.0, RUBRIC), "bonus": (5.0, [])} for name in ("amy", "bob")}
    store.import_csv(tmp_path, "student,item,points,rubric_items\namy,essay,3,0\n", known, grader="ta1")
    exported = store.export_csv(tmp_path)  # version 1
    store.save(tmp_path, "amy", "essay", 4, [0, 1], "looked again", "ta2", version=1)  # saved after the export
    edited = exported.replace(",0,,,ta1,", ",0,,\"two\nlines\",ta1,") + "bob,essay,9,,\n"
    with pytest.raises(UsageError) as refused:
        store.import_csv(tmp_path, edited, known)
    message = str(refused.value)
    # The comment spans lines 2-3, so bob's row is on line 4 of the file (the CSV's third record).
    assert "line 4: 9 points is outside 0..4" in message
    assert "line 2: amy/essay was saved again (version 2, by ta2" in message and "after this row's version 1" in message
    assert store.get(tmp_path, "amy", "essay")["comment"] == "looked again"
    again = store.export_csv(tmp_path).replace("looked again", "'=HYPERLINK(\"http://evil\")")
    assert store.import_csv(tmp_path, again, known) == 1  # the current version: replaces it
    assert store.get(tmp_path, "amy", "essay")["comment"] == '=HYPERLINK("http://evil")'
    assert ',"\'=HYPERLINK(' in store.export_csv(tmp_path)  # neutralized again on the way out


def made_up_class(tmp_path):
    out = tmp_path / "out"
    for name in ("amy", "bob"):
        from grader.report import write
        write(made_up(name), out / name)
    (out / "amy" / "secret.txt").write_text("not for the browser")
    return out


def form_token(client, url):
    page = client.get(url).data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(client, url, data, origin="http://localhost", page=None, **headers):
    """A post as the app's own page makes it: its form token, and the Origin header a browser adds."""
    data = {"csrf_token": form_token(client, page or url), **data}
    return client.post(url, data=data, headers={"Origin": origin, **headers} if origin else headers)


def test_the_review_app_refuses_other_sites_and_unknown_names(tmp_path):
    from grader.review.app import create_app
    out = made_up_class(tmp_path)
    client = create_app(out, "ta1").test_client()
    page = client.get("/grade/essay/amy")
    assert page.status_code == 200 and b"no answer found: made up" in page.data
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    for origin, headers in (("http://evil.test", {}), (None, {}), (None, {"Referer": "http://evil.test/x"}),
                            ("null", {})):
        refused = post(client, "/grade/essay/amy", {"rubric": ["0"], "go": "stay"}, origin, **headers)
        assert refused.status_code == 403, (origin, headers)
    no_token = client.post("/grade/essay/amy", data={"rubric": ["0"]}, headers={"Origin": "http://localhost"})
    assert no_token.status_code == 400 and b"CSRF token is missing" in no_token.data
    rebound = client.get("/export.csv", headers={"Host": "evil.example:8000"})
    assert rebound.status_code == 400 and store.load(out) == {}
    referer_only = post(client, "/grade/essay/amy", {"rubric": ["0"], "go": "stay"}, None,
                        Referer="http://localhost/grade/essay/amy")
    assert referer_only.status_code == 302
    saved = post(client, "/grade/essay/amy", {"rubric": ["0", "1"], "comment": "<script>x</script>", "go": "next",
                                              "version": "1"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/grade/essay/bob")
    assert store.get(out, "amy", "essay")["points"] == 4 and store.get(out, "amy", "essay")["grader"] == "ta1"
    assert b"&lt;script&gt;x&lt;/script&gt;" in client.get("/grade/essay/amy").data  # escaped by the template
    assert post(client, "/grade/essay/amy", {"rubric": ["7"], "version": "2"}).status_code == 400  # no item 8
    assert client.get("/grade/essay/zed").status_code == 404 and client.get("/grade/quiz/amy").status_code == 404
    assert client.get("/files/essay/amy/secret.txt").status_code == 404
    assert client.get("/export.csv").data.decode().splitlines()[1].startswith("amy,essay,4,0;1,0,,<script>x</script>,ta1,")


def test_the_review_command_says_what_is_wrong(tmp_path):
    import subprocess
    import sys
    empty = subprocess.run([sys.executable, "-m", "grader", "review", str(tmp_path)], cwd=ROOT, capture_output=True,
                           text=True)
    assert empty.returncode == 2
    assert "holds no reports (<name>/report.json): run grade-all into it first" in empty.stderr
    out = made_up_class(tmp_path)
    (tmp_path / "sheet.csv").write_text("student,item,points\nbob,essay,2\n")
    done = subprocess.run([sys.executable, "-m", "grader", "review", str(out), "--import", str(tmp_path / "sheet.csv"),
                           "--export", str(tmp_path / "back.csv")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "back.csv").read_text().splitlines()[1].startswith("bob,essay,2,,2,imported without")
    assert json.loads((out / "bob" / "report.json").read_text())["total"]["score"] == 4
    assert "bob,2,2,0,2,2,pending,4,6,1," in (out / "gradebook.csv").read_text()


def test_two_servers_saving_at_once_leave_every_score_in_the_reports_and_the_gradebook(tmp_path):
    import threading
    from grader.review.app import create_app
    out = made_up_class(tmp_path)
    failures = []

    def grade(grader, item, rubric):
        client = create_app(out, grader).test_client()  # a server of its own on the same folder
        for _ in range(8):
            for name in ("amy", "bob"):
                version = (store.get(out, name, item) or {}).get("version", 0)
                answer = post(client, f"/grade/{item}/{name}", {"rubric": rubric, "version": version})
                if answer.status_code != 302:
                    failures.append(answer.status_code)

    threads = [threading.Thread(target=grade, args=("ta1", "essay", ["0"])),
               threading.Thread(target=grade, args=("ta2", "bonus", []))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for name in ("amy", "bob"):
        items = {i["id"]: i for i in json.loads((out / name / "report.json").read_text())["manual"]["items"]}
        assert (items["essay"]["points"], items["essay"]["grader"]) == (3, "ta1")
        assert (items["bonus"]["points"], items["bonus"]["grader"]) == (0, "ta2")
    assert [row.split(",")[5:10] for row in (out / "gradebook.csv").read_text().splitlines()[1:]] == \
        [["3", "0", "5", "6", "0"]] * 2


def test_accounts_hash_passwords_sessions_expire_and_only_accounts_serve_beyond_loopback(tmp_path):
    import time
    from grader.review.app import create_app, serve
    out = made_up_class(tmp_path)
    with pytest.raises(UsageError, match="needs graders' accounts"):
        serve(out, 0, host="10.0.0.5")
    with pytest.raises(UsageError, match="needs graders' accounts"):
        serve(out, 0, public_url="https://grading.example.edu")
    with pytest.raises(UsageError, match="at least 8 characters"):
        store.add_grader(out, "ta1", "short")
    with pytest.raises(UsageError, match="a grader's name is letters"):
        store.add_grader(out, "<b>ta</b>", "long enough")
    store.add_grader(out, "ta1", "long enough")
    assert store.check_password(out, "ta1", "long enough") and not store.check_password(out, "ta1", "long enougH")
    with pytest.raises(UsageError, match="--public-url"):
        serve(out, 0, host="0.0.0.0")
    client = create_app(out, "", session_hours=1.5 / 3600).test_client()
    assert client.get("/grade/essay/amy").headers["Location"].startswith("/login")
    token = form_token(client, "/login")
    logged = client.post("/login", data={"csrf_token": token, "name": "ta1", "password": "long enough",
                                         "next": "/grade/essay/amy"}, headers={"Origin": "http://localhost"})
    assert logged.status_code == 302 and logged.headers["Location"] == "/grade/essay/amy"
    for elsewhere in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):  # no open redirect
        again = post(client, "/login", {"name": "ta1", "password": "long enough", "next": elsewhere})
        assert again.headers["Location"] == "/", elsewhere
    edit = post(client, "/item/essay/rubric", {"position": "99", "points": "1", "text": "x"}, page="/item/essay")
    assert edit.status_code == 302 and "not+changed" in edit.headers["Location"]
    assert post(client, "/grade/essay/amy", {"rubric": ["1"]}).status_code == 302
    assert store.get(out, "amy", "essay")["grader"] == "ta1"
    # Time passing is what is tested, not a condition to poll for: a request made meanwhile would renew the
    # session (Flask refreshes a permanent session's cookie on every response).
    time.sleep(2)  # past the session's 1.5 seconds
    assert client.get("/grade/essay/amy").headers["Location"].startswith("/login")
    guesses = [post(client, "/login", {"name": "ta1", "password": f"guess {n}"}).status_code for n in range(6)]
    assert guesses == [401] * 5 + [429]  # five wrong passwords, then even the right one waits
    assert post(client, "/login", {"name": "ta1", "password": "long enough"}).status_code == 429


def test_a_score_naming_rubric_items_that_are_gone_publishes_without_them(tmp_path):
    from grader.review import publish
    out = made_up_class(tmp_path)
    store.save(out, "amy", "essay", 4, [0, 9, 17], "from an older rubric", "ta1", adjustment=1, reason="clear")
    publish.publish(out, class_page=False)  # no IndexError: the items that exist count, the adjustment too
    essay = {i["id"]: i for i in json.loads((out / "amy" / "report.json").read_text())["manual"]["items"]}["essay"]
    assert (essay["rubric_items"], essay["points"]) == ([0], 4)
    assert "- +3 right\n- +1 clear" in (out / "amy" / "report.md").read_text()
