from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from payam.auth.dependencies import CurrentUser
from payam.dependencies import RuntimeDep, SessionDep
from payam.kit.ids import PathId
from payam.kit.problems import problem_responses
from payam.senders.schemas import (
    LinkQr,
    PairingCode,
    PairingCodeRequest,
    Sender,
    SenderCreate,
    SenderUpdate,
    WhatsAppTemplate,
)
from payam.senders.service import SenderService

router = APIRouter(prefix="/senders", tags=["senders"])


async def get_sender_service(session: SessionDep, runtime: RuntimeDep) -> SenderService:
    return SenderService(session, runtime=runtime)


SenderServiceDep = Annotated[SenderService, Depends(get_sender_service)]


@router.get("", response_model=list[Sender])
async def list_senders(user: CurrentUser, service: SenderServiceDep) -> list[Sender]:
    """Your linked WhatsApp numbers."""
    return [service.present(sender, user) for sender in await service.list(user)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Sender,
    responses=problem_responses(422, 503),
)
async def link_sender(data: SenderCreate, user: CurrentUser, service: SenderServiceDep) -> Sender:
    """Link a number, with the limits that keep it safe (daily cap, quiet hours, pauses).

    A WhatsApp Web number answers LINKING: scan its QR code (``GET /senders/{id}/qr``, or the
    live socket's ``sender.qr`` events) or ask for a pairing code."""
    return service.present(await service.link(user, data), user)


@router.get("/{sender_id}", response_model=Sender, responses=problem_responses(404))
async def read_sender(sender_id: PathId, user: CurrentUser, service: SenderServiceDep) -> Sender:
    return service.present(await service.get(user, sender_id), user)


@router.patch("/{sender_id}", response_model=Sender, responses=problem_responses(404, 422, 503))
async def update_sender(
    sender_id: PathId, data: SenderUpdate, user: CurrentUser, service: SenderServiceDep
) -> Sender:
    """Rename a number or change its limits; running campaigns follow at once."""
    return service.present(await service.update(user, sender_id, data), user)


@router.post(
    "/{sender_id}/link", response_model=Sender, responses=problem_responses(404, 409, 422, 503)
)
async def relink_sender(sender_id: PathId, user: CurrentUser, service: SenderServiceDep) -> Sender:
    """Start linking a WhatsApp Web number again: after its QR codes ran out, it was logged
    out, or a ban was lifted. New QR codes follow on the live socket (``sender.qr``)."""
    return service.present(await service.relink(user, sender_id), user)


@router.get("/{sender_id}/qr", response_model=LinkQr, responses=problem_responses(404, 409, 422))
async def read_link_qr(sender_id: PathId, user: CurrentUser, service: SenderServiceDep) -> LinkQr:
    """The QR code to scan now, while a WhatsApp Web number is linking."""
    return await service.link_qr(user, sender_id)


@router.post(
    "/{sender_id}/pairing-code",
    response_model=PairingCode,
    responses=problem_responses(404, 409, 422, 503),
)
async def request_pairing_code(
    sender_id: PathId, data: PairingCodeRequest, user: CurrentUser, service: SenderServiceDep
) -> PairingCode:
    """Link a WhatsApp Web number by code: type the 8 characters on the phone of ``phone``."""
    return PairingCode(code=await service.pairing_code(user, sender_id, data.phone))


@router.get(
    "/{sender_id}/templates",
    response_model=list[WhatsAppTemplate],
    responses=problem_responses(404, 422, 503),
)
async def list_templates(
    sender_id: PathId, user: CurrentUser, service: SenderServiceDep
) -> list[WhatsAppTemplate]:
    """A Cloud API number's message templates (from its WhatsApp Business Account)."""
    return list(await service.templates(user, sender_id))


@router.delete(
    "/{sender_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409)
)
async def remove_sender(sender_id: PathId, user: CurrentUser, service: SenderServiceDep) -> None:
    """Unlink a number no active campaign uses."""
    await service.remove(user, sender_id)
