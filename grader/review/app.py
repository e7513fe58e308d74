"""The review web app: people grade the manual items of a class, one item across all students, in a browser.

Flask serves it from a class's output folder (the reports of grade-all); the pages are Jinja2 templates, and
what a student wrote is rendered by render.py (sanitized Markdown and MathML) or escaped. guard.py refuses
other hosts, other sites' posts and, when the class has graders' accounts, anyone not logged in. A save names the
version of the score it was made from (store.Conflict when someone saved in between: the page shows both), then
the student's report files and gradebook.csv are written again; the class page is drawn again on "publish".
A rubric item edited here changes every score that picked it (store.edit_rubric), and the reports with them.
"""
import datetime
import hashlib
import json
import os
import secrets
from pathlib import Path

from flask import Flask, abort, g, redirect, render_template, request, send_from_directory, session, url_for
from flask_wtf.csrf import CSRFError

from ..errors import UsageError
from ..report import gradebook, manual
from . import guard, order, publish, render, store


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
        """{item id: item} over the class (the first report that lists an item gives its title and rubric, the
        class's rubric edits applied), and the students' names, sorted."""
        items, names = {}, self.names()
        for name in names:
            for item in self.get(name).get("manual", {}).get("items", []):
                items.setdefault(item["id"], {k: item[k] for k in ("id", "title", "max_points", "optional",
                                                                    "rubric")})
        edits = store.rubric_edits(self.out)
        for item in items.values():
            item["rubric"] = manual.rubric(item["rubric"], edits.get(item["id"], {}))
        return items, names

    def item(self, name, item_id):
        return next((i for i in self.get(name).get("manual", {}).get("items", []) if i["id"] == item_id), None)


