"""Webhook endpoints: a signed-in person registers where Payam tells their systems of events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from payam.auth.dependencies import ClientInfoDep, CurrentUser, PrincipalDep
from payam.dependencies import SessionDep, SettingsDep
from payam.kit.credentials import CredentialBox
from payam.kit.ids import PathId
from payam.kit.pagination import Page, PageParamsDep
from payam.kit.problems import problem_responses
from payam.webhooks.schemas import (
    CreatedEndpoint,
    Delivery,
    Endpoint,
    EndpointCreate,
    EndpointUpdate,
    to_delivery,
)
from payam.webhooks.service import WebhookService

router = APIRouter(prefix="/webhooks/endpoints", tags=["webhooks"])


async def get_webhook_service(session: SessionDep, settings: SettingsDep) -> WebhookService:
    return WebhookService(session, box=CredentialBox(settings))


WebhookServiceDep = Annotated[WebhookService, Depends(get_webhook_service)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CreatedEndpoint)
async def create_endpoint(
    data: EndpointCreate, principal: PrincipalDep, service: WebhookServiceDep, client: ClientInfoDep
) -> CreatedEndpoint:
    """Register a URL for the events chosen. The signing secret is in this answer only."""
    endpoint, secret = await service.create(principal.user, data, client=client)
    return CreatedEndpoint(**Endpoint.model_validate(endpoint).model_dump(), secret=secret)


@router.get("", response_model=Page[Endpoint])
async def list_endpoints(
    user: CurrentUser, service: WebhookServiceDep, params: PageParamsDep
) -> Page[Endpoint]:
    page = await service.page(user, params)
    return page.map(Endpoint.model_validate)


@router.get("/{endpoint_id}", response_model=Endpoint, responses=problem_responses(404))
async def read_endpoint(
    endpoint_id: PathId, user: CurrentUser, service: WebhookServiceDep
) -> Endpoint:
    return Endpoint.model_validate(await service.get(user, endpoint_id))


@router.patch("/{endpoint_id}", response_model=Endpoint, responses=problem_responses(404))
async def update_endpoint(
    endpoint_id: PathId,
    data: EndpointUpdate,
    principal: PrincipalDep,
    service: WebhookServiceDep,
    client: ClientInfoDep,
) -> Endpoint:
    """Change the URL or the events, or enable (or disable) the endpoint."""
    endpoint = await service.update(principal.user, endpoint_id, data, client=client)
    return Endpoint.model_validate(endpoint)


@router.delete(
    "/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
async def remove_endpoint(
    endpoint_id: PathId, principal: PrincipalDep, service: WebhookServiceDep, client: ClientInfoDep
) -> None:
    """Remove the endpoint, with its waiting events and its deliveries."""
    await service.remove(principal.user, endpoint_id, client=client)


@router.post(
    "/{endpoint_id}/rotate-secret", response_model=CreatedEndpoint, responses=problem_responses(404)
)
async def rotate_secret(
    endpoint_id: PathId, principal: PrincipalDep, service: WebhookServiceDep, client: ClientInfoDep
) -> CreatedEndpoint:
    """A new signing secret, in this answer only. For 24 hours deliveries carry a signature by
    the old secret too (`previous_secret_until`), so a receiver can switch without refusing any."""
    endpoint, secret = await service.rotate_secret(principal.user, endpoint_id, client=client)
    return CreatedEndpoint(**Endpoint.model_validate(endpoint).model_dump(), secret=secret)


@router.get(
    "/{endpoint_id}/deliveries", response_model=Page[Delivery], responses=problem_responses(404)
)
async def list_deliveries(
    endpoint_id: PathId, user: CurrentUser, service: WebhookServiceDep, params: PageParamsDep
) -> Page[Delivery]:
    """Recent deliveries, newest first, each with its attempts (status, time, duration)."""
    page, attempts = await service.deliveries(user, endpoint_id, params)
    return page.map(lambda delivery: to_delivery(delivery, attempts[delivery.id]))


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Delivery,
    responses=problem_responses(404, 409),
)
async def redeliver(
    endpoint_id: PathId, delivery_id: PathId, principal: PrincipalDep, service: WebhookServiceDep
) -> Delivery:
    """Send a delivery again, the same message (same `webhook-id`), within a second or so."""
    delivery = await service.redeliver(principal.user, endpoint_id, delivery_id)
    return to_delivery(delivery, [])
