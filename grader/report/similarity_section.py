"""The class page's section on similar code: the flagged pairs, from the instructor-only `similarity` field of the
reports (written by `python -m grader similarity` or `grade-all --similarity`), linking similarity.html, where each
pair has its side-by-side view. The section is left out when no report has the field: the check did not run."""


def flagged_pairs(reports):
    """[(submission, other, score)] of the flagged pairs, highest first; None when similarity was not measured."""
    measured = [r for r in reports if "similarity" in r]
    if not measured:
        return None
    pairs = {}
    for report in measured:
        for near in report["similarity"]["neighbours"]:
            if near["flagged"]:
                key = tuple(sorted((report.get("folder", report["submission"]), near["other"])))  # folder names
                pairs[key] = max(pairs.get(key, 0), near["score"])
    return [(a, b, score) for (a, b), score in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))]
