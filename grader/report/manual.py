"""The items people grade, merged into a report: their scores (from the review's database) and the totals.

report.json's `score` and `max_score` stay the automatic part. `manual` holds every item (`pending` until someone
grades it, never counted as zero) and `total` the automatic and manual parts together; the gradebook, Gradescope's
results.json, JUnit and the class page show `total` where a report has one.
"""


def apply(document, scores, edits=None):
    """`document` with `scores` ({item id: saved score}) merged into its manual items, and its totals; a score for
    an item the report does not list is ignored (the item was taken out of manual.toml). `edits` ({item id:
    {position: rubric item}}) are the class's changes to the rubrics; an item's points are made again from the
    rubric items picked and the adjustment, so they never disagree with the picks."""
    manual = document.get("manual")
    if manual is None:
        return document
    for item in manual["items"]:
        item["rubric"] = rubric(item["rubric"], (edits or {}).get(item["id"], {}))
        saved = scores.get(item["id"])
        for key in ("rubric_items", "comment", "grader", "graded_at", "adjustment", "adjustment_reason"):
            item.pop(key, None)
        item["status"], item["points"] = "pending", None  # in their places: a report merged again reads the same
        if saved is not None:
            picked = [i for i in saved.get("rubric_items", []) if 0 <= i < len(item["rubric"])]
            adjustment = float(saved.get("adjustment") or 0)
            item.update(status="graded", points=score(item["rubric"], picked, adjustment, item["max_points"]),
                        rubric_items=picked, comment=saved.get("comment", ""),
                        grader=saved.get("grader", ""), graded_at=saved.get("graded_at", ""))
            if adjustment:
                item.update(adjustment=adjustment, adjustment_reason=saved.get("adjustment_reason", ""))
    totals(document)
    return document


def rubric(base, edits):
    """A rubric (a list of {points, text}) with the class's edits ({position: {points, text}}); an edit past its
    end adds an item."""
    merged = [dict(r) for r in base]
    for position in sorted(edits):
        entry = {"points": float(edits[position]["points"]), "text": edits[position]["text"]}
        if position < len(merged):
            merged[position] = entry
        elif position == len(merged):
            merged.append(entry)
    return merged


def clamp(points, top):
    return round(min(max(float(points), 0.0), float(top)), 4)


def score(rubric_items, picked, adjustment, top):
    """Gradescope's rubric score: the points of the rubric items picked (indices) plus the adjustment, between 0
    and the item's points."""
    return clamp(sum(rubric_items[i]["points"] for i in picked) + float(adjustment or 0), top)


def rubric_points(item, chosen):
    """An item's score from the rubric items picked (indices), as Gradescope adds them: between 0 and its points."""
    return score(item["rubric"], chosen, 0, item["max_points"])


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
