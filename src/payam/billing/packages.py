"""The package catalogue: what admins sell and what users may buy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.billing.repository import PackageRepository
from payam.billing.schemas import Package as PackageSchema
from payam.billing.schemas import PackageCreate, PackageUpdate
from payam.kit.errors import Conflict, NotFound
from payam.models import Package, PackageStatus, User


def to_package_schema(package: Package, *, currency: str) -> PackageSchema:
    return PackageSchema(
        id=package.id,
        title=package.title,
        description=package.description,
        price=package.price,
        currency=currency,
        duration_days=package.duration_days,
        category=package.category,
        status=package.status,
        message_limit=package.message_limit,
    )


class PackageService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = PackageRepository(session)

    async def list(self, *, only_active: bool) -> Sequence[Package]:
        return await self.repository.catalogue(only_active=only_active)

    async def get(self, package_id: int, *, only_active: bool = False) -> Package:
        package = await self.repository.get(package_id)
        if package is None or (only_active and package.status is not PackageStatus.ACTIVE):
            raise NotFound("No such package", field="package_id")
        return package

    async def create(self, data: PackageCreate, *, admin: User) -> Package:
        package = Package(**data.model_dump())
        self.session.add(package)
        await self.session.flush()
        record_audit(
            self.session,
            action="admin.package_created",
            actor_id=admin.id,
            subject_user_id=None,
            details={"package_id": package.id, "title": package.title},
        )
        return package

    async def update(self, package_id: int, data: PackageUpdate, *, admin: User) -> Package:
        package = await self.get(package_id)
        # As in every PATCH, a field sent as null is left as it is.
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        for key, value in changes.items():
            setattr(package, key, value)
        record_audit(
            self.session,
            action="admin.package_updated",
            actor_id=admin.id,
            subject_user_id=None,
            details={"package_id": package.id, "fields": sorted(changes)},
        )
        return package

    async def delete(self, package_id: int, *, admin: User) -> None:
        """Remove a package nobody ever bought; a sold one is only deactivated."""
        package = await self.get(package_id)
        if await self.repository.was_sold(package_id):
            raise Conflict(
                "This package was sold; deactivate it instead of deleting it", field="package_id"
            )
        await self.session.delete(package)
        record_audit(
            self.session,
            action="admin.package_deleted",
            actor_id=admin.id,
            subject_user_id=None,
            details={"package_id": package_id},
        )
