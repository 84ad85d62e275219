from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from payam.auth.dependencies import CurrentUser
from payam.dependencies import SessionDep, SettingsDep
from payam.kit.ids import PathId
from payam.kit.problems import problem_responses
from payam.safety.schemas import Preflight
from payam.safety.service import PreflightService

router = APIRouter(tags=["campaigns"])


async def get_preflight(session: SessionDep, settings: SettingsDep) -> PreflightService:
    return PreflightService(session, settings=settings)


@router.get(
    "/campaigns/{campaign_id}/preflight",
    response_model=Preflight,
    responses=problem_responses(404),
)
async def preflight(
    campaign_id: PathId,
    user: CurrentUser,
    service: Annotated[PreflightService, Depends(get_preflight)],
) -> Preflight:
    """The campaign's ban risk (any status, drafts too): a score, a level, and each finding
    with what to change."""
    return await service.check(user, campaign_id)
