"""What a report keeps of what a submission sent: each message cut to `limits.message_chars`, at most LISTED
notebook cells and notes, and each file of the report (report.json, report.md, results.json, junit.xml) within
`limits.report_bytes` (messages and what it printed are cut shorter until they fit, then answer images and loss
histories are left out).

It is applied when the report is built, in the grader's process, whatever the sandbox sent: a submission that
replaces the sandbox's own error formatting and sends megabytes per check still gets reports of bounded size.
Every cut says so.
"""
import json

LISTED = 200  # notebook cells that failed, and notes, listed in a report; the rest are counted


def cut(text, chars):
    """`text`, its first `chars` characters and a count of the rest when it is longer."""
    text = str(text)
    return text if len(text) <= chars else text[:chars] + f"\n... ({len(text) - chars} characters more, left out)"


def bound(document, limits):
    """Cut `document` (report.json's content) in place to the limits; returns it."""
    _list_at_most(document, "cells", "notebook cells that failed")
    _list_at_most(document, "notes", "notes")
    chars = limits.message_chars  # (what it printed is already cut to --output-bytes as the grader reads it)
    _cut_all(document, chars)
    larger = not fits(document, limits.report_bytes)
    while larger and chars > 100:
        chars //= 4
        _cut_all(document, chars)
        for stream in ("stdout", "stderr"):
            document["output"][stream] = cut(document["output"][stream], chars)
        larger = size(document) > limits.report_bytes
    left_out = _drop_extras(document, limits.report_bytes) if larger else []
    if chars < limits.message_chars or left_out:
        document["notes"].append(f"a file of the report came to more than {limits.report_bytes} bytes "
                                 f"(--report-bytes): each message was cut to {chars} characters"
                                 + "".join(f", {x}" for x in left_out))
    return document


# No file rendered from a report writes a character of report.json's text in more than 6 bytes (XML's &quot;; a
# character that UTF-8 writes in 4 bytes is 12 in JSON's \u escapes) and junit.xml holds a message twice, so each
# file is at most FACTOR times report.json's size and what each format adds to a report of no text (FLOOR).
FACTOR, FLOOR = 16, 2**16


def fits(document, limit):
    """Whether every file rendered from `document` is at most `limit` bytes: said from report.json's size where that
    bound allows (every report but a flood), else by rendering each (milliseconds, and the import of the XML
    writer, per submission)."""
    return FACTOR * len(json.dumps(document, indent=1)) + FLOOR <= limit or size(document) <= limit


def size(document):
    """Bytes of the largest file rendered from `document`: report.json, report.md, results.json or junit.xml (XML
    and Markdown escapes can make one larger than report.json)."""
    from . import gradescope, junit, markdown
    return max(len(text.encode()) for text in (json.dumps(document, indent=1) + "\n", markdown.render(document),
                                               json.dumps(gradescope.render(document), indent=1) + "\n",
                                               junit.render(document)))


def _list_at_most(document, key, what):
    items = document[key]
    if len(items) > LISTED:
        document[key] = items[:LISTED]
        document["notes"].append(f"{len(items) - LISTED} more {what} are not listed (a report lists {LISTED})")


def _cut_all(document, chars):
    for container, key in _texts(document):
        container[key] = cut(container[key], chars)


def _texts(document):
    """(container, key) of every text in a report that a submission controls."""
    for check in document["checks"]:
        yield check, "message"
    for cell in document["cells"]:
        yield cell, "message"
        yield cell, "first_line"
    yield from ((document["notes"], i) for i in range(len(document["notes"])))
    yield from ((document["sources"], key) for key in document["sources"])
    for item in document.get("manual", {}).get("items", []):
        answer = item["answer"]
        yield answer, "message"
        yield answer, "where"
        for cell in answer["cells"]:
            yield cell, "source"
            yield from ((output, "text") for output in cell["outputs"] if "text" in output)
        if answer.get("file") and answer["file"].get("text"):
            yield answer["file"], "text"


def _drop_extras(document, limit):
    """Still too large once every message is short: the answers' images, then the checks' series go."""
    left_out = []
    if size(document) > limit:
        for item in document.get("manual", {}).get("items", []):
            for cell in item["answer"]["cells"]:
                for output in cell["outputs"]:
                    if output.pop("image", None) is not None:
                        output["text"] = "(an image, left out: the report was too large)"
        left_out.append("the answers' images were left out")
    if size(document) > limit:
        for check in document["checks"]:
            check.pop("series", None)
        left_out.append("the checks' loss histories were left out")
    return left_out
