"""Every error as application/problem+json (RFC 9457) with the fields at fault and why."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, TypeVar

import structlog
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute

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
    slug = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}.get(
        exc.status_code, "http-error"
    )
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


# ---- the problems in the OpenAPI schema ----------------------------------------------------


class FieldReason(BaseModel):
    field: str | None = Field(
        description="The input field at fault; null when it is the request as a whole"
    )
    reason: str


class Problem(BaseModel):
    """Every error's body (RFC 9457), sent as application/problem+json."""

    type: str = Field(description="A URI naming the kind of problem, stable for clients to test")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request that was refused")
    errors: list[FieldReason]
    request_id: str | None = Field(
        default=None, description="Also the X-Request-ID header; quote it to support"
    )


_SCHEMA_REF = "#/components/schemas/{model}"
_DESCRIPTIONS = {
    400: "The request was refused as sent, or its body could not be read",
    401: "Sign in first: no token, or one that is wrong or no longer valid",
    402: "No message quota left, or the payment did not go through",
    403: "Not allowed: the role, the account's status, or the CSRF check",
    404: "Not found, or not yours",
    409: "It conflicts with the current state",
    413: "The body, or the file in it, is too large",
    415: "A content type this route does not take",
    422: "The input is not valid; errors names each field at fault",
    429: "Too many requests; try again after Retry-After seconds",
    503: "A service Payam depends on is unavailable; try again in a moment",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}
}

DependencyT = TypeVar("DependencyT", bound=Callable[..., Any])
_DEPENDENCY_STATUSES: dict[Callable[..., Any], tuple[int, ...]] = {}


def problem_responses(
    *statuses: int, descriptions: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route or router that may refuse with these statuses."""
    described = {**_DESCRIPTIONS, **(descriptions or {})}
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": described.get(status, HTTPStatus(status).phrase),
            "content": {
                PROBLEM_CONTENT_TYPE: {"schema": {"$ref": _SCHEMA_REF.format(model="Problem")}}
            },
        }
        if status == 429:
            response["headers"] = _RETRY_AFTER
        responses[status] = response
    return responses


def may_answer(*statuses: int) -> Callable[[DependencyT], DependencyT]:
    """Mark a dependency with the problems it may answer; every route using it documents them.

    Signing in is a dependency of most routes: declared once here, its 401 and 403 cannot be
    forgotten on a route.
    """

    def mark(dependency: DependencyT) -> DependencyT:
        _DEPENDENCY_STATUSES[dependency] = statuses
        return dependency

    return mark


def document_problems(app: FastAPI) -> None:
    """Describe every refusal in the app's OpenAPI schema as the problem+json it is sent as.

    Beyond what routes declare, each operation gets the statuses its dependencies may answer
    and, when it takes a body, the 400 for one that cannot be decoded and the 413 for one over
    PAYAM_MAX_BODY_BYTES; FastAPI's own 422 (documented as plain JSON in its own shape) becomes
    ours.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_problems(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_problems(schema: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    validation = problem_responses(422)[422]
    for route in iter_route_contexts(list(routes)):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        statuses = _statuses_of(route.dependant)
        if route.body_field is not None:
            # FastAPI's answer to a body it cannot decode (not UTF-8), and the body limit's.
            statuses |= {400, 413}
        inherited = problem_responses(*sorted(statuses))
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            responses = operation["responses"]
            if _is_fastapi_validation_error(responses.get("422")):
                responses["422"] = validation
            for status, response in inherited.items():
                responses.setdefault(str(status), response)
            operation["responses"] = dict(sorted(responses.items()))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    _, definitions = models_json_schema([(Problem, "serialization")], ref_template=_SCHEMA_REF)
    components.update(definitions["$defs"])
    return schema


def _statuses_of(dependant: Dependant) -> set[int]:
    statuses = set(_DEPENDENCY_STATUSES.get(dependant.call, ())) if dependant.call else set()
    for dependency in dependant.dependencies:
        statuses |= _statuses_of(dependency)
    return statuses


def _is_fastapi_validation_error(response: dict[str, Any] | None) -> bool:
    schema = (response or {}).get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))
