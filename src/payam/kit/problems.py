"""Every error as application/problem+json (RFC 9457) with the fields at fault and why."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from payam.kit.errors import FieldProblem, PayamError
from payam.observability.middleware import REQUEST_ID_HEADER

logger = structlog.get_logger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
_TYPE_BASE = "https://payam.app/problems/"


def problem_response(
    *,
    request: Request,
    status: int,
    type_slug: str,
    title: str,
    detail: str,
    problems: list[FieldProblem],
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": _TYPE_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "errors": [{"field": problem.field, "reason": problem.reason} for problem in problems],
    }
    headers = dict(headers or {})
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
        # A 500 is answered outside the request middleware, so the header is set here too.
        headers[REQUEST_ID_HEADER] = request_id
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


def _field_name(location: tuple[Any, ...]) -> str | None:
    # ("body", "phone") -> "phone"; ("query", "page") -> "page"; ("body",) -> None
    parts = [str(part) for part in location[1:]] if location else []
    return ".".join(parts) or None


async def _payam_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PayamError)
    return problem_response(
        request=request,
        status=exc.status_code,
        type_slug=exc.type_slug,
        title=exc.title,
        detail=exc.detail,
        problems=exc.problems,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        FieldProblem(_field_name(tuple(error.get("loc", ()))), str(error.get("msg", "invalid")))
        for error in exc.errors()
    ]
    return problem_response(
        request=request,
        status=422,
        type_slug="invalid-input",
        title="The input is not valid",
        detail="; ".join(
            f"{problem.field}: {problem.reason}" if problem.field else problem.reason
            for problem in problems
        ),
        problems=problems,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    detail = str(exc.detail)
    return problem_response(
        request=request,
        status=exc.status_code,
        type_slug=slug,
        title=detail,
        detail=detail,
        problems=[FieldProblem(None, detail)],
        headers=dict(exc.headers or {}),
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception(
        "unhandled_exception",
        path=request.url.path,
        method=request.method,
        request_id=getattr(request.state, "request_id", None),
    )
    return problem_response(
        request=request,
        status=500,
        type_slug="internal-error",
        title="Something went wrong on our side",
        detail="Something went wrong on our side; quote the request id if you contact support",
        problems=[FieldProblem(None, "internal error")],
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PayamError, _payam_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
