"""Thin HTTP layer for campaigns; the rules live in service.py, sending in payam.dispatch."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse

from payam.auth.dependencies import CurrentUser
from payam.campaigns.export import csv_chunks, xlsx_chunks
from payam.campaigns.preview import preview_for, test_send
from payam.campaigns.schemas import (
    Campaign,
    CampaignCreate,
    CampaignStart,
    CampaignUpdate,
    Preview,
    RecipientView,
    RetryDraft,
    TestSend,
    TestSent,
)
from payam.campaigns.service import CampaignService
from payam.dependencies import RuntimeDep, SessionDep, reads_only
from payam.kit.ids import Id, PathId
from payam.kit.openapi import file_responses
from payam.kit.pagination import Page, PageParamsDep
from payam.kit.problems import problem_responses
from payam.kit.xlsx import MEDIA_TYPE as XLSX
from payam.models import Campaign as CampaignModel
from payam.models import CampaignStatus, RecipientStatus

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


async def get_campaign_service(session: SessionDep, runtime: RuntimeDep) -> CampaignService:
    return CampaignService(session, runtime=runtime)


CampaignServiceDep = Annotated[CampaignService, Depends(get_campaign_service)]


async def _view(service: CampaignService, campaign: CampaignModel) -> Campaign:
    [view] = await service.views([campaign])
    return view


@router.get("", response_model=Page[Campaign])
@reads_only
async def list_campaigns(
    user: CurrentUser,
    service: CampaignServiceDep,
    params: PageParamsDep,
    campaign_status: Annotated[CampaignStatus | None, Query(alias="status")] = None,
) -> Page[Campaign]:
    """Your campaigns, newest first, with their counts."""
    page = await service.list_own(user, params, status=campaign_status)
    return page.with_items(await service.views(page.items))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Campaign,
    responses=problem_responses(404),
)
async def create_campaign(
    data: CampaignCreate, user: CurrentUser, service: CampaignServiceDep
) -> Campaign:
    """A new draft: the message, its pace and the numbers to send from."""
    return await _view(service, await service.create(user, data))


@router.get("/{campaign_id}", response_model=Campaign, responses=problem_responses(404))
@reads_only
async def read_campaign(
    campaign_id: PathId, user: CurrentUser, service: CampaignServiceDep
) -> Campaign:
    """The campaign's report: counts by status, timing and the estimated finish."""
    return await _view(service, await service.get(user, campaign_id))


@router.patch("/{campaign_id}", response_model=Campaign, responses=problem_responses(404, 409))
async def update_campaign(
    campaign_id: PathId, data: CampaignUpdate, user: CurrentUser, service: CampaignServiceDep
) -> Campaign:
    """Change a draft, a scheduled or a paused campaign."""
    return await _view(service, await service.update(user, campaign_id, data))


