"""Row ids as the API takes them: positive and within a signed 64-bit integer.

Every table's id is a BIGINT (SQLite's INTEGER holds as much); a larger number does not simply
match nothing, it overflows the database driver. So ids are bounded where they come in, and the
bound is in the OpenAPI schema for clients to see.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema

from payam.kit.errors import NotFound

# Documented as an exclusive bound: OpenAPI numbers pass through floats in FastAPI, and 2**63 is
# a float exactly, where 2**63 - 1 would come out as 2**63.
ID_LIMIT = 2**63

_ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "exclusiveMaximum": ID_LIMIT}

Id = Annotated[int, Field(ge=1, lt=ID_LIMIT)]
"""An id in a body or a query string: one out of range is invalid input (422)."""


def _nameable(value: int) -> int:
    # A path names a resource, and no resource has this id: not found, as for any missing id
    # (a NotFound raised here is not a validation error, so it passes through pydantic).
    if not 1 <= value < ID_LIMIT:
        raise NotFound("Nothing has this id")
    return value


PathId = Annotated[int, AfterValidator(_nameable), WithJsonSchema(_ID_SCHEMA)]
"""An id in a path: one out of range answers 404, like an id that exists no more."""
