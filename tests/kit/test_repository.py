"""The repository base: a row by id or a 404 that tells nothing, and the one way to build a page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from payam.db.session import transaction
from payam.kit.errors import NotFound
from payam.kit.pagination import PageParams
from payam.kit.repository import Repository
from payam.models import Package, ProviderName, Sender, SenderStatus, User
from payam.runtime import Runtime


class Packages(Repository[Package]):
    model = Package


class Senders(Repository[Sender]):
    model = Sender


async def test_a_page_holds_its_rows_counts_them_all_and_becomes_their_views(
    runtime: Runtime,
) -> None:
    async with transaction(runtime.sessionmaker) as session:
        session.add_all(
            Package(title=f"p{price}", price=Decimal(price), duration_days=1, message_limit=1)
            for price in range(5)
        )
        await session.flush()
        statement = select(Package).order_by(Package.price)
        page = await Packages(session).paginate(statement, PageParams(page=2, page_size=2))
        last = await Packages(session).paginate(statement, PageParams(page=3, page_size=2))

    assert (page.total, page.page, page.page_size) == (5, 2, 2)
    assert [package.title for package in page.items] == ["p2", "p3"]
    assert [package.title for package in last.items] == ["p4"]
    titles = page.map(lambda package: package.title)
    assert titles.model_dump() == {"items": ["p2", "p3"], "total": 5, "page": 2, "page_size": 2}
    assert page.with_items(["a", "b"]).model_dump()["items"] == ["a", "b"]


async def test_a_row_missing_or_someone_elses_is_not_found_alike(runtime: Runtime) -> None:
    async with transaction(runtime.sessionmaker) as session:
        owner = User(name="Owner", username="owner", password_hash="-")
        session.add(owner)
        await session.flush()
        sender = Sender(
            user_id=owner.id,
            provider=ProviderName.SANDBOX,
            display_name="n",
            status=SenderStatus.CONNECTED,
            provider_config={},
        )
        session.add(sender)
        await session.flush()
        senders = Senders(session)

        assert await senders.get_or_404(sender.id, owner_id=owner.id) is sender
        assert await senders.get_or_404(sender.id) is sender
        details = []
        for row_id, owner_id in ((sender.id, owner.id + 1), (sender.id + 1, owner.id)):
            with pytest.raises(NotFound) as refused:
                await senders.get_or_404(row_id, owner_id=owner_id, name="WhatsApp number")
            details.append(refused.value.detail)
        assert details == ["No such WhatsApp number"] * 2
        with pytest.raises(NotFound, match="No such sender"):
            await senders.get_or_404(sender.id + 1)
