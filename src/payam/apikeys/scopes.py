"""What an API key may do: its scopes, and which scope each route asks for.

Keys are refused by default: a route reaches a key only when a rule below names it. Reads (GET)
need ``read``; changes need the write scope of their area; everything not listed (admin routes,
sign-in, the password and the profile, sessions, payments, API keys, and changes to webhook
endpoints) refuses keys whatever their scopes. ``tests/apikeys/test_scope_matrix.py`` walks the
OpenAPI schema and holds every route to this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    READ = "read"
    CAMPAIGNS_WRITE = "campaigns:write"
    SENDERS_WRITE = "senders:write"
    IMPORTS_WRITE = "imports:write"


_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class _Area:
    pattern: re.Pattern[str]
    # None: keys may read here but never change anything.
    write_scope: Scope | None


def _area(path: str, write_scope: Scope | None) -> _Area:
    return _Area(re.compile(rf"/api/v1{path}"), write_scope)


# First match wins, so the narrower path comes first.
_AREAS = (
    _area(r"/campaigns/[^/]+/imports", Scope.IMPORTS_WRITE),
    _area(r"/imports(/.*)?", Scope.IMPORTS_WRITE),
    _area(r"/campaigns(/.*)?", Scope.CAMPAIGNS_WRITE),
    _area(r"/media(/.*)?", Scope.CAMPAIGNS_WRITE),
    _area(r"/senders(/.*)?", Scope.SENDERS_WRITE),
    _area(r"/users/me(/statistics)?", None),
    _area(r"/subscriptions/me", None),
    _area(r"/payments(/\d+(/invoice)?)?", None),
    _area(r"/webhooks/endpoints(/.*)?", None),
)


def required_scope(method: str, path: str) -> Scope | None:
    """The scope a key needs for this request; None when keys may not make it at all."""
    for area in _AREAS:
        if area.pattern.fullmatch(path):
            return Scope.READ if method.upper() in _READ_METHODS else area.write_scope
    return None
