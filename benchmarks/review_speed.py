"""How fast people can grade in the review app, on a made-up class of N notebooks (no grading runs).

Each student's notebook has the written answer and the bonus with a Keras log and a plot; their answers are
extracted as `grade` does, into reports made from made-up check results. Prints the time to extract one
notebook's answers, to open a student's page (first and later requests), to save a score (the student's report
files and the gradebook written again), and to publish the class (every report, gradebook.csv and index.html).

Run: .venv/bin/python benchmarks/review_speed.py [N]   (default 100)
"""
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from grader import answers, assignment  # noqa: E402
from grader.report import manual, write  # noqa: E402
from grader.review import publish  # noqa: E402
from grader.review.app import create_app  # noqa: E402
from grader.sandbox import notebook as notebooks  # noqa: E402
from manual_notebooks import notebook  # noqa: E402
from test_batch_outputs import check, document  # noqa: E402


def made_up_class(out, count, items):
    """`count` report folders whose manual answers come from real notebooks; returns seconds per extraction."""
    timings = []
    for n in range(count):
        path = Path(out) / f"s{n:03d}.ipynb"
        path.write_text(notebook(bonus=n % 5 != 0, claims=f"LSTM accuracy {80 + n % 9}%"))
        read, _ = notebooks.read(path)
        started = time.perf_counter()
        records = answers.extract(items, SimpleNamespace(notebook=read, source=path, kind="notebook"))
        timings.append(time.perf_counter() - started)
        made = document(f"s{n:03d}", [check("submission.loads", points=0, max_points=0), check("f.public")])
        made["manual"] = {"items": records}
        write(manual.totals(made), Path(out) / f"s{n:03d}")
        path.unlink()
    return timings


def timed(call):
    started = time.perf_counter()
    answer = call()
    return time.perf_counter() - started, answer


def main(count):
    items = assignment.find("rnn").manual
    with tempfile.TemporaryDirectory() as out:
        extract = made_up_class(out, count, items)
        size = statistics.mean((Path(out) / f"s{n:03d}" / "report.json").stat().st_size for n in range(count))
        client = create_app(out, "bench").test_client()
        first, _ = timed(lambda: client.get("/grade/sentiment_bonus/s001"))
        pages = [timed(lambda n=n: client.get(f"/grade/sentiment_bonus/s{n:03d}"))[0] for n in range(count)]
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").data.decode()).group(1)
        saves = []
        for n in range(min(count, 30)):
            seconds, answer = timed(lambda n=n: client.post(
                f"/grade/sentiment_bonus/s{n:03d}", data={"rubric": ["0", "1"], "go": "next", "csrf_token": token},
                headers={"Origin": "http://localhost"}))
            assert answer.status_code == 302, answer.status_code
            saves.append(seconds)
        whole, _ = timed(lambda: publish.publish(out, class_page=True))
        graded = json.loads((Path(out) / "s000" / "report.json").read_text())["total"]
    print(f"class of {count} notebooks, report.json {size / 1000:.0f} kB on average (answers and a plot included)")
    print(f"extract the answers of one notebook: {statistics.median(extract) * 1000:.1f} ms (median)")
    print(f"open a student's page: first {first * 1000:.0f} ms, then {statistics.median(pages) * 1000:.1f} ms "
          f"(median over {count})")
    print(f"save a score (report files and gradebook.csv written again): {statistics.median(saves) * 1000:.0f} ms "
          f"(median over {len(saves)})")
    print(f"publish the class (every report, gradebook.csv, index.html): {whole:.1f} s")
    print(f"s000 after grading: {graded}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
