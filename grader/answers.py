"""The answers that people grade (manual.toml's items), taken from a submission as the student handed it in.

Each item's answer is found by a cell tag or metadata key, by the markdown heading it sits under, or as a named
file of a folder submission. Cells are copied with their sources and the outputs they were handed in with (text,
and plots as PNG images); nothing is run again, so a trained model's accuracy is the one the student's run printed.
For an item with `numbers`, the figures that follow that word in the outputs are listed beside the ones the text
claims, and a claim that no output shows is named. A missing answer says where the grader looked; cells that are empty, or
hold only the handout's placeholder, are no answer.
"""
import base64
import re
import shutil
from pathlib import Path

MAX_TEXT = 6000  # characters kept of one cell's source or output
MAX_IMAGES = 6  # images kept per answer
MAX_IMAGE_BYTES = 400_000
TEXT_FILES = (".md", ".txt", ".markdown", ".rst")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.MULTILINE)
# The text an answer cell holds before the student writes anything: the handout's and nbgrader's, CS231n's.
PLACEHOLDER = re.compile(r"(?i)YOUR ANSWER HERE|\[?\*?FILL THIS IN\*?\]?")
# Output types kept, most faithful first (as Jupyter picks one of an output's representations); images as base64.
IMAGES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")


def extract(items, submission, out=None):
    """The `manual` records of report.json for `items`, every one pending. `out`: where a PDF answer is copied."""
    return [record(item, locate(item, submission, out)) for item in items]


def unanswered(items, why):
    """The records of a submission that could not be read: every answer missing, for the reason `why`."""
    return [record(item, missing(why)) for item in items]


def record(item, answer):
    return {"id": item["id"], "title": item["title"], "max_points": float(item["points"]),
            "optional": item["optional"], "rubric": [{"points": float(r["points"]), "text": r["text"]}
                                                     for r in item["rubric"]],
            "status": "pending", "points": None, "answer": answer}


def missing(why):
    return {"found": False, "where": "", "message": why, "cells": [], "file": None, "numbers": None}


def locate(item, submission, out):
    notebook = getattr(submission, "notebook", None)
    cells = list(notebook.cells) if notebook is not None else []
    looked, empty, found = [], None, []
    if cells and item.get("tag"):
        tagged = [i for i, cell in enumerate(cells) if _tagged(cell, item["tag"])]
        found.append((tagged, f"the cells tagged {item['tag']!r}"))
        if not tagged:
            looked.append(f"no cell is tagged {item['tag']!r}")
    for heading in item.get("heading", []) if cells else []:
        chosen, title = under_heading(cells, heading)
        found.append((chosen, f"the cells under the heading {title!r}"))
        if not chosen:
            looked.append(f"no markdown heading holds {heading!r}" if title is None
                          else f"nothing follows the heading {title!r}")
    for chosen, where in found:  # a tagged cell left as handed out: the answer may be under the heading
        if chosen:
            answer = _answer(item, cells, chosen, where)
            if answer["found"]:
                return answer
            empty = empty or answer
    if item.get("file"):
        path = _find_file(Path(submission.source), item["file"])
        if path is not None:
            return _file_answer(item, path, out)
        looked.append(f"no file named {' or '.join(item['file'])} in the submission")
    if empty is not None:
        return empty
    if not cells and submission.kind != "notebook":
        looked.insert(0, "the submission has no notebook cells" + (" (a module)" if submission.kind == "module"
                                                                   else ""))
    return missing("no answer found: " + "; ".join(looked))


def not_run(items, submission, graded_functions=()):
    """Indices of the code cells of the items with `run = false`, found as `locate` finds them, less any cell that
    defines one of `graded_functions` (the automatic checks need it)."""
    notebook = getattr(submission, "notebook", None)
    if notebook is None:
        return set()
    cells, held = list(notebook.cells), set()
    defines = re.compile(r"^\s*def\s+(" + "|".join(map(re.escape, graded_functions)) + r")\s*\(", re.MULTILINE) \
        if graded_functions else None
    for item in items:
        if item.get("run", True):
            continue
        chosen = [i for i, cell in enumerate(cells) if item.get("tag") and _tagged(cell, item["tag"])]
        for heading in item.get("heading", []) if not chosen else []:
            chosen, _ = under_heading(cells, heading)
            if chosen:
                break
        held |= {i for i in chosen if cells[i].get("cell_type") == "code"
                 and not (defines and defines.search(_join(cells[i].get("source", ""))))}
    return held


def _tagged(cell, tag):
    metadata = cell.get("metadata", {})
    return tag in (metadata.get("tags") or []) or bool(metadata.get(tag))


def under_heading(cells, text):
    """(indices of the cells under the first heading that holds `text`, that heading), up to the next heading of
    the same or a higher level; ([], None) when no heading holds it."""
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        source = _join(cell.get("source", ""))
        for match in HEADING.finditer(source):
            if text.lower() in match.group(2).lower():
                level = len(match.group(1))
                chosen = [index] if source[match.end():].strip() else []
                for after in range(index + 1, len(cells)):
                    if _heading_level(cells[after]) and _heading_level(cells[after]) <= level:
                        break
                    chosen.append(after)
                return chosen, match.group(2).strip()
    return [], None


def _heading_level(cell):
    if cell.get("cell_type") != "markdown":
        return 0
    source = _join(cell.get("source", ""))
    match = HEADING.search(source)
    return len(match.group(1)) if match and not source[:match.start()].strip() else 0


