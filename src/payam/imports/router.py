"""Recipients in: CSV, XLSX and pasted lists, previewed, mapped and imported in the background."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import FileResponse

from payam.auth.dependencies import CurrentUser
from payam.dependencies import SessionDep, SettingsDep
from payam.imports.schemas import ColumnMapping, ImportPreview, ImportView
from payam.imports.service import ImportService, import_view
from payam.imports.uploads import TEXT_FIELD, upload_source
from payam.kit.body_limit import OwnBodyLimit
from payam.kit.ids import PathId
from payam.kit.multipart import upload_request_body
from payam.kit.openapi import file_responses
from payam.kit.problems import problem_responses

# Every route here names a campaign or an import, which may not exist.
router = APIRouter(tags=["recipients"], responses=problem_responses(404))


async def get_import_service(session: SessionDep, settings: SettingsDep) -> ImportService:
    return ImportService(session, settings=settings)


ImportServiceDep = Annotated[ImportService, Depends(get_import_service)]

_UPLOAD_BODY = upload_request_body(
    "CSV (UTF-8, comma, semicolon or tab) or XLSX",
    alternatives={
        "application/json": {
            "schema": {
                "type": "object",
                "required": [TEXT_FIELD],
                "properties": {
                    TEXT_FIELD: {
                        "type": "string",
                        "description": "one recipient a line: phone, phone,name or phone<TAB>name",
                    }
                },
            }
        }
    },
)


@router.post(
    "/campaigns/{campaign_id}/imports",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportPreview,
    openapi_extra=_UPLOAD_BODY,
    dependencies=[OwnBodyLimit],
    responses=problem_responses(409, 413, 415),
)
async def upload_recipients(
    campaign_id: PathId,
    request: Request,
    user: CurrentUser,
    service: ImportServiceDep,
    settings: SettingsDep,
) -> ImportPreview:
    """Upload a list; the answer previews its first rows and guesses its columns.

    Nothing is imported yet: confirm the columns with ``PUT /imports/{id}/mapping``.
    """
    source = upload_source(request, settings=settings)
    return await service.upload(user=user, campaign_id=campaign_id, source=source)


@router.get("/campaigns/{campaign_id}/imports", response_model=list[ImportView])
async def list_imports(
    campaign_id: PathId, user: CurrentUser, service: ImportServiceDep
) -> list[ImportView]:
    imports = await service.list(user=user, campaign_id=campaign_id)
    return [import_view(contact_import) for contact_import in imports]


@router.put(
    "/imports/{import_id}/mapping",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportView,
    responses=problem_responses(409, 413),
)
async def map_columns(
    import_id: PathId, mapping: ColumnMapping, user: CurrentUser, service: ImportServiceDep
) -> ImportView:
    """Say which column is the phone, the name and each variable; the import starts."""
    contact_import = await service.set_mapping(user=user, import_id=import_id, mapping=mapping)
    return import_view(contact_import)


@router.get("/imports/{import_id}", response_model=ImportView)
async def get_import(import_id: PathId, user: CurrentUser, service: ImportServiceDep) -> ImportView:
    """The import's status and counters; poll it while it runs."""
    return import_view(await service.get(user=user, import_id=import_id))


@router.get(
    "/imports/{import_id}/rejected.csv",
    response_class=Response,
    responses={**file_responses("The rejected rows", "text/csv"), **problem_responses(409)},
)
async def download_rejected(import_id: PathId, user: CurrentUser, service: ImportServiceDep) -> Any:
    """The rejected rows with their row numbers and reasons, safe to open in a spreadsheet."""
    path, empty = await service.rejected_file(user=user, import_id=import_id)
    filename = f"import-{import_id}-rejected.csv"
    if path is None:
        return Response(
            empty,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=filename)
