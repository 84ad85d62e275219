"""Tokens as cookies for browsers: httpOnly, Secure, SameSite, with a double-submit CSRF token.

The CSRF token is a keyed hash of the session id, so only this server can make one and it is good
for one session: a value planted as a cookie (from a sibling subdomain, say) does not pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from fastapi import Request, Response

from payam.config import Settings
from payam.kit.errors import CsrfFailed

ACCESS_COOKIE = "payam_access"
REFRESH_COOKIE = "payam_refresh"
CSRF_COOKIE = "payam_csrf"
CSRF_HEADER = "X-CSRF-Token"
_REFRESH_PATH = "/api/v1/auth"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def set_session_cookies(
    response: Response,
    *,
    settings: Settings,
    session_id: str,
    access_token: str,
    access_expires_at: datetime,
    refresh_token: str,
    refresh_expires_at: datetime,
) -> str:
    """Set the three cookies and return the CSRF token the page must echo in a header."""
    csrf_token = csrf_token_for(session_id, signing_key=settings.signing_key)
    cookies = (
        (ACCESS_COOKIE, access_token, access_expires_at, "/", True),
        (REFRESH_COOKIE, refresh_token, refresh_expires_at, _REFRESH_PATH, True),
        # Readable by the page's script on purpose: echoing it is what proves the request's origin.
        (CSRF_COOKIE, csrf_token, refresh_expires_at, "/", False),
    )
    for name, value, expires, path, httponly in cookies:
        response.set_cookie(
            name,
            value,
            expires=expires,
            path=path,
            httponly=httponly,
            secure=settings.cookie_secure,
            domain=settings.cookie_domain,
            samesite="lax",
        )
    return csrf_token


def clear_session_cookies(response: Response, *, settings: Settings) -> None:
    for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, _REFRESH_PATH), (CSRF_COOKIE, "/")):
        response.delete_cookie(
            name,
            path=path,
            domain=settings.cookie_domain,
            secure=settings.cookie_secure,
            httponly=name != CSRF_COOKIE,
            samesite="lax",
        )


def csrf_token_for(session_id: str, *, signing_key: str) -> str:
    digest = hmac.new(signing_key.encode(), f"csrf:{session_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def check_csrf(request: Request, *, session_id: str, signing_key: str) -> None:
    """Refuse a state-changing request authenticated by cookie unless it echoes the CSRF token.

    The header must equal the cookie (only our page can read the cookie to copy it) and be the
    token issued for ``session_id`` (only this server can compute it).
    """
    if request.method in _SAFE_METHODS:
        return
    # As bytes: compare_digest refuses non-ASCII text, and a header may carry any byte.
    cookie_token = request.cookies.get(CSRF_COOKIE, "").encode()
    header_token = request.headers.get(CSRF_HEADER, "").encode()
    expected = csrf_token_for(session_id, signing_key=signing_key).encode()
    echoed = hmac.compare_digest(cookie_token, header_token)
    if not (echoed and hmac.compare_digest(header_token, expected)):
        raise CsrfFailed(
            f"Send the {CSRF_COOKIE} cookie this session was given in the {CSRF_HEADER} header",
            field=CSRF_HEADER,
        )
