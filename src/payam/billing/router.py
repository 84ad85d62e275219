"""Billing for users: the catalogue, their subscription, checkout, payments and invoices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from payam.auth.dependencies import CurrentUser
from payam.billing.gateways.sandbox import SANDBOX_PAGE_PATH, SandboxGateway
from payam.billing.packages import PackageService, to_package_schema
from payam.billing.pages import result_page, sandbox_page
from payam.billing.payments import PaymentService
from payam.billing.repository import PaymentFilter
from payam.billing.schemas import (
    Checkout,
    CheckoutStarted,
    InvoiceView,
    Package,
    PaymentEventView,
    PaymentView,
    SubscriptionView,
)
from payam.billing.subscriptions import SubscriptionService
from payam.config import PaymentGatewayName, Settings
from payam.dependencies import RuntimeDep, SessionDep, SettingsDep, reads_only
from payam.kit.errors import NotFound
from payam.kit.ids import PathId
from payam.kit.pagination import Page, PageParamsDep
from payam.kit.problems import problem_responses
from payam.models import Payment

router = APIRouter(tags=["billing"])


async def get_payment_service(session: SessionDep, runtime: RuntimeDep) -> PaymentService:
    return PaymentService(session, runtime=runtime)


PaymentServiceDep = Annotated[PaymentService, Depends(get_payment_service)]


@router.get("/packages", response_model=list[Package])
async def list_packages(session: SessionDep, settings: SettingsDep) -> list[Package]:
    """The packages on sale; no sign-in needed."""
    packages = await PackageService(session).list(only_active=True)
    return [to_package_schema(package, currency=settings.currency) for package in packages]


@router.get("/subscriptions/me", response_model=SubscriptionView)
@reads_only
async def my_subscription(
    user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> SubscriptionView:
    """Your package, its dates, and the messages used and left."""
    return await SubscriptionService(session).view(user.id, currency=settings.currency)


@router.post(
    "/payments/checkout",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckoutStarted,
    responses=problem_responses(402, 404, 503),
)
async def checkout(
    data: Checkout, user: CurrentUser, payments: PaymentServiceDep
) -> CheckoutStarted:
    """Start buying a package: send the payer to ``redirect_url``."""
    started = await payments.checkout(user, package_id=data.package_id, gateway_name=data.gateway)
    return CheckoutStarted(payment_id=started.payment.id, redirect_url=started.redirect_url)


@router.get(
    "/payments/callback/{gateway}",
    response_class=HTMLResponse,
    responses=problem_responses(404, 503),
)
async def payment_callback(
    gateway: PaymentGatewayName, request: Request, payments: PaymentServiceDep
) -> HTMLResponse:
    """Where the gateway sends the payer back; verifies and activates the package once."""
    payment = await payments.complete(gateway.value, dict(request.query_params))
    numbers = await payments.invoice_numbers([payment.id])
    return HTMLResponse(result_page(payment, invoice_number=numbers.get(payment.id)))


@router.get(
    f"{SANDBOX_PAGE_PATH.removeprefix('/api/v1')}/{{authority}}",
    response_class=HTMLResponse,
    responses=problem_responses(404),
)
async def sandbox_payment_page(
    authority: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The sandbox gateway's payment page (embedded mode only)."""
    _ensure_sandbox_enabled(settings)
    charge = await SandboxGateway(session, public_url=settings.public_url).charge(authority)
    if charge is None:
        raise NotFound("No such sandbox payment")
    return HTMLResponse(sandbox_page(charge, action_base=f"{SANDBOX_PAGE_PATH}/{authority}"))


@router.post(
    f"{SANDBOX_PAGE_PATH.removeprefix('/api/v1')}/{{authority}}/{{decision}}",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    responses=problem_responses(404),
)
async def sandbox_payment_decision(
    authority: str, decision: str, session: SessionDep, settings: SettingsDep
) -> RedirectResponse:
    """The payer pays or cancels on the sandbox page, and returns to the callback like a bank."""
    _ensure_sandbox_enabled(settings)
    if decision not in {"approve", "cancel"}:
        raise NotFound("No such action")
    gateway = SandboxGateway(session, public_url=settings.public_url)
    charge = await gateway.decide(authority, approve=decision == "approve")
    if charge is None:
        raise NotFound("No such sandbox payment")
    outcome = "OK" if charge.approved_at is not None else "NOK"
    return RedirectResponse(
        f"{charge.callback_url}?Authority={authority}&Status={outcome}",
        status_code=status.HTTP_303_SEE_OTHER,
    )


def _ensure_sandbox_enabled(settings: Settings) -> None:
    if PaymentGatewayName.SANDBOX not in settings.payment_gateways:
        raise NotFound("The sandbox gateway is not enabled")


async def payment_views(payments: PaymentService, rows: list[Payment]) -> list[PaymentView]:
    numbers = await payments.invoice_numbers([row.id for row in rows])
    return [
        PaymentView.model_validate(row).model_copy(update={"invoice_number": numbers.get(row.id)})
        for row in rows
    ]


@router.get("/payments", response_model=Page[PaymentView])
async def my_payments(
    user: CurrentUser, payments: PaymentServiceDep, params: PageParamsDep
) -> Page[PaymentView]:
    """Your payment attempts, newest first."""
    page = await payments.search(params, PaymentFilter(user_id=user.id))
    return page.with_items(await payment_views(payments, page.items))


@router.get("/payments/{payment_id}", response_model=PaymentView, responses=problem_responses(404))
async def my_payment(
    payment_id: PathId, user: CurrentUser, payments: PaymentServiceDep
) -> PaymentView:
    """One of your payments with its status history."""
    payment = await payments.get_own(user, payment_id)
    [view] = await payment_views(payments, [payment])
    events = await payments.events(payment.id)
    return view.model_copy(
        update={"events": [PaymentEventView.model_validate(event) for event in events]}
    )


@router.get(
    "/payments/{payment_id}/invoice", response_model=InvoiceView, responses=problem_responses(404)
)
async def my_invoice(
    payment_id: PathId, user: CurrentUser, payments: PaymentServiceDep
) -> InvoiceView:
    """The numbered receipt of one of your paid payments."""
    return InvoiceView.model_validate(await payments.invoice_for(user, payment_id))