def create_app(out, grader="", hosts=("localhost",), origins=("http://localhost",), session_hours=8.0,
               secure_cookies=False):
    out = Path(out)
    if not publish.students(out):
        raise UsageError(f"{str(out)!r} holds no reports (<name>/report.json): run grade-all into it first")
    app = Flask(__name__)
    # Cookies don't tell ports apart: each server's session cookie has a name of its own (two classes at once).
    cookie = "review-" + hashlib.sha256(f"{out.resolve()}|{sorted(hosts)}".encode()).hexdigest()[:12]
    app.config.update(OUT=out, GRADER=grader, SECRET_KEY=secrets.token_hex(32), SESSION_COOKIE_SECURE=secure_cookies,
                      SESSION_COOKIE_NAME=cookie,
                      PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=session_hours),
                      MAX_CONTENT_LENGTH=20_000_000)
    guard.install(app, hosts, origins)
    reports, failures = Reports(out), guard.Failures()
    app.jinja_env.globals.update(render=render)

    def page(template, http_status=200, **values):
        # Not `status`: a template's own value of that name (the scores table's filter) would become the HTTP status.
        return render_template(template, grader=g.get("grader"), accounts=g.get("accounts"),
                               message=values.pop("message", request.args.get("message", "")), **values), http_status

    def find(item_id, key):
        """(items, names, item, the class in this item's order, the student `key` names) or 404."""
        items, names = reports.items()
        if item_id not in items:
            abort(404)
        ranked = order.ranked(out, item_id, names)
        name = ranked.name(key)
        if name is None:
            abort(404)
        return items, names, items[item_id], ranked, name

    @app.errorhandler(CSRFError)
    def stale_form(error):
        return page("base.html", 400, message=f"refused: {error.description} Go back, reload the page (your"
                    " picks are lost: note them first) and submit again.")

    @app.get("/highlight.css")
    def highlight_css():
        return render.stylesheet(), 200, {"Content-Type": "text/css; charset=utf-8"}

    @app.route("/login", methods=["GET", "POST"])
    def login():
        wanted = request.values.get("next", "/")
        wanted = wanted if wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted else "/"
        if request.method == "POST":
            name = request.form.get("name", "")
            if failures.blocked(name):
                return page("login.html", 429, next=wanted, message=f"{failures.LIMIT} wrong passwords for {name!r}:"
                            f" try again in {failures.MINUTES} minutes")
            if store.check_password(out, name, request.form.get("password", "")):
                session.clear()
                session.permanent, session["grader"] = True, name
                return redirect(wanted)
            failures.add(name)
            return page("login.html", 401, next=wanted, message="wrong name or password")
        return page("login.html", next=wanted)

    @app.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    def index():
        items, names = reports.items()
        scores = store.load(out)
        rows = []
        for item_id, item in items.items():
            ranked = order.ranked(out, item_id, names)
            rows.append((item, sum(item_id in scores.get(n, {}) for n in names), ranked.key(ranked.names[0])))
        return page("index.html", rows=rows, students=len(names), anonymous=order.anonymous(out))

    @app.post("/anonymous")
    def set_anonymous():
        order.set_anonymous(out, request.form.get("anonymous") == "on")
        return redirect(url_for("index", message="names hidden: submissions in a random order per item"
                                if order.anonymous(out) else "names shown"))

    @app.get("/item/<item_id>")
    def scores_table(item_id):
        items, names = reports.items()
        if item_id not in items:
            abort(404)
        item, ranked, scores = items[item_id], order.ranked(out, item_id, names), store.load(out)
        status, picked = request.args.get("status", "all"), request.args.get("rubric", "")
        rows = []
        for name in ranked.names:
            saved = scores.get(name, {}).get(item_id)
            if (status == "graded" and not saved) or (status == "ungraded" and saved) or (
                    picked.isdigit() and not (saved and int(picked) in saved["rubric_items"])):
                continue
            rows.append({"key": ranked.key(name), "label": ranked.label(name), "saved": saved})
        return page("item.html", item=item, rows=rows, status=status, picked=picked, students=len(names),
                    changes=store.rubric_changes(out, item_id), uses=_uses(scores, item_id, len(item["rubric"])))

    @app.post("/item/<item_id>/rubric")
    def edit_rubric(item_id):
        items, _ = reports.items()
        if item_id not in items:
            abort(404)
        item = items[item_id]
        try:
            position = int(request.form.get("position", ""))
            points = float(request.form.get("points", ""))
        except ValueError:
            return redirect(url_for("scores_table", item_id=item_id, message="not changed: points must be a number"))
        text = request.form.get("text", "").strip()
        if not text or points != points or abs(points) > 1000:
            return redirect(url_for("scores_table", item_id=item_id,
                                    message="not changed: a rubric item needs a text and points between -1000 and 1000"))
        try:
            changed = store.edit_rubric(out, item_id, position, points, text, g.grader, item["rubric"],
                                        item["max_points"])
        except UsageError as exc:
            return redirect(url_for("scores_table", item_id=item_id, message=f"not changed: {exc}"))
        publish.publish(out, class_page=False)
        return redirect(url_for("scores_table", item_id=item_id,
                                message=f"rubric item {position + 1} saved; {changed} scores changed with it"))

    @app.get("/grade/<item_id>/<key>")
    def grade(item_id, key, message="", status=200, draft=None):
        items, names, item, ranked, name = find(item_id, key)
        at = ranked.names.index(name)
        scores = store.load(out)
        return page("grade.html", status, item=item, answer=(reports.item(name, item_id) or {}).get("answer"),
                    key=key, label=ranked.label(name), saved=(scores.get(name) or {}).get(item_id), draft=draft,
                    previous=ranked.key(ranked.names[at - 1]) if at else None,
                    next=ranked.key(ranked.names[at + 1]) if at + 1 < len(names) else None,
                    position=at + 1, students=len(names), done=sum(item_id in scores.get(n, {}) for n in names),
                    comments=store.comments(out, item_id), message=message)

    @app.post("/grade/<item_id>/<key>")
    def save(item_id, key):
        items, names, item, ranked, name = find(item_id, key)
        form = request.form
        picked = sorted({int(i) for i in form.getlist("rubric") if i.isdigit()})
        if any(i >= len(item["rubric"]) for i in picked):
            abort(400, f"{item_id} has rubric items 1..{len(item['rubric'])}")
        try:
            adjustment = float(form.get("adjustment") or 0)
        except ValueError:
            adjustment = float("nan")
        reason, comment = form.get("reason", "").strip(), form.get("comment", "").strip()
        draft = {"rubric_items": picked, "comment": comment, "adjustment": form.get("adjustment", ""),
                 "adjustment_reason": reason}
        if adjustment != adjustment or abs(adjustment) > item["max_points"] or (adjustment and not reason):
            return grade(item_id, key, "not saved: an adjustment is a number of points within the item's, with its"
                         " reason", 400, draft)
        points = manual.score(item["rubric"], picked, adjustment, item["max_points"])
        try:
            store.save(out, name, item_id, points, picked, comment, g.grader, int(form.get("version") or 0),
                       adjustment, reason)
        except store.Conflict as conflict:
            text = (f"not saved: {conflict}, after you opened this page. Their score and yours are both below;"
                    " save again to replace theirs with yours.")
            return grade(item_id, key, text, 409, draft)
        with publish.locked(out):  # the scores as saved now, and every report as written now
            publish.student(out, name, store.load(out).get(name, {}))
            publish.write_atomic(out / "gradebook.csv", gradebook.render([reports.get(n) for n in names]))
        at = ranked.names.index(name)
        if form.get("go") == "next-ungraded":
            return redirect(url_for("next_ungraded", item_id=item_id, after=key))
        target = ranked.names[at + 1] if form.get("go") == "next" and at + 1 < len(names) else name
        return redirect(url_for("grade", item_id=item_id, key=ranked.key(target)))

    @app.get("/next/<item_id>")
    def next_ungraded(item_id):
        """The first student after `after` (wrapping round) whose answer nobody graded yet."""
        items, names = reports.items()
        if item_id not in items:
            abort(404)
        ranked, scores = order.ranked(out, item_id, names), store.load(out)
        after = ranked.name(request.args.get("after", "")) or ranked.names[-1]
        at = ranked.names.index(after)
        for name in ranked.names[at + 1:] + ranked.names[:at + 1]:
            if item_id not in scores.get(name, {}):
                return redirect(url_for("grade", item_id=item_id, key=ranked.key(name)))
        return redirect(url_for("scores_table", item_id=item_id, message=f"every answer of {item_id} is graded"))

    @app.get("/export.csv")
    def export():
        return store.export_csv(out), 200, {"Content-Type": "text/csv; charset=utf-8",
                                            "Content-Disposition": "attachment; filename=manual-scores.csv"}

    @app.post("/import")
    def import_csv():
        upload = request.files.get("csv")
        if upload is None or not upload.filename:
            return redirect(url_for("index", message="choose a CSV file to import"))
        try:
            count = import_scores(out, upload.read().decode("utf-8-sig"), g.grader)
        except UnicodeDecodeError:
            return redirect(url_for("index", message="nothing imported: the file is not UTF-8 text"))
        except UsageError as exc:
            text = str(exc)
            return redirect(url_for("index", message=text if text.startswith("nothing") else f"nothing imported: {text}"))
        return redirect(url_for("index", message=f"imported {count} scores"))

    @app.post("/publish")
    def publish_all():
        publish.publish(out, class_page=True)
        return redirect(url_for("index", message="reports, gradebook.csv and index.html written"))

    @app.get("/files/<item_id>/<key>/<path:file>")
    def files(item_id, key, file):
        _, _, _, _, name = find(item_id, key)
        if not file.startswith("answer-"):
            abort(404)
        response = send_from_directory(out / name, file)
        if not file.endswith(".pdf"):  # an image opened as a page of its own runs nothing (Chromium shows no PDF
            response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src data:"  # sandboxed)
        return response

    return app


