"""An assignment folder's TOML files (assignment.toml, rubric.toml, ...) read as dicts, their parse kept for the next
commands: each `grade` reads them to choose its assignment, start its sandbox and load it, and tomllib's import and
parses were 8-10 ms of it before the first check. A parse is kept as JSON beside this module's compiled one
(`__pycache__/declared.json`), under the SHA-256 of the file's text, so that an edited file is parsed again. A text
that is not valid TOML is parsed by tomllib each time (its error), and one whose values JSON would not give back as
they are (a date) is never kept.
"""
import hashlib
import json
from pathlib import Path

from ..whole import write_whole

KEPT = Path(__file__).with_name("__pycache__") / "declared.json"
MOST = 64  # parses kept, the newest
_known = {}  # KEPT's path -> {digest: the parse as JSON text}, read once per process


class DecodeError(ValueError):
    """The text is not valid TOML: tomllib.TOMLDecodeError's message."""


def load(path):
    """The TOML file at `path` as a dict, as tomllib.load reads it (its bytes decoded as UTF-8)."""
    return parse(Path(path).read_bytes().decode())


def parse(text):
    """`text` as a dict, as tomllib.loads makes it (a new one each call: callers may change it); DecodeError where
    it is not TOML."""
    digest, known = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), _read()
    try:
        data = json.loads(known[digest]) if digest in known else None
    except ValueError:  # not ours: parsed again
        data = None
    if isinstance(data, dict):
        return data
    import tomllib  # (here: with typing and datetime, its import was 4 ms of every command)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DecodeError(str(exc)) from None
    if _plain(data):
        known[digest] = json.dumps(data)
        _write(known)
    return data


def _plain(value):
    """Whether JSON gives `value` back as it is: dicts, lists, strings, numbers and booleans only."""
    if isinstance(value, dict):
        return all(_plain(item) for item in value.values())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return isinstance(value, (str, int, float, bool))


def _read():
    if str(KEPT) not in _known:
        try:
            found = json.loads(KEPT.read_text())
            _known[str(KEPT)] = {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) \
                else {}
        except (OSError, ValueError):  # none yet, cut short, or not ours: parsed again
            _known[str(KEPT)] = {}
    return _known[str(KEPT)]


def _write(known):
    """Keep the newest MOST parses; where the folder can't be written (an installed grader's), nothing is kept."""
    for digest in list(known)[:-MOST]:
        del known[digest]
    try:
        write_whole(KEPT, json.dumps(known), make_folder=True)
    except OSError:
        pass
