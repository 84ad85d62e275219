"""Access tokens (short-lived JWTs) and opaque refresh tokens (stored only as hashes)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from payam.kit.clock import utc_now
from payam.kit.errors import NotAuthenticated

_ALGORITHM = "HS256"
_ISSUER = "payam"
_ACCESS_TYPE = "access"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    session_id: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue_access_token(
    *, user_id: int, session_id: str, signing_key: str, lifetime: timedelta
) -> IssuedToken:
    issued_at = utc_now()
    expires_at = issued_at + lifetime
    claims = {
        "iss": _ISSUER,
        "typ": _ACCESS_TYPE,
        "sub": str(user_id),
        "sid": session_id,
        "iat": issued_at,
        "exp": expires_at,
    }
    return IssuedToken(jwt.encode(claims, signing_key, algorithm=_ALGORITHM), expires_at)


def decode_access_token(token: str, *, signing_key: str) -> AccessClaims:
    try:
        claims, expires_at = _verified(token, signing_key)
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated("The access token is not valid") from exc
    # PyJWT's rule: a token is expired from the second its ``exp`` names.
    if expires_at <= time.time():
        raise NotAuthenticated("The access token has expired; refresh it")
    return claims


# Every request of a signed-in client brings the same token again, for its 15 minutes: its
# signature and claims are checked once (PyJWT's decoding was a tenth of what a request to
# /users/me cost), its expiry at every use. Only tokens that passed are kept (a failure raises,
# which lru_cache does not keep); the session behind one is still looked up every time.
@functools.lru_cache(maxsize=4096)
def _verified(token: str, signing_key: str) -> tuple[AccessClaims, int]:
    claims = jwt.decode(
        token,
        signing_key,
        algorithms=[_ALGORITHM],
        issuer=_ISSUER,
        options={"require": ["exp", "sub", "sid", "typ"], "verify_exp": False},
    )
    if claims.get("typ") != _ACCESS_TYPE or not str(claims["sub"]).isdigit():
        raise jwt.InvalidTokenError("not an access token")
    try:
        # What PyJWT's own expiry check would have insisted on: a whole number of seconds.
        expires_at = int(claims["exp"])
    except (TypeError, ValueError, OverflowError) as exc:
        raise jwt.InvalidTokenError("exp is not a NumericDate") from exc
    return AccessClaims(user_id=int(claims["sub"]), session_id=str(claims["sid"])), expires_at


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    # Refresh tokens carry 256 random bits, so a fast hash is enough to make a leaked table useless.
    return hashlib.sha256(token.encode()).hexdigest()


def hash_code(code: str, *, signing_key: str, context: str) -> str:
    """Keyed hash of a short one-time code: without the key, six digits would be trivial to undo."""
    message = f"{context}:{code}".encode()
    return hmac.new(signing_key.encode(), message, hashlib.sha256).hexdigest()


def new_numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"
