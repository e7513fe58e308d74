"""A short table on the terminal: score, one line per function, the first line of each failure.

Every line printed goes through `printable`: a student's name, message or load error can't move the cursor, clear
the screen, set the window title, ring the bell or overwrite a line.
"""

CELLS_SHOWN = 6
LINE_CHARS = 300  # of a message shown on one line (report.md has it all)
SYMBOLS = {"passed": ".", "failed": "F", "error": "E", "timeout": "T", "skipped": "s"}


def render(report, folder=None):
    width = max([len(name) for name in report["functions"]] + [8])
    required = report["score"] - report["extra_credit"]
    lines = [f"{report['submission']}: {required:g} / {report['max_score']:g}"
             + (f" + extra credit {report['extra_credit']:g} / {report['extra_credit_max']:g}"
                if report["extra_credit_max"] else "")]
    if not report["loaded"]:
        lines.append("  " + (report["checks"][0]["message"].splitlines() or [""])[0][:LINE_CHARS])
    for name, entry in report["functions"].items():
        checks = [c for c in report["checks"] if c["function"] == name]
        marks = "".join(SYMBOLS[c["status"]] for c in checks)
        lines.append(f"  {name:<{width}}  {entry['score']:>4g} / {entry['max_score']:<4g} {marks}"
                     + ("  extra credit" if entry["optional"] else ""))
        failures = {}  # checks that failed the same way share one line: a diagnosis is often each check's message
        for check in checks:
            if check["status"] in ("failed", "error", "timeout") and check["message"]:
                failures.setdefault(_summary(check["message"]), []).append(check["id"].split(".", 1)[1])
        lines += [f"  {'':<{width}}  {', '.join(kinds)}: {summary}" for summary, kinds in failures.items()]
    cells = report.get("cells", [])  # a notebook's cells that raised or timed out
    for cell in cells[:CELLS_SHOWN]:
        lines.append(f"  cell In [{cell['cell']}] {cell['status']}: {cell['message'].splitlines()[0][:160]}")
    if len(cells) > CELLS_SHOWN:
        lines.append(f"  ... and {len(cells) - CELLS_SHOWN} more cells that failed (report.md lists them)")
    for item in report.get("manual", {}).get("items", []):  # graded by people, in the review app
        points = "pending" if item["status"] == "pending" else f"{item['points']:g}"
        found = "" if item["answer"]["found"] else "  (no answer found)"
        lines.append(f"  {item['id']:<{width}}  {points:>4} / {item['max_points']:<4g} by a person{found}")
    if folder:
        lines.append(f"  report: {folder}/report.md")
        if report["kind"] == "notebook":
            lines.append(f"  executed notebook: {folder}/executed.ipynb")
    return "\n".join(printable(line) for line in lines)


def printable(text, lines=False):
    """`text` as a terminal should show it: every character that is not printable (escape sequences, carriage
    return, backspace, BEL, bidirectional overrides, ...) written as its Python escape (`\\x1b`); line breaks too,
    unless `lines`."""
    return "".join(c if c.isprintable() or (lines and c == "\n") else repr(c)[1:-1] for c in str(text))


def _summary(message):
    """The first line, and the next one too when the first only says where ("on the handout's case:")."""
    lines = message.splitlines() or [""]
    return (" ".join(lines[:2]) if lines[0].endswith(":") else lines[0])[:LINE_CHARS]
