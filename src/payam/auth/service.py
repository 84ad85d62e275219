"""The rules of signing in: registration, passwords, sessions and their rotating refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.auth.identifiers import canonical_login, find_user_by_login
from payam.auth.passwords import burn_verification_time, hash_password, verify_password
from payam.auth.repository import AuthRepository, UserRepository
from payam.auth.schemas import LoginRequest, Registration
from payam.auth.tokens import (
    IssuedToken,
    decode_access_token,
    hash_opaque_token,
    issue_access_token,
    new_opaque_token,
)
from payam.config import Settings
from payam.kit.clock import utc_now
from payam.kit.errors import (
    AccountUnavailable,
    Conflict,
    FieldProblem,
    InvalidCredentials,
    InvalidInput,
    NotAuthenticated,
)
from payam.kit.phones import InvalidPhoneNumber, normalize_phone
from payam.kit.rate_limit import GrowingDelay, RateLimiter
from payam.models import AuthSession, RefreshToken, User, UserRole, UserStatus

# Scopes of the growing delays: wrong passwords at sign-in, and on a password change.
_LOGIN = "login"
_PASSWORD_CHANGE = "password-change"  # noqa: S105 - a scope name


@dataclass(frozen=True, slots=True)
class IssuedSession:
    session_id: str
    access: IssuedToken
    refresh_token: str
    refresh_expires_at: datetime


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made this request, and through which session."""

    user: User
    session: AuthSession


@dataclass(frozen=True, slots=True)
class ClientInfo:
    ip_address: str | None
    user_agent: str | None


def normalize_phone_field(raw: str, *, settings: Settings, field: str = "phone") -> str:
    try:
        return normalize_phone(raw, default_region=settings.default_phone_region)
    except InvalidPhoneNumber as exc:
        raise InvalidInput(str(exc), field=field) from exc


def account_unavailable(user: User) -> AccountUnavailable:
    reason = "banned" if user.status is UserStatus.BANNED else "inactive"
    return AccountUnavailable(f"This account is {reason}; contact support")


