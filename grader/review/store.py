"""The scores people give, in one SQLite file in the class's output folder (manual.sqlite).

One row per (student, item) with a version number. A save names the version it started from and fails with
Conflict when someone else saved in between, so two graders at once never overwrite each other unseen: the second
sees the first one's score and decides. Every change happens in a transaction (BEGIN IMMEDIATE). Grading the
automatic part again never touches this file, and the scores are merged into the reports after it.
"""
import contextlib
import csv
import fcntl
import io
import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from ..errors import UsageError
from ..report import manual, spreadsheet

NAME = "manual.sqlite"
COLUMNS = ["student", "item", "points", "rubric_items", "adjustment", "adjustment_reason", "comment", "grader",
           "graded_at", "version"]
# user_version 2: adjustments, the class's rubric edits and their history, graders' accounts, settings.
SCHEMA = """CREATE TABLE IF NOT EXISTS scores (
    student TEXT NOT NULL, item TEXT NOT NULL, points REAL NOT NULL, rubric_items TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '', grader TEXT NOT NULL DEFAULT '', graded_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (student, item));
CREATE TABLE IF NOT EXISTS rubric (
    item TEXT NOT NULL, position INTEGER NOT NULL, points REAL NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (item, position));
CREATE TABLE IF NOT EXISTS rubric_changes (
    item TEXT NOT NULL, position INTEGER NOT NULL, old_points REAL, old_text TEXT, new_points REAL NOT NULL,
    new_text TEXT NOT NULL, grader TEXT NOT NULL, changed_at TEXT NOT NULL, scores_changed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS graders (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"""
SCORE_COLUMNS = {"adjustment": "REAL NOT NULL DEFAULT 0", "adjustment_reason": "TEXT NOT NULL DEFAULT ''"}
VERSION = 2


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
    if connection.execute("PRAGMA user_version").fetchone()[0] < VERSION:
        _create(out, connection)
    return connection


def _create(out, connection):
    """WAL (readers don't wait for a writer) and the table, set up once. Switching the journal mode fails at once,
    without waiting, while another connection holds a lock, so the connections that find the file new take turns
    (a lock file of their own: publish holds .manual.lock while it connects)."""
    with open(Path(out) / f".{NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode=WAL")
        if connection.execute("PRAGMA user_version").fetchone()[0] >= VERSION:
            return  # another connection set it up while this one waited
        connection.executescript(SCHEMA)  # a database of an earlier version gets the new tables and columns
        have = {row[1] for row in connection.execute("PRAGMA table_info(scores)")}
        for column, kind in SCORE_COLUMNS.items():
            if column not in have:
                connection.execute(f"ALTER TABLE scores ADD COLUMN {column} {kind}")
        connection.execute(f"PRAGMA user_version = {VERSION}")  # last: the tables are there


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


def save(out, student, item, points, rubric_items=(), comment="", grader="", version=0, adjustment=0.0,
         reason=""):
    """Save a score made from `version` (0: there was none); returns the new version, or raises Conflict.
    `points` is what the rubric items picked and the adjustment make (manual.score): the caller derives it."""
    values = (float(points), json.dumps(sorted(rubric_items)), comment, grader, now(), float(adjustment), reason)
    with _transaction(out) as db:
        row = db.execute("SELECT * FROM scores WHERE student = ? AND item = ?", (student, item)).fetchone()
        current = row["version"] if row else 0
        if current != version:
            raise Conflict(_record(row))
        db.execute("INSERT INTO scores (points, rubric_items, comment, grader, graded_at, adjustment,"
                   " adjustment_reason, student, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (student, item)"
                   " DO UPDATE SET points = excluded.points, rubric_items = excluded.rubric_items, comment ="
                   " excluded.comment, grader = excluded.grader, graded_at = excluded.graded_at, adjustment ="
                   " excluded.adjustment, adjustment_reason = excluded.adjustment_reason, version = version + 1",
                   (*values, student, item))
    return current + 1


