"""Who may do what, decided in one place: every route asks for one of these dependencies."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Protocol

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import API_KEY_FIELD
from payam.auth.cookies import ACCESS_COOKIE, check_csrf
from payam.auth.service import AuthService, ClientInfo, Principal
from payam.dependencies import RuntimeDep, SessionDep, client_ip
from payam.kit.errors import Forbidden, NotAuthenticated
from payam.kit.problems import may_answer
from payam.models import User, UserRole

_bearer = HTTPBearer(
    auto_error=False, description="The access token from /auth/login, or an API key (pyk_…)"
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

# What an API key's secret starts with, so that it is told from a JWT (and secret scanners
# recognise a leaked one).
API_KEY_PREFIX = "pyk_"


class KeyAuthenticator(Protocol):
    """Checks an API key for this request: its owner and the key's id, or a refusal.

    The API keys feature (``payam.apikeys``) imports this package, so it cannot be imported
    here: the app puts its authenticator on ``app.state.key_authenticator``.
    """

    async def __call__(
        self, request: Request, session: AsyncSession, secret: str
    ) -> tuple[User, int]: ...


async def get_auth_service(session: SessionDep, runtime: RuntimeDep) -> AuthService:
    return AuthService(session, settings=runtime.settings, limiter=runtime.rate_limiter)


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def get_client_info(request: Request) -> ClientInfo:
    return ClientInfo(ip_address=client_ip(request), user_agent=request.headers.get("user-agent"))


ClientInfoDep = Annotated[ClientInfo, Depends(get_client_info)]


@may_answer(401, 403)  # no or a bad token; an account no longer usable, a failed CSRF check
async def get_principal(
    request: Request,
    service: AuthServiceDep,
    credentials: BearerDep,
) -> Principal:
    """A signed-in person's session. API keys are refused: what needs this (the password,
    sessions, key management) is for the person, not for their systems."""
    if credentials is not None:
        if credentials.credentials.startswith(API_KEY_PREFIX):
            raise Forbidden("API keys cannot be used here: sign in to your account to do this")
        return await service.authenticate(credentials.credentials)
    cookie_token = request.cookies.get(ACCESS_COOKIE)
    if cookie_token:
        principal = await service.authenticate(cookie_token)
        # Cookies ride along on cross-site requests; only the CSRF header proves intent.
        check_csrf(
            request, session_id=principal.session.id, signing_key=service.settings.signing_key
        )
        return principal
    raise NotAuthenticated("Sign in: send a Bearer token or the session cookie")


PrincipalDep = Annotated[Principal, Depends(get_principal)]


@may_answer(401, 403, 429)  # and, for an API key: a missing scope, its rate limit
async def get_current_user(
    request: Request, service: AuthServiceDep, session: SessionDep, credentials: BearerDep
) -> User:
    """Who is calling: a signed-in person, or an API key (``Authorization: Bearer pyk_…``) with
    the scope this route needs; the key is named on every log line and audit entry it causes."""
    if credentials is None or not credentials.credentials.startswith(API_KEY_PREFIX):
        # A server gives each request a context of its own; a caller that reuses one (a test's
        # client) must not see a person's request attributed to an earlier request's key.
        structlog.contextvars.unbind_contextvars(API_KEY_FIELD)
        return (await get_principal(request, service, credentials)).user
    authenticate: KeyAuthenticator = request.app.state.key_authenticator
    user, key_id = await authenticate(request, session, credentials.credentials)
    structlog.contextvars.bind_contextvars(**{API_KEY_FIELD: key_id, "user_id": user.id})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(minimum: UserRole) -> Callable[[User], Coroutine[Any, Any, User]]:
    @may_answer(403)
    async def check_role(user: CurrentUser) -> User:
        if user.role.rank < minimum.rank:
            raise Forbidden(f"This needs the {minimum.value} role")
        return user

    return check_role


AdminUser = Annotated[User, Depends(require_role(UserRole.ADMIN))]
SuperAdminUser = Annotated[User, Depends(require_role(UserRole.SUPER_ADMIN))]
