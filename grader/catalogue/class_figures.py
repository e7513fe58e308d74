"""How much of a graded class's wrong answers the catalogue names: value failures on the public case and on every
check, the groups of identical wrong answers (grader/report/wrong_answers.py) with their sizes, and the groups no
variant explains (what to read next to grow the catalogue)."""
import json
from collections import Counter
from pathlib import Path

from ..errors import UsageError
from ..report import wrong_answers


def class_figures(out):
    """The lines of the report on a graded class: value failures named, groups, groups no variant explains."""
    reports = [json.loads(p.read_text()) for p in sorted(Path(out).glob("*/report.json"))]
    if not reports:
        raise UsageError(f"{str(out)!r} holds no reports (<name>/report.json): run grade-all into it first")
    values = [c for r in reports for c in r["checks"] if c["status"] == "failed" and c.get("answer")]
    public = [c for c in values if c["id"].endswith(".public")]
    lines = [f"{len(reports)} submissions; value failures on the public case: {len(public)},"
             f" named {sum(bool(c['diagnoses']) for c in public)}; on every check: {len(values)},"
             f" named {sum(bool(c['diagnoses']) for c in values)}"]
    if not values and not any("answer" in c for r in reports for c in r["checks"]):
        lines.append("no check failed on values (or the reports come from public mode, or from a grader that did not"
                     " record wrong answers)")
    shared = wrong_answers.shared(reports)
    groups = [g for found in shared.values() for g in found]
    sizes = Counter(len(g.members) for g in groups)
    lines.append(f"wrong answers shared by two or more students: {len(groups)} groups"
                 + (f" (sizes: {', '.join(f'{n} x{k}' for n, k in sorted(sizes.items(), reverse=True))})"
                    if groups else "") + f", {sum(bool(g.mistakes) for g in groups)} named")
    for function, found in shared.items():
        for group in found:
            named = ", ".join(group.mistakes) or "NO VARIANT EXPLAINS IT"
            lines.append(f"  {len(group.members):>3}  {group.check}: {named}")
            lines.append(f"       {wrong_answers.summary(group.record['message'])}")
            lines.append(f"       {', '.join(group.members)}")
    alone = [c for c in public if not c["diagnoses"]]
    if alone:
        lines.append("unnamed value failures on the public case, by check: " + ", ".join(
            f"{check} {count}" for check, count in Counter(c["id"] for c in alone).most_common()))
    return lines
