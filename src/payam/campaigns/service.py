"""The rules of a campaign's life: compose, start (or schedule), pause, resume, cancel, copy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.billing.errors import QuotaRefusal, QuotaRefused
from payam.billing.subscriptions import SubscriptionService, is_active, messages_left
from payam.campaigns.repository import CampaignRepository
from payam.campaigns.schemas import Campaign as CampaignSchema
from payam.campaigns.schemas import CampaignCreate, CampaignUpdate, Counts, WhatsAppTemplateChoice
from payam.db.session import commit_now, run_after_commit
from payam.kit.clock import utc_now
from payam.kit.errors import Conflict, InvalidInput
from payam.kit.files import remove_import_files
from payam.kit.pagination import Page, PageParams
from payam.live.events import CAMPAIGN_STATUS, publish_campaign_after_commit
from payam.media.repository import MediaRepository
from payam.message.templating import TemplateError, parse_template, recipient_values
from payam.message.whatsapp_templates import TemplateMapping
from payam.models import (
    Campaign,
    CampaignStatus,
    CopyKind,
    ProviderName,
    Recipient,
    RecipientStatus,
    User,
)
from payam.providers.registry import cloud_provider
from payam.pubsub.hub import hub_of
from payam.runtime import Runtime
from payam.senders.repository import SenderRepository
from payam.webhooks.outbox import record_campaign_status

EDITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.READY, CampaignStatus.PAUSED})
FINISHED = frozenset({CampaignStatus.COMPLETED, CampaignStatus.FAILED, CampaignStatus.CANCELLED})
STARTABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.READY})
# A start time a moment ago means "now" (the client's clock, the request's trip); one further
# back is a mistake, not a wish to have started then.
SCHEDULE_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class RetryRun:
    """A retry's draft: made now, or the one an earlier retry made."""

    campaign: Campaign
    created: bool
    may_have_received: int


def _stored(choice: WhatsAppTemplateChoice | None) -> dict[str, object] | None:
    if choice is None:
        return None
    return TemplateMapping(choice.name, choice.language, tuple(choice.variables)).as_dict()


def validate_message(message: str) -> None:
    try:
        parse_template(message)
    except TemplateError as error:
        raise InvalidInput(str(error), field="message") from error