@router.delete(
    "/{campaign_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
async def delete_campaign(
    campaign_id: PathId, user: CurrentUser, service: CampaignServiceDep
) -> None:
    await service.remove(user, campaign_id)


@router.post(
    "/{campaign_id}/start", response_model=Campaign, responses=problem_responses(402, 404, 409)
)
async def start_campaign(
    campaign_id: PathId,
    user: CurrentUser,
    service: CampaignServiceDep,
    data: CampaignStart | None = None,
) -> Campaign:
    """Start now, or at ``scheduled_at``. Refused, saying why, without a connected number,
    without recipients, or without quota."""
    scheduled_at = data.scheduled_at if data else None
    return await _view(service, await service.start(user, campaign_id, scheduled_at=scheduled_at))


@router.post("/{campaign_id}/pause", response_model=Campaign, responses=problem_responses(404, 409))
async def pause_campaign(
    campaign_id: PathId, user: CurrentUser, service: CampaignServiceDep
) -> Campaign:
    """Stop after the message in flight, if any."""
    return await _view(service, await service.pause(user, campaign_id))


@router.post(
    "/{campaign_id}/resume", response_model=Campaign, responses=problem_responses(402, 404, 409)
)
async def resume_campaign(
    campaign_id: PathId, user: CurrentUser, service: CampaignServiceDep
) -> Campaign:
    return await _view(service, await service.resume(user, campaign_id))


@router.post(
    "/{campaign_id}/cancel", response_model=Campaign, responses=problem_responses(404, 409)
)
async def cancel_campaign(
    campaign_id: PathId, user: CurrentUser, service: CampaignServiceDep
) -> Campaign:
    """Stop for good; recipients not yet sent to stay pending in the report."""
    return await _view(service, await service.cancel(user, campaign_id))


@router.post(
    "/{campaign_id}/duplicate",
    status_code=status.HTTP_201_CREATED,
    response_model=Campaign,
    responses=problem_responses(404, 409),
)
async def duplicate_campaign(
    campaign_id: PathId, user: CurrentUser, service: CampaignServiceDep
) -> Campaign:
    """A new draft with the same message, numbers and recipients."""
    return await _view(service, await service.duplicate(user, campaign_id))


@router.post(
    "/{campaign_id}/retry",
    status_code=status.HTTP_201_CREATED,
    response_model=RetryDraft,
    responses={
        200: {"description": "An earlier retry's draft, still unstarted", "model": RetryDraft},
        **problem_responses(404, 409),
    },
)
async def retry_campaign(
    campaign_id: PathId, user: CurrentUser, service: CampaignServiceDep, response: Response
) -> RetryDraft:
    """A new draft holding the failed and unknown recipients, to send to them again.

    Asked again while that draft is unstarted, answers 200 with it instead of a second one."""
    run = await service.retry(user, campaign_id)
    if not run.created:
        response.status_code = status.HTTP_200_OK
    view = await _view(service, run.campaign)
    return RetryDraft(**view.model_dump(), may_have_received=run.may_have_received)


@router.get(
    "/{campaign_id}/recipients",
    response_model=Page[RecipientView],
    responses=problem_responses(404),
)
async def list_recipients(
    campaign_id: PathId,
    user: CurrentUser,
    service: CampaignServiceDep,
    params: PageParamsDep,
    recipient_status: Annotated[RecipientStatus | None, Query(alias="status")] = None,
) -> Page[RecipientView]:
    page = await service.recipients(user, campaign_id, params, status=recipient_status)
    return page.map(RecipientView.model_validate)


@router.get(
    "/{campaign_id}/preview", response_model=list[Preview], responses=problem_responses(404)
)
async def preview_campaign(
    campaign_id: PathId,
    user: CurrentUser,
    service: CampaignServiceDep,
    session: SessionDep,
    recipient_id: Id | None = None,
) -> list[Preview]:
    """Exactly what recipients will receive (the first five, or the one asked for)."""
    campaign = await service.get(user, campaign_id)
    return await preview_for(session, campaign, recipient_id=recipient_id)


@router.post(
    "/{campaign_id}/test",
    response_model=TestSent,
    responses=problem_responses(402, 404, 409, 503),
)
async def send_test(
    campaign_id: PathId,
    data: TestSend,
    user: CurrentUser,
    service: CampaignServiceDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> TestSent:
    """Send the message to your own number, through one of the campaign's numbers."""
    campaign = await service.get(user, campaign_id)
    return await test_send(session, runtime, user=user, campaign=campaign, request=data)


@router.get(
    "/{campaign_id}/export",
    response_class=StreamingResponse,
    responses={
        **file_responses("The recipients, as CSV or XLSX", "text/csv", XLSX),
        **problem_responses(404),
    },
)
async def export_campaign(
    campaign_id: PathId,
    user: CurrentUser,
    service: CampaignServiceDep,
    runtime: RuntimeDep,
    file_format: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "csv",
) -> StreamingResponse:
    """Every recipient with its status and times, for a spreadsheet, streamed as it is read."""
    campaign = await service.get(user, campaign_id)
    filename = f"campaign-{campaign.id}.{file_format}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if file_format == "csv":
        return StreamingResponse(
            csv_chunks(runtime.sessionmaker, campaign.id),
            media_type="text/csv; charset=utf-8",
            headers=disposition,
        )
    return StreamingResponse(
        xlsx_chunks(runtime.sessionmaker, campaign.id), media_type=XLSX, headers=disposition
    )
