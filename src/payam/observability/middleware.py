"""Per-request context: a request id on every log line and response, metrics, one access line."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from payam.observability.metrics import (
    HTTP_EXCEPTIONS,
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS,
    UNMATCHED_ROUTE,
    metric_method,
)

__all__ = ["REQUEST_ID_HEADER", "RequestContextMiddleware"]

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
# An incoming id ends up in logs and response headers; anything else could forge log fields or
# smuggle header syntax, so it is replaced rather than sanitised.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

_access_log = structlog.stdlib.get_logger("payam.access")


class RequestContextMiddleware:
    """Gives each request an id, records its metrics and writes one ``http_request`` log line.

    Add it as the **outermost** middleware (the last ``app.add_middleware`` call), so it times
    and counts everything the other middleware do, and sees the exception when a handler fails.
    It is still inside Starlette's ``ServerErrorMiddleware``: an unhandled exception passes
    through here (counted, then re-raised) and the app's 500 handler writes the response, which
    therefore does not get the ``X-Request-ID`` header from here; that handler can read
    ``request.state.request_id``.

    Pure ASGI rather than ``BaseHTTPMiddleware``, which would buffer streaming responses and run
    background tasks inside the timed request. The id is taken from a sane incoming
    ``X-Request-ID`` or generated, put in ``scope["state"]["request_id"]`` and bound in
    ``structlog.contextvars`` for the request's lifetime. WebSocket connections only get the id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        request_id = _request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            if scope["type"] == "http":
                await self._handle_http(scope, receive, send, request_id)
            else:
                await self.app(scope, receive, send)

    async def _handle_http(
        self, scope: Scope, receive: Receive, send: Send, request_id: str
    ) -> None:
        started = time.perf_counter()
        # Mounts extend root_path; the difference is the prefix the route template lacks.
        outer_root_path: str = scope.get("root_path", "")
        status: int | None = None
        finished: float | None = None

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, finished
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            elif (
                kind == "http.response.body" and not message.get("more_body", False)
            ) or kind == "http.response.pathsend":
                # The app returns only after its background tasks ran; they are not the
                # client's wait, so the clock stops at the last byte.
                finished = time.perf_counter()
            await send(message)

        failure: Exception | None = None
        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as exc:
            failure = exc
            raise
        finally:
            end = finished if finished is not None else time.perf_counter()
            # Before the response started, an exception becomes the app's 500.
            final_status = status if status is not None else 500
            route = _route_template(scope, outer_root_path)
            method = metric_method(scope["method"])
            HTTP_REQUESTS.labels(method=method, route=route, status=str(final_status)).inc()
            HTTP_REQUEST_DURATION.labels(method=method, route=route).observe(end - started)
            if failure is not None:
                HTTP_EXCEPTIONS.labels(method=method, route=route).inc()
            _log_access(scope, route, final_status, (end - started) * 1000, failure)


def _request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == _REQUEST_ID_HEADER_KEY:
            candidate: str = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def _route_template(scope: Scope, outer_root_path: str) -> str:
    route = scope.get("route")
    if route is None:
        return UNMATCHED_ROUTE
    # FastAPI >= 0.165 no longer copies included routers' routes: scope["route"] is the APIRoute
    # as declared on its APIRouter, its path without the include prefixes. The prefixed template
    # is on the route context FastAPI keeps in scope["fastapi"]; an internal, hence defensive.
    context = scope.get("fastapi", {}).get("effective_route_context")
    if isinstance(route, Mount):
        # A mounted app with no routes of its own (static files): its path is in root_path.
        template: str | None = "/{path}"
    else:
        template = _path_format(context) or _path_format(route)
    if template is None:
        return UNMATCHED_ROUTE
    root_path: str = scope.get("root_path", "")
    if root_path.startswith(outer_root_path):
        template = root_path[len(outer_root_path) :] + template
    return template


def _path_format(route: Any) -> str | None:
    for attribute in ("path_format", "path"):
        value = getattr(route, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def _log_access(
    scope: Scope, route: str, status: int, duration_ms: float, failure: Exception | None
) -> None:
    client = scope.get("client")
    fields: dict[str, Any] = {
        "method": scope["method"],
        "path": scope["path"],
        "route": route,
        "status": status,
        "duration_ms": round(duration_ms, 2),
        "client_ip": client[0] if client else None,
    }
    if failure is not None:
        # The traceback is logged once, by whoever handles the exception; here only its type.
        fields["error"] = type(failure).__name__
    if status >= 500 or failure is not None:
        _access_log.error("http_request", **fields)
    else:
        _access_log.info("http_request", **fields)
