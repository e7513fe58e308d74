"""CSV that is safe to open in a spreadsheet: no cell a student wrote is evaluated as a formula.

Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell that starts with `=`, `+`, `-` or `@`, and some
treat a leading tab or carriage return the same way (OWASP, "CSV Injection"). Every CSV the project writes goes
through `writer`, which prefixes such a text cell with a single quote, shown by the spreadsheet and dropped again by
`unquoted` when the project reads its own CSV back. Numbers stay numbers: a cell that is a plain decimal is left
alone. Control characters are written as their escapes (`\x1b`), so `cat gradebook.csv` plays no escape sequence.
"""

import csv
import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")  # a carriage return is written as a line break


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")  # not float()'s: it takes "-inf", "-1_0"


def _is_number(text):
    return _NUMBER.fullmatch(text) is not None


def _controls(text):
    """Carriage returns as line breaks (a lone one would end the row for many readers); other control characters
    (escape sequences that `cat gradebook.csv` would play on a terminal) written as their escapes, `\\x1b`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c if c in "\t\n" or c.isprintable() else repr(c)[1:-1] for c in text)


def safe_cell(value):
    """`value` as the text of a cell that no spreadsheet evaluates and no terminal plays."""
    if not isinstance(value, str):
        return value
    value = _controls(value)
    if value.startswith(_TRIGGERS) and not _is_number(value):
        return "'" + value
    return value


def unquoted(text):
    """The text `safe_cell` was given, for a cell the project wrote."""
    if text.startswith("'") and text[1:].startswith(_TRIGGERS) and not _is_number(text[1:]):
        return text[1:]
    return text


class writer:
    """csv.writer whose rows are made safe cell by cell; lines end in '\\n'."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, lineterminator="\n", **options)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