def _answer(item, cells, chosen, where):
    taken = [_cell(cells[i], i) for i in chosen]
    images = 0
    for cell in taken:  # the first images are kept, the rest are counted
        for output in cell["outputs"]:
            if "image" in output:
                images += 1
                if images > MAX_IMAGES:
                    output.pop("image")
                    output["text"] = f"(an image left out: the answer has more than {MAX_IMAGES})"
    answer = {"found": True, "where": where, "message": "", "cells": taken, "file": None, "numbers": None}
    if item.get("numbers"):
        answer["numbers"] = compare_numbers(item["numbers"], taken)
    if not any(_written(cell) or cell["outputs"] for cell in taken):
        untouched = any(PLACEHOLDER.search(cell["source"]) for cell in taken)
        answer.update(found=False, message=f"nothing written: {where} " + (
            "still hold the handout's placeholder (YOUR ANSWER HERE)" if untouched else "are empty"))
    return answer


def _written(cell):
    """What the student wrote in a cell: its text less the headings (the question) and the placeholder."""
    return PLACEHOLDER.sub("", HEADING.sub("", cell["source"]) if cell["type"] == "markdown" else cell["source"]).strip()


def _cell(cell, index):
    kind = cell.get("cell_type", "raw")
    outputs = [_output(o) for o in cell.get("outputs", [])] if kind == "code" else []
    record = {"index": index + 1, "type": kind, "source": _cut(_join(cell.get("source", ""))),
              "outputs": [o for o in outputs if o]}
    attachments = {name: _image(data) for name, data in (cell.get("attachments") or {}).items()
                   if isinstance(data, dict)} if kind == "markdown" else {}
    if any(attachments.values()):  # images pasted into a markdown cell, shown where it links attachment:NAME
        record["attachments"] = {name: image for name, image in attachments.items() if image}
    return record


def _image(data):
    """{"image": base64, "mime": type} of the first image type in `data` (a text SVG is encoded too); None if
    there is none; {"text": ...} for an image too large to keep."""
    for mime in IMAGES:
        if mime in data and isinstance(data[mime], (str, list)):
            value = _join(data[mime])
            encoded = base64.b64encode(value.encode()).decode() if mime == "image/svg+xml" else "".join(value.split())
            if len(encoded) * 3 // 4 > MAX_IMAGE_BYTES:
                return {"text": f"(an image of more than {MAX_IMAGE_BYTES // 1000} kB, left out)"}
            return {"image": encoded, "mime": mime}
    return None


def _output(output):
    if output.get("output_type") == "stream":
        return {"text": _cut(_join(output.get("text", "")))}
    if output.get("output_type") == "error":
        return {"text": _cut(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"), "error": True}
    data = output.get("data", {})
    if "text/html" in data:  # a table (pandas), a widget's text: sanitized where it is shown
        return {"html": _cut(_join(data["text/html"]))}
    image = _image(data)
    if image is not None:
        return image
    for mime, key in (("text/markdown", "markdown"), ("text/latex", "markdown")):
        if mime in data:
            return {key: _cut(_join(data[mime]))}
    if "text/plain" in data:
        return {"text": _cut(_join(data["text/plain"]))}
    return None


def _join(value):
    return "".join(value) if isinstance(value, list) else str(value)


def _cut(text):
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + f"\n... ({len(text) - MAX_TEXT} characters more)"


def _numbers(word, text):
    """Each number (a fraction or a percentage) that follows `word` within a few characters, as a fraction."""
    found = []
    pattern = re.compile(rf"(?i)\b(?:val_|test_)?(?:{word})\b[^0-9\n]{{0,30}}?"
                         r"(?P<value>\d+(?:\.\d+)?)\s*(?P<percent>%?)")
    for match in pattern.finditer(text):
        value = float(match.group("value"))
        value = value / 100 if match.group("percent") or value > 1 else value
        if 0 <= value <= 1:
            found.append(round(value, 4))
    return found


def compare_numbers(word, cells):
    """What the outputs show, what the text (markdown, comments) claims, and the claims no output shows."""
    shown, claimed = [], []
    for cell in cells:
        shown += [n for o in cell["outputs"] if "text" in o for n in _numbers(word, o["text"])]
        claimed += _numbers(word, cell["source"]) if cell["type"] == "markdown" else []
    unmatched = [c for c in dict.fromkeys(claimed) if not any(abs(c - s) <= 0.006 for s in shown)]
    return {"word": word, "outputs": list(dict.fromkeys(shown)), "claimed": list(dict.fromkeys(claimed)),
            "unmatched": unmatched}


def _find_file(folder, names):
    """The first of `names` in a folder submission (any case, the one nearest the top); links are not followed."""
    if not folder.is_dir():
        return None
    wanted = [n.lower() for n in names]
    found = [p for p in folder.rglob("*") if p.name.lower() in wanted and p.is_file() and not p.is_symlink()
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    found.sort(key=lambda p: (wanted.index(p.name.lower()), len(p.parts), str(p)))
    return (folder, found[0]) if found else None


def _file_answer(item, found, out):
    folder, path = found
    name = str(path.relative_to(folder))
    answer = {"found": True, "where": f"the file {name}", "message": "", "cells": [], "numbers": None,
              "file": {"name": name, "text": None, "copy": None}}
    if path.suffix.lower() in TEXT_FILES:
        text = path.read_bytes().decode("utf-8", "replace")
        answer["file"]["text"] = _cut(text)
        if item.get("numbers"):
            answer["numbers"] = compare_numbers(item["numbers"], [{"type": "markdown", "source": text,
                                                                  "outputs": []}])
    elif out is not None:  # a PDF or an image: a copy beside the report, for the reviewer's browser
        copy = f"answer-{item['id']}{path.suffix.lower()}"
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(out) / copy)
        answer["file"]["copy"] = copy
    else:
        answer["message"] = f"{name} is not text; grade with --out to get a copy beside the report"
    return answer
