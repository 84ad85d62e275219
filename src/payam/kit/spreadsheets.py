"""Cells safe to open in a spreadsheet: no formula injection from data people typed."""

from __future__ import annotations

import re

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets
# (OWASP "CSV injection"); a leading apostrophe makes it plain text in all of them.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone number in E.164 starts with "+" but cannot run as anything: it stays as it is.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) and not _E164.fullmatch(text):
        return "'" + text
    return text
