"""People grade a class's written answer and bonus in a real browser (headless Chromium driven by Selenium through
Debian's chromium-driver), and grading the automatic part again keeps every manual score.

One class of two notebooks is graded once for the module; the review server is started by the test on 127.0.0.1
with a free port and stopped after it."""
import csv
import json
import shutil
import socket
import subprocess
import sys
import time

import pytest

from conftest import FAST, ROOT
from grader.batch import grade_all as batch
from grader.review import publish, store
from manual_notebooks import notebook

DRIVER = shutil.which("chromedriver")
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def graded_once(tmp_path_factory, rnn):
    root = tmp_path_factory.mktemp("class")
    (root / "in").mkdir()
    (root / "in" / "amy.ipynb").write_text(notebook())
    (root / "in" / "bob.ipynb").write_text(notebook(bonus=False, claims=""))
    batch.grade_all(root / "in", root / "out", rnn, FAST, batch.Options(workers=2))
    return root


@pytest.fixture
def graded_class(graded_once, tmp_path):
    """Each test's own copy of the class graded once: what one test saves, no other test sees."""
    shutil.copytree(graded_once, tmp_path / "class")
    return tmp_path / "class"


def gradebook_rows(out):
    return {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}


def test_grading_again_keeps_every_manual_score(graded_class, rnn):
    out = graded_class / "out"
    assert gradebook_rows(out)["amy"]["vanishing_gradients"] == "pending"
    store.save(out, "bob", "vanishing_gradients", 3, [0, 2], "clear", "ta1")
    publish.publish(out, class_page=False)
    before = json.loads((out / "bob" / "report.json").read_text())
    batch.grade_all(graded_class / "in", out, rnn, FAST, batch.Options(workers=2, force=True))
    after = json.loads((out / "bob" / "report.json").read_text())
    item = {i["id"]: i for i in after["manual"]["items"]}["vanishing_gradients"]
    assert (item["status"], item["points"], item["rubric_items"], item["grader"]) == ("graded", 3, [0, 2], "ta1")
    assert after["total"] == before["total"] and after["total"]["score"] == after["score"] + 3
    row = gradebook_rows(out)["bob"]
    assert (row["vanishing_gradients"], row["sentiment_bonus"], row["pending"]) == ("3", "pending", "1")
    assert "manual.vanishing_gradients: Written" in (out / "bob" / "results.json").read_text()
    bonus = {i["id"]: i for i in after["manual"]["items"]}["sentiment_bonus"]["answer"]
    assert not bonus["found"] and "no markdown heading holds 'sentiment analysis'" in bonus["message"]


