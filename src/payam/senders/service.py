"""The rules for linked numbers: linking, limits, and what may be removed."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.kit.clock import utc_now
from payam.kit.errors import Conflict, InvalidInput
from payam.kit.phones import InvalidPhoneNumber, normalize_phone
from payam.models import CampaignStatus, ProviderName, Sender, SenderStatus, User
from payam.pacing import limits_of, reschedule, state_of
from payam.providers.registry import build_provider, sandbox_provider
from payam.runtime import Runtime
from payam.senders.repository import SenderRepository
from payam.senders.schemas import (
    QuietHours,
    SenderCreate,
    SenderLimits,
    SenderUpdate,
    clock_from_minutes,
    minutes_from_clock,
)
from payam.senders.schemas import Sender as SenderSchema

ACTIVE_CAMPAIGN_STATUSES = (CampaignStatus.RUNNING, CampaignStatus.READY, CampaignStatus.PAUSED)


def to_sender_schema(sender: Sender) -> SenderSchema:
    quiet = None
    if sender.quiet_start_minute is not None and sender.quiet_end_minute is not None:
        quiet = QuietHours(
            start=clock_from_minutes(sender.quiet_start_minute),
            end=clock_from_minutes(sender.quiet_end_minute),
        )
    return SenderSchema(
        id=sender.id,
        provider=sender.provider,
        display_name=sender.display_name,
        phone=sender.phone,
        status=sender.status,
        status_reason=sender.status_reason,
        daily_cap=sender.daily_cap,
        quiet_hours=quiet,
        pause_every=sender.pause_every,
        pause_seconds=sender.pause_seconds,
        sent_today=sender.sent_today,
        next_send_at=sender.next_send_at,
        created_at=sender.created_at,
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


class SenderService:
    def __init__(self, session: AsyncSession, *, runtime: Runtime) -> None:
        self.session = session
        self.runtime = runtime
        self.repository = SenderRepository(session)

    async def list(self, user: User) -> Sequence[Sender]:
        return await self.repository.list_owned(user.id)

    async def get(self, user: User, sender_id: int) -> Sender:
        return await self.repository.get_or_404(sender_id, owner_id=user.id)

    async def link(self, user: User, data: SenderCreate) -> Sender:
        """Link a number. A sandbox number links at once, as if its QR code had been scanned."""
        # Refuses, naming the field, a transport that is not available yet.
        build_provider(data.provider, runtime=self.runtime)
        if data.provider is not ProviderName.SANDBOX:
            raise InvalidInput("Only sandbox numbers can be linked for now", field="provider")
        hint = None
        if data.phone is not None:
            try:
                hint = normalize_phone(
                    data.phone, default_region=self.runtime.settings.default_phone_region
                )
            except InvalidPhoneNumber as exc:
                raise InvalidInput(str(exc), field="phone") from exc
        phone, config = await sandbox_provider(self.runtime).link(user_phone_hint=hint)
        sender = Sender(
            user_id=user.id,
            provider=data.provider,
            display_name=data.display_name,
            phone=phone,
            status=SenderStatus.CONNECTED,
            provider_config=config,
        )
        _apply_limits(sender, data)
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
        # Locked: the engine's turn on this number writes the same pacing state.
        sender = await self.repository.get_or_404(sender_id, owner_id=user.id, for_update=True)
        if data.display_name is not None:
            sender.display_name = data.display_name
        before = limits_of(sender)
        if data.clear_quiet_hours:
            sender.quiet_start_minute = sender.quiet_end_minute = None
        if data.clear_pause_every:
            sender.pause_every = None
        _apply_limits(sender, data)
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
                zone=ZoneInfo(user.time_zone or self.runtime.settings.user_time_zone),
            )
        return sender

    async def remove(self, user: User, sender_id: int) -> None:
        sender = await self.get(user, sender_id)
        if await self.repository.used_by_campaign_in(sender.id, ACTIVE_CAMPAIGN_STATUSES):
            raise Conflict(
                "A running, scheduled or paused campaign uses this number; cancel it first",
                field="sender_id",
            )
        await self.session.delete(sender)
