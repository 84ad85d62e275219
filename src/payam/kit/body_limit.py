"""Request bodies are capped before they are read: a huge body is refused, not held in memory.

Every route gets a small limit (``PAYAM_MAX_BODY_BYTES``): JSON bodies are read whole before
they are checked, so without it a stranger's 300 MB sign-in request costs 300 MB. The routes
that stream an upload to disk check their own, larger limits as the bytes come, and say so with
the ``OwnBodyLimit`` dependency. FastAPI reads a JSON body before it runs a route's
dependencies, and an upload route has no JSON body, so the order always holds.
"""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LIMIT_KEY = "payam.body_limit"


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI passes it on while it reads a JSON body (it turns any
    other error there into a 400) and the problem handler renders it as problem+json."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[_LIMIT_KEY] = self.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length", b"")
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            limit: int | None = scope[_LIMIT_KEY]
            # The declared length is checked before a byte is read; a body sent in chunks
            # without one is counted as it comes.
            if limit is not None and declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if limit is not None and message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


async def _enforces_its_own_body_limit(request: Request) -> None:
    request.scope[_LIMIT_KEY] = None


# For routes that stream an upload and refuse it past their own limit as the bytes arrive.
OwnBodyLimit = Depends(_enforces_its_own_body_limit)
