"""Page-numbered lists: what a client asks for (``PageParams``) and what it gets (``Page``).

A page is built in one place, ``Repository.paginate`` (``payam.kit.repository``): one query for
the rows, one for the total. A router turns its rows into their API views with ``Page.map`` (one
by one) or ``Page.with_items`` (all at once, when the views need queries of their own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

ItemT = TypeVar("ItemT")
OtherT = TypeVar("OtherT")


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, items: Sequence[ItemT], *, total: int, params: PageParams) -> Page[ItemT]:
        return cls(items=list(items), total=total, page=params.page, page_size=params.page_size)

    def with_items(self, items: Sequence[OtherT]) -> Page[OtherT]:
        """The same page, holding ``items`` (one for each of its own, in order) instead."""
        params = PageParams(page=self.page, page_size=self.page_size)
        return Page.of(items, total=self.total, params=params)

    def map(self, convert: Callable[[ItemT], OtherT]) -> Page[OtherT]:
        return self.with_items([convert(item) for item in self.items])


async def get_page_params(
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


PageParamsDep = Annotated[PageParams, Depends(get_page_params)]