@contextlib.contextmanager
def _transaction(out):
    """One write transaction (BEGIN IMMEDIATE: the writers take turns), rolled back on any exception."""
    with closing(connect(out)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def rubric_edits(out):
    """{item: {position: {"points", "text"}}}: the class's changes to the rubrics the reports were graded with."""
    if not (Path(out) / NAME).is_file():
        return {}
    edits = {}
    with closing(connect(out)) as db:
        for row in db.execute("SELECT * FROM rubric ORDER BY item, position"):
            edits.setdefault(row["item"], {})[row["position"]] = {"points": row["points"], "text": row["text"]}
    return edits


def edit_rubric(out, item, position, points, text, grader, rubric, max_points):
    """Change (or, at the end, add) rubric item `position` of `item`, whose rubric is now `rubric`; every score
    of the item gets its points again from its picks, in the same transaction, and the change is recorded.
    Returns the number of scores whose points changed."""
    if not 0 <= position <= len(rubric):
        raise UsageError(f"item {item!r} has rubric items 0..{len(rubric) - 1}; there is no {position}")
    old = rubric[position] if position < len(rubric) else {"points": None, "text": None}
    new = [dict(r) for r in rubric] + ([] if position < len(rubric) else [{}])
    new[position] = {"points": float(points), "text": text}
    changed = 0
    with _transaction(out) as db:
        db.execute("INSERT OR REPLACE INTO rubric (item, position, points, text) VALUES (?, ?, ?, ?)",
                   (item, position, float(points), text))
        for row in db.execute("SELECT * FROM scores WHERE item = ?", (item,)).fetchall():
            score = manual.score(new, json.loads(row["rubric_items"]), row["adjustment"], max_points)
            if score != row["points"]:
                changed += 1
                db.execute("UPDATE scores SET points = ? WHERE student = ? AND item = ?",
                           (score, row["student"], item))
        db.execute("INSERT INTO rubric_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (item, position, old["points"], old["text"], float(points), text, grader, now(), changed))
    return changed


def rubric_changes(out, item):
    with closing(connect(out)) as db:
        return [dict(row) for row in db.execute("SELECT * FROM rubric_changes WHERE item = ? ORDER BY rowid DESC",
                                                (item,))]


def comments(out, item, limit=12):
    """The comments graders wrote on `item`, most used first: saved for reuse on the next answer."""
    with closing(connect(out)) as db:
        return [row[0] for row in db.execute(
            "SELECT comment FROM scores WHERE item = ? AND comment != '' GROUP BY comment"
            " ORDER BY count(*) DESC, max(graded_at) DESC LIMIT ?", (item, limit))]


def add_grader(out, name, password):
    """An account: the name saved with each score, and its password hashed (werkzeug's scrypt)."""
    from werkzeug.security import generate_password_hash
    if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise UsageError(f"a grader's name is letters, digits, '-', '_' or '.'; not {name!r}")
    if len(password) < 8:
        raise UsageError("a grader's password needs at least 8 characters")
    with _transaction(out) as db:
        db.execute("INSERT OR REPLACE INTO graders VALUES (?, ?, ?)", (name, generate_password_hash(password), now()))


def graders(out):
    if not (Path(out) / NAME).is_file():
        return []
    with closing(connect(out)) as db:
        return [row[0] for row in db.execute("SELECT name FROM graders ORDER BY name")]


def check_password(out, name, password):
    from werkzeug.security import check_password_hash
    with closing(connect(out)) as db:
        row = db.execute("SELECT password_hash FROM graders WHERE name = ?", (name,)).fetchone()
    return row is not None and check_password_hash(row[0], password)


def setting(out, key, default=None):
    """A setting kept with the class (anonymous grading, the random order's seed), made from `default` once."""
    with closing(connect(out)) as db:
        row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row is not None or default is None:
        return row[0] if row else None
    with _transaction(out) as db:  # the first to ask sets it; another that asked at once reads the same
        db.execute("INSERT OR IGNORE INTO settings VALUES (?, ?)", (key, default))
        return db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()[0]


def set_setting(out, key, value):
    with _transaction(out) as db:
        db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))


def export_csv(out):
    """Every saved score as CSV text, one row per (student, item); rubric items as indices joined by ';'. The
    version column lets an import refuse a row that someone saved again after the export."""
    text = io.StringIO()
    writer = spreadsheet.writer(text)
    writer.writerow(COLUMNS)
    for student, items in sorted(load(out).items()):
        for item, record in sorted(items.items()):
            writer.writerow([student, item, f"{record['points']:g}", ";".join(map(str, record["rubric_items"])),
                             f"{record['adjustment']:g}", record["adjustment_reason"], record["comment"],
                             record["grader"], record["graded_at"], record["version"]])
    return text.getvalue()


