from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import StatementError

from payam.db.session import transaction
from payam.models import User
from payam.runtime import Runtime
from tests.support import bearer, signed_up

TEHRAN = timezone(timedelta(hours=3, minutes=30))


async def _stored_user(runtime: Runtime, user_id: int) -> User:
    # A fresh session, so the value comes back from the database rather than from memory.
    async with runtime.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.id == user_id))
        assert user is not None
        return user


async def test_created_at_comes_back_as_aware_utc_with_microseconds(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user, tokens = await signed_up(client)
    written = datetime.fromisoformat(user["created_at"])

    stored = await _stored_user(runtime, user["id"])
    shown = (await client.get("/api/v1/users/me", headers=bearer(tokens))).json()

    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)
    # Equal to the value written, microseconds included: nothing truncated on the way.
    assert stored.created_at == written
    assert datetime.fromisoformat(shown["created_at"]) == written
    assert abs(datetime.now(UTC) - stored.created_at) < timedelta(minutes=5)


async def test_an_instant_in_another_zone_is_stored_as_the_same_instant_in_utc(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user, tokens = await signed_up(client)
    # A fraction that cannot be a coincidence, in a zone that is not UTC.
    instant = datetime(2031, 3, 21, 9, 30, 15, 123456, tzinfo=TEHRAN)
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(User).where(User.id == user["id"]).values(subscription_expires_at=instant)
        )

    stored = await _stored_user(runtime, user["id"])
    shown = (await client.get("/api/v1/users/me", headers=bearer(tokens))).json()

    assert stored.subscription_expires_at == instant
    assert stored.subscription_expires_at is not None
    assert stored.subscription_expires_at.utcoffset() == timedelta(0)
    assert stored.subscription_expires_at.microsecond == 123456
    assert datetime.fromisoformat(shown["subscription_expires_at"]) == datetime(
        2031, 3, 21, 6, 0, 15, 123456, tzinfo=UTC
    )


async def test_a_naive_datetime_is_refused_before_it_reaches_the_database(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user, _ = await signed_up(client)
    naive = datetime(2031, 3, 21, 9, 30)

    with pytest.raises(StatementError, match="naive datetimes are not stored"):
        async with transaction(runtime.sessionmaker) as session:
            await session.execute(
                update(User).where(User.id == user["id"]).values(subscription_expires_at=naive)
            )

    assert (await _stored_user(runtime, user["id"])).subscription_expires_at is None
