"""FastAPI dependencies every feature uses: the process runtime, settings, the request's session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from payam.config import Settings
from payam.db.session import transaction
from payam.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def runtime_settings(runtime: RuntimeDep) -> Settings:
    """The settings this process runs with (``payam.config.get_settings`` reads them from the
    environment; a test's runtime brings its own)."""
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(runtime_settings)]


EndpointT = TypeVar("EndpointT", bound=Callable[..., Any])
_READS_ONLY = "payam_reads_only"


def reads_only(endpoint: EndpointT) -> EndpointT:
    """Mark a route whose request only reads (put it under ``@router.get``).

    Its transaction, authentication included, runs on ``Runtime.read_sessionmaker``: on SQLite
    a connection of the readers' pool, which reads beside the writer instead of waiting for the
    one write connection (decision 8), and refuses to write. Routes that may write, however
    rarely, stay unmarked; what a read route must record (an API key's last use) is recorded
    after its transaction, in a transaction of its own.
    """
    setattr(endpoint, _READS_ONLY, True)
    return endpoint


def _route_reads_only(connection: HTTPConnection) -> bool:
    route = connection.scope.get("route")
    return getattr(getattr(route, "endpoint", None), _READS_ONLY, False) is True


async def get_session(
    connection: HTTPConnection, runtime: RuntimeDep
) -> AsyncIterator[AsyncSession]:
    reading = _route_reads_only(connection)
    sessionmaker = runtime.read_sessionmaker if reading else runtime.sessionmaker
    async with transaction(sessionmaker) as session:
        yield session


# scope="function" commits when the endpoint returns, before the response is sent: a client is
# never told "done" about a change that then fails to commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
