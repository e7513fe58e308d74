"""What a notebook file records beside its code: evidence that the code's normalization never sees.

A copy made from another student's .ipynb carries that file's recorded state unless the copier renews it; students
who worked on their own don't share it, except what the handout gives everyone. Three kinds, each item weighed by
how rare it is in the class and the archive like a fingerprint (score.rarity):
- cell ids: nbformat 4.5's random id of each cell, and the `id` / `outputId` that Colab writes into a cell's
  metadata. The handout's cells carry the handout's ids (every student of that version has them, so they weigh
  nothing); a cell the student added gets a fresh random one, which only a copy of that file shares;
- run: the execution counts of the code cells in order, as left by the student's own session of edits and re-runs
  (`[14, 15, 16, 17, 18, 19, 20, 29, 30, None, ...]`): the whole sequence, and each run of RUN cells that holds two
  jumps or more (wherever it is: a copier who inserts a cell keeps the others). A session of "Restart & Run All"
  (1, 2, 3, ... with or without cells never run) or a notebook never run gives nothing:
  two students who each ran everything once share that by chance, not by copying. A notebook exported as a script
  (nbconvert's `# In[14]:` above each code cell) keeps the counts, and they are read from it the same way: the
  export is the same session's record, and a copy of the script keeps it unless its comments go;
- trace: what an output names of the student's machine or session: a memory address (`at 0x7f3a...`: random in
  every session) or a path under their home folder (`/home/alice/...`, `C:\\Users\\alice\\...`; not a hub's shared
  `/home/jovyan`, nor Colab's `/content`, which every student has). Printed values are not used: the same code
  prints the same numbers, which the fingerprints count already; nor times, which coincide by chance.
A handout version that few students have would make its own ids look rare; score.rarity treats a block of items
that the same documents, and only they, all have (BLOCK or more of them) as such a version, not as a copy. The
markdown's lines are read for that only (TEXT, never scored): a version's text is a block of dozens of lines, so
two students of a version that no one else had are known as such even when its cells carry few ids. (Scored, the
markdown and the cells' metadata would make those two students a copy: measured on the development set, two
students of a rare version share 106 markdown lines and 9 metadata flags that no one else has, and no original has
markdown of its own.)
Items are 63-bit hashes whose two low bits say the kind (KINDS).
"""
import hashlib
import json
import re

from .extract import EXPORTED

KINDS = ("cell id", "run", "trace")  # scored
TEXT = 3  # the kind of a markdown line: tells a handout version, never scored
MIN_TEXT = 8  # characters of a markdown line for it to count
RUN = 5  # cells in a window of execution counts
# A memory address (random in every session) or a path under a home folder named for its user; not the shared
# accounts of a hub or a cloud notebook, where every student's path is the same (/home/jovyan, /content, /root).
TRACE = re.compile(r"\bat 0x[0-9a-fA-F]{8,}\b|(?:/home/|/Users/|[A-Za-z]:\\\\?Users\\\\?)"
                   r"(?!(?:jovyan|root|ubuntu|user|runner|colab|vscode|codespace)\b)[\w.-]+[^\s'\":]*")
MIN_ID = 6  # characters of a cell id for it to count (a hand-written "cell1" is anyone's)


def kind(item):
    return item & 3


def items(path, outputs=True):
    """{item: (kind's name, text)} of a notebook file's recorded state (of an exported script, its run alone); {}
    for anything else or JSON that is not a notebook. `outputs=False`: its outputs are not the student's (a notebook
    the grader executed)."""
    suffix = path.suffix.lower()
    if suffix not in (".ipynb", ".py"):
        return {}
    try:
        raw = path.read_bytes().decode("utf-8", "replace")
        data = json.loads(raw) if suffix == ".ipynb" else None
    except (OSError, ValueError):
        return {}
    if suffix == ".py":
        counts = [int(n) if n else None for n in (re.sub(r"\D", "", m) for m in EXPORTED.findall(raw))]
        return {_item(1, text): (KINDS[1], text) for text in _runs(counts)}
    found = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(found, list):
        return {}
    cells = [c for c in found if isinstance(c, dict)]
    counts = [c.get("execution_count") if isinstance(c.get("execution_count"), int) else None
              for c in cells if c.get("cell_type") == "code"]
    texts = [(0, text) for text in _ids(cells)] + [(1, text) for text in _runs(counts)]
    texts += [(2, text) for text in _traces(cells) if outputs] + [(TEXT, text) for text in _markdown(cells)]
    return {_item(index, text): (KINDS[index] if index < TEXT else "text", text) for index, text in texts}


def scored(item):
    return kind(item) != TEXT


def _item(index, text):
    value = int.from_bytes(hashlib.blake2b(f"notebook:{text}".encode(), digest_size=8).digest(), "little") >> 1
    return (value & ~3) | index


def _ids(cells):
    for cell in cells:
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        for value in (cell.get("id"), metadata.get("id"), metadata.get("outputId")):
            if isinstance(value, str) and len(value) >= MIN_ID:
                yield value


def _runs(counts):
    """The code cells' execution counts (None: never run), whole and by windows of RUN with two jumps or more,
    unless they are what a run from the top gives (1, 2, 3, ... then cells never run) or nothing."""
    ran = [n for n in counts if n is not None]
    if not ran or ran == list(range(1, len(ran) + 1)):
        return
    shown = ["-" if n is None else str(n) for n in counts]  # "-": a cell never run
    yield "every code cell: " + " ".join(shown)
    for start in range(len(counts) - RUN + 1):
        window = counts[start:start + RUN]
        steps = [b - a for a, b in zip(window, window[1:]) if a is not None and b is not None]
        if sum(step != 1 for step in steps) >= 2:
            yield f"{RUN} cells in a row: " + " ".join(shown[start:start + RUN])


def _markdown(cells):
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            source = "".join(map(str, source)) if isinstance(source, list) else str(source)
            for line in source.splitlines():
                line = " ".join(line.split())
                if len(line) >= MIN_TEXT:
                    yield line


def _traces(cells):
    for cell in cells:
        outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
        for output in outputs:
            if not isinstance(output, dict):
                continue
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            for text in (output.get("text"), data.get("text/plain"), output.get("traceback")):
                text = "".join(map(str, text)) if isinstance(text, list) else str(text or "")
                yield from (match.group(0) for match in TRACE.finditer(text))