class CampaignService:
    def __init__(self, session: AsyncSession, *, runtime: Runtime) -> None:
        self.session = session
        self.runtime = runtime
        self.settings = runtime.settings
        self.repository = CampaignRepository(session)
        self.senders = SenderRepository(session)

    # ---- reading -------------------------------------------------------------------------

    async def get(self, user: User, campaign_id: int) -> Campaign:
        return await self.repository.get_or_404(campaign_id, owner_id=user.id)

    async def list_own(
        self, user: User, params: PageParams, *, status: CampaignStatus | None
    ) -> Page[Campaign]:
        return await self.repository.page_owned(user.id, params, status=status)

    async def recipients(
        self,
        user: User,
        campaign_id: int,
        params: PageParams,
        *,
        status: RecipientStatus | None,
    ) -> Page[Recipient]:
        campaign = await self.get(user, campaign_id)
        return await self.repository.page_recipients(campaign.id, params, status=status)

    async def views(self, campaigns: Sequence[Campaign]) -> list[CampaignSchema]:
        numbers = await self.repository.numbers([campaign.id for campaign in campaigns])
        now = utc_now()
        return [
            CampaignSchema(
                id=campaign.id,
                title=campaign.title,
                message=campaign.message,
                interval_seconds=campaign.interval_seconds,
                status=campaign.status,
                status_reason=campaign.status_reason,
                sender_ids=numbers[campaign.id].sender_ids,
                media_id=campaign.media_id,
                whatsapp_template=campaign.whatsapp_template,
                is_connected=numbers[campaign.id].may_send > 0,
                counts=Counts.model_validate(campaign.counts()),
                scheduled_at=campaign.scheduled_at,
                started_at=campaign.started_at,
                completed_at=campaign.completed_at,
                estimated_finish_at=self._estimate(campaign, numbers[campaign.id].may_send, now),
                source_campaign_id=campaign.source_campaign_id,
                copy_kind=campaign.copy_kind,
                created_at=campaign.created_at,
                updated_at=campaign.updated_at,
            )
            for campaign in campaigns
        ]

    def _estimate(self, campaign: Campaign, connected: int, now: datetime) -> datetime | None:
        if campaign.status is not CampaignStatus.RUNNING or connected == 0:
            return None
        left = campaign.pending_count + campaign.sending_count
        # On average the jitter adds half its range to every interval.
        per_message = campaign.interval_seconds * (1 + self.settings.pacing_jitter_ratio / 2)
        return now + timedelta(seconds=left * per_message / connected)

    # ---- composing -----------------------------------------------------------------------

    async def create(self, user: User, data: CampaignCreate) -> Campaign:
        validate_message(data.message)
        self._check_interval(data.interval_seconds)
        if data.media_id is not None:
            await self._check_media(user, data.media_id)
        campaign = Campaign(
            user_id=user.id,
            title=data.title,
            message=data.message,
            interval_seconds=data.interval_seconds,
            media_id=data.media_id,
            whatsapp_template=_stored(data.whatsapp_template),
            status=CampaignStatus.DRAFT,
        )
        self.session.add(campaign)
        await self.session.flush()
        await self._set_senders(user, campaign, data.sender_ids)
        return campaign

    async def update(self, user: User, campaign_id: int, data: CampaignUpdate) -> Campaign:
        campaign = await self.get(user, campaign_id)
        if campaign.status not in EDITABLE:
            # A running campaign can be paused and then changed; a finished one only copied.
            advice = (
                "duplicate it to send again" if campaign.status in FINISHED else "pause it first"
            )
            raise Conflict(
                f"A {campaign.status.value.lower()} campaign cannot be changed; {advice}",
                field="status",
            )
        if data.message is not None:
            validate_message(data.message)
            campaign.message = data.message
        if data.title is not None:
            campaign.title = data.title
        if data.interval_seconds is not None:
            self._check_interval(data.interval_seconds)
            campaign.interval_seconds = data.interval_seconds
        if data.remove_media:
            campaign.media_id = None
        elif data.media_id is not None:
            await self._check_media(user, data.media_id)
            campaign.media_id = data.media_id
        if data.remove_whatsapp_template:
            campaign.whatsapp_template = None
        elif data.whatsapp_template is not None:
            campaign.whatsapp_template = _stored(data.whatsapp_template)
        if data.sender_ids is not None:
            await self._set_senders(user, campaign, data.sender_ids)
        campaign.updated_at = utc_now()
        return campaign

    def _check_interval(self, seconds: int) -> None:
        allowed = sorted(self.settings.allowed_intervals)
        if seconds not in allowed:
            raise InvalidInput(
                f"Choose one of {', '.join(map(str, allowed))} seconds", field="interval_seconds"
            )

    async def _check_media(self, user: User, media_id: int) -> None:
        await MediaRepository(self.session).get_or_404(
            media_id, owner_id=user.id, name="attachment"
        )

    async def _set_senders(self, user: User, campaign: Campaign, sender_ids: list[int]) -> None:
        wanted = sorted(set(sender_ids))
        if wanted:
            owned = await self.senders.owned_ids(user.id, wanted)
            unknown = [sender_id for sender_id in wanted if sender_id not in owned]
            if unknown:
                raise InvalidInput(
                    f"No such WhatsApp number: {', '.join(map(str, unknown))}", field="sender_ids"
                )
        await self.repository.replace_senders(campaign.id, wanted)

    async def remove(self, user: User, campaign_id: int) -> None:
        campaign = await self.get(user, campaign_id)
        if campaign.status in {CampaignStatus.RUNNING, CampaignStatus.READY}:
            raise Conflict("Pause or cancel the campaign before deleting it", field="status")
        # Its imports' rows go with it (ON DELETE CASCADE); their files, once that is committed.
        storage_keys = await self.repository.import_storage_keys(campaign.id)
        await self.session.delete(campaign)
        run_after_commit(
            self.session, partial(remove_import_files, self.settings.data_dir, storage_keys)
        )

    # ---- lifecycle -----------------------------------------------------------------------

    async def start(
        self, user: User, campaign_id: int, *, scheduled_at: datetime | None
    ) -> Campaign:
        campaign = await self.get(user, campaign_id)
        if campaign.status not in STARTABLE:
            raise Conflict(self._cannot(campaign, "start"), field="status")
        if campaign.whatsapp_template is not None:
            await self._check_template(campaign, TemplateMapping.of(campaign.whatsapp_template))
        now = utc_now()
        if scheduled_at is not None:
            self._check_schedule(scheduled_at, now=now)
        await self._ensure_can_send(user, campaign)
        if scheduled_at is not None and scheduled_at > now:
            campaign.status = CampaignStatus.READY
            campaign.scheduled_at = scheduled_at
        else:
            campaign.status = CampaignStatus.RUNNING
            campaign.scheduled_at = None
        campaign.status_reason = None
        self._audit(user, campaign, "campaign.started")
        return self._announced(campaign)

    async def pause(self, user: User, campaign_id: int) -> Campaign:
        campaign = await self.get(user, campaign_id)
        if campaign.status not in {CampaignStatus.RUNNING, CampaignStatus.READY}:
            raise Conflict(self._cannot(campaign, "pause"), field="status")
        campaign.status = CampaignStatus.PAUSED
        campaign.status_reason = "Paused by you"
        await record_campaign_status(self.session, campaign)
        return self._announced(campaign)

    async def resume(self, user: User, campaign_id: int) -> Campaign:
        campaign = await self.get(user, campaign_id)
        if campaign.status is not CampaignStatus.PAUSED:
            raise Conflict(self._cannot(campaign, "resume"), field="status")
        await self._ensure_can_send(user, campaign)
        # A scheduled campaign paused before its time goes back to waiting for it.
        waiting = campaign.scheduled_at is not None and campaign.scheduled_at > utc_now()
        campaign.status = CampaignStatus.READY if waiting else CampaignStatus.RUNNING
        campaign.status_reason = None
        return self._announced(campaign)

    async def cancel(self, user: User, campaign_id: int) -> Campaign:
        campaign = await self.get(user, campaign_id)
        if campaign.status in FINISHED:
            raise Conflict(self._cannot(campaign, "cancel"), field="status")
        campaign.status = CampaignStatus.CANCELLED
        campaign.status_reason = "Cancelled by you"
        campaign.completed_at = utc_now()
        self._audit(user, campaign, "campaign.cancelled")
        return self._announced(campaign)

    def _announced(self, campaign: Campaign) -> Campaign:
        """Tell the owner's open screens of the new status once it has committed."""
        publish_campaign_after_commit(
            self.session, hub_of(self.session), campaign, type=CAMPAIGN_STATUS, refresh=True
        )
        return campaign

    def _check_schedule(self, scheduled_at: datetime, *, now: datetime) -> None:
        if scheduled_at.tzinfo is None:
            raise InvalidInput(
                "Give the time with its zone, like 2026-12-01T09:00+03:30", field="scheduled_at"
            )
        if scheduled_at < now - SCHEDULE_GRACE:
            raise InvalidInput(
                "This time has passed; leave scheduled_at out to start now", field="scheduled_at"
            )
        horizon_days = self.settings.schedule_horizon_days
        if scheduled_at > now + timedelta(days=horizon_days):
            raise InvalidInput(
                f"A campaign can be scheduled at most {horizon_days} days ahead",
                field="scheduled_at",
            )

    async def _check_template(self, campaign: Campaign, mapping: TemplateMapping) -> None:
        """Every number can send the template, and the recipients have the columns it maps.

        Meta is asked for each WhatsApp Business Account's templates outside any transaction.
        """
        senders = await self.senders.of_campaign(campaign.id)
        not_cloud = [sender.id for sender in senders if sender.provider is not ProviderName.CLOUD]
        if not_cloud:
            raise InvalidInput(
                "Only Cloud API numbers send templates; take these numbers off the campaign or "
                f"the template off it: {', '.join(map(str, not_cloud))}",
                field="whatsapp_template",
            )
        sample = await self.repository.first_recipient(campaign.id)
        if sample is not None:
            values = recipient_values(
                name=sample.name, phone=sample.phone, variables=sample.variables
            )
            missing = [column for column in mapping.variables if column not in values]
            if missing:
                raise InvalidInput(
                    f"The recipients have no column {', '.join(missing)}; map the template's "
                    "values to name, phone or a column of the imported list",
                    field="whatsapp_template.variables",
                )
        accounts = {str(s.provider_config.get("waba_id")): dict(s.provider_config) for s in senders}
        await commit_now(self.session)
        provider = cloud_provider(self.runtime)
        for config in accounts.values():
            await provider.check_template(config, mapping)

    @staticmethod
    def _cannot(campaign: Campaign, action: str) -> str:
        return f"A {campaign.status.value.lower()} campaign cannot {action}"

    async def _ensure_can_send(self, user: User, campaign: Campaign) -> None:
        """Refuse to start, naming the reason: no number, no one to send to, or no quota."""
        connected = (await self.senders.connected_counts([campaign.id])).get(campaign.id, 0)
        if connected == 0:
            raise Conflict(
                "Link a WhatsApp number to this campaign and make sure it is connected",
                field="sender_ids",
            )
        if campaign.pending_count <= 0:
            raise Conflict("The campaign has no recipients left to send to", field="recipients")
        subscription = await SubscriptionService(self.session).current(user.id)
        if subscription is None:
            raise QuotaRefused(QuotaRefusal.NO_SUBSCRIPTION, requested=1, available=0)
        if not is_active(subscription, now=utc_now()):
            raise QuotaRefused(QuotaRefusal.SUBSCRIPTION_EXPIRED, requested=1, available=0)
        if messages_left(subscription) <= 0:
            raise QuotaRefused(QuotaRefusal.QUOTA_EXHAUSTED, requested=1, available=0)

    # ---- copies --------------------------------------------------------------------------

    async def duplicate(self, user: User, campaign_id: int) -> Campaign:
        """A fresh draft with the same message, numbers and every recipient, all pending."""
        source = await self.get(user, campaign_id)
        if source.status not in FINISHED:
            raise Conflict("Duplicate a campaign once it has finished", field="status")
        return await self._copy(
            user, source, kind=CopyKind.DUPLICATE, title=f"{source.title or ''} (copy)"
        )

    async def retry(self, user: User, campaign_id: int) -> RetryRun:
        """A new run for the recipients that failed or whose outcome is unknown; one at most.

        The source stays locked until the request commits, so a second retry (a double click,
        two tabs) waits for the first and answers with its draft instead of making another: the
        same recipients in two drafts would be sent to twice."""
        source = await self.repository.get_or_404(campaign_id, owner_id=user.id, for_update=True)
        if source.status not in FINISHED and source.status is not CampaignStatus.PAUSED:
            raise Conflict("Retry a campaign once it has finished or is paused", field="status")
        earlier = await self.repository.first_copy(source.id, CopyKind.RETRY)
        if earlier is not None:
            if earlier.status is not CampaignStatus.DRAFT:
                raise Conflict(
                    f"Campaign {earlier.id} already retried this one; retry that campaign, "
                    "or delete it to retry this one again",
                    field="status",
                )
            return RetryRun(earlier, created=False, may_have_received=await self._unknown(earlier))
        if source.failed_count + source.unknown_count == 0:
            raise Conflict("No failed or unknown recipients to retry", field="recipients")
        copy = await self._copy(
            user,
            source,
            kind=CopyKind.RETRY,
            title=f"{source.title or ''} (retry)",
            statuses=(RecipientStatus.FAILED, RecipientStatus.UNKNOWN),
        )
        return RetryRun(copy, created=True, may_have_received=await self._unknown(copy))

    async def _unknown(self, retry: Campaign) -> int:
        """How many of a retry's recipients may have received the message in its source."""
        if retry.source_campaign_id is None:
            return 0
        return await self.repository.count_copied(
            retry.source_campaign_id, retry.id, RecipientStatus.UNKNOWN
        )

    async def _copy(
        self,
        user: User,
        source: Campaign,
        *,
        kind: CopyKind,
        title: str,
        statuses: tuple[RecipientStatus, ...] | None = None,
    ) -> Campaign:
        copy = Campaign(
            user_id=user.id,
            title=title.strip()[:255],
            message=source.message,
            interval_seconds=source.interval_seconds,
            media_id=source.media_id,
            whatsapp_template=source.whatsapp_template,
            status=CampaignStatus.DRAFT,
            source_campaign_id=source.id,
            copy_kind=kind,
        )
        self.session.add(copy)
        await self.session.flush()
        senders = (await self.repository.sender_ids([source.id]))[source.id]
        self.repository.add_senders(copy.id, senders)
        # Written now, so that the answer (read back by query) shows the copy's numbers.
        await self.session.flush()
        copy.total_recipients = await self.repository.copy_recipients(
            source.id, copy.id, statuses=statuses
        )
        self._audit(user, copy, "campaign.copied", source_id=source.id)
        return copy

    def _audit(self, user: User, campaign: Campaign, action: str, **details: object) -> None:
        record_audit(
            self.session,
            action=action,
            actor_id=user.id,
            subject_user_id=user.id,
            details={"campaign_id": campaign.id, **details},
        )