def _uses(scores, item_id, count):
    """How many saved scores of `item_id` picked each rubric item."""
    uses = [0] * count
    for items in scores.values():
        for i in items.get(item_id, {}).get("rubric_items", []):
            if i < count:
                uses[i] += 1
    return uses


def known_items(out):
    """{student: {item: (max points, rubric with the class's edits)}}, as an import checks its rows against."""
    edits, known = store.rubric_edits(out), {}
    for name in publish.students(out):
        known[name] = {i["id"]: (i["max_points"], manual.rubric(i["rubric"], edits.get(i["id"], {})))
                       for i in publish.read(out, name).get("manual", {}).get("items", [])}
    return known


def import_scores(out, text, grader=""):
    """Import a CSV of scores (store.import_csv), then merge them into the reports and the gradebook. With
    accounts, a row's grader must be one of them."""
    accounts = store.graders(out)
    count = store.import_csv(out, text, known_items(out), grader, accounts or None)
    publish.publish(out, class_page=False)
    return count


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def addresses(host, port, public_url=None):
    """(Host headers, origins) the app answers to: the address it listens on, and the public URL a reverse proxy
    serves it under."""
    from urllib.parse import urlparse
    names = ["127.0.0.1", "localhost", "::1"] if host in LOOPBACK else [host]
    hosts = {f"[{n}]:{port}" if ":" in n else f"{n}:{port}" for n in names}
    origins = {f"http://{h}" for h in hosts}
    if public_url:
        parsed = urlparse(public_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UsageError(f"--public-url {public_url!r} is not a URL such as https://grading.example.edu")
        hosts.add(parsed.netloc)
        origins.add(f"{parsed.scheme}://{parsed.netloc}")
    return sorted(hosts), sorted(origins)


def serve(out, port=8000, grader="", host="127.0.0.1", public_url=None, session_hours=8.0):
    """Serve the app. Without graders' accounts only on loopback (the reports hold students' work); with them,
    also on `host` or behind a reverse proxy at `public_url`, to graders who log in."""
    from werkzeug.serving import make_server
    if (host not in LOOPBACK or public_url) and not store.graders(out):
        raise UsageError(f"serving beyond this machine (--host {host}"
                         + (f", --public-url {public_url}" if public_url else "") + ") needs graders' accounts:"
                         f" add one with `python -m grader review {out} --add-grader NAME`")
    if host in ("0.0.0.0", "::", "") and not public_url:
        raise UsageError(f"--host {host!r} listens on every address: say which name browsers use with --public-url"
                         " (http://NAME:PORT, or the https:// URL of a reverse proxy), or give --host that name")
    hosts, origins = addresses(host, port, public_url)
    app = create_app(out, grader or os.environ.get("USER", ""), hosts, origins, session_hours,
                     secure_cookies=bool(public_url and public_url.startswith("https:")))
    try:  # werkzeug's server sets SO_REUSEADDR: a restart gets the port back at once
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise UsageError(f"can't serve on {host}:{port} ({exc.strerror}); choose another with --port") from None
    print(f"review: {public_url or origins[0]}/ (Ctrl-C stops it)" + (
        "; graders log in" if store.graders(out) else ""), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