def import_csv(out, text, known, grader="", graders=None):
    """Save every row of a CSV (the columns of export_csv; student, item and points required) in one transaction.
    `known`: {student: {item: (max points, rubric)}}; `graders`: the accounts a grader column may name (None: any).
    Any bad row stops the import, every bad row is named by its line in the file, and nothing is saved.
    Returns the number of scores saved."""
    reader = csv.DictReader(io.StringIO(text))
    rows, line = [], 2
    for row in reader:  # the physical line a record starts on (a quoted comment may span lines)
        rows.append((line, row))
        line = reader.line_num + 1
    missing = [c for c in COLUMNS[:3] if rows and c not in (reader.fieldnames or [])]
    if missing or not rows:
        raise UsageError(f"the CSV needs a header with {', '.join(COLUMNS[:3])} and one row per score"
                         + (f"; it has no {missing[0]!r} column" if missing else "; it has no rows"))
    parsed, errors = [], []
    for number, row in rows:
        try:
            parsed.append(_row(number, row, known, grader, graders))
        except UsageError as error:
            errors.append(str(error))
    with _transaction(out) as db:
        for values in parsed:
            errors += _stale(db, values)
        if errors:
            raise UsageError("nothing imported: " + "; ".join(errors[:10]) + (
                f"; and {len(errors) - 10} more" if len(errors) > 10 else ""))
        for values in parsed:
            db.execute("INSERT INTO scores (student, item, points, rubric_items, adjustment, adjustment_reason,"
                       " comment, grader, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (student, item)"
                       " DO UPDATE SET points = excluded.points, rubric_items = excluded.rubric_items, adjustment ="
                       " excluded.adjustment, adjustment_reason = excluded.adjustment_reason, comment ="
                       " excluded.comment, grader = excluded.grader, graded_at = excluded.graded_at,"
                       " version = version + 1", values["row"])
    return len(parsed)


def _stale(db, values):
    """The row's error when someone saved the score after the version the row was exported at."""
    student, item = values["row"][:2]
    row = db.execute("SELECT * FROM scores WHERE student = ? AND item = ?", (student, item)).fetchone()
    if row is None or row["version"] <= values["version"]:
        return []
    return [f"line {values['line']}: {student}/{item} was saved again (version {row['version']}, by"
            f" {row['grader'] or 'someone'} at {row['graded_at']}) after this row's version {values['version']};"
            " export again, or give the version column the current version to replace it"]


def _row(number, row, known, grader, graders):
    student, item = (row.get("student") or "").strip(), (row.get("item") or "").strip()
    where = f"line {number}"
    if student not in known:
        raise UsageError(f"{where}: no student {student!r} in this class; names are the report folders'")
    if item not in known[student]:
        raise UsageError(f"{where}: no item {item!r}; the items are {', '.join(sorted(known[student]))}")
    top, rubric = known[student][item]
    points = _number(where, "points", row.get("points"))
    if not 0 <= points <= top:
        raise UsageError(f"{where}: {points:g} points is outside 0..{top:g} for {item!r}")
    tokens = [t.strip() for t in (row.get("rubric_items") or "").replace(",", ";").split(";") if t.strip()]
    bad = [t for t in tokens if not t.isdigit() or int(t) >= len(rubric)]
    if bad:
        raise UsageError(f"{where}: {item!r} has no rubric item {bad[0]!r}; its items are 0..{len(rubric) - 1}")
    picked = sorted({int(t) for t in tokens})
    reason = spreadsheet.unquoted(row.get("adjustment_reason") or "").strip()
    if (row.get("adjustment") or "").strip():
        adjustment = _number(where, "adjustment", row["adjustment"])
    elif not picked and points:  # a sheet of bare points (no rubric items): the points are an adjustment
        adjustment, reason = points, reason or "imported without rubric items"
    else:
        adjustment = 0.0
    made = manual.score(rubric, picked, adjustment, top)
    if abs(made - points) > 1e-6:
        raise UsageError(f"{where}: points {points:g} disagree with rubric items {';'.join(map(str, picked)) or 'none'}"
                         f" and adjustment {adjustment:+g}, which make {made:g}")
    who = spreadsheet.unquoted(row.get("grader") or "").strip() or grader
    if graders is not None and who not in graders:
        raise UsageError(f"{where}: {who!r} is not a grader's account; the graders are {', '.join(graders)}")
    version = (row.get("version") or "").strip()
    if version and not version.isdigit():
        raise UsageError(f"{where}: version {version!r} is not a whole number")
    return {"line": number, "version": int(version or 0),
            "row": (student, item, points, json.dumps(picked), adjustment, reason,
                    spreadsheet.unquoted(row.get("comment") or ""), who,
                    (row.get("graded_at") or "").strip() or now())}


def _number(where, column, text):
    try:
        value = float(spreadsheet.unquoted((text or "").strip()))
    except ValueError:
        raise UsageError(f"{where}: {column} {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise UsageError(f"{where}: {column} {text!r} is not a number")
    return value
