from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from payam.kit.phones import DIGIT_TRANSLATION
from payam.models import User, UserRole, UserStatus

_PHONE_SEPARATORS = re.compile(r"[\s\-().\u200c\u200f\u200e]")
# What people type before the national number: "+98", "0098" or a trunk "0". Dropping it finds
# "0912 123" and "+98912" alike inside the stored "+98912…".
_PHONE_PREFIX = re.compile(r"^(\+|00|0)")


def _phone_fragment(query: str) -> str | None:
    digits = _PHONE_SEPARATORS.sub("", query.translate(DIGIT_TRANSLATION))
    if not re.fullmatch(r"\+?[0-9]+", digits):
        return None
    return _PHONE_PREFIX.sub("", digits) or None


def _matches(query: str) -> ColumnElement[bool]:
    # icontains lowercases both sides, so PostgreSQL (case-sensitive LIKE) finds what SQLite and
    # MariaDB find; autoescape makes % and _ in the query plain characters rather than wildcards.
    conditions = [
        User.email.icontains(query, autoescape=True),
        User.username.icontains(query, autoescape=True),
        User.name.icontains(query, autoescape=True),
    ]
    fragment = _phone_fragment(query)
    if fragment is not None:
        conditions.append(User.phone.contains(fragment, autoescape=True))
    return or_(*conditions)


def user_search_statement(
    *, query: str | None, role: UserRole | None, status: UserStatus | None
) -> Select[Any]:
    statement = select(User).order_by(User.id.desc())
    if query and query.strip():
        statement = statement.where(_matches(query.strip()))
    if role is not None:
        statement = statement.where(User.role == role)
    if status is not None:
        statement = statement.where(User.status == status)
    return statement
