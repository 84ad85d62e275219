"""Security headers on every HTTP answer: the web app's, the API's and the docs page's.

One policy serves all of them (decision 12): scripts only from this origin and never inline;
styles from this origin plus inline ones, which Mantine needs for the CSS variables it writes in
``style`` attributes; images and fonts from this origin or ``data:``; no plugins; no framing by
any page. HSTS is sent only on a request that reached us over HTTPS: directly, or through a proxy
``PAYAM_FORWARDED_ALLOW_IPS`` trusts (uvicorn then takes the scheme from ``X-Forwarded-Proto``).
A response that sets one of these headers itself keeps its own.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "HSTS", "SecurityHeadersMiddleware"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000"

_ALWAYS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    # For browsers that predate frame-ancestors.
    ("X-Frame-Options", "DENY"),
    # Links to payment gateways and elsewhere do not carry the app's paths (ids) away.
    ("Referrer-Policy", "same-origin"),
)


class SecurityHeadersMiddleware:
    """Adds the headers above to each HTTP response as it starts (streamed ones too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS:
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
