"""The class page's section on similar code: the flagged pairs, from the instructor-only `similarity` field of the
reports (written by `python -m grader similarity` or `grade-all --similarity`), linking similarity.html, where each
pair has its side-by-side view. Empty when no report has the field: the check did not run."""
from html import escape


def section(reports):
    """HTML of the section, or "" when similarity was not measured."""
    measured = [r for r in reports if "similarity" in r]
    if not measured:
        return ""
    pairs = {}
    for report in measured:
        for near in report["similarity"]["neighbours"]:
            if near["flagged"]:
                key = tuple(sorted((report["submission"], near["other"])))
                pairs[key] = max(pairs.get(key, 0), near["score"])
    head = (f"<h2>Similar code ({len(pairs)} flagged pairs)</h2><p>For the instructor; it changes no score. Every"
            ' pair, with side-by-side views of the matching code: <a href="similarity.html">similarity.html</a>.</p>')
    if not pairs:
        return head + "<p>No pair reaches the threshold.</p>"
    rows = [f"<tr><td>{escape(a)}</td><td>{escape(b)}</td><td class='n'>{score:.2f}</td></tr>"
            for (a, b), score in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))]
    return (head + '<table id="similarity"><tr><th>submission</th><th>alike with</th><th>score</th></tr>'
            + "".join(rows) + "</table>")
