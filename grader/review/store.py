"""The scores people give, in one SQLite file in the class's output folder (manual.sqlite).

One row per (student, item) with a version number. A save names the version it started from and fails with
Conflict when someone else saved in between, so two graders at once never overwrite each other unseen: the second
sees the first one's score and decides. Every change happens in a transaction (BEGIN IMMEDIATE). Grading the
automatic part again never touches this file, and the scores are merged into the reports after it.
"""
import csv
import fcntl
import io
import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from ..errors import UsageError
from ..report import spreadsheet

NAME = "manual.sqlite"
COLUMNS = ["student", "item", "points", "rubric_items", "comment", "grader", "graded_at"]
SCHEMA = """CREATE TABLE IF NOT EXISTS scores (
    student TEXT NOT NULL, item TEXT NOT NULL, points REAL NOT NULL, rubric_items TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '', grader TEXT NOT NULL DEFAULT '', graded_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (student, item))"""


class Conflict(Exception):
    """Someone saved this score after the version the save started from; `current` is what they saved."""

    def __init__(self, current):
        super().__init__(f"{current['grader'] or 'someone'} saved this score at {current['graded_at']}")
        self.current = current


def now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def connect(out):
    connection = sqlite3.connect(Path(out) / NAME, timeout=10, isolation_level=None)
    connection.row_factory = sqlite3.Row
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        _create(out, connection)
    return connection


def _create(out, connection):
    """WAL (readers don't wait for a writer) and the table, set up once. Switching the journal mode fails at once,
    without waiting, while another connection holds a lock, so the connections that find the file new take turns
    (a lock file of their own: publish holds .manual.lock while it connects)."""
    with open(Path(out) / f".{NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        connection.execute(SCHEMA)
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # last: WAL means the table is there
            connection.execute("PRAGMA journal_mode=WAL")


def _record(row):
    record = dict(row)
    record["rubric_items"] = json.loads(record["rubric_items"])
    return record


def load(out):
    """{student: {item: score record}}; empty when nobody has graded anything yet (no database)."""
    if not (Path(out) / NAME).is_file():
        return {}
    scores = {}
    with closing(connect(out)) as db:
        for row in db.execute("SELECT * FROM scores ORDER BY student, item"):
            scores.setdefault(row["student"], {})[row["item"]] = _record(row)
    return scores


def get(out, student, item):
    with closing(connect(out)) as db:
        row = db.execute("SELECT * FROM scores WHERE student = ? AND item = ?", (student, item)).fetchone()
    return _record(row) if row else None


def save(out, student, item, points, rubric_items=(), comment="", grader="", version=0):
    """Save a score made from `version` (0: there was none); returns the new version, or raises Conflict."""
    values = (float(points), json.dumps(sorted(rubric_items)), comment, grader, now())
    with closing(connect(out)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT * FROM scores WHERE student = ? AND item = ?", (student, item)).fetchone()
            current = row["version"] if row else 0
            if current != version:
                raise Conflict(_record(row))
            if row:
                db.execute("UPDATE scores SET points = ?, rubric_items = ?, comment = ?, grader = ?, graded_at = ?,"
                           " version = version + 1 WHERE student = ? AND item = ?", (*values, student, item))
            else:
                db.execute("INSERT INTO scores (points, rubric_items, comment, grader, graded_at, student, item)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)", (*values, student, item))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return current + 1


def export_csv(out):
    """Every saved score as CSV text, one row per (student, item); rubric items as indices joined by ';'."""
    text = io.StringIO()
    writer = spreadsheet.writer(text)
    writer.writerow(COLUMNS)
    for student, items in sorted(load(out).items()):
        for item, record in sorted(items.items()):
            writer.writerow([student, item, f"{record['points']:g}", ";".join(map(str, record["rubric_items"])),
                             record["comment"], record["grader"], record["graded_at"]])
    return text.getvalue()


def import_csv(out, text, known, grader=""):
    """Save every row of a CSV (the columns of export_csv; student, item and points required) in one transaction.
    `known`: {student: {item: max points}}. A bad row stops the import with its line number, and nothing is saved.
    Returns the number of scores saved."""
    rows = list(csv.DictReader(io.StringIO(text)))
    missing = [c for c in ("student", "item", "points") if rows and c not in rows[0]]
    if missing or not rows:
        raise UsageError(f"the CSV needs a header with {', '.join(COLUMNS[:3])} and one row per score"
                         + (f"; it has no {missing[0]!r} column" if missing else "; it has no rows"))
    parsed = [_row(number, row, known, grader) for number, row in enumerate(rows, 2)]
    with closing(connect(out)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            for row in parsed:
                db.execute("INSERT INTO scores (student, item, points, rubric_items, comment, grader, graded_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (student, item) DO UPDATE SET"
                           " points = excluded.points, rubric_items = excluded.rubric_items, comment ="
                           " excluded.comment, grader = excluded.grader, graded_at = excluded.graded_at,"
                           " version = version + 1", row)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return len(parsed)


def _row(number, row, known, grader):
    student, item = (row.get("student") or "").strip(), (row.get("item") or "").strip()
    where = f"line {number} of the CSV"
    if student not in known:
        raise UsageError(f"{where}: no student {student!r} in this class; names are the report folders'")
    if item not in known[student]:
        raise UsageError(f"{where}: no item {item!r}; the items are {', '.join(sorted(known[student]))}")
    try:
        points = float(row["points"])
    except ValueError:
        raise UsageError(f"{where}: points {row['points']!r} is not a number") from None
    if not 0 <= points <= known[student][item]:
        raise UsageError(f"{where}: {points:g} points is outside 0..{known[student][item]:g} for {item!r}")
    picked = [int(i) for i in (row.get("rubric_items") or "").replace(",", ";").split(";") if i.strip().isdigit()]
    return (student, item, points, json.dumps(sorted(picked)), spreadsheet.unquoted(row.get("comment") or ""),
            (row.get("grader") or grader).strip(), (row.get("graded_at") or "").strip() or now())
