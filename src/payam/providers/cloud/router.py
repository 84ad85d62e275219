"""``GET/POST /webhooks/whatsapp/{sender}``: where Meta's app sends a Cloud number's events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import PlainTextResponse

from payam.dependencies import RuntimeDep, SessionDep
from payam.kit.ids import PathId
from payam.kit.problems import problem_responses
from payam.kit.schemas import Schema
from payam.providers.cloud.webhooks import CloudWebhooks

router = APIRouter(prefix="/webhooks/whatsapp", tags=["webhooks"])


class WebhookAccepted(Schema):
    recorded: int


@router.get(
    "/{sender_id}",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **problem_responses(403, 404),
    },
)
async def verify_webhook(
    sender_id: PathId,
    session: SessionDep,
    runtime: RuntimeDep,
    mode: Annotated[str, Query(alias="hub.mode", max_length=64)],
    verify_token: Annotated[str, Query(alias="hub.verify_token", max_length=1024)],
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=1024)],
) -> PlainTextResponse:
    """Meta checks the callback URL: the challenge comes back when the verify token matches."""
    echoed = await CloudWebhooks(session, runtime=runtime).challenge(
        sender_id, mode=mode, token=verify_token, challenge=challenge
    )
    return PlainTextResponse(echoed)


@router.post(
    "/{sender_id}", response_model=WebhookAccepted, responses=problem_responses(401, 403, 404)
)
async def receive_webhook(
    sender_id: PathId,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256", max_length=256)] = None,
) -> WebhookAccepted:
    """Statuses (sent, delivered, read, failed) and inbound messages, signed by the app secret.

    Checked against the raw body, then stored for the worker holding the number; a delivery
    Meta retries records nothing twice.
    """
    recorded = await CloudWebhooks(session, runtime=runtime).receive(
        sender_id, body=await request.body(), signature=signature
    )
    return WebhookAccepted(recorded=recorded)
