"""Attachments: uploaded, checked by content, stored on disk."""

from __future__ import annotations

from typing import Annotated

import anyio
import structlog
from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import FileResponse

from payam.auth.dependencies import CurrentUser
from payam.db.session import commit_now
from payam.dependencies import SessionDep, SettingsDep
from payam.kit.body_limit import OwnBodyLimit
from payam.kit.errors import NotFound
from payam.kit.ids import PathId
from payam.kit.multipart import upload_request_body
from payam.kit.openapi import file_responses
from payam.kit.pagination import Page, PageParamsDep
from payam.kit.problems import problem_responses
from payam.media.schemas import Media
from payam.media.service import MediaService
from payam.media.upload import EXTENSIONS, receive_upload

logger = structlog.get_logger(__name__)

router = APIRouter(tags=["media"])

# Served from our own origin: never let a browser render or run it, whatever it contains.
_CONTENT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=3600",
}


async def get_media_service(session: SessionDep, settings: SettingsDep) -> MediaService:
    return MediaService(session, settings=settings)


MediaServiceDep = Annotated[MediaService, Depends(get_media_service)]


@router.post(
    "/media",
    status_code=status.HTTP_201_CREATED,
    response_model=Media,
    openapi_extra=upload_request_body("An image, a video, an audio file or a document"),
    dependencies=[OwnBodyLimit],
    responses=problem_responses(
        413,
        422,
        descriptions={
            413: "Larger than the limit for its kind",
            422: "Not a format WhatsApp can send",
        },
    ),
)
async def upload_media(
    request: Request, user: CurrentUser, session: SessionDep, service: MediaServiceDep
) -> Media:
    """Upload an attachment (multipart field ``file``).

    Its type is told from its content: JPEG, PNG, WEBP images; MP4, 3GP videos; MP3, Ogg Opus,
    AAC, M4A, AMR audio; PDF, Word, Excel, PowerPoint (97-2003 and Open XML) and UTF-8 text
    documents. Each kind has its own size limit.
    """
    # Signing in ran in this request's transaction: end it, so that no pooled connection is
    # held while a large file crawls in over a slow link.
    await commit_now(session)
    received = await receive_upload(request, storage=service.storage, settings=service.settings)
    try:
        media = await service.add(received, owner_id=user.id)
        # Committed here, not at the request's edge, so that a failed commit can still take
        # the kept file with it; shielded, so a cancelled request cannot leave that undecided.
        with anyio.CancelScope(shield=True):
            await commit_now(session)
    except BaseException:
        received.staged.discard()
        service.forget(received)
        raise
    return Media.model_validate(media)


@router.get("/media", response_model=Page[Media])
async def list_media(
    user: CurrentUser, service: MediaServiceDep, params: PageParamsDep
) -> Page[Media]:
    """Your attachments, newest first."""
    page = await service.list_own(owner_id=user.id, params=params)
    return page.map(Media.model_validate)


@router.get("/media/{media_id}", response_model=Media, responses=problem_responses(404))
async def get_media(media_id: PathId, user: CurrentUser, service: MediaServiceDep) -> Media:
    """One of your attachments."""
    return Media.model_validate(await service.get_own(media_id, owner_id=user.id))


@router.get(
    "/media/{media_id}/content",
    response_class=FileResponse,
    responses={
        **file_responses("The bytes, of the type they were recognised as", *EXTENSIONS),
        **problem_responses(404),
    },
)
async def get_media_content(
    media_id: PathId, user: CurrentUser, service: MediaServiceDep
) -> FileResponse:
    """Download an attachment, always as a file to save, never to open in the browser."""
    media = await service.get_own(media_id, owner_id=user.id)
    path = service.content_path(media)
    try:
        stat = await anyio.Path(path).stat()
    except FileNotFoundError:
        logger.error("media_file_missing", media_id=media.id, key=media.storage_key)
        raise NotFound("The attachment's file is missing on the server") from None
    return FileResponse(
        path,
        media_type=media.mime_type,
        filename=media.filename,
        content_disposition_type="attachment",
        stat_result=stat,
        headers=_CONTENT_HEADERS,
    )


@router.delete(
    "/media/{media_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
async def delete_media(media_id: PathId, user: CurrentUser, service: MediaServiceDep) -> Response:
    """Delete an attachment and its file; refused while a campaign uses it."""
    await service.delete_own(media_id, owner_id=user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
