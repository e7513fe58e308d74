"""report.json is the contract; every other output (Markdown, terminal) is rendered from its dictionary."""
import json
from dataclasses import asdict
from pathlib import Path

from ..whole import write_whole

SCHEMA_VERSION = "1.0"
SCHEMA = Path(__file__).with_name("schema.json")
GRADER_VERSION = "0.1.0"


def build(graded, assignment, limits, isolation=None, manual=None):
    """report.json's content; `manual`: the records of the items people grade (grader.answers), all pending."""
    checks = [_check(r) for r in graded.results]
    required = [c for c in checks if not c["optional"]]
    functions = {}
    for check in checks:
        if check["function"] is None:
            continue
        entry = functions.setdefault(check["function"], {"score": 0.0, "max_score": 0.0,
                                                         "optional": check["optional"]})
        entry["score"] = round(entry["score"] + check["points"], 4)
        entry["max_score"] = round(entry["max_score"] + check["max_points"], 4)
    stdout, stderr = graded.output
    document = {
        "schema_version": SCHEMA_VERSION,
        "grader_version": GRADER_VERSION,
        "assignment": assignment.name,
        "submission": graded.submission.name,
        "kind": graded.submission.kind,
        "score": round(sum(c["points"] for c in checks), 4),
        "max_score": round(sum(c["max_points"] for c in required), 4),
        "extra_credit": round(sum(c["points"] for c in checks if c["optional"]), 4),
        "extra_credit_max": round(sum(c["max_points"] for c in checks if c["optional"]), 4),
        "isolation": isolation or graded.isolation,
        "loaded": graded.load_error is None,
        "functions": functions,
        "checks": checks,
        "cells": [cell_record(run) for run in getattr(graded, "cells", ()) if run.status != "ok"],
        "notes": list(graded.submission.notes),
        "sources": dict(graded.sources),
        "output": {"stdout": stdout, "stderr": stderr},
        "limits": asdict(limits),
        "tolerance": dict(assignment.settings["tolerance"]),
    }
    if manual:
        from .manual import totals
        document["manual"] = {"items": list(manual)}
        totals(document)
    from .bounds import bound
    return bound(document, limits)  # whatever the sandbox sent, a report's size is bounded


def _check(result):
    """A check's record; `series` (a loss history) and `answer` (a wrong answer's fingerprint) only where the
    check has one."""
    record = asdict(result)
    for optional in ("series", "answer"):
        if not record.get(optional):
            record.pop(optional, None)
    return record


def cell_record(run):
    """A notebook cell that failed or timed out, as report.json lists it."""
    return {"cell": run.number, "status": run.status, "message": run.message, "first_line": run.first_line}


def write(report, folder):
    """Write report.json and report.md into `folder`; returns the folder."""
    from .markdown import render
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_whole(folder / "report.json", json.dumps(report, indent=1) + "\n")  # (a reader, the review app or CI,
    write_whole(folder / "report.md", render(report))  # may read them while a grading writes them again)
    from .history import write as write_plots
    write_plots(report, folder)  # the plots report.md links to
    return folder
