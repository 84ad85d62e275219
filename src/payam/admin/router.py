from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from payam.admin.schemas import UserRoleChange, UserStatusChange
from payam.admin.service import AdminUserService
from payam.auth.dependencies import AdminUser, ClientInfoDep, SuperAdminUser
from payam.auth.schemas import User, to_user_schema
from payam.dependencies import SessionDep
from payam.kit.ids import PathId
from payam.kit.pagination import Page, PageParamsDep
from payam.kit.problems import problem_responses
from payam.models import UserRole, UserStatus

router = APIRouter(prefix="/admin", tags=["admin"])


def get_admin_user_service(session: SessionDep) -> AdminUserService:
    return AdminUserService(session)


AdminUserServiceDep = Annotated[AdminUserService, Depends(get_admin_user_service)]


@router.get("/users", response_model=Page[User])
async def search_users(
    _admin: AdminUser,
    service: AdminUserServiceDep,
    params: PageParamsDep,
    q: Annotated[
        str | None, Query(max_length=100, description="e-mail, username, phone, name")
    ] = None,
    role: UserRole | None = None,
    status: UserStatus | None = None,
) -> Page[User]:
    page = await service.search(query=q, role=role, status=status, params=params)
    return page.map(to_user_schema)


@router.get("/users/{user_id}", response_model=User, responses=problem_responses(404))
async def read_user(user_id: PathId, _admin: AdminUser, service: AdminUserServiceDep) -> User:
    return to_user_schema(await service.get(user_id))


@router.put("/users/{user_id}/status", response_model=User, responses=problem_responses(404))
async def change_user_status(
    user_id: PathId,
    data: UserStatusChange,
    admin: AdminUser,
    service: AdminUserServiceDep,
    client: ClientInfoDep,
) -> User:
    """Activate, deactivate or ban a user; a non-active user is signed out everywhere at once."""
    user = await service.change_status(
        admin, user_id, status=data.status, reason=data.reason, client=client
    )
    return to_user_schema(user)


@router.put("/users/{user_id}/role", response_model=User, responses=problem_responses(404))
async def change_user_role(
    user_id: PathId,
    data: UserRoleChange,
    admin: SuperAdminUser,
    service: AdminUserServiceDep,
    client: ClientInfoDep,
) -> User:
    """Make a user an admin or take it back (super admins only)."""
    return to_user_schema(await service.change_role(admin, user_id, role=data.role, client=client))
