"""Resource ownership in one helper: another user's resource is "not found", never "forbidden"."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.errors import NotFound


class Owned(Protocol):
    user_id: Any


OwnedT = TypeVar("OwnedT", bound=Owned)


async def get_owned(
    session: AsyncSession,
    model: type[OwnedT],
    resource_id: Any,
    *,
    owner_id: int,
    name: str | None = None,
) -> OwnedT:
    """Load ``model`` by id for ``owner_id``; 404 alike whether it is missing or someone else's.

    Answering 403 would tell a prober that the id exists; answering with the data would leak it.
    ``name`` is what the client calls the resource, when the class name would read badly.
    """
    found = await session.get(model, resource_id)
    if found is None or found.user_id != owner_id:
        raise NotFound(f"No such {name or getattr(model, '__name__', 'resource').lower()}")
    return found