class AuthService:
    def __init__(self, session: AsyncSession, *, settings: Settings, limiter: RateLimiter) -> None:
        self.session = session
        self.settings = settings
        self.limiter = limiter
        self.users = UserRepository(session)
        self.auth = AuthRepository(session)

    async def register(self, data: Registration, *, client: ClientInfo) -> User:
        await self.limiter.hit(
            self.settings.rate_limit_register, scope="register", key=client.ip_address or "-"
        )
        email = data.email.lower()
        phone = normalize_phone_field(data.phone, settings=self.settings)
        await self.claim(
            email=email, username=data.username, phone=phone, client_ip=client.ip_address
        )
        user = User(
            name=data.name,
            username=data.username,
            email=email,
            phone=phone,
            password_hash=hash_password(data.password),
            role=UserRole.USER,
            status=UserStatus.ACTIVE,
            time_zone=self.settings.user_time_zone,
        )
        try:
            # A savepoint, so losing a race for the same e-mail still answers 409, not 500.
            async with self.session.begin_nested():
                self.users.add(user)
                await self.session.flush()
        except IntegrityError:
            await self._refuse_taken(
                email=email, username=data.username, phone=phone, verified_only=False
            )
            raise
        record_audit(
            self.session,
            action="user.registered",
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=client.ip_address,
        )
        return user

    async def claim(
        self,
        *,
        email: str | None = None,
        username: str | None = None,
        phone: str | None = None,
        claimant_id: int | None = None,
        client_ip: str | None,
    ) -> None:
        """Refuse what another account owns; take over e-mails and phones others only claimed.

        A username, and an e-mail or phone its holder has verified, belong to that account: 409.
        An unverified e-mail or phone is only a claim and passes to whoever claims it next, so
        that nobody can keep its real owner out by typing it first; verifying it keeps it.
        """
        await self._refuse_taken(
            email=email,
            username=username,
            phone=phone,
            excluding_user_id=claimant_id,
            verified_only=True,
        )
        released = await self.users.release_unverified(
            email=email, phone=phone, excluding_user_id=claimant_id
        )
        for user_id, field in released:
            record_audit(
                self.session,
                action="user.contact_released",
                actor_id=claimant_id,
                subject_user_id=user_id,
                ip_address=client_ip,
                details={"field": field},
            )

    async def _refuse_taken(
        self,
        *,
        email: str | None = None,
        username: str | None = None,
        phone: str | None = None,
        excluding_user_id: int | None = None,
        verified_only: bool,
    ) -> None:
        taken = await self.users.find_taken_fields(
            email=email,
            username=username,
            phone=phone,
            excluding_user_id=excluding_user_id,
            verified_only=verified_only,
        )
        if taken:
            raise Conflict(
                f"Another account already uses this {taken[0]}",
                problems=[FieldProblem(field, f"already in use: {field}") for field in taken],
            )

    async def login(self, data: LoginRequest, *, client: ClientInfo) -> IssuedSession:
        canonical = canonical_login(data.login, default_region=self.settings.default_phone_region)
        limit = self.settings.rate_limit_login
        await self.limiter.hit(limit, scope="login-ip", key=client.ip_address or "-")
        await self.limiter.hit(limit, scope="login-account", key=canonical)
        # Keyed by what was typed, account or not: a delay only real accounts earned would tell
        # a prober which logins exist.
        await self.limiter.wait_out(scope=_LOGIN, key=canonical)

        user = await find_user_by_login(self.users, canonical)
        if user is None:
            burn_verification_time(data.password)
            await self.limiter.count_failure(self.failure_delay, scope=_LOGIN, key=canonical)
            raise InvalidCredentials(field="login")
        matches, upgraded_hash = verify_password(data.password, user.password_hash)
        if not matches:
            delay = await self.limiter.count_failure(
                self.failure_delay, scope=_LOGIN, key=canonical
            )
            record_audit(
                self.session,
                action="auth.login_failed",
                actor_id=None,
                subject_user_id=user.id,
                ip_address=client.ip_address,
            )
            self._record_lockout(user, delay, client=client, what="login")
            raise InvalidCredentials(field="login", keeps_changes=True)
        if not user.is_active:
            raise account_unavailable(user)
        if upgraded_hash is not None:
            user.password_hash = upgraded_hash
        await self.forget_failures(user)
        user.last_login_at = utc_now()
        record_audit(
            self.session,
            action="auth.login",
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=client.ip_address,
            details={"method": "password"},
        )
        return await self.start_session(user, client=client)

    def _record_lockout(self, user: User, seconds: int, *, client: ClientInfo, what: str) -> None:
        """Audit a failure that made the next try wait (a lockout), naming how long."""
        if seconds:
            record_audit(
                self.session,
                action="auth.locked_out",
                actor_id=None,
                subject_user_id=user.id,
                ip_address=client.ip_address,
                details={"of": what, "seconds": seconds},
            )

    @property
    def failure_delay(self) -> GrowingDelay:
        return GrowingDelay(
            threshold=self.settings.login_lockout_threshold,
            base_seconds=self.settings.login_lockout_base_seconds,
            max_seconds=self.settings.login_lockout_max_seconds,
        )

    async def forget_failures(self, user: User) -> None:
        """Lift the delays on this account, by whichever spelling they were earned."""
        spellings = [login for login in (user.username, user.email, user.phone) if login]
        await self.limiter.forget_failures(scope=_LOGIN, keys=spellings)
        await self.limiter.forget_failures(scope=_PASSWORD_CHANGE, keys=[str(user.id)])

    async def start_session(self, user: User, *, client: ClientInfo) -> IssuedSession:
        auth_session = AuthSession(
            id=str(uuid.uuid4()),
            user_id=user.id,
            user_agent=(client.user_agent or "")[:255] or None,
            ip_address=client.ip_address,
        )
        self.auth.add(auth_session)
        return self._issue_tokens(auth_session)

    def _issue_tokens(self, auth_session: AuthSession) -> IssuedSession:
        refresh_token = new_opaque_token()
        refresh_expires_at = utc_now() + timedelta(days=self.settings.refresh_token_days)
        self.auth.add(
            RefreshToken(
                session_id=auth_session.id,
                token_hash=hash_opaque_token(refresh_token),
                expires_at=refresh_expires_at,
            )
        )
        access = issue_access_token(
            user_id=auth_session.user_id,
            session_id=auth_session.id,
            signing_key=self.settings.signing_key,
            lifetime=timedelta(minutes=self.settings.access_token_minutes),
        )
        return IssuedSession(auth_session.id, access, refresh_token, refresh_expires_at)

    async def refresh(
        self,
        refresh_token: str,
        *,
        client: ClientInfo,
        check_csrf: Callable[[str], None] | None = None,
    ) -> IssuedSession:
        """Rotate the refresh token; ``check_csrf`` vets a cookie refresh against its session."""
        now = utc_now()
        stored = await self.auth.get_refresh_token(hash_opaque_token(refresh_token))
        if stored is None:
            raise NotAuthenticated("The refresh token is not valid", field="refresh_token")
        auth_session = await self.auth.get(stored.session_id)
        if auth_session is None or auth_session.revoked_at is not None:
            raise NotAuthenticated("This session has ended; sign in again", field="refresh_token")
        if check_csrf is not None:
            # Before anything changes: a forged request leaves the session as it was.
            check_csrf(auth_session.id)
        if not await self.auth.claim_refresh_token(stored.id, now=now):
            # A rotated token came back: it was stolen or replayed, so end the whole family.
            await self.auth.revoke_sessions(
                user_id=auth_session.user_id,
                only_session_id=auth_session.id,
                reason="refresh_token_reused",
                now=now,
            )
            record_audit(
                self.session,
                action="auth.refresh_token_reused",
                actor_id=None,
                subject_user_id=auth_session.user_id,
                ip_address=client.ip_address,
                details={"session_id": auth_session.id},
            )
            raise NotAuthenticated(
                "This refresh token was already used; the session has been ended",
                field="refresh_token",
                keeps_changes=True,
            )
        if stored.expires_at <= now:
            raise NotAuthenticated("The refresh token has expired; sign in again")
        user = await self.users.get(auth_session.user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("This account can no longer sign in")
        auth_session.last_used_at = now
        auth_session.ip_address = client.ip_address
        return self._issue_tokens(auth_session)

    async def authenticate(self, access_token: str) -> Principal:
        claims = decode_access_token(access_token, signing_key=self.settings.signing_key)
        found = await self.auth.get_session_and_user(claims.session_id, claims.user_id)
        if found is None:
            raise NotAuthenticated("The access token is not valid")
        auth_session, user = found
        # The account's state first: a banned user is told why, not merely "signed out".
        if not user.is_active:
            raise account_unavailable(user)
        if auth_session.revoked_at is not None:
            raise NotAuthenticated("This session has ended; sign in again")
        return Principal(user=user, session=auth_session)

    async def logout(self, principal: Principal, *, client: ClientInfo) -> None:
        await self.auth.revoke_sessions(
            user_id=principal.user.id,
            only_session_id=principal.session.id,
            reason="logout",
            now=utc_now(),
        )
        record_audit(
            self.session,
            action="auth.logout",
            actor_id=principal.user.id,
            subject_user_id=principal.user.id,
            ip_address=client.ip_address,
            details={"session_id": principal.session.id},
        )

    async def change_password(
        self, principal: Principal, *, current_password: str, new_password: str, client: ClientInfo
    ) -> None:
        user = principal.user
        # A stolen access token must not become a way to guess the password at leisure.
        await self.limiter.hit(
            self.settings.rate_limit_login, scope=_PASSWORD_CHANGE, key=str(user.id)
        )
        await self.limiter.wait_out(scope=_PASSWORD_CHANGE, key=str(user.id))
        matches, _ = verify_password(current_password, user.password_hash)
        if not matches:
            delay = await self.limiter.count_failure(
                self.failure_delay, scope=_PASSWORD_CHANGE, key=str(user.id)
            )
            record_audit(
                self.session,
                action="user.password_change_failed",
                actor_id=user.id,
                subject_user_id=user.id,
                ip_address=client.ip_address,
            )
            self._record_lockout(user, delay, client=client, what="password_change")
            # Nothing else changed: keeping the transaction keeps only the audit entries.
            raise InvalidCredentials(
                "The current password is wrong", field="current_password", keeps_changes=True
            )
        await self.set_password(
            user, new_password, reason="password_changed", keep_session_id=principal.session.id
        )
        record_audit(
            self.session,
            action="user.password_changed",
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=client.ip_address,
        )

    async def set_password(
        self, user: User, new_password: str, *, reason: str, keep_session_id: str | None
    ) -> None:
        """Replace the password and end every other session, as a user expects after a change."""
        user.password_hash = hash_password(new_password)
        await self.forget_failures(user)
        await self.auth.revoke_sessions(
            user_id=user.id, reason=reason, now=utc_now(), keep_session_id=keep_session_id
        )
