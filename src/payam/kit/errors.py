"""Typed domain errors. Each carries its HTTP status; one handler renders them as problem+json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One reason a request was refused, tied to the input field it concerns (None: the whole)."""

    field: str | None
    reason: str


class PayamError(Exception):
    status_code: int = 400
    type_slug: str = "bad-request"
    title: str = "Bad request"
    default_headers: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        problems: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
        keeps_changes: bool = False,
    ) -> None:
        self.detail = detail or self.title
        # A refusal that must still leave a trace (a failed attempt counted, a token family
        # revoked) asks its transaction to commit before the error reaches the client.
        self.keeps_changes = keeps_changes
        self.problems = problems if problems is not None else [FieldProblem(field, self.detail)]
        self.headers = {**self.default_headers, **(headers or {})}
        super().__init__(self.detail)


class InvalidInput(PayamError):
    status_code = 422
    type_slug = "invalid-input"
    title = "The input is not valid"


class NotAuthenticated(PayamError):
    status_code = 401
    type_slug = "not-authenticated"
    title = "Sign-in is required"
    default_headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(PayamError):
    status_code = 401
    type_slug = "invalid-credentials"
    title = "The login or the password is wrong"


class AccountUnavailable(PayamError):
    status_code = 403
    type_slug = "account-unavailable"
    title = "This account cannot be used"


class Forbidden(PayamError):
    status_code = 403
    type_slug = "forbidden"
    title = "You are not allowed to do this"


class CsrfFailed(PayamError):
    status_code = 403
    type_slug = "csrf-failed"
    title = "The CSRF token is missing or does not match"


class NotFound(PayamError):
    status_code = 404
    type_slug = "not-found"
    title = "Not found"


class Conflict(PayamError):
    status_code = 409
    type_slug = "conflict"
    title = "This conflicts with existing data"


class TooManyRequests(PayamError):
    status_code = 429
    type_slug = "too-many-requests"
    title = "Too many requests"

    def __init__(
        self, detail: str | None = None, *, retry_after_seconds: int, keeps_changes: bool = False
    ) -> None:
        self.retry_after_seconds = max(1, retry_after_seconds)
        super().__init__(
            detail,
            headers={"Retry-After": str(self.retry_after_seconds)},
            keeps_changes=keeps_changes,
        )


class ServiceUnavailable(PayamError):
    status_code = 503
    type_slug = "service-unavailable"
    title = "A service Payam depends on is unavailable"
