"""One-time codes: verifying a phone or e-mail, resetting a password, signing in without one."""

from __future__ import annotations

import hmac
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.auth.delivery import deliver, seal
from payam.auth.errors import CodeNotDelivered, InvalidCode
from payam.auth.identifiers import canonical_login, find_user_by_login
from payam.auth.schemas import OtpRequest, OtpVerification
from payam.auth.service import AuthService, ClientInfo, IssuedSession, account_unavailable
from payam.auth.tasks import deliver_code
from payam.auth.tokens import hash_code, new_numeric_code
from payam.db.session import run_after_commit
from payam.jobs import enqueue
from payam.kit.clock import utc_now
from payam.kit.errors import InvalidInput
from payam.models import OneTimeCode, OtpChannel, OtpPurpose, User
from payam.notify.email import EmailSender
from payam.notify.sms import SmsSender

logger = structlog.get_logger(__name__)

_VERIFICATION_CHANNEL = {
    OtpPurpose.VERIFY_PHONE: OtpChannel.SMS,
    OtpPurpose.VERIFY_EMAIL: OtpChannel.EMAIL,
}


class OtpService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        auth: AuthService,
        sms_sender: SmsSender,
        email_sender: EmailSender,
    ) -> None:
        self.session = session
        self.auth = auth
        self.settings = auth.settings
        self.limiter = auth.limiter
        self.sms_sender = sms_sender
        self.email_sender = email_sender

    async def request_code(self, data: OtpRequest, *, client: ClientInfo) -> None:
        """Send a code if the account exists; the caller answers alike either way."""
        canonical = canonical_login(data.login, default_region=self.settings.default_phone_region)
        await self._limit(
            self.settings.rate_limit_otp_request, "otp-request", data, canonical, client
        )
        pause = f"1 per {self.settings.otp_resend_seconds} seconds"
        resend_scope = f"otp-resend-{data.purpose.value}"
        if self.settings.otp_resend_seconds:
            # Paced by the login as typed, the same for every login: this 429 tells nothing.
            await self.limiter.hit(pause, scope=resend_scope, key=canonical)
        user = await find_user_by_login(self.auth.users, canonical)
        if user is None or not user.is_active:
            return
        # The pause belongs to the account: another spelling of it (username, phone, e-mail)
        # within the pause sends nothing, and is answered like an unknown login, never with a 429
        # that would tell the spellings belong together. The code sent first stays good.
        if self.settings.otp_resend_seconds and not await self.limiter.allows(
            pause, scope=f"{resend_scope}-account", key=str(user.id)
        ):
            return
        await self._issue(user, purpose=data.purpose, channel=self._channel_for(data, canonical))

    async def send_password_reset(self, user: User) -> OtpChannel | None:
        """An admin's reset: a PASSWORD_RESET code by SMS, or by e-mail when the account has no
        phone; the channel used, or None when it has neither."""
        channel = OtpChannel.SMS if user.phone else OtpChannel.EMAIL
        if user.phone is None and user.email is None:
            return None
        await self._issue(user, purpose=OtpPurpose.PASSWORD_RESET, channel=channel)
        return channel

    async def send_phone_verification(self, user: User) -> None:
        """Start phone verification for a new account, outside the rate limits a person meets."""
        await self._issue(user, purpose=OtpPurpose.VERIFY_PHONE, channel=OtpChannel.SMS)

    async def _issue(self, user: User, *, purpose: OtpPurpose, channel: OtpChannel) -> None:
        destination = user.phone if channel is OtpChannel.SMS else user.email
        if destination is None:
            # Taken over by another account before this one verified it: nowhere to send to.
            return
        now = utc_now()
        await self.auth.auth.retire_codes(user_id=user.id, purpose=purpose, now=now)
        code = new_numeric_code()
        row = OneTimeCode(
            user_id=user.id,
            purpose=purpose,
            channel=channel,
            destination=destination,
            code_hash=self._hash(code, user_id=user.id, purpose=purpose),
            expires_at=now + timedelta(seconds=self.settings.otp_ttl_seconds),
        )
        self.auth.auth.add(row)
        self._send_after_commit(user, row=row, code=code)

    @staticmethod
    def _channel_for(data: OtpRequest, canonical: str) -> OtpChannel:
        if data.purpose in _VERIFICATION_CHANNEL:
            return _VERIFICATION_CHANNEL[data.purpose]
        if data.channel is not None:
            return data.channel
        return OtpChannel.EMAIL if "@" in canonical else OtpChannel.SMS

    def _send_after_commit(self, user: User, *, row: OneTimeCode, code: str) -> None:
        """Send once the code is committed; a failed try is handed to ``deliver_code``."""
        settings = self.settings
        locale = user.locale

        async def send() -> None:
            sent = await deliver(
                row,
                code,
                sms_sender=self.sms_sender,
                email_sender=self.email_sender,
                settings=settings,
                locale=locale,
                attempt=1,
            )
            if not sent:
                sealed = seal(code, code_id=row.id, signing_key=settings.signing_key)
                await enqueue(deliver_code, row.id, sealed, locale)

        run_after_commit(self.session, send)

    def _hash(self, code: str, *, user_id: int, purpose: OtpPurpose) -> str:
        return hash_code(
            code, signing_key=self.settings.signing_key, context=f"{user_id}:{purpose.value}"
        )

    async def _limit(
        self,
        limit: str,
        scope: str,
        data: OtpRequest | OtpVerification,
        canonical: str,
        client: ClientInfo,
    ) -> None:
        await self.limiter.hit(limit, scope=f"{scope}-ip", key=client.ip_address or "-")
        await self.limiter.hit(limit, scope=f"{scope}-{data.purpose.value}", key=canonical)

    async def verify_code(
        self, data: OtpVerification, *, client: ClientInfo
    ) -> IssuedSession | None:
        """Check the code and do what it was for; a LOGIN code returns a new session."""
        if data.purpose is OtpPurpose.PASSWORD_RESET and data.new_password is None:
            raise InvalidInput("Give the new password to reset it", field="new_password")
        canonical = canonical_login(data.login, default_region=self.settings.default_phone_region)
        await self._limit(
            self.settings.rate_limit_otp_verify, "otp-verify", data, canonical, client
        )
        user = await find_user_by_login(self.auth.users, canonical)
        code = None
        if user is not None:
            code = await self.auth.auth.latest_open_code(user_id=user.id, purpose=data.purpose)
        now = utc_now()
        if user is None or code is None:
            raise InvalidCode(field="code")
        if code.undelivered_at is not None:
            raise CodeNotDelivered(
                "We could not send this code to your "
                + ("phone" if code.channel is OtpChannel.SMS else "e-mail")
                + "; request a new one",
                field="code",
            )
        if code.expires_at <= now:
            raise InvalidCode(field="code")
        if not await self.auth.auth.count_code_attempt(
            code.id, max_attempts=self.settings.otp_max_attempts
        ):
            raise InvalidCode("Too many wrong tries; request a new code", field="code")
        expected = self._hash(data.code, user_id=user.id, purpose=data.purpose)
        if not hmac.compare_digest(expected, code.code_hash):
            raise InvalidCode(field="code", keeps_changes=True)
        if not await self.auth.auth.consume_code(code.id, now=now):
            raise InvalidCode("This code was already used", field="code")
        if not user.is_active:
            raise account_unavailable(user)
        return await self._apply(user, code=code, data=data, client=client)

    async def _apply(
        self, user: User, *, code: OneTimeCode, data: OtpVerification, client: ClientInfo
    ) -> IssuedSession | None:
        now = utc_now()
        proven_destination = code.destination
        # A code proves whoever typed it holds the phone or mailbox it went to.
        if code.channel is OtpChannel.SMS and proven_destination == user.phone:
            user.phone_verified_at = user.phone_verified_at or now
        if code.channel is OtpChannel.EMAIL and proven_destination == user.email:
            user.email_verified_at = user.email_verified_at or now
        audit = {"purpose": data.purpose.value, "channel": code.channel.value}
        if data.purpose in _VERIFICATION_CHANNEL:
            record_audit(
                self.session,
                action="user.contact_verified",
                actor_id=user.id,
                subject_user_id=user.id,
                ip_address=client.ip_address,
                details=audit,
            )
            return None
        if data.purpose is OtpPurpose.PASSWORD_RESET:
            assert data.new_password is not None
            await self.auth.set_password(
                user, data.new_password, reason="password_reset", keep_session_id=None
            )
            record_audit(
                self.session,
                action="user.password_reset",
                actor_id=user.id,
                subject_user_id=user.id,
                ip_address=client.ip_address,
                details=audit,
            )
            return None
        user.last_login_at = now
        record_audit(
            self.session,
            action="auth.login",
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=client.ip_address,
            details={"method": "one_time_code", **audit},
        )
        return await self.auth.start_session(user, client=client)
