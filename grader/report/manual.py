"""The items people grade, merged into a report: their scores (from the review's database) and the totals.

report.json's `score` and `max_score` stay the automatic part. `manual` holds every item (`pending` until someone
grades it, never counted as zero) and `total` the automatic and manual parts together; the gradebook, Gradescope's
results.json, JUnit and the class page show `total` where a report has one.
"""


def apply(document, scores):
    """`document` with `scores` ({item id: saved score}) merged into its manual items, and its totals; a score for
    an item the report does not list is ignored (the item was taken out of manual.toml)."""
    manual = document.get("manual")
    if manual is None:
        return document
    for item in manual["items"]:
        saved = scores.get(item["id"])
        for key in ("points", "rubric_items", "comment", "grader", "graded_at"):
            item.pop(key, None)
        item["status"], item["points"] = "pending", None
        if saved is not None:
            item.update(status="graded", points=clamp(saved["points"], item["max_points"]),
                        rubric_items=list(saved.get("rubric_items", [])), comment=saved.get("comment", ""),
                        grader=saved.get("grader", ""), graded_at=saved.get("graded_at", ""))
    totals(document)
    return document


def clamp(points, top):
    return round(min(max(float(points), 0.0), float(top)), 4)


def rubric_points(item, chosen):
    """An item's score from the rubric items picked (indices), as Gradescope adds them: between 0 and its points."""
    return clamp(sum(item["rubric"][i]["points"] for i in chosen), item["max_points"])


def totals(document):
    """Fill `manual`'s sums and `total`, the automatic and manual parts together."""
    items = document["manual"]["items"]
    graded = [i for i in items if i["status"] == "graded"]
    manual = document["manual"]
    manual["score"] = round(sum(i["points"] for i in graded), 4)
    manual["max_score"] = round(sum(i["max_points"] for i in items if not i["optional"]), 4)
    manual["extra_credit_max"] = round(sum(i["max_points"] for i in items if i["optional"]), 4)
    manual["pending"] = len(items) - len(graded)
    document["total"] = {"score": round(document["score"] + manual["score"], 4),
                         "max_score": round(document["max_score"] + manual["max_score"], 4),
                         "extra_credit_max": round(document["extra_credit_max"] + manual["extra_credit_max"], 4),
                         "pending": manual["pending"]}
    return document


def total(document):
    """(score, max_score, pending items) of a report: with its manual part where it has one."""
    if "total" in document:
        return document["total"]["score"], document["total"]["max_score"], document["total"]["pending"]
    return document["score"], document["max_score"], 0
