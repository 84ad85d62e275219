"""Columns of an upload: is row 1 a header, which column is the phone, the name, the variables.

Columns are named by the header row when there is one, and ``col1``…``colN`` always work too, so
a mapping stays valid when the user corrects the header guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from payam.imports.fast_phones import InvalidPhoneNumber
from payam.imports.parsing import is_blank

MAX_VARIABLES = 50
# Letters of any script, digits and underscores, not starting with a digit: {{شهر}} works.
VARIABLE_NAME = re.compile(r"[^\W\d]\w{0,63}")
# The message composer already fills {{phone}} and {{name}} from the recipient itself.
RESERVED_VARIABLES = frozenset({"phone", "name"})
GENERATED_COLUMN = re.compile(r"col([1-9]\d{0,3})")

_KEY_DROP = {ord(char): None for char in " _-.\t\u200c\u200f\u200e"}
_ARABIC_TO_PERSIAN = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی"})
PHONE_HEADERS = frozenset(
    {
        "phone",
        "phonenumber",
        "phoneno",
        "mobile",
        "mobilenumber",
        "mobilephone",
        "cell",
        "cellphone",
        "tel",
        "telephone",
        "msisdn",
        "whatsapp",
        "whatsappnumber",
        "number",
        "شماره",
        "شمارهتلفن",
        "شمارهموبایل",
        "شمارههمراه",
        "موبایل",
        "تلفن",
        "تلفنهمراه",
        "همراه",
    }
)
NAME_HEADERS = frozenset(
    {
        "name",
        "fullname",
        "firstname",
        "contact",
        "contactname",
        "customer",
        "customername",
        "نام",
        "نامونامخانوادگی",
        "نامکامل",
        "اسم",
        "نامومشخصات",
    }
)

Normalize = Callable[[str], str]


def header_key(cell: str) -> str:
    return cell.translate(_ARABIC_TO_PERSIAN).translate(_KEY_DROP).casefold()


def _is_phone(cell: str, normalize: Normalize) -> bool:
    if not cell.strip():
        return False
    try:
        normalize(cell)
    except InvalidPhoneNumber:
        return False
    return True


def generated_names(width: int) -> list[str]:
    return [f"col{position}" for position in range(1, width + 1)]


def header_names(header: list[str], width: int) -> list[str]:
    """The header row's names, made unique; a blank header cell keeps its colN name."""
    names: list[str] = []
    seen: set[str] = set()
    for position in range(1, width + 1):
        cell = header[position - 1].strip() if position <= len(header) else ""
        name = cell or f"col{position}"
        candidate, suffix = name, 2
        while candidate.casefold() in seen:
            candidate, suffix = f"{name}_{suffix}", suffix + 1
        seen.add(candidate.casefold())
        names.append(candidate)
    return names


def column_names(layout: dict[str, Any], *, has_header: bool) -> list[str]:
    width = int(layout.get("width", 0))
    if has_header:
        return header_names(list(layout.get("header", [])), width)
    return generated_names(width)


def guess_has_header(sample: list[list[str]], normalize: Normalize) -> bool:
    """Row 1 is a header if it names a known column, or has no phone where later rows do."""
    rows = [row for row in sample if not is_blank(row)]
    if not rows:
        return False
    first = rows[0]
    if any(header_key(cell) in PHONE_HEADERS | NAME_HEADERS for cell in first):
        return True
    if any(_is_phone(cell, normalize) for cell in first):
        return False
    return any(_is_phone(cell, normalize) for row in rows[1:] for cell in row)


def _variable_name(header: str) -> str | None:
    name = re.sub(r"\W+", "_", header.strip()).strip("_").casefold()
    if not VARIABLE_NAME.fullmatch(name) or name in RESERVED_VARIABLES:
        return None
    return name


@dataclass(slots=True)
class ColumnGuess:
    has_header: bool
    columns: list[str]
    phone: str | None
    name: str | None
    variables: dict[str, str] = field(default_factory=dict)


def guess_columns(sample: list[list[str]], *, width: int, normalize: Normalize) -> ColumnGuess:
    """The preview's suggestion; the user confirms or corrects it with the mapping."""
    has_header = guess_has_header(sample, normalize)
    header = sample[0] if has_header and sample else []
    columns = header_names(header, width) if has_header else generated_names(width)
    data = sample[1:] if has_header else sample
    keys = [header_key(cell) for cell in header]

    def share_of_phones(index: int) -> float:
        values = [row[index] for row in data if index < len(row) and row[index].strip()]
        if not values:
            return 0.0
        return sum(_is_phone(value, normalize) for value in values) / len(values)

    phone = next((i for i, key in enumerate(keys) if key in PHONE_HEADERS), None)
    if phone is None:
        shares = [share_of_phones(index) for index in range(width)]
        best = max(range(width), key=shares.__getitem__, default=None)
        phone = best if best is not None and shares[best] >= 0.5 else None
    name = next((i for i, key in enumerate(keys) if key in NAME_HEADERS and i != phone), None)
    if name is None and not has_header:
        # Without a header, the first column of mostly non-numeric text is probably the name.
        for index in range(width):
            values = [row[index] for row in data if index < len(row) and row[index].strip()]
            mostly_text = sum(not v.strip().isdigit() for v in values) >= len(values) / 2
            if index != phone and values and mostly_text and share_of_phones(index) == 0.0:
                name = index
                break
    variables: dict[str, str] = {}
    if has_header:
        for index, cell in enumerate(header[:width]):
            variable = _variable_name(cell)
            if index in (phone, name) or variable is None or variable in variables:
                continue
            variables[variable] = columns[index]
    return ColumnGuess(
        has_header=has_header,
        columns=columns,
        phone=columns[phone] if phone is not None else None,
        name=columns[name] if name is not None else None,
        variables=dict(list(variables.items())[:MAX_VARIABLES]),
    )


def column_index(column: str, *, names: list[str]) -> int | None:
    """Where ``column`` is: by its name, case aside, or by its colN name."""
    wanted = column.strip().casefold()
    for index, name in enumerate(names):
        if name.casefold() == wanted:
            return index
    generated = GENERATED_COLUMN.fullmatch(wanted)
    if generated and int(generated.group(1)) <= len(names):
        return int(generated.group(1)) - 1
    return None
