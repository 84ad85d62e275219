"""Who may do what, decided in one place: every route asks for one of these dependencies."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from payam.auth.cookies import ACCESS_COOKIE, check_csrf
from payam.auth.service import AuthService, ClientInfo, Principal
from payam.dependencies import RuntimeDep, SessionDep, client_ip
from payam.kit.errors import Forbidden, NotAuthenticated
from payam.kit.problems import may_answer
from payam.models import User, UserRole

_bearer = HTTPBearer(auto_error=False, description="The access token from /auth/login")


def get_auth_service(session: SessionDep, runtime: RuntimeDep) -> AuthService:
    return AuthService(session, settings=runtime.settings, limiter=runtime.rate_limiter)


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


def get_client_info(request: Request) -> ClientInfo:
    return ClientInfo(ip_address=client_ip(request), user_agent=request.headers.get("user-agent"))


ClientInfoDep = Annotated[ClientInfo, Depends(get_client_info)]


@may_answer(401, 403)  # no or a bad token; an account no longer usable, a failed CSRF check
async def get_principal(
    request: Request,
    service: AuthServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is not None:
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


async def get_current_user(principal: PrincipalDep) -> User:
    return principal.user


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
