"""The base of every feature's repository: its session, a row by id (or a 404), a page of rows.

A feature's SQL lives in its ``repository.py``, in a subclass of ``Repository`` named for the
table it is mostly about; the feature's services hold the rules and call it (decision 10).
"""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.errors import NotFound
from payam.kit.pagination import Page, PageParams

ModelT = TypeVar("ModelT")
RowT = TypeVar("RowT")


class _Owned(Protocol):
    user_id: Any


class Repository(Generic[ModelT]):
    model: type[ModelT]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, row_id: Any, *, for_update: bool = False) -> ModelT | None:
        return await self.session.get(self.model, row_id, with_for_update=for_update)

    async def get_or_404(
        self,
        row_id: Any,
        *,
        name: str | None = None,
        owner_id: int | None = None,
        for_update: bool = False,
    ) -> ModelT:
        """The row, or NotFound ("No such ``name``", the model's name unless given).

        With ``owner_id``, another user's row is "not found" alike: answering 403 would tell a
        prober that the id exists, and answering with it would leak it.
        """
        found = await self.get(row_id, for_update=for_update)
        if found is None or (owner_id is not None and cast(_Owned, found).user_id != owner_id):
            raise NotFound(f"No such {name or self.model.__name__.lower()}")
        return found

    async def paginate(self, statement: Select[RowT], params: PageParams) -> Page[RowT]:
        """The page of ``statement``'s rows that ``params`` asks for, and how many it has in all."""
        total = await self.session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        rows = await self.session.scalars(statement.limit(params.page_size).offset(params.offset))
        return Page.of(rows.all(), total=int(total or 0), params=params)

    async def delete_where(self, condition: ColumnElement[bool], *, limit: int) -> int:
        """Delete up to ``limit`` of the rows matching ``condition``, lowest id first; how many
        went. For sweeps, which delete in short transactions rather than one long one."""
        model = cast(Any, self.model)
        ids = list(
            await self.session.scalars(
                select(model.id).where(condition).order_by(model.id).limit(limit)
            )
        )
        if ids:
            await self.session.execute(delete(model).where(model.id.in_(ids)))
        return len(ids)
