"""API keys: made, listed and revoked only by a signed-in person, never by a key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from payam.apikeys.schemas import ApiKey, ApiKeyCreate, CreatedApiKey
from payam.apikeys.service import ApiKeyService
from payam.auth.dependencies import ClientInfoDep, PrincipalDep
from payam.dependencies import SessionDep, SettingsDep
from payam.kit.ids import PathId
from payam.kit.pagination import Page, PageParamsDep
from payam.kit.problems import problem_responses

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


async def get_api_key_service(session: SessionDep, settings: SettingsDep) -> ApiKeyService:
    return ApiKeyService(session, settings=settings)


ApiKeyServiceDep = Annotated[ApiKeyService, Depends(get_api_key_service)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CreatedApiKey)
async def create_api_key(
    data: ApiKeyCreate, principal: PrincipalDep, service: ApiKeyServiceDep, client: ClientInfoDep
) -> CreatedApiKey:
    """Make a key for your own systems. Its secret is in this answer only: store it now."""
    key, secret = await service.create(principal.user, data, client=client)
    return CreatedApiKey(**ApiKey.model_validate(key).model_dump(), secret=secret)


@router.get("", response_model=Page[ApiKey])
async def list_api_keys(
    principal: PrincipalDep, service: ApiKeyServiceDep, params: PageParamsDep
) -> Page[ApiKey]:
    """Your keys, newest first, with when and from where each was last used."""
    page = await service.page(principal.user, params)
    return page.map(ApiKey.model_validate)


@router.delete(
    "/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
async def revoke_api_key(
    key_id: PathId, principal: PrincipalDep, service: ApiKeyServiceDep, client: ClientInfoDep
) -> None:
    """Revoke a key: the next request with it is refused."""
    await service.revoke(principal.user, key_id, client=client)
