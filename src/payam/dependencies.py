"""FastAPI dependencies every feature uses: the process runtime, settings, the request's session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from payam.config import Settings
from payam.db.session import transaction
from payam.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def runtime_settings(runtime: RuntimeDep) -> Settings:
    """The settings this process runs with (``payam.config.get_settings`` reads them from the
    environment; a test's runtime brings its own)."""
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(runtime_settings)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with transaction(runtime.sessionmaker) as session:
        yield session


# scope="function" commits when the endpoint returns, before the response is sent: a client is
# never told "done" about a change that then fails to commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
