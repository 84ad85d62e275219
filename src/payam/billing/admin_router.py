"""Billing for admins: the catalogue, every payment, and packages granted by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import AwareDatetime

from payam.auth.dependencies import AdminUser, ClientInfoDep
from payam.billing.packages import PackageService, to_package_schema
from payam.billing.payments import PaymentService
from payam.billing.repository import PaymentFilter
from payam.billing.router import get_payment_service, payment_views
from payam.billing.schemas import (
    GrantRequest,
    Package,
    PackageCreate,
    PackageUpdate,
    PaymentView,
    SubscriptionView,
)
from payam.billing.subscriptions import SubscriptionService
from payam.config import PaymentGatewayName
from payam.dependencies import SessionDep, SettingsDep
from payam.kit.ids import Id, PathId
from payam.kit.pagination import Page, PageParamsDep
from payam.kit.problems import problem_responses
from payam.models import PaymentStatus

router = APIRouter(prefix="/admin", tags=["admin: billing"])
PaymentServiceDep = Annotated[PaymentService, Depends(get_payment_service)]


@router.get("/packages", response_model=list[Package])
async def list_all_packages(
    _admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> list[Package]:
    """Every package, active or not."""
    packages = await PackageService(session).list(only_active=False)
    return [to_package_schema(package, currency=settings.currency) for package in packages]


@router.post("/packages", status_code=status.HTTP_201_CREATED, response_model=Package)
async def create_package(
    data: PackageCreate, admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> Package:
    package = await PackageService(session).create(data, admin=admin)
    return to_package_schema(package, currency=settings.currency)


@router.patch("/packages/{package_id}", response_model=Package, responses=problem_responses(404))
async def update_package(
    package_id: PathId,
    data: PackageUpdate,
    admin: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Package:
    """Edit a package, or deactivate it with ``{"status": "INACTIVE"}``."""
    package = await PackageService(session).update(package_id, data, admin=admin)
    return to_package_schema(package, currency=settings.currency)


@router.delete(
    "/packages/{package_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
async def delete_package(package_id: PathId, admin: AdminUser, session: SessionDep) -> None:
    """Delete a package that was never sold (409 otherwise: deactivate it)."""
    await PackageService(session).delete(package_id, admin=admin)


@router.get("/payments", response_model=Page[PaymentView])
async def search_payments(
    _admin: AdminUser,
    payments: PaymentServiceDep,
    params: PageParamsDep,
    user_id: Id | None = None,
    payment_status: Annotated[PaymentStatus | None, Query(alias="status")] = None,
    gateway: PaymentGatewayName | None = None,
    created_after: Annotated[
        AwareDatetime | None, Query(description="started at or after this moment")
    ] = None,
    created_before: Annotated[
        AwareDatetime | None, Query(description="started before this moment")
    ] = None,
) -> Page[PaymentView]:
    """Every user's payments, newest first."""
    where = PaymentFilter(
        user_id=user_id,
        status=payment_status,
        gateway=gateway.value if gateway else None,
        created_after=created_after,
        created_before=created_before,
    )
    page = await payments.search(params, where)
    return page.with_items(await payment_views(payments, page.items))


@router.get(
    "/users/{user_id}/subscription",
    response_model=SubscriptionView,
    responses=problem_responses(404),
)
async def user_subscription(
    user_id: PathId, _admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> SubscriptionView:
    return await SubscriptionService(session).view_for_admin(user_id, currency=settings.currency)


@router.post(
    "/users/{user_id}/subscription-grants",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionView,
    responses=problem_responses(404),
)
async def grant_package(
    user_id: PathId,
    data: GrantRequest,
    admin: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
    client: ClientInfoDep,
) -> SubscriptionView:
    """Give a user a package by hand (bank transfer, gift); it stacks like a purchase."""
    subscriptions = SubscriptionService(session)
    await subscriptions.grant(
        user_id,
        data.package_id,
        admin=admin,
        reason=data.reason,
        ip_address=client.ip_address,
    )
    return await subscriptions.view(user_id, currency=settings.currency)