def test_the_bonus_cells_were_shown_not_run(graded_class):
    out = graded_class / "out"
    amy = json.loads((out / "amy" / "report.json").read_text())
    # No NameError from model.fit and no missing tensorflow: the bonus cells did not run.
    assert amy["cells"] == [] and amy["score"] - amy["extra_credit"] == amy["max_score"]
    assert any("2 cells were not run" in note for note in amy["notes"])
    executed = json.loads((out / "amy" / "executed.ipynb").read_text())
    held = [c for c in executed["cells"] if c["cell_type"] == "code" and "imdb" in "".join(c["source"])]
    assert held[0]["metadata"]["grader"] == {"status": "not run"} and held[0]["outputs"] == []


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(graded_class):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "grader", "review", str(graded_class / "out"), "--port",
                                str(port), "--grader", "ta2"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def browser():
    if DRIVER is None or BROWSER is None:
        pytest.skip("no chromium and chromedriver here (`make test` installs both as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def shows(browser, element_id, expected):
    """Wait until the element's text holds `expected`: after a click that loads a page, the old page's element
    may still be the one found, and go stale under the test's feet."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def text(driver):
        return expected in driver.find_element(By.ID, element_id).text
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        text, f"#{element_id} never showed {expected!r}")
    return browser.find_element(By.ID, element_id).text


def test_graders_grade_in_the_browser_and_the_gradebook_follows(graded_class, server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    out = graded_class / "out"
    store.save(out, "bob", "vanishing_gradients", 3, [0, 2], "clear", "ta1")  # graded earlier, by another TA
    find = browser.find_element
    browser.get(server + "/")
    assert find(By.ID, "progress-sentiment_bonus").text == "0 / 2"
    find(By.ID, "open-sentiment_bonus").click()
    assert find(By.ID, "student").text == "amy" and find(By.ID, "position").text == "1 / 2"
    assert "val_accuracy: 0.8604" in find(By.ID, "answer").text and find(By.CSS_SELECTOR, "#answer img")
    assert "0.86" in find(By.ID, "numbers").text
    body = find(By.TAG_NAME, "body")
    body.send_keys("1")  # keyboard: rubric items 1, 2 and 3, then Enter saves and goes to the next student
    body.send_keys("2")
    body.send_keys("3")
    assert find(By.ID, "points").text == "8"
    body.send_keys(Keys.ENTER)
    assert shows(browser, "student", "bob") == "bob" and find(By.ID, "done").text == "1 / 2"
    assert find(By.ID, "missing").text.startswith("No answer: no answer found: no cell is tagged 'bonus'")
    find(By.ID, "rubric-4").click()  # a penalty alone: never below zero
    find(By.ID, "comment").send_keys("no bonus cells in the notebook")
    find(By.ID, "save-stay").click()
    assert shows(browser, "graded-by", "graded by ta2") and find(By.ID, "points").text == "0"
    browser.refresh()
    assert find(By.CSS_SELECTOR, "#rubric-4 input").is_selected()
    assert find(By.ID, "comment").get_attribute("value") == "no bonus cells in the notebook"
    find(By.ID, "previous").click()
    shows(browser, "student", "amy")
    assert [box.is_selected() for box in browser.find_elements(By.CSS_SELECTOR, "input[name=rubric]")] == \
        [True, True, True, False, False]
    rows = gradebook_rows(out)
    assert (rows["amy"]["sentiment_bonus"], rows["bob"]["sentiment_bonus"]) == ("8", "0")
    assert rows["amy"]["total"] == str(int(float(rows["amy"]["score"])) + 8)

    # A TA who graded the written item in a spreadsheet: imported through the page.
    sheet = tmp_path / "written.csv"
    sheet.write_text("student,item,points,rubric_items,comment,grader\namy,vanishing_gradients,4,0;1;2,,ta3\n")
    browser.get(server + "/")
    find(By.CSS_SELECTOR, "#import input[type=file]").send_keys(str(sheet))
    find(By.CSS_SELECTOR, "#import button").click()
    assert shows(browser, "message", "imported") == "imported 1 scores"
    assert find(By.ID, "progress-vanishing_gradients").text == "2 / 2"
    rows = gradebook_rows(out)
    assert rows["amy"]["vanishing_gradients"] == "4" and rows["amy"]["pending"] == "0"
    report = json.loads((out / "amy" / "report.json").read_text())
    graded = {i["id"]: i for i in report["manual"]["items"]}
    assert graded["vanishing_gradients"]["grader"] == "ta3" and graded["sentiment_bonus"]["grader"] == "ta2"
    find(By.ID, "publish").click()
    shows(browser, "message", "index.html written")
    page = (out / "index.html").read_text()
    assert 'id="manual"' in page and "<td class='n'>2 / 2</td><td class='n'>4 / 10</td>" in page


def test_a_save_from_a_stale_page_is_refused_and_shows_the_other_graders_score(graded_class, server, browser):
    from selenium.webdriver.common.by import By
    store.save(graded_class / "out", "bob", "vanishing_gradients", 3, [0, 2], "clear", "ta1")
    browser.get(server + "/grade/vanishing_gradients/bob")
    saved = store.get(graded_class / "out", "bob", "vanishing_gradients")
    store.save(graded_class / "out", "bob", "vanishing_gradients", 1, [2], "", "ta9", saved["version"])
    browser.find_element(By.ID, "rubric-0").click()  # this page still has the version before ta9's save
    browser.find_element(By.ID, "save-stay").click()
    shows(browser, "message", "not saved: ta9 saved this score")
    assert store.get(graded_class / "out", "bob", "vanishing_gradients")["grader"] == "ta9"
