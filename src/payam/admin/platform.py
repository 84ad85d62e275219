"""Admin rules for everyone's campaigns and numbers: find them, stop them, suspend a number."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from payam.admin.repository import (
    LIVE_STATUSES,
    AdminRepository,
    CampaignFilter,
    NumberFilter,
    campaign_search_statement,
    number_search_statement,
)
from payam.admin.schemas import CampaignRow, NumberView
from payam.admin.service import campaign_rows, stop_campaigns
from payam.audit.service import record_audit
from payam.auth.service import ClientInfo
from payam.campaigns.repository import CampaignRepository
from payam.kit.clock import utc_now
from payam.kit.errors import Conflict
from payam.kit.pagination import Page, PageParams
from payam.models import Campaign, CampaignStatus, Sender, User
from payam.senders.repository import SenderRepository

FINISHED = (CampaignStatus.COMPLETED, CampaignStatus.FAILED, CampaignStatus.CANCELLED)


class PlatformService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.campaigns = CampaignRepository(session)
        self.senders = SenderRepository(session)
        self.admin = AdminRepository(session)

    # ---- campaigns -------------------------------------------------------------------------

    async def search_campaigns(
        self, where: CampaignFilter, params: PageParams
    ) -> Page[CampaignRow]:
        page = await self.campaigns.paginate(campaign_search_statement(where), params)
        return page.with_items(await campaign_rows(self.session, page.items))

    async def campaign_row(self, campaign: Campaign) -> CampaignRow:
        await self.session.flush()
        await self.session.refresh(campaign)
        return (await campaign_rows(self.session, [campaign]))[0]

    async def pause_campaign(
        self, actor: User, campaign_id: int, *, reason: str, client: ClientInfo
    ) -> Campaign:
        campaign = await self.campaigns.get_or_404(campaign_id, for_update=True)
        if campaign.status not in LIVE_STATUSES:
            raise Conflict(
                f"A {campaign.status.value.lower()} campaign cannot be paused", field="status"
            )
        stop_campaigns(
            self.session,
            [campaign],
            status=CampaignStatus.PAUSED,
            reason=f"Paused by an admin: {reason}",
        )
        self._audit(actor, campaign, "admin.campaign_paused", client, reason=reason)
        return campaign

    async def cancel_campaign(
        self, actor: User, campaign_id: int, *, reason: str, client: ClientInfo
    ) -> Campaign:
        campaign = await self.campaigns.get_or_404(campaign_id, for_update=True)
        if campaign.status in FINISHED:
            raise Conflict(
                f"A {campaign.status.value.lower()} campaign cannot be cancelled", field="status"
            )
        stop_campaigns(
            self.session,
            [campaign],
            status=CampaignStatus.CANCELLED,
            reason=f"Cancelled by an admin: {reason}",
        )
        self._audit(actor, campaign, "admin.campaign_cancelled", client, reason=reason)
        return campaign

    def _audit(
        self, actor: User, campaign: Campaign, action: str, client: ClientInfo, **details: Any
    ) -> None:
        record_audit(
            self.session,
            action=action,
            actor_id=actor.id,
            subject_user_id=campaign.user_id,
            ip_address=client.ip_address,
            details={"campaign_id": campaign.id, **details},
        )

    # ---- numbers ---------------------------------------------------------------------------

    async def search_numbers(self, where: NumberFilter, params: PageParams) -> Page[NumberView]:
        page = await self.senders.paginate(number_search_statement(where), params)
        return page.map(NumberView.model_validate)

    async def suspend_number(
        self, actor: User, sender_id: int, *, reason: str, client: ClientInfo
    ) -> Sender:
        """Stop the platform sending from this number, wherever it is connected: the dispatcher
        lets go of it and takes it no more, and its campaigns pause, saying why."""
        sender = await self.senders.get_or_404(sender_id, name="number", for_update=True)
        if sender.suspended_at is not None:
            raise Conflict("This number is already suspended", field="status")
        sender.suspended_at = utc_now()
        sender.suspended_reason = reason[:255]
        campaigns = await self.admin.live_campaigns(sender_id=sender.id)
        shown = sender.phone or sender.display_name
        stop_campaigns(
            self.session,
            campaigns,
            status=CampaignStatus.PAUSED,
            reason=f"Paused: WhatsApp number {shown} was suspended by an admin: {reason}",
        )
        record_audit(
            self.session,
            action="admin.number_suspended",
            actor_id=actor.id,
            subject_user_id=sender.user_id,
            ip_address=client.ip_address,
            details={
                "sender_id": sender.id,
                "reason": reason,
                "paused_campaigns": [campaign.id for campaign in campaigns],
            },
        )
        return sender

    async def restore_number(self, actor: User, sender_id: int, *, client: ClientInfo) -> Sender:
        """Lift a suspension; the campaigns it paused stay paused for their owner to resume."""
        sender = await self.senders.get_or_404(sender_id, name="number", for_update=True)
        if sender.suspended_at is None:
            raise Conflict("This number is not suspended", field="status")
        sender.suspended_at = None
        sender.suspended_reason = None
        record_audit(
            self.session,
            action="admin.number_restored",
            actor_id=actor.id,
            subject_user_id=sender.user_id,
            ip_address=client.ip_address,
            details={"sender_id": sender.id},
        )
        return sender
