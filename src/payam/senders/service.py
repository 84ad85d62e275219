"""The rules for linked numbers: linking, limits, and what may be removed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.db.session import commit_now
from payam.kit.clock import utc_now
from payam.kit.credentials import CredentialUnreadable
from payam.kit.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from payam.kit.phones import InvalidPhoneNumber, normalize_phone
from payam.models import CampaignStatus, ProviderName, Sender, SenderStatus, User
from payam.pacing import daily_cap_on, limits_of, reschedule, state_of, warmup_day
from payam.providers.registry import (
    build_provider,
    cloud_provider,
    sandbox_provider,
    web_provider,
)
from payam.providers.web.provider import (
    TYPING_SECONDS,
    UNLINK,
    UNLINK_ASKED,
    qr_images,
    typing_seconds_of,
)
from payam.runtime import Runtime
from payam.senders.repository import SenderRepository
from payam.senders.schemas import (
    CloudCredentialsUpdate,
    CloudDetails,
    LinkQr,
    QuietHours,
    SenderCreate,
    SenderLimits,
    SenderUpdate,
    WebSenderSettings,
    WhatsAppTemplate,
    clock_from_minutes,
    minutes_from_clock,
)
from payam.senders.schemas import Sender as SenderSchema

ACTIVE_CAMPAIGN_STATUSES = (CampaignStatus.RUNNING, CampaignStatus.READY, CampaignStatus.PAUSED)


def webhook_url(public_url: str, sender_id: int) -> str:
    return f"{public_url.rstrip('/')}/api/v1/webhooks/whatsapp/{sender_id}"


def _cloud_details(sender: Sender, *, public_url: str) -> CloudDetails | None:
    config = sender.provider_config
    if sender.provider is not ProviderName.CLOUD or "phone_number_id" not in config:
        return None
    hints = config.get("hints") or {}
    return CloudDetails(
        phone_number_id=str(config["phone_number_id"]),
        waba_id=str(config["waba_id"]),
        graph_base_url=str(config["graph_base_url"]),
        access_token=str(hints.get("access_token", "…")),
        app_secret=str(hints.get("app_secret", "…")),
        verify_token=str(hints.get("verify_token", "…")),
        webhook_url=webhook_url(public_url, sender.id),
    )


def to_sender_schema(sender: Sender, *, public_url: str, zone: ZoneInfo) -> SenderSchema:
    quiet = None
    if sender.quiet_start_minute is not None and sender.quiet_end_minute is not None:
        quiet = QuietHours(
            start=clock_from_minutes(sender.quiet_start_minute),
            end=clock_from_minutes(sender.quiet_end_minute),
        )
    limits = limits_of(sender)
    today = utc_now().astimezone(zone).date()
    return SenderSchema(
        id=sender.id,
        provider=sender.provider,
        display_name=sender.display_name,
        phone=sender.phone,
        status=sender.status,
        status_reason=sender.status_reason,
        daily_cap=sender.daily_cap,
        daily_cap_today=daily_cap_on(limits, today, zone=zone),
        warmup_days=sender.warmup_days,
        warmup_day=warmup_day(limits, today, zone=zone),
        connected_at=sender.connected_at,
        quiet_hours=quiet,
        pause_every=sender.pause_every,
        pause_seconds=sender.pause_seconds,
        sent_today=sender.sent_today,
        next_send_at=sender.next_send_at,
        created_at=sender.created_at,
        typing_seconds=typing_seconds_of(sender.provider_config)
        if sender.provider is ProviderName.WEB
        else None,
        cloud=_cloud_details(sender, public_url=public_url),
    )


def _apply_limits(sender: Sender, limits: SenderLimits) -> None:
    if limits.daily_cap is not None:
        sender.daily_cap = limits.daily_cap
    if limits.quiet_hours is not None:
        sender.quiet_start_minute = minutes_from_clock(limits.quiet_hours.start)
        sender.quiet_end_minute = minutes_from_clock(limits.quiet_hours.end)
    if limits.pause_every is not None:
        sender.pause_every = limits.pause_every
    if limits.pause_seconds is not None:
        sender.pause_seconds = limits.pause_seconds
    if limits.warmup_days is not None:
        sender.warmup_days = limits.warmup_days


def _apply_web_settings(sender: Sender, data: WebSenderSettings) -> None:
    if data.typing_seconds is None:
        return
    if sender.provider is not ProviderName.WEB:
        raise InvalidInput("Only WhatsApp Web numbers show typing", field="typing_seconds")
    sender.provider_config = {**sender.provider_config, TYPING_SECONDS: data.typing_seconds}


class SenderService:
    def __init__(self, session: AsyncSession, *, runtime: Runtime) -> None:
        self.session = session
        self.runtime = runtime
        self.repository = SenderRepository(session)

    def present(self, sender: Sender, user: User) -> SenderSchema:
        return to_sender_schema(
            sender, public_url=self.runtime.settings.public_url, zone=self.zone_of(user)
        )

    def zone_of(self, user: User) -> ZoneInfo:
        return ZoneInfo(user.time_zone or self.runtime.settings.user_time_zone)

    async def list(self, user: User) -> Sequence[Sender]:
        return await self.repository.list_owned(user.id)

    async def get(self, user: User, sender_id: int) -> Sender:
        return await self.repository.get_or_404(sender_id, owner_id=user.id)

    async def link(self, user: User, data: SenderCreate) -> Sender:
        """Link a number. A sandbox number links at once, as if its QR code had been scanned;
        a Cloud API number once Meta accepts its credentials."""
        # Refuses, naming the field, a transport that is not available yet.
        build_provider(data.provider, runtime=self.runtime)
        if data.typing_seconds is not None and data.provider is not ProviderName.WEB:
            raise InvalidInput("Only WhatsApp Web numbers show typing", field="typing_seconds")
        if data.provider is ProviderName.CLOUD:
            return await self._link_cloud(user, data)
        if data.cloud is not None:
            raise InvalidInput("Only Cloud API numbers take Cloud credentials", field="cloud")
        if data.provider is ProviderName.WEB:
            return await self._link_web(user, data)
        hint = None
        if data.phone is not None:
            try:
                hint = normalize_phone(
                    data.phone, default_region=self.runtime.settings.default_phone_region
                )
            except InvalidPhoneNumber as exc:
                raise InvalidInput(str(exc), field="phone") from exc
        phone, config = await sandbox_provider(self.runtime).link(user_phone_hint=hint)
        return await self._linked(user, data, phone=phone, config=config)

    async def _link_cloud(self, user: User, data: SenderCreate) -> Sender:
        credentials = data.cloud
        if credentials is None:
            raise InvalidInput("A Cloud API number needs its credentials", field="cloud")
        if data.phone is not None:
            raise InvalidInput("A Cloud API number's phone comes from Meta", field="phone")
        provider = cloud_provider(self.runtime)
        config = provider.sealed(
            phone_number_id=credentials.phone_number_id,
            waba_id=credentials.waba_id,
            access_token=credentials.access_token,
            app_secret=credentials.app_secret,
            verify_token=credentials.verify_token,
            graph_base_url=str(credentials.graph_base_url) if credentials.graph_base_url else None,
        )
        # Meta is asked outside any transaction: a slow Graph API holds no connection or lock.
        await commit_now(self.session)
        phone = await provider.verified_phone(config)
        return await self._linked(user, data, phone=phone, config=config)

    async def _link_web(self, user: User, data: SenderCreate) -> Sender:
        """A WhatsApp Web number starts LINKING: its QR codes reach the user (live socket and
        ``GET /senders/{id}/qr``) until the phone links it, or a pairing code is asked for."""
        if data.phone is not None:
            raise InvalidInput(
                "A WhatsApp Web number's phone comes from the phone that links it; ask for a "
                "pairing code to link by number",
                field="phone",
            )
        provider = web_provider(self.runtime)
        sender = await self._linked(
            user, data, phone=None, config=provider.linking_config(), status=SenderStatus.LINKING
        )
        await commit_now(self.session)
        await self._start_linking(sender)
        return sender

    async def relink(self, user: User, sender_id: int) -> Sender:
        """Start linking a WhatsApp Web number again (codes ran out, logged out, ban lifted)."""
        sender = await self.repository.get_or_404(sender_id, owner_id=user.id, for_update=True)
        if sender.provider is not ProviderName.WEB:
            raise InvalidInput("Only WhatsApp Web numbers are linked by QR code", field="sender_id")
        if sender.status is SenderStatus.CONNECTED:
            raise Conflict("This number is linked; unlink it first", field="sender_id")
        provider = web_provider(self.runtime)
        sender.status = SenderStatus.LINKING
        sender.status_reason = None
        sender.provider_config = provider.linking_config(kept_from=sender.provider_config)
        await commit_now(self.session)
        await self._start_linking(sender)
        return sender

    async def _start_linking(self, sender: Sender) -> None:
        """Connect a new device for the number; a connection that fails is a 503 saying so (the
        number stays LINKING with no code, and linking it again starts over)."""
        try:
            await web_provider(self.runtime).start_linking(sender)
        except Exception as error:
            raise ServiceUnavailable(
                f"WhatsApp could not be reached to link the number ({type(error).__name__}); "
                "link it again"
            ) from error

    async def _linking(self, user: User, sender_id: int) -> Sender:
        sender = await self.get(user, sender_id)
        if sender.provider is not ProviderName.WEB:
            raise InvalidInput("Only WhatsApp Web numbers are linked by QR code", field="sender_id")
        if sender.status is not SenderStatus.LINKING:
            raise Conflict(
                "This number is not linking now; start linking it again first", field="sender_id"
            )
        return sender

    async def pairing_code(self, user: User, sender_id: int, phone: str) -> str:
        sender = await self._linking(user, sender_id)
        try:
            normalized = normalize_phone(
                phone, default_region=self.runtime.settings.default_phone_region
            )
        except InvalidPhoneNumber as exc:
            raise InvalidInput(str(exc), field="phone") from exc
        await commit_now(self.session)
        try:
            return await web_provider(self.runtime).pairing_code(sender, normalized)
        except Exception as error:
            raise ServiceUnavailable(
                f"WhatsApp gave no pairing code ({type(error).__name__}); try again"
            ) from error

    async def link_qr(self, user: User, sender_id: int) -> LinkQr:
        sender = await self._linking(user, sender_id)
        code = sender.provider_config.get("qr")
        if not code:
            raise NotFound("No QR code yet: WhatsApp sends the first within a few seconds")
        return LinkQr(
            code=str(code),
            issued_at=datetime.fromisoformat(str(sender.provider_config["qr_at"])),
            **qr_images(str(code)),
        )

    async def _linked(
        self,
        user: User,
        data: SenderCreate,
        *,
        phone: str | None,
        config: dict[str, object],
        status: SenderStatus = SenderStatus.CONNECTED,
    ) -> Sender:
        sender = Sender(
            user_id=user.id,
            provider=data.provider,
            display_name=data.display_name,
            phone=phone,
            status=status,
            provider_config=config,
            connected_at=utc_now() if status is SenderStatus.CONNECTED else None,
            # WhatsApp Web numbers warm up by default; Meta's own messaging limits pace a Cloud
            # API number's first weeks, and the sandbox bans no one.
            warmup_days=self.runtime.settings.warmup_days
            if data.provider is ProviderName.WEB
            else 0,
        )
        _apply_limits(sender, data)
        _apply_web_settings(sender, data)
        self.session.add(sender)
        await self.session.flush()
        record_audit(
            self.session,
            action="sender.linked",
            actor_id=user.id,
            subject_user_id=user.id,
            details={"sender_id": sender.id, "provider": data.provider.value},
        )
        return sender

    async def update(self, user: User, sender_id: int, data: SenderUpdate) -> Sender:
        recheck = None
        if data.cloud is not None:
            recheck = await self._recheck_cloud(user, sender_id, data.cloud)
        # Locked: the engine's turn on this number writes the same pacing state.
        sender = await self.repository.get_or_404(sender_id, owner_id=user.id, for_update=True)
        if recheck is not None:
            # Meta accepts the credentials: the number may send again (after a revoked token,
            # a block lifted), and campaigns paused for it can be resumed.
            sender.phone, sender.provider_config = recheck
            sender.status = SenderStatus.CONNECTED
            sender.status_reason = None
        if data.display_name is not None:
            sender.display_name = data.display_name
        before = limits_of(sender)
        if data.clear_quiet_hours:
            sender.quiet_start_minute = sender.quiet_end_minute = None
        if data.clear_pause_every:
            sender.pause_every = None
        _apply_limits(sender, data)
        _apply_web_settings(sender, data)
        if limits_of(sender) != before and sender.next_send_at is not None:
            # New limits apply at once: the next send time the old ones made (a quiet window, a
            # cap's midnight, a pause) is recomputed by the engine's rule, never before the
            # interval since the last send allows.
            sender.next_send_at = reschedule(
                utc_now(),
                limits=limits_of(sender),
                state=state_of(sender),
                last_sent_at=sender.last_sent_at,
                interval_seconds=await self.repository.strictest_interval(sender.id),
                zone=self.zone_of(user),
            )
        return sender

    async def _recheck_cloud(
        self, user: User, sender_id: int, credentials: CloudCredentialsUpdate
    ) -> tuple[str, dict[str, object]]:
        """The number's new phone and config once the Graph API accepts the new credentials."""
        sender = await self.get(user, sender_id)
        if sender.provider is not ProviderName.CLOUD:
            raise InvalidInput("Only Cloud API numbers take Cloud credentials", field="cloud")
        provider = cloud_provider(self.runtime)
        try:
            config = provider.updated(
                dict(sender.provider_config),
                access_token=credentials.access_token,
                app_secret=credentials.app_secret,
                verify_token=credentials.verify_token,
                graph_base_url=(
                    str(credentials.graph_base_url) if credentials.graph_base_url else None
                ),
            )
        except CredentialUnreadable as error:
            raise InvalidInput(
                "The stored secrets cannot be read with the configured keys: give all three",
                field="cloud",
            ) from error
        await commit_now(self.session)
        return await provider.verified_phone(config), config

    async def templates(self, user: User, sender_id: int) -> Sequence[WhatsAppTemplate]:
        """A Cloud number's message templates, asked of Meta outside any transaction."""
        sender = await self.get(user, sender_id)
        if sender.provider is not ProviderName.CLOUD:
            raise InvalidInput("Only Cloud API numbers have message templates", field="sender_id")
        config = dict(sender.provider_config)
        await commit_now(self.session)
        found = await cloud_provider(self.runtime).templates(config)
        return [WhatsAppTemplate.model_validate(template) for template in found]

    async def remove(self, user: User, sender_id: int) -> None:
        """Unlink a number; a WhatsApp Web device is logged out of WhatsApp first."""
        sender = await self.get(user, sender_id)
        if await self.repository.used_by_campaign_in(sender.id, ACTIVE_CAMPAIGN_STATUSES):
            raise Conflict(
                "A running, scheduled or paused campaign uses this number; cancel it first",
                field="sender_id",
            )
        if sender.provider is ProviderName.WEB:
            await self.session.refresh(sender, with_for_update=True)
            config = dict(sender.provider_config)
            now = utc_now()
            held = sender.lease_owner is not None and (
                sender.lease_expires_at is None or sender.lease_expires_at > now
            )
            # No worker takes the number from now on; the one holding it lets go at its next
            # lease pass and logs the device out as it does (decision 19).
            sender.status = SenderStatus.DISCONNECTED
            sender.status_reason = "being unlinked"
            if held:
                sender.provider_config = {**config, UNLINK: UNLINK_ASKED}
            await commit_now(self.session)
            await web_provider(self.runtime).unlink(sender.id, config, held=held)
        await self.session.delete(sender)
