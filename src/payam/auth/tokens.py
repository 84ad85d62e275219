"""Access tokens (short-lived JWTs) and opaque refresh tokens (stored only as hashes)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
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
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            options={"require": ["exp", "sub", "sid", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("The access token has expired; refresh it") from exc
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated("The access token is not valid") from exc
    if claims.get("typ") != _ACCESS_TYPE or not str(claims["sub"]).isdigit():
        raise NotAuthenticated("The access token is not valid")
    return AccessClaims(user_id=int(claims["sub"]), session_id=str(claims["sid"]))


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
