"""rejected.csv: each refused row with its row number, the reason and its cells.

The file is written for spreadsheets, so every cell that a spreadsheet would run as a formula
(it starts with =, +, -, @, a tab or a carriage return) gets a leading apostrophe: an uploaded
``=HYPERLINK(…)`` must not come back as a live formula on the user's machine. Recipients keep
such values as they were typed; only what leaves Payam as a spreadsheet is neutralized.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TextIO

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def rejected_header(columns: list[str]) -> list[str]:
    return ["row", "reason", *columns]


class RejectedRows:
    """Appends rejected rows; on a resumed run, first drops rows no commit accounted for.

    A batch writes its rejected rows before its transaction commits, and the import's
    ``rejected`` counter commits with the batch. After a crash the file may hold rows of a batch
    that never committed and will be read again, so it is cut back to ``keep`` rows.
    """

    def __init__(self, path: Path, *, header: list[str], keep: int) -> None:
        self.path = path
        if keep and path.exists():
            self._cut_to(keep, header=header)
        else:
            # utf-8-sig: Excel reads a CSV without the byte order mark as the local code page.
            with path.open("w", encoding="utf-8-sig", newline="") as handle:
                csv.writer(handle).writerow([neutralize(cell) for cell in header])
        self._handle: TextIO = path.open("a", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)

    def _cut_to(self, keep: int, *, header: list[str]) -> None:
        partial = self.path.with_suffix(".partial")
        with (
            self.path.open(encoding="utf-8-sig", newline="") as source,
            partial.open("w", encoding="utf-8-sig", newline="") as target,
        ):
            reader, writer = csv.reader(source), csv.writer(target)
            writer.writerow(next(reader, [neutralize(cell) for cell in header]))
            for count, row in enumerate(reader):
                if count >= keep:
                    break
                writer.writerow(row)
        os.replace(partial, self.path)

    def write(self, rows: list[tuple[int, str, list[str]]]) -> None:
        for number, reason, cells in rows:
            self._writer.writerow([number, neutralize(reason), *map(neutralize, cells)])
        # On disk before the batch commits, so that the counter never exceeds the file.
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()
