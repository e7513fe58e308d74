"""The review web app: people grade the manual items of a class, one item across all students, in a browser.

Flask serves it on 127.0.0.1 from a class's output folder (the reports of grade-all); the pages are Jinja2
templates (templates/), so everything a student wrote is escaped. A save names the version of the score it was
made from (store.Conflict when someone saved in between), then the student's report files and gradebook.csv are
written again; the class page is drawn again on "publish".
"""
import json
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask, abort, make_response, redirect, render_template, request, send_from_directory, url_for

from ..errors import UsageError
from ..report import gradebook, manual
from . import publish, store


class Reports:
    """The class's reports, each read again only when its report.json changed on disk (a save, a grade-all): a
    page must not parse every student's answers, plots included, on each request."""

    def __init__(self, out):
        self.out, self.cache = Path(out), {}

    def names(self):
        return publish.students(self.out)

    def get(self, name):
        path = self.out / name / "report.json"
        stat = path.stat()
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = self.cache.get(name)
        if cached is None or cached[0] != key:
            cached = self.cache[name] = (key, json.loads(path.read_text()))
        return cached[1]

    def items(self):
        """{item id: item} over the class (the first report that lists an item gives its title and rubric),
        and the students' names, sorted."""
        items, names = {}, self.names()
        for name in names:
            for item in self.get(name).get("manual", {}).get("items", []):
                items.setdefault(item["id"], {k: item[k] for k in ("id", "title", "max_points", "optional",
                                                                    "rubric")})
        return items, names

    def item(self, name, item_id):
        return next((i for i in self.get(name).get("manual", {}).get("items", []) if i["id"] == item_id), None)


def create_app(out, grader=""):
    out = Path(out)
    if not publish.students(out):
        raise UsageError(f"{str(out)!r} holds no reports (<name>/report.json): run grade-all into it first")
    app = Flask(__name__)
    app.config["OUT"], app.config["GRADER"] = out, grader
    reports = Reports(out)

    @app.before_request
    def same_origin():
        """A page of another site must not post scores to this server through the grader's browser."""
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin and urlparse(origin).netloc != request.host:
            abort(403)

    def who():
        return request.form.get("grader") or request.cookies.get("grader") or app.config["GRADER"]

    def progress(item_id, names):
        scores = store.load(out)
        return sum(item_id in scores.get(name, {}) for name in names)

    @app.get("/")
    def index():
        items, names = reports.items()
        scores = store.load(out)
        rows = [(item, sum(i in scores.get(n, {}) for n in names),
                 next((n for n in names if i not in scores.get(n, {})), names[0])) for i, item in items.items()]
        return render_template("index.html", rows=rows, students=len(names), grader=who(),
                               message=request.args.get("message", ""))

    @app.get("/grade/<item_id>/<name>")
    def grade(item_id, name, message="", status=200, draft=None):
        items, names = reports.items()
        if item_id not in items or name not in names:
            abort(404)
        item = reports.item(name, item_id)
        saved = store.get(out, name, item_id)
        at = names.index(name)
        page = render_template(
            "grade.html", item=items[item_id], answer=item["answer"] if item else None, name=name, saved=saved,
            draft=draft, previous=names[at - 1] if at else None, next=names[at + 1] if at + 1 < len(names) else None,
            position=at + 1, students=len(names), done=progress(item_id, names), grader=who(), message=message)
        return page, status

    @app.post("/grade/<item_id>/<name>")
    def save(item_id, name):
        items, names = reports.items()
        if item_id not in items or name not in names:
            abort(404)
        item = items[item_id]
        picked = sorted({int(i) for i in request.form.getlist("rubric")
                         if i.isdigit() and int(i) < len(item["rubric"])})
        points = manual.rubric_points(item, picked)
        try:
            store.save(out, name, item_id, points, picked, request.form.get("comment", "").strip(), who(),
                       int(request.form.get("version") or 0))
        except store.Conflict as conflict:
            text = (f"not saved: {conflict}, after you opened this page. Their score is shown below; pick again "
                    "and save to replace it.")
            return grade(item_id, name, text, 409)
        with publish.locked(out):  # the scores as saved now, and every report as written now
            publish.student(out, name, store.load(out).get(name, {}))
            publish.write_atomic(out / "gradebook.csv", gradebook.render([reports.get(n) for n in names]))
        at = names.index(name)
        target = names[at + 1] if request.form.get("go") == "next" and at + 1 < len(names) else name
        response = make_response(redirect(url_for("grade", item_id=item_id, name=target)))
        response.set_cookie("grader", who(), samesite="Strict")
        return response

    @app.get("/export.csv")
    def export():
        response = make_response(store.export_csv(out))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = "attachment; filename=manual-scores.csv"
        return response

    @app.post("/import")
    def import_csv():
        upload = request.files.get("csv")
        if upload is None or not upload.filename:
            return redirect(url_for("index", message="choose a CSV file to import"))
        try:
            count = import_scores(out, upload.read().decode("utf-8-sig"), who())
        except (UsageError, UnicodeDecodeError) as exc:
            return redirect(url_for("index", message=f"nothing imported: {exc}"))
        return redirect(url_for("index", message=f"imported {count} scores"))

    @app.post("/publish")
    def publish_all():
        publish.publish(out, class_page=True)
        return redirect(url_for("index", message="reports, gradebook.csv and index.html written"))

    @app.get("/files/<name>/<path:file>")
    def files(name, file):
        if name not in publish.students(out) or not file.startswith("answer-"):
            abort(404)
        return send_from_directory(out / name, file)

    return app


def import_scores(out, text, grader=""):
    """Import a CSV of scores (store.import_csv), then merge them into the reports and the gradebook."""
    known = {}
    for name in publish.students(out):
        known[name] = {i["id"]: i["max_points"] for i in publish.read(out, name).get("manual", {}).get("items", [])}
    count = store.import_csv(out, text, known, grader)
    publish.publish(out, class_page=False)
    return count


def serve(out, port=8000, grader=""):
    """Serve the app on 127.0.0.1 only: the reports hold students' work."""
    app = create_app(out, grader or os.environ.get("USER", ""))
    with socket.socket() as probe:  # say which port is taken, rather than a server's traceback
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise UsageError(f"can't serve on 127.0.0.1:{port} ({exc.strerror}); choose another with --port") from None
    print(f"review: http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
    app.run(host="127.0.0.1", port=port, threaded=True)
