"""Pydantic building blocks shared by every feature's schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from payam.kit.phones import DIGIT_TRANSLATION


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=True)


class InputSchema(Schema):
    """Request bodies refuse unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def latin_digits(value: str) -> str:
    return value.translate(DIGIT_TRANSLATION)


Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
