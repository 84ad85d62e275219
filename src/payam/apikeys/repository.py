"""The SQL of API keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from payam.kit.pagination import Page, PageParams
from payam.kit.repository import Repository
from payam.models import ApiKey, User


class ApiKeyRepository(Repository[ApiKey]):
    model = ApiKey

    async def find_with_owner(self, secret_hash: str) -> tuple[ApiKey, User] | None:
        row = (
            await self.session.execute(
                select(ApiKey, User)
                .join(User, User.id == ApiKey.user_id)
                .where(ApiKey.secret_hash == secret_hash)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def page_owned(self, owner_id: int, params: PageParams) -> Page[ApiKey]:
        statement = select(ApiKey).where(ApiKey.user_id == owner_id).order_by(ApiKey.id.desc())
        return await self.paginate(statement, params)

    async def record_use(
        self, key_id: int, *, now: datetime, ip_address: str | None, every: timedelta
    ) -> None:
        """Note the key's use unless it was noted less than ``every`` ago (one write a minute,
        not one a request; the condition also keeps concurrent requests from each writing)."""
        await self.session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - every),
            )
            .values(last_used_at=now, last_used_ip=ip_address)
            .execution_options(synchronize_session=False)
        )
