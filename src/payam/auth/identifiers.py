"""Finding an account by what a person types to sign in: e-mail, username or phone."""

from __future__ import annotations

from payam.auth.repository import UserRepository
from payam.kit.phones import InvalidPhoneNumber, looks_like_phone, normalize_phone
from payam.models import User


def canonical_login(login: str, *, default_region: str) -> str:
    """One spelling per account, so rate limits cannot be dodged by writing 0912… as +98912…."""
    login = login.strip()
    if "@" in login:
        return login.lower()
    if looks_like_phone(login):
        try:
            return normalize_phone(login, default_region=default_region)
        except InvalidPhoneNumber:
            return login
    return login.lower()


async def find_user_by_login(users: UserRepository, canonical: str) -> User | None:
    if "@" in canonical:
        return await users.get_by_email(canonical)
    if canonical.startswith("+"):
        return await users.get_by_phone(canonical)
    return await users.get_by_username(canonical)
