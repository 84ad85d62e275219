from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from payam.audit.schemas import AuditEntry, Since, Until
from payam.audit.search import AuditSearch
from payam.auth.dependencies import AuthServiceDep, ClientInfoDep, CurrentUser, PrincipalDep
from payam.auth.schemas import User, to_user_schema
from payam.dependencies import SessionDep, reads_only
from payam.kit.pagination import Page, PageParamsDep
from payam.kit.problems import problem_responses
from payam.users.schemas import PasswordChange, Session, UserUpdate
from payam.users.service import UserService

router = APIRouter(prefix="/users", tags=["users"])


async def get_user_service(session: SessionDep, auth: AuthServiceDep) -> UserService:
    return UserService(session, auth=auth)


UserServiceDep = Annotated[UserService, Depends(get_user_service)]


@router.get("/me", response_model=User)
@reads_only
async def read_me(user: CurrentUser) -> User:
    return to_user_schema(user)


@router.patch("/me", response_model=User, responses=problem_responses(409))
async def update_me(
    data: UserUpdate, user: CurrentUser, service: UserServiceDep, client: ClientInfoDep
) -> User:
    """Change your profile. A new e-mail or phone must be verified again."""
    return to_user_schema(await service.update_profile(user, data, client=client))


@router.post(
    "/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(429)
)
async def change_password(
    data: PasswordChange, principal: PrincipalDep, auth: AuthServiceDep, client: ClientInfoDep
) -> None:
    """Change your password; every other session is signed out."""
    await auth.change_password(
        principal,
        current_password=data.current_password,
        new_password=data.new_password,
        client=client,
    )


@router.get("/me/sessions", response_model=list[Session])
async def list_sessions(principal: PrincipalDep, service: UserServiceDep) -> list[Session]:
    """The devices signed in to your account."""
    return await service.list_sessions(principal)


@router.delete(
    "/me/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def revoke_session(
    session_id: str, principal: PrincipalDep, service: UserServiceDep, client: ClientInfoDep
) -> None:
    """Sign one of your devices out."""
    await service.revoke_session(principal, session_id, client=client)


@router.get(
    "/me/security-events", response_model=Page[AuditEntry], responses=problem_responses(422)
)
async def my_security_events(
    user: CurrentUser,
    session: SessionDep,
    params: PageParamsDep,
    since: Since = None,
    until: Until = None,
) -> Page[AuditEntry]:
    """Sign-ins, failed ones, lockouts, password, session and role changes on your account,
    newest first, whoever made them (you, an admin, or someone trying your password)."""
    page = await AuditSearch(session).security_events(
        user.id, since=since, until=until, params=params
    )
    return page.map(AuditEntry.model_validate)
