"""Creating super admins from the command line, including the first one at start-up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.auth.passwords import hash_password
from payam.auth.repository import UserRepository
from payam.auth.schemas import Registration
from payam.auth.service import AuthService, normalize_phone_field
from payam.billing.packages import PackageService
from payam.billing.schemas import PackageCreate
from payam.config import Environment, Settings
from payam.kit.clock import utc_now
from payam.kit.errors import FieldProblem, InvalidInput
from payam.kit.rate_limit import RateLimiter
from payam.models import User, UserRole, UserStatus

# What a first run on a laptop puts on sale, so that someone trying Payam can buy a package
# through the sandbox gateway at once; the admin edits or deactivates it under Packages.
STARTER_PACKAGE = PackageCreate(
    title="Starter",
    description="Created on the first run for trying Payam: edit or deactivate it under Packages.",
    price=Decimal(5_000_000),
    duration_days=30,
    message_limit=1_000,
)


@dataclass(frozen=True, slots=True)
class AdminCreated:
    user: User
    generated_password: str | None
    starter_package: str | None = None


async def create_super_admin(
    session: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    name: str,
    username: str,
    phone: str,
) -> User:
    try:
        data = Registration(
            name=name, username=username, email=email, phone=phone, password=password
        )
    except ValidationError as exc:
        raise InvalidInput(
            "The admin's details are not valid",
            problems=[
                FieldProblem(".".join(str(p) for p in error["loc"]), error["msg"])
                for error in exc.errors()
            ],
        ) from exc
    auth = AuthService(session, settings=settings, limiter=RateLimiter.create(None))
    normalized_phone = normalize_phone_field(data.phone, settings=settings)
    await auth.claim(
        email=data.email.lower(), username=data.username, phone=normalized_phone, client_ip=None
    )
    now = utc_now()
    user = User(
        name=data.name,
        username=data.username,
        email=data.email.lower(),
        phone=normalized_phone,
        password_hash=hash_password(data.password),
        role=UserRole.SUPER_ADMIN,
        status=UserStatus.ACTIVE,
        time_zone=settings.user_time_zone,
        # Whoever runs the server vouches for the admin's contact details.
        email_verified_at=now,
        phone_verified_at=now,
    )
    session.add(user)
    await session.flush()
    record_audit(session, action="admin.created", actor_id=None, subject_user_id=user.id)
    return user


async def ensure_super_admin(session: AsyncSession, settings: Settings) -> AdminCreated | None:
    """Create the first SUPER_ADMIN from PAYAM_ADMIN_* when there is none; None if one exists."""
    if await UserRepository(session).any_with_role(UserRole.SUPER_ADMIN):
        return None
    generated = None
    if settings.admin_password is not None:
        password = settings.admin_password.get_secret_value()
    else:
        password = generated = secrets.token_urlsafe(12)
    user = await create_super_admin(
        session,
        settings,
        email=settings.admin_email,
        password=password,
        name="Administrator",
        username=settings.admin_username,
        phone=settings.admin_phone,
    )
    starter = None
    # Only where someone is trying Payam: an operator's production catalogue is theirs to make.
    packages = PackageService(session)
    if settings.environment is Environment.DEVELOPMENT and not await packages.list(
        only_active=False
    ):
        starter = (await packages.create(STARTER_PACKAGE, admin=user)).title
    return AdminCreated(user=user, generated_password=generated, starter_package=starter)
