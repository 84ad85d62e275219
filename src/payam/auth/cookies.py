"""Tokens as cookies for browsers: httpOnly, Secure, SameSite, with a double-submit CSRF token."""

from __future__ import annotations

import hmac
import secrets
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
    access_token: str,
    access_expires_at: datetime,
    refresh_token: str,
    refresh_expires_at: datetime,
) -> str:
    """Set the three cookies and return the CSRF token the page must echo in a header."""
    csrf_token = secrets.token_urlsafe(24)
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


def check_csrf(request: Request) -> None:
    """Refuse a state-changing request authenticated by cookie unless it echoes the CSRF token."""
    if request.method in _SAFE_METHODS:
        return
    cookie_token = request.cookies.get(CSRF_COOKIE, "")
    header_token = request.headers.get(CSRF_HEADER, "")
    if not cookie_token or not hmac.compare_digest(cookie_token, header_token):
        raise CsrfFailed(
            f"Send the {CSRF_COOKIE} cookie's value in the {CSRF_HEADER} header", field=CSRF_HEADER
        )
