"""CSV that is safe to open in a spreadsheet: no cell a student wrote is evaluated as a formula.

Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell that starts with `=`, `+`, `-` or `@`, and some
treat a leading tab or carriage return the same way (OWASP, "CSV Injection"). Every CSV the project writes goes
through `writer`, which prefixes such a text cell with a single quote, shown by the spreadsheet and dropped again by
`unquoted` when the project reads its own CSV back. Numbers stay numbers: a cell that parses as one is left alone.
"""

import csv
import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")  # not float()'s: it takes "-inf", "-1_0"


def _is_number(text):
    return _NUMBER.fullmatch(text) is not None


def safe_cell(value):
    """`value` as the text of a cell that no spreadsheet evaluates."""
    if not isinstance(value, str):
        return value
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
