"""Pydantic building blocks shared by every feature's schemas."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

from payam.kit.phones import DIGIT_TRANSLATION


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=True)


class InputSchema(Schema):
    """Request bodies refuse unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def latin_digits(value: str) -> str:
    return value.translate(DIGIT_TRANSLATION)


# Persian writes one word in parts joined by the zero-width non-joiner (می‌خواهم): it must stay.
_ZERO_WIDTH_NON_JOINER = "\u200c"
# These reorder the text around them: a name could show one thing and sort, log or export as
# another (the "Trojan Source" trick), so they are named as such in the refusal.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f"  # the Arabic, left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)
_REFUSED_CATEGORIES = {
    "Cc": "a control character (tabs, line breaks and terminal escapes included)",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Cs": "a lone surrogate",
    "Cf": "an invisible formatting character",
}


def _single_line(value: str) -> str:
    for char in value:
        if char == _ZERO_WIDTH_NON_JOINER:
            continue
        if char in _BIDI_CONTROLS:
            kind = "a bidirectional control character"
        else:
            kind = _REFUSED_CATEGORIES.get(unicodedata.category(char), "")
            if not kind:
                continue
        name = unicodedata.name(char, "")
        raise PydanticCustomError(
            "single_line_text",
            "contains U+{code}{name}, {kind}; only visible text on one line is allowed",
            {"code": f"{ord(char):04X}", "name": f" {name}" if name else "", "kind": kind},
        )
    return value


# Names and titles shown on one line: in lists, logs, exports and other people's screens.
SingleLineText = Annotated[
    str, StringConstraints(min_length=1, max_length=255), AfterValidator(_single_line)
]
