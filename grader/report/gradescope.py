"""results.json for Gradescope, from a report dictionary.

Follows the Gradescope autograder specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications"): top-level `score`, `execution_time` (seconds), `output`; one entry of `tests` per check with
`name`, `score`, `max_score`, `status` ("passed" or "failed"), `output` and `visibility`. A check on hidden cases
gets `after_published` visibility (configurable), so students see it once the grades are published.
"""

# A check is hidden when the kind in its id (`<function>.<kind>`) starts with one of these.
HIDDEN_KINDS = ("hidden",)
HIDDEN_VISIBILITY = "after_published"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def is_hidden(check, hidden_kinds=HIDDEN_KINDS):
    kind = check["id"].rsplit(".", 1)[-1]
    return any(kind.startswith(prefix) for prefix in hidden_kinds)


def render(report, hidden_kinds=HIDDEN_KINDS, hidden_visibility=HIDDEN_VISIBILITY):
    """The results.json dictionary of one report."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"Gradescope visibility {hidden_visibility!r} is not one of {', '.join(VISIBILITIES)}")
    tests = [_test(check, hidden_kinds, hidden_visibility) for check in report["checks"]]
    # A graded manual item is a test; a pending one is not (a test needs a score, and pending is not zero): the
    # summary in `output` lists it as pending.
    tests += [_manual_test(item) for item in report.get("manual", {}).get("items", []) if item["status"] == "graded"]
    return {
        "score": report.get("total", report)["score"],  # graded manual items included; pending ones add nothing
        "execution_time": round(report.get("seconds", sum(c["seconds"] for c in report["checks"])), 3),
        "output": _summary(report),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"assignment": report["assignment"], "submission": report["submission"],
                       "max_score": report["max_score"], "extra_credit_max": report["extra_credit_max"],
                       "grader_version": report["grader_version"], "schema_version": report["schema_version"]},
    }


def _test(check, hidden_kinds, hidden_visibility):
    name = f"{check['id']}: {check['description']}" + (" (extra credit)" if check["optional"] else "")
    output = check["message"] or ("passed" if check["status"] == "passed" else check["status"])
    if check["status"] not in ("passed", "failed"):
        output = f"[{check['status']}] {output}"
    test = {
        "name": name,
        "score": check["points"],
        "max_score": check["max_points"],
        "status": "passed" if check["status"] == "passed" else "failed",
        "output": output,
        "visibility": hidden_visibility if is_hidden(check, hidden_kinds) else "visible",
        "tags": [tag for tag in (check["function"], check["id"].rsplit(".", 1)[-1]) if tag],
    }
    if check.get("diagnoses"):
        test["output"] += "\n\n" + "\n".join(f"- {_diagnosis_text(d)}" for d in check["diagnoses"])
    return test


def _manual_test(item):
    """A graded manual item as a test: its points, the rubric items picked and the comment."""
    name = f"manual.{item['id']}: {item['title']}" + (" (extra credit)" if item["optional"] else "")
    picked = [item["rubric"][i] for i in item.get("rubric_items", []) if i < len(item["rubric"])]
    lines = [f"{r['points']:+g} {r['text']}" for r in picked] + ([item["comment"]] if item.get("comment") else [])
    if item.get("adjustment"):
        lines.append(f"{item['adjustment']:+g} {item.get('adjustment_reason') or 'adjustment'}")
    partial = 0 < item["points"] < item["max_points"]
    # A person's score is not pass/fail: partial credit shows as passed (green) with its points, not as a failure.
    lines.insert(0, f"{item['points']:g} / {item['max_points']:g} points" + (" (partial credit)" if partial else ""))
    return {"name": name, "score": item["points"], "max_score": item["max_points"],
            "status": "passed" if item["points"] > 0 else "failed",
            "visibility": "after_published", "output": "\n".join(lines),
            "tags": ["manual", item["id"]]}


def _summary(report):
    lines = [f"{report['assignment']}: {report['score']:g} / {report['max_score']:g} points"
             + (f" (extra credit available: {report['extra_credit_max']:g})" if report["extra_credit_max"] else "")]
    if not report["loaded"]:
        lines.append(report["checks"][0]["message"])
    for name, entry in report["functions"].items():
        lines.append(f"  {name}: {entry['score']:g} / {entry['max_score']:g}"
                     + (" (extra credit)" if entry["optional"] else ""))
    for item in report.get("manual", {}).get("items", []):
        points = "pending" if item["status"] == "pending" else f"{item['points']:g}"
        lines.append(f"  {item['title']}: {points} / {item['max_points']:g}" + (" (extra credit)" if item["optional"]
                                                                             else ""))
    lines += [f"note: {note}" for note in report["notes"]]
    return "\n".join(lines)


def _diagnosis_text(diagnosis):
    """A diagnosis as one line, whether it is a string or a record with a message."""
    if isinstance(diagnosis, dict):
        return str(diagnosis.get("message") or diagnosis.get("title") or diagnosis.get("id") or diagnosis)
    return str(diagnosis)
